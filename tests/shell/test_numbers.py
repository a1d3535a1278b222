"""Numbers from query strings and forms are read with one helper (app/web/numbers.py): plain ASCII digits
within the field's bounds, anything else is treated as the page treats any other text that is not a
number (the filter is ignored, or the field is refused with its message), never a 500.

`²` passes str.isdigit() and not int(); `١٢` (Arabic-Indic) and `１２` (full-width) pass both; 30 digits
overflow every id column (a database error: a 500 on PostgreSQL, and on SQLite too); 5,000 digits are
past what int() parses. Each of these was a 500 on some of the pages below."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.core import clock
from app.web import numbers, page_cache
from tests.conftest import PASSWORD, csrf_from, login
from tests.support.assessment import NOW, Env
from tests.support.complaints import Campus

# Not a number to any page (each is either not plain ASCII digits or past every id column).
HOSTILE = ["²", "١٢", "１２", "9" * 30, "9" * 5000, "2147483648", "-1", "+1", "0x10", "1_0", "1.0", "1e3",
           "", " ", " 12", "abc"]


@pytest.mark.parametrize(("text", "expected"), [
    ("1", 1), ("0042", 42), ("2147483647", 2_147_483_647), ("0" * 40 + "7", 7),
    ("0", None), ("2147483648", None), (None, None), *((t, None) for t in HOSTILE)])
def test_an_id_is_plain_ascii_digits_within_32_bits(text: str | None, expected: int | None) -> None:
    assert numbers.id_from(text) == expected


@pytest.mark.parametrize(("text", "low", "high", "expected"), [
    ("0", 0, 365, 0), ("365", 0, 365, 365), ("366", 0, 365, None), ("000365", 0, 365, 365),
    ("1999", 2000, 2100, None), ("2019", 2000, 2100, 2019), ("²", 0, 9, None), ("٣", 0, 9, None)])
def test_a_number_is_inside_the_bounds_it_is_asked_for(text: str, low: int, high: int, expected: int | None) -> None:
    assert numbers.number(text, low=low, high=high) == expected


def test_a_list_of_ids_keeps_the_good_ones_in_order() -> None:
    assert numbers.ids_from(["3", "²", "1", "9" * 30, "", "2"]) == [3, 1, 2]


# ---------------------------------------------------------------- the pages

class Site:
    """The 考核验收 environment (ministry, operator, two universities, processes and indicators) plus a
    process_admin, and the objects a case asks for, made on first use."""

    def __init__(self, app: Flask, client: FlaskClient, world: Any) -> None:
        self.app, self.client, self.world = app, client, world
        world.user("root", "process_admin")
        self.env = Env(app, client, world)
        self._browsers: dict[str, FlaskClient] = {}
        self._made: dict[str, Any] = {}

    def browser(self, who: str | None) -> FlaskClient:
        if who is None:
            return self.app.test_client()
        if who not in self._browsers:
            web = self.app.test_client()
            assert login(web, who).status_code == 302
            self._browsers[who] = web
        return self._browsers[who]

    def csrf(self, who: str) -> str:
        return csrf_from(self.browser(who).get("/").get_data(as_text=True))

    def post_id(self) -> int:
        """A post of 北航 waiting for the operator's review."""
        if "post" not in self._made:
            response = self.client.post("/api/v1/posts", json={
                "module": "experience", "title": "书院制社区服务大厅", "body_html": "<p>学生事务一站办结。</p>"},
                headers=self.env.h["buaa"])
            assert response.status_code == 201, response.get_json()
            self._made["post"] = response.get_json()["id"]
        return int(self._made["post"])

    def assessment_id(self, *, submitted: bool) -> int:
        key = f"assessment-{submitted}"
        if key not in self._made:
            self.env.open_round()
            mine = self.env.mine()
            if submitted:
                assert self.env.fill_all(mine).status_code == 200
                assert self.env.submit(mine["id"]).status_code == 200
            self._made[key] = mine["id"]
        return int(self._made[key])


@pytest.fixture
def site(app: Flask, client: FlaskClient, world: Any, monkeypatch: pytest.MonkeyPatch) -> Site:
    monkeypatch.setattr(clock, "now", lambda: NOW)
    return Site(app, client, world)


@dataclass
class Case:
    """One number a page reads: where, who asks, and what the page answers when it is not a number."""

    name: str
    who: str | None
    url: Callable[[Site], str]
    field: str
    method: str = "GET"
    status: int = 200
    form: Callable[[Site], dict[str, Any]] = lambda site: {}
    # What the answer to a non-number must show (text in the page, or the redirect's target).
    says: Callable[[Site], str] | None = None
    # A valid value and what the page answers to it: the case's behaviour for numbers is unchanged.
    valid: Callable[[Site], tuple[str, int]] | None = None
    skip: set[str] = field(default_factory=set)  # values this field takes as something else (e.g. empty)


def _uni(site: Site) -> str:
    return str(site.world.uni.id)


