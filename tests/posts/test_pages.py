"""育人号 pages: the university's editor with drafts and autosave, the reviewers' pages (notes on the
text, diff of revisions, decisions), the public pages and their caching, deadlines for the ministry."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from html import unescape

import pytest
from flask.testing import FlaskClient

from app.core import clock
from tests.conftest import bearer, csrf_from, login

BJ = clock.SHANGHAI
BODY = "<h2>做法</h2><p>学生事务一站办结，服务下沉到楼宇。</p>"


def _text(response) -> str:
    return response.get_data(as_text=True)


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


@pytest.fixture
def site(app, client, world, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 23, 10, 0, tzinfo=BJ))
    for name, role, org in (("buaa", "university_admin", None), ("zju", "university_admin", world.other_uni),
                            ("op1", "operator", None), ("moe1", "moe_reviewer", None)):
        world.user(name, role, org)
    assert app.test_cli_runner().invoke(args=["processes", "deploy"]).exit_code == 0

    def browser(username: str) -> FlaskClient:
        web = app.test_client()
        assert login(web, username).status_code == 302
        return web

    return browser


def _publish_via_api(client, title: str = "书院制社区服务大厅", module: str = "experience") -> int:
    h = {n: bearer(client, n) for n in ("buaa", "op1")}
    post = client.post("/api/v1/posts", json={"module": module, "title": title, "body_html": BODY}, headers=h["buaa"])
    assert post.status_code == 201
    tasks = client.get("/api/v1/tasks?scope=group&process=post_review", headers=h["op1"]).get_json()["items"]
    for task in tasks:
        client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"decision": "approve"}}, headers=h["op1"])
    return post.get_json()["id"]


def _no_inline_script(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"


def test_university_writes_saves_autosaves_and_submits(site, world) -> None:
    buaa = site("buaa")
    manage = _text(buaa.get("/yurenhao/manage"))
    assert "本校育人号" in _title(manage) and "试点基本情况" in manage and "本校育人号" in manage
    editor = buaa.get("/yurenhao/manage/new?module=overview")
    html = _text(editor)
    assert editor.status_code == 200 and "data-post-editor" in html and "js/post-editor.js" in html
    _no_inline_script(html)
    token = csrf_from(html)
    saved = buaa.post("/yurenhao/manage/new", data={"csrf_token": token, "module": "overview", "title": "试点基本情况",
                                                     "body_html": BODY + "<script>alert(1)</script>", "action": "save"})
    assert saved.status_code == 302
    edit_url = saved.headers["Location"]
    page = _text(buaa.get(edit_url))
    assert "草稿已保存" in page and "alert(1)" not in page and "&lt;h2&gt;做法&lt;/h2&gt;" in page
    post_id = int(edit_url.rstrip("/").split("/")[-1])
    autosave = buaa.post(f"/yurenhao/manage/{post_id}/autosave", headers={"X-CSRFToken": token},
                         data={"module": "overview", "title": "试点基本情况（自动保存）", "body_html": BODY})
    assert autosave.status_code == 200 and autosave.get_json()["post_id"] == post_id
    assert "自动保存" in _text(buaa.get(edit_url))
    assert buaa.post(f"/yurenhao/manage/{post_id}/autosave", data={"title": "x"}).status_code == 400  # no CSRF
    fresh = buaa.post("/yurenhao/manage/autosave", headers={"X-CSRFToken": token},
                      data={"module": "progress", "title": "新草稿", "body_html": ""})
    fresh_id = fresh.get_json()["post_id"]
    assert fresh.status_code == 200 and fresh.get_json()["edit_url"] == f"/yurenhao/manage/{fresh_id}"
    missing = buaa.post(edit_url, data={"csrf_token": token, "module": "overview", "title": "",
                                        "body_html": BODY + '<img src=x onerror="alert(9)">', "action": "submit"})
    assert missing.status_code == 422 and "请填写标题" in _text(missing)
    assert "alert(9)" not in _text(missing)  # what is shown again is cleaned too
    submitted = buaa.post(edit_url, data={"csrf_token": token, "module": "overview", "title": "试点基本情况",
                                          "body_html": BODY, "action": "submit"}, follow_redirects=True)
    text = _text(submitted)
    assert "已提交审核" in text and 'data-testid="in-review"' in text
    again = buaa.post(edit_url, data={"csrf_token": token, "module": "overview", "title": "改", "body_html": BODY,
                                      "action": "save"}, follow_redirects=True)
    assert "审核完成前不能修改" in _text(again)
    discard = buaa.post(f"/yurenhao/manage/{fresh.get_json()['post_id']}/discard", data={"csrf_token": token})
    assert discard.status_code == 302 and buaa.get(fresh.get_json()["edit_url"]).status_code == 404


def test_another_university_and_other_roles_cannot_touch_the_editor(site) -> None:
    buaa = site("buaa")
    token = csrf_from(_text(buaa.get("/yurenhao/manage/new")))
    saved = buaa.post("/yurenhao/manage/new", data={"csrf_token": token, "module": "rules", "title": "制度",
                                                     "body_html": BODY, "action": "save"})
    url = saved.headers["Location"]
    zju = site("zju")
    zju_token = csrf_from(_text(zju.get("/yurenhao/manage")))
    assert zju.get(url).status_code == 404
    assert zju.post(url, data={"csrf_token": zju_token, "module": "rules", "title": "x", "body_html": "<p>x</p>",
                               "action": "save"}).status_code == 404
    hijack = zju.post(url + "/autosave", headers={"X-CSRFToken": zju_token}, data={"title": "x"})
    assert hijack.status_code == 404 and hijack.get_json()["error"]["code"] == "not_found"
    assert zju.post(url + "/discard", data={"csrf_token": zju_token}).status_code == 404
    assert site("op1").get("/yurenhao/manage").status_code == 403
    assert site("op1").get(url).status_code == 403


def test_operator_reviews_with_notes_then_publishes_and_a_revision_shows_its_diff(app, client, site) -> None:
    buaa = site("buaa")
    token = csrf_from(_text(buaa.get("/yurenhao/manage/new")))
    url = buaa.post("/yurenhao/manage/new", data={"csrf_token": token, "module": "experience", "title": "服务大厅",
                                                   "body_html": BODY, "action": "submit"}).headers["Location"]
    op = site("op1")
    queue = _text(op.get("/yurenhao/review"))
    [review_url] = re.findall(r'href="(/yurenhao/review/tasks/\d+)"', queue)
    page = _text(op.get(review_url))
    assert "服务大厅" in _title(page) and "学生事务一站办结" in page and 'data-testid="diff-tab"' not in page
    _no_inline_script(page)
    op_token = csrf_from(page)
    post_id = int(url.split("/")[-1])
    task_id = review_url.split("/")[-1]
    note = op.post(f"/yurenhao/review/posts/{post_id}/notes",
                   data={"csrf_token": op_token, "task_id": task_id, "quote": "服务下沉",
                         "body": "请写明下沉到哪些楼宇"})
    assert note.status_code == 302
    assert "请写明下沉到哪些楼宇" in _text(op.get(review_url))
    no_reason = op.post(f"{review_url}/complete", data={"csrf_token": op_token, "decision": "return"})
    assert no_reason.status_code == 422 and "此项为必填" in _text(no_reason)
    returned = op.post(f"{review_url}/complete", data={"csrf_token": op_token, "decision": "return",
                                                       "comment": "见批注"}, follow_redirects=True)
    assert "已办理" in _text(returned)
    back = _text(buaa.get(url))
    assert "被退回修改" in back and "请写明下沉到哪些楼宇" in back and "服务下沉" in back
    buaa.post(url, data={"csrf_token": token, "module": "experience", "title": "服务大厅",
                         "body_html": BODY + "<p>覆盖 20 栋楼宇。</p>", "action": "submit"})
    [review_url] = re.findall(r'href="(/yurenhao/review/tasks/\d+)"', _text(op.get("/yurenhao/review")))
    op.post(f"{review_url}/complete", data={"csrf_token": op_token, "decision": "approve"})
    assert "服务大厅" in _text(app.test_client().get(f"/yurenhao/p/{post_id}"))

    status = _text(buaa.get(url))
    assert 'data-testid="edit-post"' in status
    editor = _text(buaa.get(url + "?edit=1"))
    assert "已公开发布" in editor
    buaa.post(url, data={"csrf_token": token, "module": "experience", "title": "服务大厅（更新）",
                         "body_html": BODY.replace("一站办结", "一站式办结") + "<p>覆盖 20 栋楼宇。</p>",
                         "action": "submit"})
    assert "服务大厅（更新）" not in _text(app.test_client().get(f"/yurenhao/p/{post_id}"))  # still the old one
    [review_url] = re.findall(r'href="(/yurenhao/review/tasks/\d+)"', _text(op.get("/yurenhao/review")))
    diff = _text(op.get(review_url))
    assert 'data-testid="diff-tab"' in diff and "<ins>（更新）</ins>" in diff and "<ins>式</ins>" in diff
    admin_view = _text(op.get(f"/yurenhao/review/posts/{post_id}"))
    assert 'data-testid="published-revision"' in admin_view and "去审核" in admin_view
    op.post(f"{review_url}/complete", data={"csrf_token": op_token, "decision": "approve"})
    assert "服务大厅（更新）" in _text(app.test_client().get(f"/yurenhao/p/{post_id}"))
    assert site("zju").get(review_url).status_code == 403


def test_public_pages_search_feed_share_metadata_and_caching(app, client, site, world) -> None:
    post_id = _publish_via_api(client)
    anon = app.test_client()
    index = anon.get("/yurenhao")
    html = _text(index)
    assert index.status_code == 200 and "书院制社区服务大厅" in html and "育人号" in _title(html)
    assert 'name="csrf-token"' not in html and "Set-Cookie" not in index.headers
    assert "public" in index.headers["Cache-Control"] and index.headers.get("ETag")
    _no_inline_script(html)
    assert anon.get("/yurenhao", headers={"If-None-Match": index.headers["ETag"]}).status_code == 304
    assert "共 1 篇" in _text(anon.get("/yurenhao?q=服务大厅"))
    assert "共 0 篇" in _text(anon.get("/yurenhao?province=浙江"))
    assert "共 1 篇" in _text(anon.get(f"/yurenhao?university_id={world.uni.id}&module=experience"))
    assert "共 0 篇" in _text(anon.get("/yurenhao?module=rules&page=abc"))
    uni = _text(anon.get(f"/yurenhao/u/{world.uni.id}"))
    assert _title(uni).startswith("北京航空航天大学育人号") and 'data-testid="module-tabs"' in uni
    module_page = _text(anon.get(f"/yurenhao/u/{world.uni.id}?module=experience"))
    assert "特色经验 · 北京航空航天大学育人号" in _title(module_page)
    post = _text(anon.get(f"/yurenhao/p/{post_id}"))
    assert _title(post).startswith("书院制社区服务大厅 · 北京航空航天大学育人号")
    assert '<meta property="og:title" content="书院制社区服务大厅">' in post and 'rel="canonical"' in post
    assert 'property="og:description" content="做法 学生事务一站办结' in post
    assert 'property="og:type" content="article"' in post
    feed = anon.get(f"/yurenhao/feed.atom?university_id={world.uni.id}")
    assert feed.mimetype == "application/atom+xml"
    root = ET.fromstring(feed.get_data())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert [e.findtext("a:title", namespaces=ns) for e in root.findall("a:entry", ns)] == ["书院制社区服务大厅"]
    assert "<h2>做法</h2>" in root.find("a:entry/a:content", ns).text
    home = _text(anon.get("/"))
    assert "书院制社区服务大厅" in home and 'name="csrf-token"' not in home
    chart = json.loads(unescape(re.search(r'data-chart="provinces" data-series="([^"]*)"', home).group(1)))
    assert chart["provinces"] == ["北京", "浙江"] and chart["designated"] == [1, 1]
    _no_inline_script(home)
    assert anon.get("/yurenhao/showcase").status_code == 200
    assert anon.get("/yurenhao/p/999999").status_code == 404
    assert anon.get("/yurenhao/p/99999999999").status_code == 404  # beyond a 32-bit id: no database error
    assert anon.get("/media/posts/99999999999").status_code == 404
    assert anon.get("/yurenhao?university_id=99999999999&page=99999999999999").status_code == 200
    assert anon.get(f"/yurenhao/u/{world.logistics.id}").status_code == 404  # a department has no 育人号
    assert anon.get("/yurenhao/feed.atom?university_id=999999").status_code == 404
    _publish_via_api(client, title="规章制度汇编", module="rules")  # the cache notices new content
    assert "规章制度汇编" in _text(anon.get("/yurenhao"))
    logged_in = site("buaa").get("/yurenhao")
    assert 'name="csrf-token"' in _text(logged_in) and "private" in logged_in.headers["Cache-Control"]


def test_showcase_nomination_and_second_review_through_the_pages(app, client, site, world) -> None:
    post_id = _publish_via_api(client)
    op = site("op1")
    page = _text(op.get(f"/yurenhao/review/posts/{post_id}"))
    assert 'data-testid="nominate-form"' in page
    op.post(f"/yurenhao/review/posts/{post_id}/nominate",
            data={"csrf_token": csrf_from(page), "kind": "quality_result", "reason": "成效显著"})
    moe = site("moe1")
    queue = _text(moe.get("/yurenhao/review"))
    [task_url] = re.findall(r'href="(/yurenhao/review/tasks/\d+)"', queue)
    review = _text(moe.get(task_url))
    assert "成果展示审核（优质成果）" in review and "成效显著" in review
    moe.post(f"{task_url}/complete", data={"csrf_token": csrf_from(review), "decision": "approve"})
    column = _text(app.test_client().get("/yurenhao/showcase"))
    assert "书院制社区服务大厅" in column and "来源：" in column and "北京航空航天大学" in column
    assert "书院制社区服务大厅" in _text(app.test_client().get("/"))  # highlighted on the homepage
    assert "成果展示 · 优质成果" in _text(app.test_client().get(f"/yurenhao/p/{post_id}"))


def test_ministry_sets_a_deadline_and_sees_who_is_behind(site, world) -> None:
    moe = site("moe1")
    page = _text(moe.get("/yurenhao/deadlines"))
    assert "育人号建设进度" in _title(page)
    bad = moe.post("/yurenhao/deadlines", data={"csrf_token": csrf_from(page), "name": "现阶段育人号建设",
                                                "due_designated": "", "due_self_pilot": "2026-12-27"})
    assert bad.status_code == 422 and "请填写有效日期" in _text(bad)
    done = moe.post("/yurenhao/deadlines", data={
        "csrf_token": csrf_from(page), "name": "现阶段育人号建设", "due_designated": "2026-12-06",
        "due_self_pilot": "2026-12-27", "grace_days": "21", "required_modules": ["overview", "progress"]},
        follow_redirects=True)
    text = _text(done)
    assert "已设置" in text and re.search(r'data-testid="behind-count">2<', text)
    [detail] = re.findall(r'href="(/yurenhao/deadlines/\d+)"', text)
    assert "浙江大学" in _text(moe.get(detail))
    assert site("buaa").get("/yurenhao/deadlines").status_code == 403
    assert "现阶段育人号建设" in _text(site("buaa").get("/yurenhao/manage"))  # the university sees its date
