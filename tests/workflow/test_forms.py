"""Form definitions: one JSON Schema drives the HTML form, the API's `form` and validation."""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, render_template_string
from werkzeug.datastructures import FileStorage, MultiDict

from app.errors import NotVisible, ValidationFailed
from app.extensions import db
from app.workflow import forms
from tests.support.files import PDF, PNG

EVERYTHING: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "全部控件",
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "count", "start", "level", "channel", "agree"],
    "properties": {
        "name": {"type": "string", "title": "姓名", "minLength": 2, "maxLength": 10,
                 "x-ui": {"placeholder": "请输入姓名", "help": "与证件一致"}},
        "bio": {"type": "string", "title": "简介", "maxLength": 20,
                "x-ui": {"widget": "textarea", "rows": 3}},
        "count": {"type": "integer", "title": "人数", "minimum": 1, "maximum": 100},
        "ratio": {"type": "number", "title": "比例", "exclusiveMaximum": 1},
        "start": {"type": "string", "format": "date", "title": "开始日期"},
        "level": {"type": "string", "title": "级别", "enum": ["school", "province"],
                  "x-ui": {"labels": {"school": "校级", "province": "省级"}}},
        "channel": {"type": "string", "title": "渠道", "enum": ["mail", "phone"],
                    "x-ui": {"widget": "radio", "labels": {"mail": "信件", "phone": "电话"}}},
        "tags": {"type": "array", "title": "标签", "uniqueItems": True, "maxItems": 2,
                 "items": {"type": "string", "enum": ["a", "b", "c"]},
                 "x-ui": {"labels": {"a": "甲", "b": "乙", "c": "丙"}}},
        "agree": {"type": "boolean", "title": "我已阅读须知", "const": True},
        "subscribe": {"type": "boolean", "title": "订阅通知"},
        "email": {"type": "string", "format": "email", "title": "邮箱", "x-ui": {"widget": "email"}},
        "phone": {"type": "string", "title": "电话", "pattern": "^[0-9]{7,11}$", "x-ui": {"widget": "tel"}},
        "department_id": {"type": "integer", "title": "承办部门", "x-ui": {"choices": "departments"}},
        "plan": {"type": "integer", "title": "工作计划书",
                 "x-ui": {"widget": "file", "accept": ["pdf", "docx"], "maxBytes": 1024 * 1024}},
        "photos": {"type": "array", "title": "照片", "maxItems": 3, "items": {"type": "integer"},
                   "x-ui": {"widget": "file", "accept": ["png", "jpeg"]}},
    },
    "x-ui": {"order": ["name", "level", "channel", "count"], "submitLabel": "保存"},
}

VALID_HTML = [("name", "张三丰"), ("bio", "简介\r\n第二行"), ("count", "12"), ("ratio", "0.5"),
              ("start", "2026-03-01"), ("level", "province"), ("channel", "mail"), ("tags", "a"),
              ("tags", "c"), ("agree", "on"), ("email", ""), ("phone", "  "), ("csrf_token", "tok")]
VALID_API = {"name": "张三丰", "count": 12, "start": "2026-03-01", "level": "school", "channel": "phone",
             "agree": True}


