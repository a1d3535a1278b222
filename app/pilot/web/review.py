"""The ministry's batch review (SPEC §3.2) and the review windows.

The batch is the reviewer's ready `pilot_application` review tasks (claimable by the ministry, or
claimed by this reviewer), shown as one list of the applications themselves; one decision for the
ticked ones goes through `tasks.complete_many`, so each is completed (or refused) on its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.core import clock, roles
from app.errors import ValidationFailed
from app.models import HumanTask, PilotApplication, User
from app.pilot import applications as pilot_applications
from app.pilot import review_windows
from app.web.access import roles_required
from app.web.numbers import ids_from
from app.workflow import tasks

bp = Blueprint("pilot_review", __name__)
READERS = roles.NATIONAL
REVIEW_FORM = "pilot_review"
DECISIONS = {"approve": "认定通过", "reject": "不予认定", "return": "退回修改"}
BATCH_LIMIT = 1000


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@dataclass
class BatchRow:
    task: HumanTask
    application: PilotApplication | None
    overdue: bool


def _batch(user: User) -> list[BatchRow]:
    found: dict[int, HumanTask] = {}
    for scope in ("mine", "group"):
        items, _ = tasks.inbox(user, tasks.InboxQuery(scope=scope, process=pilot_applications.PROCESS_KEY,
                                                      limit=BATCH_LIMIT))
        found.update({t.id: t for t in items if t.form_key == REVIEW_FORM and tasks.may_act(user, t)})
    ordered = sorted(found.values(), key=lambda t: (t.due_at is None, clock.as_utc(t.due_at) if t.due_at
                                                     else clock.now(), t.id))
    applications = pilot_applications.for_instances([t.instance_id for t in ordered])
    now = clock.now()
    return [BatchRow(t, applications.get(t.instance_id), tasks.is_overdue(t, now)) for t in ordered]


def _upcoming() -> list[dict[str, Any]]:
    """The next windows, each with the applications already waiting for it."""
    waiting = pilot_applications.waiting(review_windows.today())
    windows: list[dict[str, Any]] = []
    for window in review_windows.upcoming(limit=6):
        joined = [a for a in waiting if (a.window_start, a.window_end) == (window.start, window.end)]
        windows.append({"window": window, "applications": joined,
                        "open": window.start <= review_windows.today() <= window.end})
    listed = {(w["window"].start, w["window"].end) for w in windows}
    # A window that was later replaced (e.g. an explicit one added) still holds what joined it.
    for start, end in dict.fromkeys((a.window_start, a.window_end) for a in waiting):
        if (start, end) not in listed:
            default = review_windows.default_window_after(start - timedelta(days=1))
            window = review_windows.Window(start, end, explicit=(default.start, default.end) != (start, end))
            windows.append({"window": window, "open": start <= review_windows.today() <= end,
                            "applications": [a for a in waiting if (a.window_start, a.window_end) == (start, end)]})
    return sorted(windows, key=lambda w: w["window"].start)


def _render_batch(errors: dict[str, str] | None = None, chosen: set[int] | None = None, decision: str = "",
                  comment: str = "", status: int = 200) -> ResponseReturnValue:
    rows = _batch(_user())
    return render_template("pilot_review/batch.html", rows=rows, upcoming=_upcoming(), decisions=DECISIONS,
                           errors=errors or {}, chosen=chosen or set(), decision=decision, comment=comment,
                           today=review_windows.today()), status


@bp.route("/pilot/batch", methods=["GET"])
@roles_required("moe_reviewer")
def batch() -> ResponseReturnValue:
    return _render_batch()


@bp.route("/pilot/batch", methods=["POST"])
@roles_required("moe_reviewer")
def decide() -> ResponseReturnValue:
    user = _user()
    ids = ids_from(request.form.getlist("task_ids"))
    decision = request.form.get("decision", "")
    comment = request.form.get("comment", "").strip()
    errors = {}
    if not ids:
        errors["task_ids"] = "请先勾选要审核的申报"
    if decision not in DECISIONS:
        errors["decision"] = "请选择审核结论"
    elif decision != "approve" and not comment:
        errors["comment"] = f"{DECISIONS[decision]}时须填写理由，申报单位可见"
    if len(comment) > 2000:
        errors["comment"] = "审核意见最多 2000 字"
    if errors:
        return _render_batch(errors, set(ids), decision, comment, status=422)
    names = {row.task.id: (row.application.university_name if row.application else row.task.title)
             for row in _batch(user)}
    if request.form.get("confirmed") != "1":  # a decision on several universities is read once more
        return render_template("pilot_review/confirm.html", ids=ids, names=[names.get(i, f"任务 #{i}") for i in ids],
                               decision=decision, label=DECISIONS[decision], comment=comment)
    outcomes = tasks.complete_many(user, ids, {"decision": decision, **({"comment": comment} if comment else {})})
    done = [names.get(o.task_id, f"任务 #{o.task_id}") for o in outcomes if o.ok]
    failed = [f"{names.get(o.task_id, f'任务 #{o.task_id}')}（{o.message}）" for o in outcomes if not o.ok]
    if done:
        flash(f"已{DECISIONS[decision]} {len(done)} 项：{'、'.join(done)}", "success")
    if failed:
        flash(f"{len(failed)} 项未能办理：{'；'.join(failed)}", "warning")
    return redirect(url_for(".batch"), 303)


# ---------------------------------------------------------------- review windows

def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _render_windows(errors: dict[str, list[str]] | None = None, values: dict[str, str] | None = None,
                    status: int = 200) -> ResponseReturnValue:
    return render_template("pilot_review/windows.html", upcoming=_upcoming(), errors=errors or {},
                           values=values or {}, today=review_windows.today(),
                           can_add=_user().has_role("process_admin")), status


@bp.route("/pilot/windows", methods=["GET"])
@roles_required(*READERS)
def windows() -> ResponseReturnValue:
    return _render_windows()


@bp.route("/pilot/windows", methods=["POST"])
@roles_required("process_admin")
def add_window() -> ResponseReturnValue:
    values = {k: request.form.get(k, "").strip() for k in ("starts_on", "ends_on", "note")}
    starts, ends = _date(values["starts_on"]), _date(values["ends_on"])
    errors: dict[str, list[str]] = {}
    if starts is None:
        errors["starts_on"] = ["请填写开始日期"]
    if ends is None:
        errors["ends_on"] = ["请填写结束日期"]
    if len(values["note"]) > 200:
        errors["note"] = ["说明最多 200 字"]
    if not errors:
        try:
            review_windows.add(starts, ends, values["note"], actor_id=_user().id)  # type: ignore[arg-type]
        except ValidationFailed as exc:
            errors = dict(exc.fields)
    if errors:
        return _render_windows(errors, values, status=422)
    flash(f"已添加审核窗口：{values['starts_on']} 至 {values['ends_on']}。此后提交的申报将按新窗口排期", "success")
    return redirect(url_for(".windows"), 303)

