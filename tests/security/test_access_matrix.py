"""The authorization matrix: every route of the app (API operations and pages, taken from the url_map)
× every role × our university's object / another university's object, each cell with the answer it
must get. API.md: 404 for what the caller may not see, 403 for what they may see but not do.

Columns, in this order (the people of university A; national roles at the ministry / operator):
    anon  process_admin  moe_reviewer  operator  university_admin  dispatcher  department_handler  student
Rows: "METHOD /rule" → {side: expected codes}. Sides: "-" (the URL names nothing org-specific),
"own" (an object of university A), "other" (the same kind of object of university B), and for the
complaint routes "psych" (a psych-hotline ticket of A, assigned to A's psych centre) and "anonymous"
(an anonymous ticket of A). Codes: HTTP status, or "login" for a redirect to the login page.

A route without a row fails the test (so a new endpoint needs its expectations written here), and so
does a row for a route that no longer exists. Cells that change state get fresh objects (a new case,
a new task) so no cell depends on another; cells that end sessions (logout, password change) act as a
fresh account of the role. Every response is also checked for the security headers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from io import BytesIO
from itertools import count
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import ApiToken, ShowcaseEntry, User
from tests.conftest import PASSWORD
from tests.pilot.test_info_reports_api import REPORT as REPORT_DATA
from tests.support.matrix_world import ROLES, MatrixWorld, png
from tests.support.workflow import DEMO, SUBMIT

Params = Callable[[MatrixWorld, str, str], dict[str, Any]]
_serial = count(1)


# ------------------------------------------------------------------ what a URL names, per side


def _ids(side_key: str, *path: str) -> Params:
    def params(mw: MatrixWorld, side: str, role: str) -> dict[str, Any]:
        value: Any = mw.side(side).ids
        for key in path:
            value = value[key]
        return {side_key: value} if not isinstance(value, dict) else value
    return params


def _pick(mapping: dict[str, tuple[str, ...]]) -> Params:
    """URL parameter name -> path into the side's ids."""
    def params(mw: MatrixWorld, side: str, role: str) -> dict[str, Any]:
        out = {}
        for name, path in mapping.items():
            value: Any = mw.side(side).ids
            for key in path:
                value = value[key]
            out[name] = value
        return out
    return params


def _const(**values: Any) -> Params:
    return lambda mw, side, role: dict(values)


def _world_attr(name: str, attr: str) -> Params:
    return lambda mw, side, role: {name: getattr(mw, attr)}


def _fresh_task(mw: MatrixWorld, side: str, role: str) -> dict[str, Any]:
    return {"task_id": mw.new_instance(side)["task_id"]}


def _fresh_claimed_task(mw: MatrixWorld, side: str, role: str) -> dict[str, Any]:
    task_id = mw.new_instance(side)["task_id"]
    uni = mw.side(side).people["university_admin"]
    assert mw.client.post(f"/api/v1/tasks/{task_id}/claim", headers=mw.headers[uni]).status_code == 200
    return {"task_id": task_id}


def _fresh_instance(mw: MatrixWorld, side: str, role: str) -> dict[str, Any]:
    return {"instance_id": mw.new_instance(side)["instance_id"]}


def _fresh_complaint_step(mw: MatrixWorld, side: str, role: str) -> dict[str, Any]:
    made = mw.new_complaint(side)
    return {"complaint_id": made["complaint_id"], "task_id": made["task_id"]}


def _fresh_post(mw: MatrixWorld, side: str, role: str) -> dict[str, Any]:
    return {"post_id": mw.new_post(side)["post_id"]}


def _fresh_post_review(mw: MatrixWorld, side: str, role: str) -> dict[str, Any]:
    return {"task_id": mw.new_post(side)["task_id"]}


def _fresh_period(mw: MatrixWorld, side: str, role: str) -> dict[str, Any]:
    return {"period_id": mw.new_period()}


def _token(mw: MatrixWorld, side: str, role: str) -> dict[str, Any]:
    """own: a token of the asking account; other: a token of university B's student."""
    name = mw.username(role) if side == "own" else mw.side("other").people["student"]
    with mw.app.app_context():
        user = db.session.scalar(select(User).where(User.username == (name or "student")))
        from app.core import auth

        return {"token_id": db.session.scalar(select(ApiToken.id).where(
            ApiToken.token_hash == auth._digest(auth.issue_token(user).token)))}


INSTANCE = _ids("instance_id", "instance_id")
TASK = _ids("task_id", "task_id")
COMPLAINT = _pick({"complaint_id": ("complaint", "complaint_id")})
PHOTO = _pick({"complaint_id": ("complaint", "complaint_id"), "file_id": ("complaint", "file_id")})
POST = _pick({"post_id": ("post", "post_id")})
POST_FILE = _pick({"file_id": ("post", "file_id")})
POST_REVIEW = _pick({"task_id": ("post", "task_id")})
REPORT = _ids("report_id", "report_id")
UNIVERSITY = lambda mw, side, role: {"university_id": mw.side(side).uni.id, "org_id": mw.side(side).uni.id}  # noqa: E731
PERIOD = _world_attr("period_id", "period_id")
DEADLINE = _world_attr("deadline_id", "deadline_id")
APPLICATION = _world_attr("application_id", "application_id")
CODE = lambda mw, side, role: {"tracking_code": mw.tracking_code, "code": mw.tracking_code}  # noqa: E731
PROCESS = _const(key="demo_approval", version=1)
ASSESSMENT = _ids("assessment_id", "assessment_id")  # its university is filling in the self-assessment
IN_REVIEW = _ids("assessment_id", "review_assessment_id")  # submitted: the ministry is scoring it
ROUND = _world_attr("round_id", "round_id")
EVIDENCE = _pick({"assessment_id": ("assessment_id",), "file_id": ("evidence_file_id",)})  # cited by the assessment
OF_UNIVERSITY = lambda mw, side, role: {"?": f"university_id={mw.side(side).uni.id}"}  # noqa: E731
DATASET = lambda mw, side, role: {"key": "post_activity", "fmt": "json",  # noqa: E731
                                  "?": f"university_id={mw.side(side).uni.id}"}