@pytest.fixture
def form_dir(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "everything.json").write_text(json.dumps(EVERYTHING, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setitem(app.config, "FORMS_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def actx(app: Flask, form_dir: Path) -> Iterator[None]:
    with app.app_context():
        yield


def html(fields: list[tuple[str, str]], **replace: str | None) -> MultiDict:
    kept = [(k, v) for k, v in fields if k not in replace]
    return MultiDict(kept + [(k, v) for k, v in replace.items() if v is not None])


def refused(key: str, data: Any, context: dict[str, Any] | None = None, **kw: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        forms.validate(key, data, context or {}, **kw)
    assert caught.value.status == 422 and caught.value.message == "请按提示修改"
    return caught.value.fields


# ---------------------------------------------------------------- loading

def test_load_reads_the_form_and_refuses_unknown_or_traversing_keys(app: Flask) -> None:
    with app.app_context():
        assert forms.load("demo_review")["properties"]["decision"]["title"] == "审核结论"
        assert forms.exists("demo_review") and not forms.exists("no_such_form")
        for key in ("no_such_form", "../app/config", "demo_review/../demo_submit", "Demo_Review", "", "a.b"):
            assert not forms.exists(key)
            with pytest.raises(NotVisible):
                forms.load(key)


def test_load_sees_an_edited_file_and_returns_copies(actx: None, form_dir: Path) -> None:
    first = forms.load("everything")
    first["title"] = "被调用方改掉"
    assert forms.load("everything")["title"] == "全部控件"  # callers cannot poison the cache
    path = form_dir / "everything.json"
    path.write_text(json.dumps({**EVERYTHING, "title": "新标题"}, ensure_ascii=False), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert forms.load("everything")["title"] == "新标题"


def test_broken_definitions_are_reported_not_served(actx: None, form_dir: Path) -> None:
    bad = {"type": "object", "properties": {
        "x": {"type": "string", "x-ui": {"widget": "slider"}},
        "d": {"type": "integer", "x-ui": {"choices": "nonexistent"}},
        "f": {"type": "integer", "x-ui": {"widget": "file", "accept": ["exe"]}}},
        "x-ui": {"order": ["x", "ghost"]}}
    (form_dir / "broken.json").write_text(json.dumps(bad), encoding="utf-8")
    problems = forms.check("broken")
    assert any("slider" in p for p in problems) and any("nonexistent" in p for p in problems)
    assert any("exe" in p for p in problems) and any("ghost" in p for p in problems)
    with pytest.raises(forms.FormDefinitionError):
        forms.load("broken")
    assert forms.check("missing_form") == ["forms/missing_form.json 不存在"]
    assert forms.check("everything") == []


# ---------------------------------------------------------------- validation and coercion

def test_html_post_is_coerced_to_json_types_and_unknown_keys_are_ignored(actx: None) -> None:
    cleaned = forms.validate("everything", html(VALID_HTML), {}, from_html=True)
    assert cleaned == {"name": "张三丰", "bio": "简介\n第二行", "count": 12, "ratio": 0.5,
                       "start": "2026-03-01", "level": "province", "channel": "mail", "tags": ["a", "c"],
                       "agree": True, "subscribe": False}
    assert "csrf_token" not in cleaned and "email" not in cleaned and "phone" not in cleaned


def test_api_data_passes_as_given(actx: None) -> None:
    data = {**VALID_API, "ratio": 0.25, "tags": ["b"], "subscribe": True, "email": "a@b.cn",
            "phone": "01012345", "bio": None}
    cleaned = forms.validate("everything", data, {})
    assert cleaned == {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(("replace", "field", "message"), [
    ({"name": None}, "name", "此项为必填"),
    ({"name": " "}, "name", "此项为必填"),
    ({"name": "张"}, "name", "至少填写 2 个字"),
    ({"name": "名" * 11}, "name", "最多填写 10 个字"),
    ({"bio": "长" * 21}, "bio", "最多填写 20 个字"),
    ({"count": "0"}, "count", "不能小于 1"),
    ({"count": "101"}, "count", "不能大于 100"),
    ({"count": "3.5"}, "count", "请填写整数"),
    ({"count": "十二"}, "count", "请填写整数"),
    ({"ratio": "1"}, "ratio", "须小于 1"),
    ({"ratio": "abc"}, "ratio", "请填写数字"),
    ({"ratio": "nan"}, "ratio", "请填写数字"),
    ({"start": "2026-02-30"}, "start", "请填写有效日期 (YYYY-MM-DD)"),
    ({"start": "2026/03/01"}, "start", "请填写有效日期 (YYYY-MM-DD)"),
    ({"level": "national"}, "level", "请选择有效的选项"),
    ({"channel": "fax"}, "channel", "请选择有效的选项"),
    ({"channel": None}, "channel", "此项为必填"),
    ({"tags": "z"}, "tags", "请选择有效的选项"),
    ({"agree": None}, "agree", "请勾选此项"),
    ({"email": "not-an-email"}, "email", "请填写有效的电子邮箱地址"),
    ({"phone": "12ab"}, "phone", "格式不正确"),
])
def test_each_html_mistake_gets_its_chinese_message(actx: None, replace: dict[str, str | None], field: str,
                                                   message: str) -> None:
    fields = refused("everything", html(VALID_HTML, **replace), from_html=True)
    assert fields == {field: [message]}


def test_too_many_choices(actx: None) -> None:
    data = MultiDict([*html(VALID_HTML, tags=None).items(multi=True), ("tags", "a"), ("tags", "b"),
                      ("tags", "c")])
    assert refused("everything", data, from_html=True) == {"tags": ["最多选择 2 项"]}


@pytest.mark.parametrize(("replace", "field", "message"), [
    ({"count": "12"}, "count", "请填写整数"),
    ({"count": True}, "count", "请填写整数"),
    ({"agree": "yes"}, "agree", "请选择是或否"),
    ({"agree": False}, "agree", "请勾选此项"),
    ({"tags": ["a", "a"]}, "tags", "不能重复选择同一项"),
    ({"tags": "a"}, "tags", "请选择一项或多项"),
    ({"name": ""}, "name", "至少填写 2 个字"),
])
def test_api_type_errors(actx: None, replace: dict[str, Any], field: str, message: str) -> None:
    assert refused("everything", {**VALID_API, **replace}) == {field: [message]}


def test_all_problems_are_reported_at_once(actx: None) -> None:
    fields = refused("everything", MultiDict([("count", "0"), ("level", "x")]), from_html=True)
    assert fields["name"] == ["此项为必填"] and fields["start"] == ["此项为必填"]
    assert fields["count"] == ["不能小于 1"] and fields["level"] == ["请选择有效的选项"]
    assert fields["agree"] == ["请勾选此项"]


def test_api_refuses_an_undeclared_field(app: Flask) -> None:
    with app.app_context():
        # A submitter must not pre-set a workflow variable the reviewer decides.
        data = {"project_name": "书院制社区", "description": "一段足够长的申请说明文字",
                "decision": "approve"}
        assert refused("demo_submit", data) == {"decision": ["表单中没有此字段"]}
        cleaned = forms.validate("demo_submit", MultiDict(data), {}, from_html=True)
        assert "decision" not in cleaned
        assert refused("demo_submit", ["not", "an", "object"]) == {"data": ["表单数据须为 JSON 对象"]}


def test_undeclared_fields_are_refused_even_if_the_file_allows_them(actx: None, form_dir: Path) -> None:
    loose = {"type": "object", "additionalProperties": True, "properties": {"note": {"type": "string"}}}
    (form_dir / "loose.json").write_text(json.dumps(loose), encoding="utf-8")
    assert refused("loose", {"note": "x", "decision": "approve"}) == {"decision": ["表单中没有此字段"]}
    assert forms.validate("loose", MultiDict({"note": "x", "decision": "approve"}), {}, from_html=True) == {
        "note": "x"}


@pytest.mark.parametrize(("data", "fields"), [
    ({"decision": "approve"}, None),
    ({"decision": "approve", "comment": "很好"}, None),
    ({"decision": "return", "comment": "请补充材料"}, None),
    ({"decision": "reject"}, {"comment": ["此项为必填"]}),
    ({"decision": "return", "comment": ""}, {"comment": ["此项为必填"]}),
    ({"decision": "maybe", "comment": "x"}, {"decision": ["请选择有效的选项"]}),
    ({"comment": "x"}, {"decision": ["此项为必填"]}),
])
def test_review_comment_is_required_unless_approved(app: Flask, data: dict[str, str],
                                                   fields: dict[str, list[str]] | None) -> None:
    with app.app_context():
        if fields is None:
            assert forms.validate("demo_review", data, {}) == data
            assert forms.validate("demo_review", MultiDict(data), {}, from_html=True) == data
        else:
            assert refused("demo_review", data) == fields
            assert refused("demo_review", MultiDict(data), from_html=True) == fields


def test_review_whitespace_comment_from_a_page_counts_as_missing(app: Flask) -> None:
    with app.app_context():
        data = MultiDict({"decision": "reject", "comment": "  \r\n "})
        assert refused("demo_review", data, from_html=True) == {"comment": ["此项为必填"]}


# ---------------------------------------------------------------- choices from data

def test_departments_come_from_the_fillers_university(actx: None, world: Any) -> None:
    context = {"university_id": world.uni.id}
    schema = forms.for_api("everything", context)
    prop = schema["properties"]["department_id"]
    assert prop["enum"] == [world.logistics.id]
    assert prop["x-ui"]["labels"] == {str(world.logistics.id): "后勤保障处"}
    # the file on disk is untouched: another university gets its own list
    other = forms.for_api("everything", {"university_id": world.other_uni.id})
    assert other["properties"]["department_id"]["enum"] == [world.other_logistics.id]

    own = forms.validate("everything", {**VALID_API, "department_id": world.logistics.id}, context)
    assert own["department_id"] == world.logistics.id
    posted = html(VALID_HTML, department_id=str(world.logistics.id))
    cleaned = forms.validate("everything", posted, context, from_html=True)
    assert cleaned["department_id"] == world.logistics.id

    foreign = {**VALID_API, "department_id": world.other_logistics.id}
    assert refused("everything", foreign, context) == {"department_id": ["请选择有效的选项"]}
    assert refused("everything", {**VALID_API, "department_id": world.uni.id}, context) == {
        "department_id": ["请选择有效的选项"]}  # the university itself is no department
    assert refused("everything", {**VALID_API, "department_id": world.logistics.id}, {}) == {
        "department_id": ["请选择有效的选项"]}  # no university in context: nothing to choose


def test_for_api_keeps_static_choices_and_hints(app: Flask) -> None:
    with app.app_context():
        schema = forms.for_api("demo_review", {})
    assert schema["properties"]["decision"]["enum"] == ["approve", "reject", "return"]
    assert schema["properties"]["decision"]["x-ui"]["labels"]["return"] == "退回修改"
    assert schema["x-ui"]["submitLabel"] == "提交审核结论"


# ---------------------------------------------------------------- files

def upload(name: str, data: bytes, filename: str) -> MultiDict:
    return MultiDict([(name, FileStorage(stream=io.BytesIO(data), filename=filename))])


def test_uploaded_file_becomes_the_fields_id(actx: None, world: Any) -> None:
    alice = world.user("alice", "university_admin")
    actor = {"actor_id": alice.id, "actor_org_id": world.uni.id}
    files = upload("plan", PDF, "计划书.pdf")
    files.add("photos", FileStorage(stream=io.BytesIO(PNG), filename="a.png"))
    files.add("photos", FileStorage(stream=io.BytesIO(b""), filename=""))  # an empty file input
    ids = forms.files_from_request("everything", files, alice.id, world.uni.id)
    assert isinstance(ids["plan"], int) and isinstance(ids["photos"], list) and len(ids["photos"]) == 1
    cleaned = forms.validate("everything", html(VALID_HTML), {}, from_html=True, files=ids)
    assert cleaned["plan"] == ids["plan"] and cleaned["photos"] == ids["photos"]
    # later the API may reference the same id; a file of the wrong kind for the field is refused
    again = forms.validate("everything", {**VALID_API, "plan": ids["plan"]}, {}, **actor)
    assert again["plan"] == ids["plan"]
    assert refused("everything", {**VALID_API, "plan": ids["photos"][0]}, **actor) == {
        "plan": ["不支持的文件类型：仅限 PDF、DOCX"]}
    assert refused("everything", {**VALID_API, "plan": "x"}, **actor) == {"plan": ["请上传文件"]}


def test_someone_elses_file_cannot_be_referenced(actx: None, world: Any) -> None:
    alice = world.user("alice", "university_admin")
    mallory = world.user("mallory", "university_admin", world.other_uni)
    ids = forms.files_from_request("everything", upload("plan", PDF, "a.pdf"), alice.id, world.uni.id)
    for file_id in (ids["plan"], 999999):
        data = {**VALID_API, "plan": file_id}
        assert refused("everything", data, actor_id=mallory.id, actor_org_id=world.other_uni.id) == {
            "plan": ["文件不存在或无权使用"]}
        # context is data for choices, never a key to files, even if instance data says so
        assert refused("everything", data, {"user_id": alice.id, "org_id": world.uni.id,
                                            "file_ids": [file_id]}) == {"plan": ["文件不存在或无权使用"]}
    # a colleague of the same university may keep the file on resubmission
    colleague = {"actor_id": None, "actor_org_id": world.uni.id}
    kept = forms.validate("everything", {**VALID_API, "plan": ids["plan"]}, {}, **colleague)
    assert kept["plan"] == ids["plan"]


def test_a_refused_upload_names_its_field(actx: None, world: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        forms.files_from_request("everything", upload("plan", PNG, "scan.pdf"), None, world.uni.id)
    assert caught.value.fields == {"plan": ["文件内容与类型不符"]}
    # merged with the other fields' errors so the page shows everything at once
    fields = refused("everything", html(VALID_HTML, name=None), {}, from_html=True,
                     errors=caught.value.fields)
    assert fields == {"name": ["此项为必填"], "plan": ["文件内容与类型不符"]}


# ---------------------------------------------------------------- HTML

class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of the document."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def one(self, tag: str, **attrs: str) -> dict[str, str | None]:
        found = self.find(tag, **attrs)
        assert len(found) == 1, (tag, attrs, found)
        return found[0]


def render(app: Flask, form: forms.HtmlForm) -> str:
    with app.test_request_context():
        return render_template_string('{% from "forms/_form.html" import render_form %}'
                                      '{{ render_form(form, action="/t/1") }}', form=form)


def test_rendered_form_has_every_field_label_and_value(app: Flask, form_dir: Path, world: Any) -> None:
    with app.app_context():
        form = forms.html_form("everything", {"university_id": world.uni.id},
                               html(VALID_HTML, department_id=str(world.logistics.id), subscribe="on"))
    page = render(app, form)
    doc = Tags(page)
    text = "".join(doc.text)
    for label in ("姓名", "简介", "人数", "比例", "开始日期", "级别", "渠道", "标签", "我已阅读须知",
                  "订阅通知", "邮箱", "电话", "承办部门", "工作计划书", "照片", "省级", "信件", "甲",
                  "后勤保障处"):
        assert label in text, label
    assert doc.one("form")["enctype"] == "multipart/form-data" and doc.one("form")["action"] == "/t/1"
    assert doc.one("button")["type"] == "submit" and "保存" in text
    assert doc.find("input", name="csrf_token")
    # x-ui.order first, then the rest in file order
    names = [a["name"] for t, a in doc.tags if t in ("input", "select", "textarea") and a.get("name")
             and a["name"] != "csrf_token"]
    assert list(dict.fromkeys(names))[:5] == ["name", "level", "channel", "count", "bio"]
    assert doc.one("input", name="name")["value"] == "张三丰"
    assert doc.one("input", name="name")["placeholder"] == "请输入姓名" and "与证件一致" in text
    assert doc.one("input", name="count")["type"] == "number" and doc.one("input", name="count")["min"] == "1"
    assert doc.one("input", name="start") == {**doc.one("input", name="start"), "type": "date",
                                              "value": "2026-03-01"}
    assert doc.one("input", name="email")["type"] == "email"
    assert doc.one("input", name="phone")["type"] == "tel"
    assert doc.one("textarea", name="bio")["rows"] == "3"
    assert "selected" in doc.one("option", value="province")
    assert "selected" not in doc.one("option", value="school")
    assert "checked" in doc.one("input", name="channel", value="mail")
    assert "checked" not in doc.one("input", name="channel", value="phone")
    assert "checked" in doc.one("input", name="tags", value="a") and "checked" not in doc.one(
        "input", name="tags", value="b")
    assert "checked" in doc.one("input", name="subscribe") and "checked" in doc.one("input", name="agree")
    assert "selected" in doc.one("option", value=str(world.logistics.id))
    assert not doc.find("option", value=str(world.other_logistics.id))
    plan = doc.one("input", name="plan")
    assert plan["type"] == "file" and ".pdf" in (plan["accept"] or "") and "multiple" not in plan
    assert "multiple" in doc.one("input", name="photos") and "支持 PDF、DOCX，单个文件不超过 1 MB" in text
    assert "required" in doc.one("input", name="name") and "required" not in doc.one("textarea", name="bio")
    assert "<script" not in page and not re.search(r"\son[a-z]+\s*=", page)  # CSP: no inline script


def test_rendered_errors_mark_the_field_and_keep_the_input(app: Flask, form_dir: Path) -> None:
    posted = html(VALID_HTML, name="张", count="0")
    with app.app_context():
        with pytest.raises(ValidationFailed) as caught:
            forms.validate("everything", posted, {}, from_html=True)
        form = forms.html_form("everything", {}, posted, caught.value.fields)
    page = render(app, form)
    doc = Tags(page)
    assert "is-invalid" in (doc.one("input", name="name")["class"] or "")
    assert doc.one("input", name="name")["value"] == "张"
    assert doc.one("input", name="name")["aria-describedby"] == "f-name-help f-name-error"
    assert doc.one("div", id="f-name-error")["class"] == "invalid-feedback d-block"
    assert "至少填写 2 个字" in page and "不能小于 1" in page and "请按提示修改后重新提交。" in page
    assert "is-invalid" not in (doc.one("input", name="start")["class"] or "")


def test_rendered_form_keeps_uploaded_files_of_the_filler(app: Flask, form_dir: Path, world: Any) -> None:
    alice = world.user("alice", "university_admin")
    with app.app_context():
        posted = upload("plan", PDF, "计划书.pdf")
        ids = forms.files_from_request("everything", posted, alice.id, world.uni.id)
        db.session.commit()
        mine = forms.html_form("everything", {}, {"plan": ids["plan"]}, actor_id=alice.id)
        stranger = forms.html_form("everything", {"user_id": alice.id}, {"plan": ids["plan"]})
        fresh = forms.html_form("everything", {}, MultiDict(), files=ids)
    doc = Tags(render(app, mine))
    kept = doc.one("input", name="plan", type="checkbox")
    assert kept["value"] == str(ids["plan"]) and "checked" in kept
    assert "保留已上传文件：计划书.pdf" in "".join(doc.text)
    assert "计划书.pdf" not in render(app, stranger)
    assert "保留已上传文件：计划书.pdf" in render(app, fresh)


def test_review_form_shows_its_labels_and_submit(app: Flask) -> None:
    with app.app_context():
        errors = {"comment": ["此项为必填"], "data": ["任务已被他人处理"]}
        form = forms.html_form("demo_review", {}, None, errors)
    page = render(app, form)
    doc = Tags(page)
    assert "提交审核结论" in page and "退回修改" in page and "任务已被他人处理" in page
    assert len(doc.find("input", name="decision", type="radio")) == 3
    assert "multipart/form-data" not in page
    assert doc.one("textarea", name="comment")["class"] == "form-control is-invalid"
