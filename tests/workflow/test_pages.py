"""Workflow pages: inbox, task page, instance page, process administration, notifications, calendar."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests.conftest import csrf_from, login
from tests.support.workflow import DEMO, SUBMIT, Actors


@pytest.fixture
def actors(client, world) -> Actors:
    return Actors(client, world)


@pytest.fixture
def browser_as(app):
    """A logged-in web client per person (separate cookie jars, like separate browsers)."""

    def make(username: str) -> FlaskClient:
        web = app.test_client()
        assert login(web, username).status_code == 302
        return web

    return make


def _text(response) -> str:
    return response.get_data(as_text=True)


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


def _flashes(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", m).strip() for m in re.findall(r'<div class="alert[^"]*" role="alert">(.*?)</div>',
                                                                html, re.S)]


def _submit_task(actors: Actors) -> dict:
    actors.deploy()
    instance = actors.start("buaa")
    return {"instance": instance, "task": actors.inbox("buaa")[0]}


# ---------------------------------------------------------------- inbox and task page

def test_inbox_shows_the_universitys_task_to_its_admin_only(actors, browser_as) -> None:
    started = _submit_task(actors)
    task_id = started["task"]["id"]
    buaa = browser_as("buaa")
    mine = _text(buaa.get("/tasks"))
    assert "待办任务" in _title(mine) and 'data-testid="inbox-empty"' in mine
    group = _text(buaa.get("/tasks?scope=group"))
    assert f'href="/tasks/{task_id}"' in group and "提交申请" in group and "演示审批" in group
    assert 'data-testid="claim"' in group and f'hx-post="/tasks/{task_id}/claim"' in group
    for other in ("zju", "op1"):
        web = browser_as(other)
        assert f"/tasks/{task_id}" not in _text(web.get("/tasks?scope=group"))
    zju = browser_as("zju")
    hidden = zju.get(f"/tasks/{task_id}")
    assert hidden.status_code == 404 and "页面不存在" in _text(hidden)
    assert zju.get(f"/instances/{started['instance']['id']}").status_code == 404


def test_inbox_requires_login_and_nav_shows_my_tasks(client, actors, browser_as) -> None:
    assert client.get("/tasks").status_code == 302
    nav = _text(browser_as("buaa").get("/"))
    assert "我的待办" in nav and "流程管理" not in nav and "工作日历" not in nav
    admin_nav = _text(browser_as("root").get("/"))
    assert all(label in admin_nav for label in ("我的待办", "流程管理", "工作日历"))


def test_due_dates_show_in_beijing_time_with_badges_and_filters(app, actors, browser_as) -> None:
    from datetime import UTC, datetime, timedelta

    from app.extensions import db
    from app.models import HumanTask

    _, late = actors.submitted()
    actors.start("buaa")
    submit = actors.inbox("buaa")[0]
    assert actors.complete("buaa", submit["id"], {**SUBMIT, "project_name": "宿舍思政阵地"}).status_code == 200
    soon = [t for t in actors.inbox("op1") if t["id"] != late["id"]][0]
    now = datetime.now(UTC)
    with app.app_context():
        db.session.get(HumanTask, late["id"]).due_at = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
        db.session.get(HumanTask, soon["id"]).due_at = now + timedelta(hours=2)
        db.session.commit()
    op1 = browser_as("op1")
    rows = _text(op1.get("/tasks?scope=group")).split("<tbody>")[1].split("</tbody>")[0].split("<tr ")[1:]
    assert len(rows) == 2 and "审核：书院制学生社区建设" in rows[0]  # the overdue one first
    assert "2026-01-05 17:30" in rows[0] and 'data-testid="badge-overdue">逾期<' in rows[0]
    assert 'data-testid="badge-due-soon">即将到期<' in rows[1] and "badge-overdue" not in rows[1]
    overdue_only = _text(op1.get("/tasks?scope=group&overdue=1"))
    assert "审核：书院制学生社区建设" in overdue_only and "审核：宿舍思政阵地" not in overdue_only
    before = _text(op1.get("/tasks?scope=group&due_before=2026-01-05"))
    assert "审核：书院制学生社区建设" in before and "审核：宿舍思政阵地" not in before
    assert 'value="2026-01-05"' in before  # the filter stays filled in
    other = _text(op1.get("/tasks?scope=group&process=no_such_process"))
    assert 'data-testid="inbox-empty"' in other


def test_missing_required_field_is_shown_in_chinese_with_422(actors, browser_as) -> None:
    task_id = _submit_task(actors)["task"]["id"]
    buaa = browser_as("buaa")
    page = _text(buaa.get(f"/tasks/{task_id}"))
    assert _title(page).startswith("提交申请") and 'id="f-project_name"' in page
    response = buaa.post(f"/tasks/{task_id}/complete",
                         data={"project_name": "书院制建设", "csrf_token": csrf_from(page)})
    html = _text(response)
    assert response.status_code == 422
    assert 'id="f-description-error">此项为必填<' in html
    assert 'value="书院制建设"' in html  # what was typed is kept
    assert actors.inbox("buaa")[0]["id"] == task_id  # still open


def test_completing_from_the_page_moves_the_instance_on(actors, browser_as) -> None:
    started = _submit_task(actors)
    task_id = started["task"]["id"]
    buaa = browser_as("buaa")
    page = _text(buaa.get(f"/tasks/{task_id}"))
    done = buaa.post(f"/tasks/{task_id}/complete", data={**SUBMIT, "csrf_token": csrf_from(page)})
    assert done.status_code == 302 and done.headers["Location"] == "/tasks"
    assert "已办理：提交申请" in _flashes(_text(buaa.get("/tasks")))
    assert "提交申请" in _text(buaa.get("/tasks?scope=completed"))
    review = _text(browser_as("op1").get("/tasks?scope=group"))
    assert "审核：书院制学生社区建设" in review
    # the task page now shows the result instead of a form
    after = _text(buaa.get(f"/tasks/{task_id}"))
    assert "该任务已办理" in after and "书院制学生社区建设" in after and 'id="f-project_name"' not in after
    # a second submit (e.g. from an old tab) is a conflict, told in Chinese
    again = buaa.post(f"/tasks/{task_id}/complete", data={**SUBMIT, "csrf_token": csrf_from(page)},
                      follow_redirects=True)
    assert "该任务已被他人办理" in _flashes(_text(again))


def test_claim_from_the_inbox_with_htmx_and_conflict_for_the_second(actors, browser_as) -> None:
    _, review = actors.submitted()
    op1, op2 = browser_as("op1"), browser_as("op2")
    page1, page2 = _text(op1.get("/tasks?scope=group")), _text(op2.get("/tasks?scope=group"))
    claim_url = f"/tasks/{review['id']}/claim"
    assert f'hx-post="{claim_url}"' in page1 and f'hx-post="{claim_url}"' in page2
    row = op1.post(claim_url, data={"csrf_token": csrf_from(page1), "scope": "group"},
                   headers={"HX-Request": "true"})
    assert row.status_code == 200
    html = _text(row)
    assert html.lstrip().startswith(f'<tr id="task-row-{review["id"]}"') and "已认领" in html
    assert 'data-testid="claim"' not in html
    assert f"/tasks/{review['id']}" in _text(op1.get("/tasks"))  # now in 我的待办
    late = op2.post(claim_url, data={"csrf_token": csrf_from(page2), "scope": "group"},
                    headers={"HX-Request": "true"})
    assert late.status_code == 200 and "该任务已由他人认领" in _text(late)
    task_page = _text(op2.get(f"/tasks/{review['id']}"))
    assert "该任务已由 op1 认领" in task_page and 'name="decision"' not in task_page
    # op1 gives it back from the task page; op2 can then claim it without htmx
    own = _text(op1.get(f"/tasks/{review['id']}"))
    assert 'data-testid="unclaim"' in own and 'name="decision"' in own
    op1.post(f"/tasks/{review['id']}/unclaim", data={"csrf_token": csrf_from(own)})
    claimed = op2.post(claim_url, data={"csrf_token": csrf_from(page2)}, follow_redirects=True)
    assert "已认领：审核：书院制学生社区建设" in _flashes(_text(claimed))
    assert 'name="decision"' in _text(claimed)  # back on the task page, with the form


def test_comment_on_a_task(actors, browser_as) -> None:
    _, review = actors.submitted()
    op1 = browser_as("op1")
    page = _text(op1.get(f"/tasks/{review['id']}"))
    empty = op1.post(f"/tasks/{review['id']}/comments", data={"body": " ", "csrf_token": csrf_from(page)})
    assert empty.status_code == 422 and "评论不能为空" in _text(empty)
    op1.post(f"/tasks/{review['id']}/comments", data={"body": "请补充宿舍楼栋数", "csrf_token": csrf_from(page)})
    assert "请补充宿舍楼栋数" in _text(browser_as("op2").get(f"/tasks/{review['id']}"))
    # comments belong to the case: the applicant sees them on the task they completed
    submit = [t for t in actors.inbox("buaa", scope="completed")][0]
    assert "请补充宿舍楼栋数" in _text(browser_as("buaa").get(f"/tasks/{submit['id']}"))


def test_bulk_decision_reports_what_was_done_and_what_was_not(actors, browser_as) -> None:
    first_instance, first = actors.submitted()
    actors.start("buaa")
    second_submit = [t for t in actors.inbox("buaa")][0]
    assert actors.complete("buaa", second_submit["id"], {**SUBMIT, "project_name": "宿舍思政阵地"}).status_code == 200
    second = [t for t in actors.inbox("op1") if t["id"] != first["id"]][0]
    op1, op2 = browser_as("op1"), browser_as("op2")
    page = _text(op1.get("/tasks?scope=group"))
    assert 'data-testid="bulk-bar"' in page and f'name="task_ids" value="{first["id"]}"' in page
    # op2 takes the second one before op1 decides both
    op2.post(f"/tasks/{second['id']}/claim", data={"csrf_token": csrf_from(_text(op2.get("/tasks")))})
    refused = op1.post("/tasks/bulk", data={"task_ids": [first["id"], second["id"]], "decision": "reject",
                                            "scope": "group", "csrf_token": csrf_from(page)},
                       follow_redirects=True)
    assert "不通过或退回修改时须填写意见" in _flashes(_text(refused))
    done = op1.post("/tasks/bulk", data={"task_ids": [first["id"], second["id"]], "decision": "approve",
                                         "scope": "group", "csrf_token": csrf_from(page)},
                    follow_redirects=True)
    [summary] = [f for f in _flashes(_text(done)) if f.startswith("已办理")]
    assert summary.startswith("已办理 1 项，1 项未能办理：审核：宿舍思政阵地")
    assert "该任务已由他人认领" in summary
    instance = _text(browser_as("buaa").get(f"/instances/{first_instance['id']}"))
    assert 'data-status="completed">已完成<' in instance and "通过" in instance


# ---------------------------------------------------------------- instance page and the XML

def test_instance_page_shows_history_tasks_and_highlight(actors, browser_as) -> None:
    instance, review = actors.submitted()
    buaa = browser_as("buaa")
    response = buaa.get(f"/instances/{instance['id']}")
    html = _text(response)
    assert response.status_code == 200 and _title(html).startswith(f"演示审批 #{instance['id']}")
    assert 'data-status="running">进行中<' in html
    history = html.split('data-testid="history"')[1]
    for label in ("发起流程", "生成待办", "办理完成"):
        assert label in history
    assert history.index("发起流程") < history.index("办理完成")
    assert "交由高校思政网运营办理" in history
    data = html.split('data-testid="instance-data"')[1].split("</table>")[0]
    assert "项目名称" in data and "书院制学生社区建设" in data  # labelled by the form's titles
    assert "所属高校" in data and "北京航空航天大学" in data and "university_id" not in data
    canvas = re.search(r"<div class=\"bpmn-canvas[^>]*>", html).group(0)
    assert 'data-xml-url="/processes/demo_approval/1.bpmn"' in canvas
    completed = re.search(r'data-completed="([^"]*)"', canvas).group(1).split()
    current = re.search(r'data-current="([^"]*)"', canvas).group(1).split()
    assert "Task_submit" in completed and "StartEvent_1" in completed and "Task_review" in current
    assert 'data-testid="admin-actions"' not in html  # not an administrator
    xml = buaa.get("/processes/demo_approval/1.bpmn")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert 'id="demo_approval"' in _text(xml)
    assert buaa.get("/processes/demo_approval/9.bpmn").status_code == 404


def test_bpmn_xml_needs_a_login(client, actors) -> None:
    actors.deploy()
    assert client.get("/processes/demo_approval/1.bpmn").status_code == 302


def test_process_admin_cancels_an_instance_with_a_reason(actors, browser_as) -> None:
    instance, review = actors.submitted()
    root = browser_as("root")
    page = _text(root.get(f"/instances/{instance['id']}"))
    assert 'data-testid="admin-actions"' in page and "终止流程" in page and "重试" not in page
    no_reason = root.post(f"/instances/{instance['id']}/cancel", data={"csrf_token": csrf_from(page)},
                          follow_redirects=True)
    assert "请填写终止原因" in _flashes(_text(no_reason))
    buaa = browser_as("buaa")
    assert buaa.post(f"/instances/{instance['id']}/cancel",
                     data={"reason": "x", "csrf_token": csrf_from(_text(buaa.get("/tasks")))}).status_code == 403
    done = _text(root.post(f"/instances/{instance['id']}/cancel",
                           data={"reason": "重复申请", "csrf_token": csrf_from(page)}, follow_redirects=True))
    assert "流程已终止" in _flashes(done) and 'data-status="cancelled">已终止<' in done
    assert "原因：重复申请" in done
    assert f"/tasks/{review['id']}" not in _text(browser_as("op1").get("/tasks?scope=group"))


# ---------------------------------------------------------------- process administration

INVALID = DEMO.replace(b'name="operator"', b'name="nobody"')


def _upload(web: FlaskClient, content: bytes, name: str = "demo_approval.bpmn"):
    import io

    page = _text(web.get("/admin/processes"))
    return web.post("/admin/processes", data={"file": (io.BytesIO(content), name),
                                              "csrf_token": csrf_from(page)},
                    content_type="multipart/form-data")


def test_deploy_page_lists_problems_by_line_and_deploys_a_valid_file(actors, browser_as) -> None:
    root = browser_as("root")
    empty = _text(root.get("/admin/processes"))
    assert _title(empty).startswith("流程管理") and "尚未部署任何流程" in empty
    bad = _upload(root, INVALID)
    html = _text(bad)
    assert bad.status_code == 422 and 'data-testid="bpmn-problems"' in html
    line = DEMO.decode().splitlines().index(next(x for x in DEMO.decode().splitlines()
                                                  if 'name="operator"' in x)) + 1
    assert f"第 {line} 行" in html and "泳道名称“nobody”不是已知角色" in html
    ok = _upload(root, DEMO)
    assert ok.status_code == 302 and ok.headers["Location"] == "/admin/processes/demo_approval?version=1"
    listing = _text(root.get("/admin/processes"))
    assert "演示审批" in listing and "第 1 版" in listing
    again = _upload(root, DEMO)
    assert again.status_code == 302
    same = _text(root.get(again.headers["Location"]))
    assert "未生成新版本" in " ".join(_flashes(same))
    assert 'data-xml-url="/processes/demo_approval/1.bpmn"' in same and "最新" in same
    assert root.get("/admin/processes/no_such_process").status_code == 404


def test_modeler_pages_and_their_deploy_endpoint(actors, browser_as) -> None:
    root = browser_as("root")
    actors.deploy()
    edit = _text(root.get("/admin/processes/demo_approval/edit"))
    assert "data-bpmn-modeler" in edit and 'data-xml-url="/processes/demo_approval/1.bpmn"' in edit
    assert 'data-deploy-url="/admin/processes/deploy"' in edit and "部署" in edit
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', edit).group(1)
    headers = {"X-CSRFToken": token}

    def deploy(xml: bytes):
        return root.post("/admin/processes/deploy", data=xml, content_type="application/xml", headers=headers)

    same = deploy(DEMO)
    assert same.status_code == 200 and same.get_json() == {
        "ok": True, "key": "demo_approval", "version": 1, "created": False, "name": "演示审批",
        "url": "/admin/processes/demo_approval?version=1"}
    changed = deploy(DEMO.replace(b'name="\xe5\xae\xa1\xe6\xa0\xb8"', b'name="\xe5\xa4\x8d\xe6\xa0\xb8"'))
    assert changed.status_code == 201 and changed.get_json()["version"] == 2 and changed.get_json()["created"]
    invalid = deploy(INVALID)
    body = invalid.get_json()
    assert invalid.status_code == 422 and body["ok"] is False
    assert any(isinstance(p["line"], int) and "nobody" in p["message"] for p in body["problems"])
    assert deploy(b"<not-xml").get_json()["problems"][0]["message"].startswith("XML 格式错误")
    # the starting point of 新建流程 is itself deployable
    new = _text(root.get("/admin/processes/new"))
    blank = re.search(r'data-xml="([^"]*)"', new).group(1)
    import html as html_lib

    created = deploy(html_lib.unescape(blank).encode())
    assert created.status_code == 201 and created.get_json()["key"] == "new_process"
    # without the CSRF header the endpoint refuses
    assert root.post("/admin/processes/deploy", data=DEMO, content_type="application/xml").status_code == 400


def test_admin_pages_are_403_for_everyone_else(actors, browser_as) -> None:
    actors.deploy()
    for who in ("buaa", "op1"):
        web = browser_as(who)
        for url in ("/admin/processes", "/admin/processes/new", "/admin/processes/demo_approval",
                    "/admin/processes/demo_approval/edit", "/admin/calendar"):
            response = web.get(url)
            assert response.status_code == 403 and "无权访问" in _text(response), (who, url)
        token = csrf_from(_text(web.get("/account")))
        assert web.post("/admin/processes/deploy", data=DEMO, content_type="application/xml",
                        headers={"X-CSRFToken": token}).status_code == 403
        assert web.post("/admin/calendar", data={"day": "2031-10-08", "kind": "workday",
                                                 "csrf_token": token}).status_code == 403


# ---------------------------------------------------------------- calendar and notifications

def test_calendar_overrides_are_added_and_removed(app, actors, browser_as) -> None:
    root = browser_as("root")
    page = _text(root.get("/admin/calendar"))
    assert _title(page).startswith("工作日历") and "暂无调整" in page
    bad = root.post("/admin/calendar", data={"day": "2031-02-30", "kind": "x", "csrf_token": csrf_from(page)})
    assert bad.status_code == 422
    assert "请填写有效日期" in _text(bad) and "请选择工作日或休息日" in _text(bad)
    added = _text(root.post("/admin/calendar", data={"day": "2031-10-08", "kind": "workday", "note": "调休上班",
                                                     "csrf_token": csrf_from(page)}, follow_redirects=True))
    assert "已设置：2031-10-08 为工作日" in _flashes(added)
    assert 'data-day="2031-10-08"' in added and "调休上班" in added and "周三" in added
    from app.workflow import work_calendar

    with app.app_context():
        assert [o.day.isoformat() for o in work_calendar.overrides()] == ["2031-10-08"]
    removed = _text(root.post("/admin/calendar/2031-10-08/remove", data={"csrf_token": csrf_from(page)},
                              follow_redirects=True))
    assert 'data-day="2031-10-08"' not in removed and "暂无调整" in removed


def test_notifications_page_and_unread_badge(actors, browser_as) -> None:
    task_id = _submit_task(actors)["task"]["id"]
    buaa = browser_as("buaa")
    home = _text(buaa.get("/"))
    assert re.search(r'data-testid="unread-badge">1<', home)
    page = _text(buaa.get("/notifications"))
    assert _title(page).startswith("通知")
    assert f'<a href="/tasks/{task_id}">提交申请</a>' in page and 'data-unread="true"' in page  # badge: 新待办
    buaa.post("/notifications/read-all", data={"csrf_token": csrf_from(page)})
    after = _text(buaa.get("/notifications"))
    assert 'data-unread="true"' not in after and 'data-testid="unread-badge"' not in after
    assert 'data-testid="unread-badge"' not in _text(browser_as("zju").get("/"))


def test_a_file_field_is_uploaded_with_the_task_form(app, actors, browser_as, tmp_path, monkeypatch) -> None:
    import io
    import json
    import shutil

    from tests.conftest import ROOT

    for form in (ROOT / "forms").glob("*.json"):
        shutil.copy(form, tmp_path / form.name)
    schema = json.loads((ROOT / "forms" / "demo_submit.json").read_text(encoding="utf-8"))
    schema["properties"]["plan"] = {"type": "integer", "title": "工作计划书",
                                    "x-ui": {"widget": "file", "accept": ["pdf"]}}
    schema["required"].append("plan")
    (tmp_path / "demo_submit.json").write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setitem(app.config, "FORMS_DIR", str(tmp_path))
    task_id = _submit_task(actors)["task"]["id"]
    buaa = browser_as("buaa")
    page = _text(buaa.get(f"/tasks/{task_id}"))
    assert 'enctype="multipart/form-data"' in page and 'type="file" id="f-plan"' in page
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

    def post(**fields):
        return buaa.post(f"/tasks/{task_id}/complete", data={**fields, "csrf_token": csrf_from(page)},
                         content_type="multipart/form-data")

    wrong = post(**SUBMIT, plan=(io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 64), "plan.pdf"))
    assert wrong.status_code == 422 and "f-plan-error" in _text(wrong)
    missing = post(project_name="书院制学生社区建设", plan=(io.BytesIO(pdf), "计划书.pdf"))
    assert missing.status_code == 422 and 'id="f-description-error">此项为必填<' in _text(missing)
    assert post(**SUBMIT, plan=(io.BytesIO(pdf), "计划书.pdf")).status_code == 302
    submitted = _text(buaa.get(f"/tasks/{task_id}"))
    assert "工作计划书" in submitted and "计划书.pdf" in submitted