CASES = [
    # Filters of list and statistics pages: a non-number is no filter.
    Case("admin orgs parent_id", "root", lambda s: "/admin/orgs", "parent_id", says=lambda s: "浙江大学",
         valid=lambda s: (_uni(s), 200)),
    Case("yurenhao university_id", None, lambda s: "/yurenhao", "university_id", valid=lambda s: (_uni(s), 200)),
    Case("yurenhao feed university_id", None, lambda s: "/yurenhao/feed.atom", "university_id"),
    Case("complaint metrics org_id", "moe1", lambda s: "/complaints/metrics", "org_id", says=lambda s: "全国",
         valid=lambda s: (_uni(s), 200)),
    Case("complaint metrics export org_id", "moe1", lambda s: "/complaints/metrics.csv", "org_id"),
    Case("complaint topics org_id", "moe1", lambda s: "/complaints/topics", "org_id"),
    Case("dashboard university_id", "moe1", lambda s: "/dashboard", "university_id",
         valid=lambda s: (_uni(s), 302)),
    Case("dashboard round_id", "moe1", lambda s: "/dashboard", "round_id"),
    Case("dashboard data university_id", "moe1", lambda s: "/dashboard/data/pilots_by_province.json",
         "university_id"),
    Case("dashboard compare u", "moe1", lambda s: "/dashboard/compare", "u", valid=lambda s: (_uni(s), 422)),
    Case("pilot list batch", "moe1", lambda s: "/pilot/pilots", "batch", valid=lambda s: ("2019", 200)),
    # Form fields: a non-number is refused with the field's message, or ignored as the view always did.
    Case("new org parent_id", "root", lambda s: "/admin/orgs/new", "parent_id", "POST", 422,
         form=lambda s: {"name": "新部门", "kind": "department"}, says=lambda s: "院系/部门必须隶属于一所高校",
         valid=lambda s: (_uni(s), 302)),
    Case("new user org_id", "root", lambda s: "/admin/users/new", "org_id", "POST", 422,
         form=lambda s: {"username": "newbie", "password": "Long-enough-9", "display_name": "新人",
                         "roles": "student"}, says=lambda s: "所属单位不存在", valid=lambda s: (_uni(s), 302)),
    Case("pilot batch task_ids", "moe1", lambda s: "/pilot/batch", "task_ids", "POST", 422,
         form=lambda s: {"decision": "approve"}),  # (no application waits: the page shows no form)
    Case("task bulk task_ids", "op1", lambda s: "/tasks/bulk", "task_ids", "POST", 302,
         form=lambda s: {"decision": "approve", "scope": "group"}, says=lambda s: "/tasks?scope=group"),
    Case("post note task_id", "op1", lambda s: f"/yurenhao/review/posts/{s.post_id()}/notes", "task_id", "POST",
         302, form=lambda s: {"quote": "学生事务", "body": "请补充数据。"},
         says=lambda s: f"/yurenhao/review/posts/{s.post_id()}#notes"),
    Case("post deadline grace_days", "moe1", lambda s: "/yurenhao/deadlines", "grace_days", "POST", 422,
         form=lambda s: {"name": "2027年育人号建设", "due_designated": "2027-03-01", "due_self_pilot": "2027-06-01",
                         "required_modules": "experience"}, says=lambda s: "请填写整数天数",
         valid=lambda s: ("30", 302)),
    Case("assessment round review_days", "moe1", lambda s: "/assessments/rounds", "review_days", "POST", 422,
         form=lambda s: {"name": "2027年度考核", "self_due": "2027-03-10", "university_ids": _uni(s)},
         says=lambda s: "请填写 1–60 的整数", valid=lambda s: ("10", 302), skip={" 12"}),  # the view strips
    Case("assessment round university_ids", "moe1", lambda s: "/assessments/rounds", "university_ids", "POST",
         422, form=lambda s: {"name": "2027年度考核", "self_due": "2027-03-10", "review_days": "10"},
         valid=lambda s: (_uni(s), 302)),
    Case("self-assessment keep", "buaa", lambda s: f"/assessments/{s.assessment_id(submitted=False)}/self",
         "keep-1.1", "POST", 302, form=lambda s: {"rating-1.1": "met", "statement-1.1": "已落实。"}),
    Case("self-assessment posts", "buaa", lambda s: f"/assessments/{s.assessment_id(submitted=False)}/self",
         "posts-1.1", "POST", 302, form=lambda s: {"rating-1.1": "met", "statement-1.1": "已落实。"}),
    Case("review score", "moe1", lambda s: f"/assessments/{s.assessment_id(submitted=True)}/review", "score-1.1",
         "POST", 422, says=lambda s: "评分有误", valid=lambda s: ("85", 302),
         skip={"", " ", " 12"}),  # stripped by the view: empty is "not scored yet", " 12" is 12
    Case("post editor cover_file_id", "buaa", lambda s: "/yurenhao/manage/new", "cover_file_id", "POST", 422,
         form=lambda s: {"module": "experience", "title": "草稿", "body_html": "<p>正文</p>"},
         says=lambda s: "须为文件编号", skip={""}),
    Case("post editor attachment_ids", "buaa", lambda s: "/yurenhao/manage/new", "attachment_ids", "POST", 422,
         form=lambda s: {"module": "experience", "title": "草稿", "body_html": "<p>正文</p>"},
         says=lambda s: "须为文件编号"),
]