COMPARE = lambda mw, side, role: {"?": f"university_ids={mw.world.uni.id},{mw.world.other_uni.id}"}  # noqa: E731


def SHOWCASE(mw: MatrixWorld, side: str, role: str) -> dict[str, Any]:  # noqa: N802
    """An admitted 成果展示 entry of the side's university: a fresh one for the roles whose withdrawal
    succeeds (so each such cell has one to withdraw), the side's standing one for the rest."""
    if role in ("process_admin", "operator"):
        return {"entry_id": mw.new_showcase_entry(side)}
    return {"entry_id": mw.side(side).ids["showcase_entry_id"]}


def COMPLAINT_ANY(mw: MatrixWorld, side: str, role: str) -> dict[str, Any]:  # noqa: N802
    """A complaint of the side; for the "psych" and "anonymous" sides, that ticket of university A."""
    made = mw.side("own").ids[side] if side in ("psych", "anonymous") else mw.side(side).ids["complaint"]
    return {"complaint_id": made["complaint_id"], "file_id": made["file_id"], "task_id": made["task_id"]}


def INSTANCE_ANY(mw: MatrixWorld, side: str, role: str) -> dict[str, Any]:  # noqa: N802
    """own/other: a demo_approval case; psych/anonymous: that complaint's case."""
    if side in ("psych", "anonymous"):
        return {"instance_id": mw.side("own").ids[side]["instance_id"]}
    return INSTANCE(mw, side, role)


# ------------------------------------------------------------------ bodies


def _json(value: Any) -> Callable[[MatrixWorld, str, str], dict[str, Any]]:
    return lambda mw, side, role: {"json": value() if callable(value) else value}


def _form(value: Any = None) -> Callable[[MatrixWorld, str, str], dict[str, Any]]:
    return lambda mw, side, role: {"data": dict(value() if callable(value) else (value or {}))}


def _today(days: int = 0) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def _own_credentials(mw: MatrixWorld, side: str, role: str) -> dict[str, Any]:
    name = mw.username(role)
    return {"json": {"username": name or "nobody", "password": PASSWORD if name else "wrong-password-1"}}


def _login_form(mw: MatrixWorld, side: str, role: str) -> dict[str, Any]:
    name = mw.username(role)
    return {"data": {"username": name or "nobody", "password": PASSWORD if name else "wrong-password-1"}}


def _multipart(kind: str = "image") -> Callable[[MatrixWorld, str, str], dict[str, Any]]:
    return lambda mw, side, role: {"data": {"kind": kind, "file": (BytesIO(png()), "a.png")},
                                   "content_type": "multipart/form-data"}


DORM = {"channel": "logistics_hotline", "category": "dormitory", "title": "宿舍热水器坏了",
        "content": "3号楼热水器坏了三天，没有热水洗澡。", "anonymous": False}
def APPLICATION_BODY() -> dict[str, Any]:  # noqa: N802
    return {"university_name": f"示范大学{next(_serial)}", "province": "江苏", "school_type": "undergraduate",
            "contact_name": "王老师", "contact_phone": "025-88886666", "contact_email": "wang@jnu.example.cn",
            "plan_text": "以书院制学生社区为载体，推进党建引领、队伍入驻、学生参与。"}


NOMINATION = {"kind": "typical_experience", "reason": "典型"}
POST_BODY = {"module": "overview", "title": "社区建设进展", "body_html": "<p>正文内容</p>"}


# ------------------------------------------------------------------ the rows


@dataclass
class Row:
    expect: dict[str, str]
    params: Params | None = None
    body: Callable[[MatrixWorld, str, str], dict[str, Any]] | None = None
    fresh_actor: bool = False  # act as a new account of the role (the cell ends its sessions)
    outcome: Callable[[Any, MatrixWorld], str] | None = None  # the answer, read from more than the status
    sides: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        self.sides = tuple(self.expect)


def r(own: str, other: str | None = None, params: Params | None = None, **kwargs: Any) -> Row:
    expect = {"own": own, "other": other} if other is not None else {"-": own}
    return Row(expect, params, **kwargs)


def rs(params: Params | None = None, **expect_and_kwargs: Any) -> Row:
    """A row with named sides: rs(PARAMS, own="...", other="...", psych="...")."""
    expect = {k: v for k, v in expect_and_kwargs.items() if k in ("own", "other", "psych", "anonymous")}
    kwargs = {k: v for k, v in expect_and_kwargs.items() if k not in expect}
    return Row(expect, params, **kwargs)


def _token_outcome(response: Any, mw: MatrixWorld) -> str:
    """The status, and whether the token named in the URL was revoked."""
    if response.status_code in (301, 302, 303) and "/login" in response.headers.get("Location", ""):
        return "login"
    with mw.app.app_context():
        token = db.session.get(ApiToken, mw.last["token_id"])
        return f"{response.status_code}:{'revoked' if token.revoked_at else 'kept'}"


def _showcase_outcome(response: Any, mw: MatrixWorld) -> str:
    """The status, and whether the entry named in the URL is still in the column afterwards."""
    status = _outcome(response)
    with mw.app.app_context():
        entry = db.session.get(ShowcaseEntry, mw.last["entry_id"])
        return f"{status}:{entry.status}"


WITHDRAW_API = ("401:admitted 200:withdrawn 403:admitted 200:withdrawn 403:admitted 403:admitted 403:admitted "
                "403:admitted")
WITHDRAW_PAGE = ("login:admitted 302:withdrawn 403:admitted 302:withdrawn 403:admitted 403:admitted "
                 "403:admitted 403:admitted")


def _bulk_outcome(response: Any, mw: MatrixWorld) -> str:
    if response.status_code != 200:
        return str(response.status_code)
    return f"item{response.get_json()['items'][0]['status']}"


ALL_401 = "401 401 401 401 401 401 401 401"