def _ask(site: Site, case: Case, value: str) -> Any:
    web = site.browser(case.who)
    page_cache.clear()  # the anonymous pages are cached per URL: render each one
    url = case.url(site)
    if case.method == "GET":
        return web.get(url, query_string={case.field: value})
    assert case.who is not None
    return web.post(url, data={**case.form(site), case.field: value, "csrf_token": site.csrf(case.who)})


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_number_that_is_not_one_is_never_a_500(site: Site, case: Case) -> None:
    for value in HOSTILE:
        if value in case.skip:
            continue
        response = _ask(site, case, value)
        shown = value[:12]
        assert response.status_code == case.status, (case.name, shown, response.status_code)
        if case.says is not None:
            expected = case.says(site)
            answer = response.headers.get("Location", "") if response.status_code == 302 else response.get_data(
                as_text=True)
            assert expected in answer, (case.name, shown, expected)
    if case.valid is not None:
        value, status = case.valid(site)
        assert _ask(site, case, value).status_code == status, (case.name, value)


# ---------------------------------------------------------------- the API and the CLI

@pytest.mark.parametrize("value", ["²", "١٢", "9" * 30, "9" * 5000, 2**31, -1, "0x10", " "])
def test_a_posts_file_ids_that_are_not_ids_are_refused_by_the_api(site: Site, value: Any) -> None:
    for name, sent in (("cover_file_id", value), ("attachment_ids", [value])):
        response = site.client.post("/api/v1/posts", json={"module": "experience", "title": "草稿",
                                                           "body_html": "<p>正文</p>", name: sent},
                                    headers=site.env.h["buaa"])
        assert response.status_code == 422, (name, str(value)[:12], response.status_code)
        assert name in response.get_json()["error"]["fields"]


def test_numbers_in_a_posts_html_that_are_not_numbers_are_dropped(site: Site) -> None:
    body = ('<table><tr><td colspan="²">a</td><td colspan="١٢">b</td><td colspan="2">c</td></tr></table>'
            '<p>正文</p><img src="/media/posts/99999999999" alt="x"><img src="/media/posts/١٢" alt="y">')
    response = site.client.post("/api/v1/posts", json={"module": "experience", "title": "表格", "body_html": body},
                                headers=site.env.h["buaa"])
    assert response.status_code == 201, response.get_json()
    html = site.client.get(f"/api/v1/posts/{response.get_json()['id']}",
                           headers=site.env.h["buaa"]).get_json()["body_html"]
    assert re.findall(r"colspan=\"[^\"]*\"", html) == ['colspan="2"']
    assert "<img" not in html


@pytest.mark.parametrize("value", [2**31, 10**11, 10**30])
def test_a_complaint_merged_into_an_id_no_row_can_have_is_refused(app: Flask, client: FlaskClient, world: Any,
                                                                  monkeypatch: pytest.MonkeyPatch, value: int) -> None:
    campus = Campus(app, client, world, monkeypatch)
    complaint = campus.file()
    refused = campus.do("disp", complaint, {"action": "merge", "merge_into": value, "reason": "重复"})
    assert refused.status_code == 422 and "merge_into" in refused.get_json()["error"]["fields"]


@pytest.mark.parametrize("value", ["9" * 30, "99999999999", "2147483648", "0", "-1"])
def test_create_user_refuses_an_org_id_no_row_can_have(app: Flask, value: str) -> None:
    result = app.test_cli_runner().invoke(args=["create-user", "someone", "--password", PASSWORD, "--role",
                                                "student", "--org-id", value])
    assert result.exit_code == 2 and "--org-id" in result.output, (result.exit_code, result.output)


def _integer_query_parameters(client: FlaskClient) -> list[tuple[str, str]]:
    """(path, name) of every GET operation's integer query parameter, from the OpenAPI document."""
    spec = client.get("/api/v1/openapi.json").get_json()
    found = []
    for path, operations in spec["paths"].items():
        for parameter in (operations.get("get") or {}).get("parameters", []):
            schema = parameter.get("schema", {})
            if parameter["in"] == "query" and (schema.get("type") == "integer"
                                               or schema.get("items", {}).get("type") == "integer"):
                found.append((path, parameter["name"]))
    return found


def test_every_integer_query_parameter_of_the_api_refuses_what_is_not_a_32_bit_number(site: Site) -> None:
    """The API's query arguments are marshmallow Integers with a range: a value no id column can hold is a
    422 with the field named, never a 500 (the schemathesis run covers them too, but rarely with these)."""
    found = _integer_query_parameters(site.client)
    assert ("/api/v1/orgs", "parent_id") in found and len(found) >= 10
    for path, name in found:
        path = path.replace("{key}", "pilots_by_province")  # the dashboard's datasets
        assert "{" not in path, path
        for value in ("²", "9" * 30, "9" * 5000, "2147483648", "0x10", " "):
            response = site.client.get(path, query_string={name: value}, headers=site.env.h["moe1"])
            assert response.status_code == 422, (path, name, value[:12], response.status_code)
            assert name in str(response.get_json()["error"]["fields"]), (path, name)