# fmt: off
MATRIX: dict[str, Row] = {
    # ---------------------------------------------------------------- API: accounts
    "POST /api/v1/auth/token":              r("401 200 200 200 200 200 200 200", body=_own_credentials),
    "DELETE /api/v1/auth/token":            r("401 204 204 204 204 204 204 204", fresh_actor=True),
    "GET /api/v1/me":                       r("401 200 200 200 200 200 200 200"),
    "GET /api/v1/openapi.json":             r("200 200 200 200 200 200 200 200"),
    "POST /api/v1/orgs":                    r("401 201 403 403 403 403 403 403",
                                              body=lambda mw, s, ro: {"json": {"name": "新部门", "kind": "department",
                                                                               "parent_id": mw.side(s).uni.id}}),
    "GET /api/v1/orgs":                     r("401 200 200 200 403 403 403 403"),
    "GET /api/v1/orgs/<int:org_id>":        r("401 200 200 200 200 200 200 200",
                                              "401 200 200 200 404 404 404 404", UNIVERSITY),
    "POST /api/v1/users":                   r("401 201 403 403 403 403 403 403", body=lambda mw, s, ro: {"json": {
        "username": f"new{next(_serial)}", "password": PASSWORD, "display_name": "新用户",
        "org_id": mw.world.operator_org.id, "roles": ["operator"]}}),
    # ---------------------------------------------------------------- API: processes, instances, tasks
    "GET /api/v1/processes":                r("401 200 200 200 200 200 200 200"),
    "POST /api/v1/processes":               r("401 200 403 403 403 403 403 403",
                                              body=lambda mw, s, ro: {"data": DEMO, "content_type": "application/xml"}),
    "POST /api/v1/processes/<string:key>/instances": r("401 201 403 403 201 403 403 403", params=PROCESS,
                                                       body=_json({"data": {}})),
    # A complaint's case follows the complaint's rule alone: a process_admin does not read it either.
    "GET /api/v1/instances/<int:instance_id>": rs(
        INSTANCE_ANY, own="401 200 200 200 200 404 404 404", other="401 200 200 200 404 404 404 404",
        psych="401 404 404 404 404 200 404 200", anonymous="401 404 404 404 200 200 404 200"),
    "POST /api/v1/instances/<int:instance_id>/cancel": r("401 200 403 403 403 404 404 404",
                                                         "401 200 403 403 404 404 404 404", _fresh_instance,
                                                         body=_json({"reason": "测试"})),
    "GET /api/v1/tasks":                    r("401 200 200 200 200 200 200 200"),
    "GET /api/v1/tasks/<int:task_id>":      r("401 200 404 404 200 404 404 404",
                                              "401 200 404 404 404 404 404 404", TASK),
    "POST /api/v1/tasks/<int:task_id>/claim": r("401 403 404 404 200 404 404 404",
                                                "401 403 404 404 404 404 404 404", _fresh_task),
    "POST /api/v1/tasks/<int:task_id>/unclaim": r("401 200 404 404 200 404 404 404",
                                                  "401 200 404 404 404 404 404 404", _fresh_claimed_task),
    "POST /api/v1/tasks/<int:task_id>/comments": r("401 201 404 404 201 404 404 404",
                                                   "401 201 404 404 404 404 404 404", TASK,
                                                   body=_json({"body": "请尽快提交"})),
    "POST /api/v1/tasks/<int:task_id>/complete": r("401 403 404 404 200 404 404 404",
                                                   "401 403 404 404 404 404 404 404", _fresh_task,
                                                   body=_json({"data": SUBMIT})),
    "POST /api/v1/tasks/complete": r("401 item403 item404 item404 item200 item404 item404 item404",
                                     "401 item403 item404 item404 item404 item404 item404 item404",
                                     _fresh_task, outcome=_bulk_outcome,
                                     body=lambda mw, s, ro: {"json": {"task_ids": [mw.last["task_id"]],
                                                                      "data": SUBMIT}}),
    # ---------------------------------------------------------------- API: Flow A, 信息表
    "POST /api/v1/pilot-applications":      r("201 201 201 201 201 201 201 201", body=_json(APPLICATION_BODY)),
    "GET /api/v1/pilot-applications":       r("401 200 200 200 403 403 403 403"),
    "GET /api/v1/pilot-applications/export": r("401 200 200 200 403 403 403 403"),
    "GET /api/v1/pilot-applications/<string:tracking_code>": r("200 200 200 200 200 200 200 200", params=CODE),
    # the tracking code is the capability (public): the same answer for everyone; not returned, so 409
    "PUT /api/v1/pilot-applications/<string:tracking_code>": r("409 409 409 409 409 409 409 409", params=CODE,
                                                               body=_json(APPLICATION_BODY)),
    "GET /api/v1/pilots":                   r("401 200 200 200 403 403 403 403"),
    "GET /api/v1/pilots/export":            r("401 200 200 200 403 403 403 403"),
    "GET /api/v1/review-windows":           r("401 200 200 200 403 403 403 403"),
    "POST /api/v1/review-windows":          r("401 201 403 403 403 403 403 403", body=_json(lambda: {
        "starts_on": _today(200 + next(_serial) * 20), "ends_on": _today(205 + next(_serial) * 20)})),
    "GET /api/v1/report-periods":           r("401 200 200 200 200 200 200 200"),
    "POST /api/v1/report-periods":          r("401 201 201 403 403 403 403 403", body=_json(lambda: {
        "code": f"M{next(_serial)}", "name": "学期", "starts_on": _today(-10), "ends_on": _today(90),
        "due_designated": _today(30), "due_self_pilot": _today(40)})),
    "GET /api/v1/report-periods/<int:period_id>/missing": r("401 200 200 200 403 403 403 403", params=PERIOD),
    "GET /api/v1/report-periods/<int:period_id>/my-report": r("401 403 403 403 200 403 403 403", params=PERIOD),
    "PUT /api/v1/report-periods/<int:period_id>/my-report": r("401 403 403 403 200 403 403 403", params=PERIOD,
                                                              body=_json({"data": {"basic_buildings": 21}})),
    "POST /api/v1/report-periods/<int:period_id>/my-report/submit": r(
        "401 403 403 403 200 403 403 403", params=_fresh_period, body=_json({"data": REPORT_DATA})),
    "GET /api/v1/info-reports":             r("401 200 200 200 200 200 200 200"),
    "GET /api/v1/info-reports/<int:report_id>": r("401 200 200 200 200 404 404 404",
                                                  "401 200 200 200 404 404 404 404", REPORT),
    # ---------------------------------------------------------------- API: 接诉即办
    "POST /api/v1/complaints":              r("401 403 403 403 403 403 403 201", body=_json(DORM)),
    "POST /api/v1/complaints/calls":        r("401 403 403 403 403 201 403 403",
                                              body=_json({**DORM, "caller_name": "来电学生"})),
    "GET /api/v1/complaints":               r("401 200 200 200 200 200 200 200"),
    "GET /api/v1/complaints/settings":      r("401 200 200 200 200 200 200 200"),  # what may be filed
    # A complaint is seen by its student, its university's dispatchers and leadership (university_admin;
    # not psych tickets), the departments it was assigned to (psych tickets: only the psych centre).
    # Not by national roles, process_admin included.
    "GET /api/v1/complaints/<int:complaint_id>": rs(
        COMPLAINT_ANY, own="401 404 404 404 200 200 404 200", other="401 404 404 404 404 404 404 404",
        psych="401 404 404 404 404 200 404 200", anonymous="401 404 404 404 200 200 404 200"),
    "GET /api/v1/complaints/<int:complaint_id>/similar": rs(
        COMPLAINT_ANY, own="401 404 404 404 404 200 404 404", other="401 404 404 404 404 404 404 404",
        psych="401 404 404 404 404 200 404 404", anonymous="401 404 404 404 404 200 404 404"),
    "GET /api/v1/complaints/topics":        r("401 200 200 200 200 200 200 403"),
    "GET /api/v1/metrics/complaints":       r("401 200 200 200 200 200 200 403"),
    # ---------------------------------------------------------------- API: 育人号
    "POST /api/v1/post-files":              r("401 403 403 403 201 403 403 403", body=_multipart()),
    "POST /api/v1/posts":                   r("401 403 403 403 201 403 403 403", body=_json(POST_BODY)),
    "GET /api/v1/posts":                    r("401 200 200 200 200 200 200 200"),
    "GET /api/v1/posts/<int(max=2147483647):post_id>": r("401 200 200 200 200 404 404 404",
                                                         "401 200 200 200 404 404 404 404", POST),
    "PUT /api/v1/posts/<int(max=2147483647):post_id>": r("401 403 403 403 409 403 403 403",
                                                         "401 403 403 403 404 403 403 403", POST,
                                                         body=_json(POST_BODY)),
    "GET /api/v1/posts/<int(max=2147483647):post_id>/revisions": r("401 200 200 200 200 404 404 404",
                                                                   "401 200 200 200 404 404 404 404", POST),
    "POST /api/v1/posts/<int(max=2147483647):post_id>/comments": r("401 201 201 201 403 403 403 403",
                                                                   "401 201 201 201 403 403 403 403", POST,
                                                                   body=_json({"quote": "正文", "body": "请补充"})),
    "POST /api/v1/posts/<int(max=2147483647):post_id>/showcase": r("401 403 403 409 403 403 403 403",
                                                                   "401 403 403 409 403 403 403 403", POST,
                                                                   body=_json(NOMINATION)),
    # the column is public: every role may see an entry of either university; only the platform withdraws
    "POST /api/v1/showcase/<int(max=2147483647):entry_id>/withdraw": r(WITHDRAW_API, WITHDRAW_API, SHOWCASE,
                                                                       outcome=_showcase_outcome),
    "GET /api/v1/public/posts":             r("200 200 200 200 200 200 200 200"),
    "GET /api/v1/public/posts/<int(max=2147483647):post_id>": r("404 404 404 404 404 404 404 404",
                                                                "404 404 404 404 404 404 404 404", POST),
    "GET /api/v1/public/showcase":          r("200 200 200 200 200 200 200 200"),
    "GET /api/v1/post-deadlines":           r("401 200 200 200 200 403 403 403"),
    "POST /api/v1/post-deadlines":          r("401 201 201 403 403 403 403 403", body=_json({
        "name": "期限", "due_designated": _today(30), "due_self_pilot": _today(60)})),
    "GET /api/v1/post-deadlines/<int(max=2147483647):deadline_id>/behind": r("401 200 200 200 403 403 403 403",
                                                                              params=DEADLINE),
    # ---------------------------------------------------------------- pages: public, accounts
    "GET /":                                r("200 200 200 200 200 200 200 200"),
    "GET /api-docs":                        r("200 200 200 200 200 200 200 200"),
    "GET /favicon.ico":                     r("301 301 301 301 301 301 301 301"),
    "GET /login":                           r("200 302 302 302 302 302 302 302"),
    "POST /login":                          r("401 302 302 302 302 302 302 302", body=_login_form, fresh_actor=True),
    "POST /logout":                         r("login 302 302 302 302 302 302 302", fresh_actor=True),
    "GET /account":                         r("login 200 200 200 200 200 200 200"),
    "POST /account/password":               r("login 302 302 302 302 302 302 302", fresh_actor=True,
                                              body=_form({"current_password": PASSWORD,
                                                          "new_password": "Another-pass-2026"})),
    # someone else's token id is silently ignored (and stays valid): see _token_outcome
    "POST /account/tokens/<int:token_id>/revoke": r("login 302:revoked 302:revoked 302:revoked 302:revoked "
                                                    "302:revoked 302:revoked 302:revoked",
                                                    "login 302:kept 302:kept 302:kept 302:kept 302:kept 302:kept "
                                                    "302:kept", _token, outcome=_token_outcome),
    "GET /secrets":                         r("login 200 200 200 200 200 200 200"),
    "GET /notifications":                   r("login 200 200 200 200 200 200 200"),
    "POST /notifications/read-all":         r("login 302 302 302 302 302 302 302"),
    # ---------------------------------------------------------------- pages: platform administration
    "GET /admin/calendar":                  r("login 200 403 403 403 403 403 403"),
    "POST /admin/calendar":                 r("login 302 403 403 403 403 403 403",
                                              body=_form({"day": "2099-10-08", "kind": "holiday", "note": "调休"})),
    "POST /admin/calendar/<day>/remove":    r("login 302 403 403 403 403 403 403", params=_const(day="2099-10-08")),
    "GET /admin/instances/health":          r("login 200 403 403 403 403 403 403"),
    "GET /admin/orgs":                      r("login 200 200 200 403 403 403 403"),
    "GET /admin/orgs/new":                  r("login 200 403 403 403 403 403 403"),
    "POST /admin/orgs/new":                 r("login 302 403 403 403 403 403 403",
                                              body=lambda mw, s, ro: {"data": {"name": "新部门", "kind": "department",
                                                                               "parent_id": str(mw.side(s).uni.id)}}),
    "GET /admin/users":                     r("login 200 403 403 403 403 403 403"),
    "GET /admin/users/new":                 r("login 200 403 403 403 403 403 403"),
    "POST /admin/users/new":                r("login 302 403 403 403 403 403 403", body=lambda mw, s, ro: {"data": {
        "username": f"page{next(_serial)}", "password": PASSWORD, "display_name": "新用户",
        "org_id": str(mw.world.operator_org.id), "roles": "operator"}}),
    "GET /admin/processes":                 r("login 200 403 403 403 403 403 403"),
    "POST /admin/processes":                r("login 302 403 403 403 403 403 403",
                                              body=lambda mw, s, ro: {"data": {"file": (BytesIO(DEMO), "d.bpmn")},
                                                                      "content_type": "multipart/form-data"}),
    "GET /admin/processes/new":             r("login 200 403 403 403 403 403 403"),
    "GET /admin/processes/<key>":           r("login 200 403 403 403 403 403 403", params=PROCESS),
    "GET /admin/processes/<key>/edit":      r("login 200 403 403 403 403 403 403", params=PROCESS),
    "POST /admin/processes/deploy":         r("login 200 403 403 403 403 403 403",
                                              body=lambda mw, s, ro: {"data": DEMO, "content_type": "application/xml"}),
    "GET /processes/<key>/<int:version>.bpmn": r("login 200 200 200 200 200 200 200", params=PROCESS),
    # ---------------------------------------------------------------- pages: workflow
    "GET /tasks":                           r("login 200 200 200 200 200 200 200"),
    "POST /tasks/bulk":                     r("login 302 302 302 302 302 302 302", body=_form({"scope": "group"})),
    "GET /tasks/<int:task_id>":             r("login 200 404 404 200 404 404 404",
                                              "login 200 404 404 404 404 404 404", TASK),
    "POST /tasks/<int:task_id>/claim":      r("login 403 404 404 302 404 404 404",
                                              "login 403 404 404 404 404 404 404", _fresh_task),
    "POST /tasks/<int:task_id>/unclaim":    r("login 302 404 404 302 404 404 404",
                                              "login 302 404 404 404 404 404 404", _fresh_claimed_task),
    "POST /tasks/<int:task_id>/comments":   r("login 302 404 404 302 404 404 404",
                                              "login 302 404 404 404 404 404 404", TASK,
                                              body=_form({"body": "请尽快"})),
    "POST /tasks/<int:task_id>/complete":   r("login 403 404 404 302 404 404 404",
                                              "login 403 404 404 404 404 404 404", _fresh_task, body=_form(SUBMIT)),
    "GET /instances/<int:instance_id>":     rs(
        INSTANCE_ANY, own="login 200 200 200 200 404 404 404", other="login 200 200 200 404 404 404 404",
        psych="login 404 404 404 404 200 404 200", anonymous="login 404 404 404 200 200 404 200"),
    "POST /instances/<int:instance_id>/cancel": r("login 302 403 403 403 403 403 403",
                                                  "login 302 403 403 403 403 403 403", _fresh_instance,
                                                  body=_form({"reason": "测试终止"})),
    "POST /instances/<int:instance_id>/retry": r("login 302 403 403 403 403 403 403",
                                                 "login 302 403 403 403 403 403 403", _fresh_instance),
    # ---------------------------------------------------------------- pages: Flow A, 信息表
    "GET /apply":                           r("200 200 200 200 200 200 200 200"),
    "POST /apply":                          r("303 303 303 303 303 303 303 303", body=_form(APPLICATION_BODY)),
    "GET /apply/status":                    r("200 200 200 200 200 200 200 200"),
    "GET /apply/submitted/<code>":          r("200 200 200 200 200 200 200 200", params=CODE),
    "GET /apply/<code>/amend":              r("302 302 302 302 302 302 302 302", params=CODE),
    "POST /apply/<code>/amend":             r("302 302 302 302 302 302 302 302", params=CODE,
                                              body=_form(APPLICATION_BODY)),
    "GET /pilot/applications":              r("login 200 200 200 403 403 403 403"),
    "GET /pilot/applications.<any(csv, xlsx):fmt>": r("login 200 200 200 403 403 403 403"),
    "GET /pilot/applications/<int:application_id>": r("login 200 200 200 403 403 403 403", params=APPLICATION),
    "GET /pilot/applications/<int:application_id>/plan": r("login 404 404 404 403 403 403 403", params=APPLICATION),
    "GET /pilot/batch":                     r("login 403 200 403 403 403 403 403"),
    "POST /pilot/batch":                    r("login 403 422 403 403 403 403 403", body=_form({"decision": "approve"})),
    "GET /pilot/pilots":                    r("login 200 200 200 403 403 403 403"),
    "GET /pilot/pilots.<any(csv, xlsx):fmt>": r("login 200 200 200 403 403 403 403"),
    "GET /pilot/windows":                   r("login 200 200 200 403 403 403 403"),
    "POST /pilot/windows":                  r("login 303 403 403 403 403 403 403", body=_form(lambda: {
        "starts_on": _today(1000 + next(_serial) * 20), "ends_on": _today(1005 + next(_serial) * 20)})),
    "GET /reports":                         r("login 200 200 200 200 403 403 403"),
    "POST /reports/periods":                r("login 303 303 403 403 403 403 403", body=_form(lambda: {
        "code": f"P{next(_serial)}", "name": "学期", "starts_on": _today(-10), "ends_on": _today(90),
        "due_designated": _today(30), "due_self_pilot": _today(40)})),
    "GET /reports/periods/<int:period_id>": r("login 200 200 200 403 403 403 403", params=PERIOD),
    "GET /reports/periods/<int:period_id>/missing": r("login 200 200 200 403 403 403 403", params=PERIOD),
    "GET /reports/<int:period_id>":         r("login 403 403 403 200 403 403 403", params=PERIOD),
    "POST /reports/<int:period_id>":        r("login 403 403 403 303 403 403 403", params=PERIOD,
                                              body=_form({"basic_buildings": "22"})),
    "GET /reports/view/<int:report_id>":    r("login 200 200 200 200 404 404 404",
                                              "login 200 200 200 404 404 404 404", REPORT),
    # ---------------------------------------------------------------- pages: 接诉即办
    "GET /complaints/mine":                 r("login 403 403 403 403 403 403 200"),
    "GET /complaints/new":                  r("login 403 403 403 403 403 403 200"),
    "POST /complaints/new":                 r("login 403 403 403 403 403 403 302", body=_form(DORM)),
    "GET /complaints/dispatch":             r("login 403 403 403 403 200 403 403"),
    "GET /complaints/dispatch/call":        r("login 403 403 403 403 200 403 403"),
    "POST /complaints/dispatch/call":       r("login 403 403 403 403 302 403 403",
                                              body=_form({**DORM, "caller_name": "来电学生"})),
    "GET /complaints/department":           r("login 403 403 403 403 403 200 403"),
    "GET /complaints/metrics":              r("login 200 200 200 200 200 200 403"),
    "GET /complaints/metrics.<any(csv, xlsx):fmt>": r("login 200 200 200 200 200 200 403"),
    "GET /complaints/topics":               r("login 200 200 200 200 200 200 403"),
    "GET /complaints/<int:complaint_id>":   rs(COMPLAINT_ANY, own="login 404 404 404 200 200 404 200",
                                               other="login 404 404 404 404 404 404 404",
                                               psych="login 404 404 404 404 200 404 200",
                                               anonymous="login 404 404 404 200 200 404 200"),
    "GET /complaints/<int:complaint_id>/photos/<int:file_id>": rs(
        COMPLAINT_ANY, own="login 404 404 404 200 200 404 200", other="login 404 404 404 404 404 404 404",
        psych="login 404 404 404 404 200 404 200", anonymous="login 404 404 404 200 200 404 200"),
    "POST /complaints/<int:complaint_id>/steps/<int:task_id>": r(
        "login 404 404 404 404 302 404 404", "login 404 404 404 404 404 404 404", _fresh_complaint_step,
        body=lambda mw, s, ro: {"data": {"action": "assign", "department_id": str(
            (mw.world.logistics if s == "own" else mw.world.other_logistics).id), "deadline_days": "3"}}),
    # ---------------------------------------------------------------- pages: 育人号
    "GET /yurenhao":                        r("200 200 200 200 200 200 200 200"),
    "GET /yurenhao/feed.atom":              r("200 200 200 200 200 200 200 200"),
    "GET /yurenhao/showcase":               r("200 200 200 200 200 200 200 200"),
    "GET /yurenhao/u/<int(max=2147483647):university_id>": r("200 200 200 200 200 200 200 200",
                                                             "200 200 200 200 200 200 200 200", UNIVERSITY),
    "GET /yurenhao/p/<int(max=2147483647):post_id>": r("404 404 404 404 404 404 404 404",
                                                       "404 404 404 404 404 404 404 404", POST),
    "GET /media/posts/<int(max=2147483647):file_id>": r("404 200 200 200 200 404 404 404",
                                                        "404 200 200 200 404 404 404 404", POST_FILE),
    "GET /yurenhao/manage":                 r("login 403 403 403 200 403 403 403"),
    "GET /yurenhao/manage/new":             r("login 403 403 403 200 403 403 403"),
    "POST /yurenhao/manage/new":            r("login 403 403 403 302 403 403 403", body=_form(POST_BODY)),
    "POST /yurenhao/manage/autosave":       r("login 403 403 403 200 403 403 403", body=_form(POST_BODY)),
    "POST /yurenhao/manage/images":         r("login 403 403 403 201 403 403 403",
                                              body=lambda mw, s, ro: {"data": {"file": (BytesIO(png()), "a.png")},
                                                                      "content_type": "multipart/form-data"}),
    "GET /yurenhao/manage/<int(max=2147483647):post_id>": r("login 403 403 403 200 403 403 403",
                                                            "login 403 403 403 404 403 403 403", POST),
    "POST /yurenhao/manage/<int(max=2147483647):post_id>": r("login 403 403 403 302 403 403 403",
                                                             "login 403 403 403 404 403 403 403", _fresh_post,
                                                             body=_form(POST_BODY)),
    "POST /yurenhao/manage/<int(max=2147483647):post_id>/autosave": r("login 403 403 403 409 403 403 403",
                                                                      "login 403 403 403 404 403 403 403", POST,
                                                                      body=_form(POST_BODY)),
    "POST /yurenhao/manage/<int(max=2147483647):post_id>/discard": r("login 403 403 403 409 403 403 403",
                                                                     "login 403 403 403 404 403 403 403", POST),
    "GET /yurenhao/deadlines":              r("login 200 200 200 403 403 403 403"),
    "POST /yurenhao/deadlines":             r("login 302 302 403 403 403 403 403", body=_form(lambda: {
        "name": f"期限{next(_serial)}", "due_designated": _today(30), "due_self_pilot": _today(60)})),
    "GET /yurenhao/deadlines/<int(max=2147483647):deadline_id>": r("login 200 200 200 403 403 403 403",
                                                                   params=DEADLINE),
    "GET /yurenhao/review":                 r("login 200 200 200 403 403 403 403"),
    "GET /yurenhao/review/posts/<int(max=2147483647):post_id>": r("login 200 200 200 403 403 403 403",
                                                                  "login 200 200 200 403 403 403 403", POST),
    "POST /yurenhao/review/posts/<int(max=2147483647):post_id>/notes": r(
        "login 302 302 302 403 403 403 403", "login 302 302 302 403 403 403 403", POST,
        body=_form({"quote": "正文", "body": "请补充"})),
    "POST /yurenhao/review/posts/<int(max=2147483647):post_id>/nominate": r(
        "login 403 403 302 403 403 403 403", "login 403 403 302 403 403 403 403", POST,
        body=_form({"kind": "typical_experience", "reason": "典型"})),
    "POST /yurenhao/review/showcase/<int(max=2147483647):entry_id>/withdraw": r(
        WITHDRAW_PAGE, WITHDRAW_PAGE, SHOWCASE, outcome=_showcase_outcome),
    "GET /yurenhao/review/tasks/<int(max=2147483647):task_id>": r("login 200 404 200 403 403 403 403",
                                                                  "login 200 404 200 403 403 403 403", POST_REVIEW),
    "POST /yurenhao/review/tasks/<int(max=2147483647):task_id>/complete": r(
        "login 403 404 302 403 403 403 403", "login 403 404 302 403 403 403 403", _fresh_post_review,
        body=_form({"decision": "approve"})),
    # ---------------------------------------------------------------- data platform: 指标, 考核验收, 大屏
    "GET /api/v1/indicators":               r("401 200 200 200 200 200 200 200"),
    "GET /api/v1/indicators/versions":      r("401 200 200 200 200 200 200 200"),
    "GET /indicators":                      r("login 200 200 200 200 200 200 200"),
    "POST /api/v1/assessment-rounds":       r("401 201 201 403 403 403 403 403", body=lambda mw, s, ro: {"json": {
        "name": f"考核{next(_serial)}", "self_due": _today(20), "university_ids": [mw.world.uni.id]}}),
    "GET /api/v1/assessment-rounds":        r("401 200 200 200 403 403 403 403"),
    "GET /api/v1/assessment-rounds/<int(max=2147483647):round_id>": r("401 200 200 200 404 404 404 404",
                                                                      params=ROUND),
    "GET /api/v1/assessments":              r("401 200 200 200 200 200 200 200"),
    "GET /api/v1/assessments/<int(max=2147483647):assessment_id>": r("401 200 200 200 200 404 404 404",
                                                                     "401 200 200 200 404 404 404 404", ASSESSMENT),
    "PUT /api/v1/assessments/<int(max=2147483647):assessment_id>/self": r(
        "401 403 403 403 200 404 404 404", "401 403 403 403 404 404 404 404", ASSESSMENT,
        body=_json({"items": [{"code": "1.1", "rating": "met", "statement": "已落实。"}]})),
    "POST /api/v1/assessments/<int(max=2147483647):assessment_id>/self/submit": r(
        "401 403 404 404 422 404 404 404", "401 403 404 404 404 404 404 404", ASSESSMENT, body=_json({})),
    # scoring and deciding: the ministry's review task (moe_reviewer); others see it (404) or not (403)
    "PUT /api/v1/assessments/<int(max=2147483647):assessment_id>/scores": r(
        "401 403 200 403 403 404 404 404", "401 403 200 403 404 404 404 404", IN_REVIEW,
        body=_json({"items": [{"code": "1.1", "score": 90}]})),
    "POST /api/v1/assessments/<int(max=2147483647):assessment_id>/decision": r(
        "401 403 422 404 404 404 404 404", "401 403 422 404 404 404 404 404", IN_REVIEW,
        body=_json({"decision": "pass", "opinion": "好"})),  # not scored yet: 422 once past the access check
    "POST /api/v1/assessment-files":        r("401 403 403 403 201 403 403 403", body=lambda mw, s, ro: {
        "data": {"file": (BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), "e.pdf")},
        "content_type": "multipart/form-data"}),
    "GET /assessments":                     r("login 200 200 200 200 403 403 403"),
    "POST /assessments/rounds":             r("login 302 302 403 403 403 403 403", body=lambda mw, s, ro: {"data": {
        "name": f"考核{next(_serial)}", "self_due": _today(20), "university_ids": str(mw.world.uni.id)}}),
    "GET /assessments/rounds/<int(max=2147483647):round_id>": r("login 200 200 200 404 404 404 404", params=ROUND),
    "GET /assessments/<int(max=2147483647):assessment_id>": r("login 200 200 200 200 404 404 404",
                                                              "login 200 200 200 404 404 404 404", ASSESSMENT),
    "POST /assessments/<int(max=2147483647):assessment_id>/self": r("login 403 403 403 302 404 404 404",
                                                                    "login 403 403 403 404 404 404 404", ASSESSMENT),
    "POST /assessments/<int(max=2147483647):assessment_id>/review": r("login 403 302 403 403 404 404 404",
                                                                      "login 403 302 403 404 404 404 404", IN_REVIEW),
    "GET /assessments/<int(max=2147483647):assessment_id>/files/<int(max=2147483647):file_id>": r(
        "login 200 200 200 200 404 404 404", "login 200 200 200 404 404 404 404", EVIDENCE),
    "GET /api/v1/dashboard":                r("401 200 200 200 200 403 403 403", "401 200 200 200 404 403 403 403",
                                              OF_UNIVERSITY),
    "GET /api/v1/dashboard/<key>":          r("401 200 200 200 200 403 403 403", "401 200 200 200 404 403 403 403",
                                              DATASET),
    "GET /api/v1/dashboard/<key>/export":   r("401 200 200 200 200 403 403 403", "401 200 200 200 404 403 403 403",
                                              DATASET),
    "GET /api/v1/comparison":               r("401 200 200 200 404 403 403 403", params=COMPARE),
    "GET /dashboard":                       r("login 200 200 200 200 403 403 403"),
    "GET /dashboard/compare":               r("login 200 200 200 403 403 403 403"),
    "GET /dashboard/data/<key>.<any(json, csv, xlsx):fmt>": r("login 200 200 200 200 403 403 403",
                                                              "login 200 200 200 404 403 403 403", DATASET),
    "GET /dashboard/universities/<int(max=2147483647):university_id>": r(
        "login 200 200 200 200 403 403 403", "login 200 200 200 404 403 403 403", UNIVERSITY),
    "GET /dashboard/universities/<int(max=2147483647):university_id>/report": r(
        "login 200 200 200 200 403 403 403", "login 200 200 200 404 403 403 403", UNIVERSITY),
}
# fmt: on


# ------------------------------------------------------------------ running a cell


@dataclass
class Cell:
    key: str
    side: str
    role: str
    expected: str
    actual: str
    note: str = ""


def _fill(rule: str, params: dict[str, Any]) -> str:
    url = rule
    for name, value in params.items():
        url = re.sub(rf"<(?:[^:<>]+:)?{re.escape(name)}>", str(value), url)
    url = re.sub(r"<any\(([a-z]+)[^>]*\):fmt>", r"\1", url)
    assert "<" not in url, f"unfilled parameter in {url}"
    return url + (f"?{params['?']}" if params.get("?") else "")


def _outcome(response: Any) -> str:
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303) and "/login" in location:
        return "login"
    return str(response.status_code)


SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}


def _header_problems(response: Any) -> str:
    """Every answer: nosniff, no framing, and a CSP that allows no inline script (pages use the site-wide
    policy; files may send a stricter one of their own)."""
    missing = [k for k, v in SECURITY_HEADERS.items() if response.headers.get(k) != v]
    policy = dict((part.strip().split(" ", 1) + [""])[:2] for part in
                  response.headers.get("Content-Security-Policy", "").split(";") if part.strip())
    scripts = policy.get("script-src", policy.get("default-src", "*"))
    framing = policy.get("frame-ancestors", "'none'" if "sandbox" in policy else "*")
    if not policy or "'unsafe-inline'" in scripts or "*" in scripts.split() or framing != "'none'":
        missing.append(f"Content-Security-Policy ({response.headers.get('Content-Security-Policy')!r})")
    return ", ".join(missing)


class Matrix:
    def __init__(self, mw: MatrixWorld) -> None:
        self.mw = mw
        self.browsers: dict[str, tuple[FlaskClient, str]] = {role: mw.browser(role) for role in ROLES}

    def run(self, key: str, row: Row) -> list[Cell]:
        method, rule = key.split(" ", 1)
        cells = []
        for side in row.sides:
            expected = row.expect[side].split()
            assert len(expected) == len(ROLES), f"{key} {side}: {len(expected)} codes for {len(ROLES)} roles"
            for role, want in zip(ROLES, expected, strict=True):
                try:
                    actual, note = self.cell(method, rule, row, side, role)
                except Exception as exc:  # noqa: BLE001 - a broken cell is reported with the others
                    actual, note = "EXC", repr(exc)[:200]
                cells.append(Cell(key, side, role, want, actual, note))
        return cells

    def cell(self, method: str, rule: str, row: Row, side: str, role: str) -> tuple[str, str]:
        mw = self.mw
        object_side = "own" if side == "-" else side
        params = row.params(mw, object_side, role) if row.params is not None else {}
        object_side = "own" if side in ("psych", "anonymous") else object_side
        mw.last = params
        url = _fill(rule, params)
        body = row.body(mw, object_side, role) if row.body else {}
        if rule.startswith("/api/"):
            headers = mw.throwaway_token(role) if row.fresh_actor else mw.api_headers(role)
            if method in ("POST", "PUT") and not body:
                body = {"json": {}}
            response = mw.client.open(url, method=method, headers=headers, **body)
        else:
            if row.fresh_actor:
                browser, token = mw.browser(role, mw.fresh_person(role))
            else:
                browser, token = self.browsers[role]
            if method == "POST" and not isinstance(body.get("data"), bytes):
                data = dict(body.get("data") or {})
                data.setdefault("csrf_token", token)
                body = {**body, "data": data}
            response = browser.open(url, method=method, headers={"X-CSRFToken": token}, **body)
        actual = row.outcome(response, mw) if row.outcome else _outcome(response)
        note = _header_problems(response)
        return actual, (f"missing security headers: {note}" if note else "")


def _routes(app: Any) -> set[str]:
    keys = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            keys.add(f"{method} {rule.rule}")
    return keys


@pytest.fixture
def mw(app, client, world, monkeypatch) -> MatrixWorld:
    # Every cell posts from the test client's one address: the /apply throttle (its own test in
    # test_apply_rate_limit.py) would answer 429 to the cells after the fifth application.
    monkeypatch.setitem(app.config, "APPLY_MAX_PER_ADDRESS", 10_000)
    return MatrixWorld(app, client, world)


def _check(mw: MatrixWorld, keys: list[str]) -> None:
    matrix = Matrix(mw)
    wrong: list[str] = []
    for key in keys:
        for cell in matrix.run(key, MATRIX[key]):
            if cell.actual != cell.expected or cell.note:
                wrong.append(f"{cell.key} [{cell.side}] {cell.role}: expected {cell.expected}, got {cell.actual}"
                             f"{' — ' + cell.note if cell.note else ''}")
    assert not wrong, f"{len(wrong)} cell(s) differ:\n" + "\n".join(wrong)


def test_every_route_has_a_row(app) -> None:
    routes = _routes(app)
    missing = sorted(routes - set(MATRIX))
    assert not missing, "routes without expectations (add a row to MATRIX):\n" + "\n".join(missing)
    # Rows for routes that are not there (yet) are only reported: features land in any order.
    for key in sorted(set(MATRIX) - routes):
        print(f"matrix row without a route: {key}")


def test_api_matrix(app, mw) -> None:
    _check(mw, sorted(k for k in MATRIX if " /api/" in k and k in _routes(app)))


def test_page_matrix(app, mw) -> None:
    _check(mw, sorted(k for k in MATRIX if " /api/" not in k and k in _routes(app)))
