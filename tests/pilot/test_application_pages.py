"""Flow A pages (SPEC §3): the public application entry and status page, amending after a return,
the ministry's batch review, lists and exports, review windows, the one-time password the operator
sees once, and the forced password change of the account opened with it."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models import OneTimeSecret, PilotApplication, User
from tests.support.pilot import FORM, Pilot, flashes, text


@pytest.fixture
def pilot(app, world, monkeypatch) -> Pilot:
    helper = Pilot(app, world, monkeypatch)
    helper.at("2026-11-10T10:00")
    return helper


def _status(pilot: Pilot, code: str) -> str:
    return text(pilot.anon.get(f"/apply/status?code={code}"))


def _badge(html: str) -> str:
    return re.search(r'data-testid="application-status"[^>]*>([^<]+)<', html).group(1)


def _menu(html: str) -> str:
    return re.search(r'data-testid="main-nav">(.*?)<!-- /main-nav -->', html, re.S).group(1)


def _batch(pilot: Pilot, web, data: dict, *, confirmed: bool = True) -> object:
    """The batch form, and (`confirmed`) the confirmation page's 确认提交 after it."""
    return pilot.post(web, "/pilot/batch", {**data, **({"confirmed": "1"} if confirmed else {})})


# ---------------------------------------------------------------- the public entry

def test_apply_shows_chinese_field_errors_keeps_input_then_gives_a_tracking_code(app, pilot) -> None:
    home = text(pilot.anon.get("/"))
    assert 'href="/apply"' in home and "试点申报" in home
    page = text(pilot.anon.get("/apply"))
    assert "基础信息表" in page and "工作计划书" in page and '<option value="江苏">江苏</option>' in page
    assert "2026-11-26 至 2026-11-30" in page  # the window a submission today would join

    refused = pilot.apply(province="", contact_email="nope", plan_text="", community_students="-5")
    assert refused.status_code == 422
    html = text(refused)
    assert "请填写有效的电子邮箱，账号开通通知将发送至该邮箱" in html
    assert "请选择学校所在省份" in html and "社区学生人数须在 0 到 10000000 之间" in html
    assert "请上传工作计划书（PDF/DOCX）或直接填写计划书内容" in html
    assert 'value="江南示范大学"' in html and 'value="025-88886666"' in html  # what was typed stays

    created = pilot.apply(plan_pdf=True, plan_text="")
    code = pilot.code_of(created)
    done = text(pilot.anon.get(created.headers["Location"]))
    assert f'value="{code}"' in done and 'data-copy="#tracking-code"' in done
    assert "已进入审核窗口：<strong>2026-11-26 至 2026-11-30</strong>" in done
    assert f'href="/apply/status?code={code}"' in done
    with app.app_context():
        stored = db.session.scalar(select(PilotApplication).where(PilotApplication.tracking_code == code))
        assert stored.plan_file_id is not None and stored.community_students == 12000


def test_a_refused_plan_file_is_reported_with_the_other_fields(pilot) -> None:
    from io import BytesIO

    data = {**FORM, "contact_email": "nope", "plan_text": "",
            "plan_file": (BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), "plan.pdf")}
    refused = pilot.post(pilot.anon, "/apply", data, content_type="multipart/form-data")
    assert refused.status_code == 422
    html = text(refused)
    assert "文件内容与类型不符" in html and "请填写有效的电子邮箱" in html
    assert "请上传工作计划书（PDF/DOCX）" not in html  # a file was sent: no "missing plan" message


def test_duplicates_are_refused_with_an_explanation(pilot) -> None:
    pilot.code_of(pilot.apply())
    again = pilot.apply()
    assert again.status_code == 422 and "江南示范大学已有一份申报正在审核中" in text(again)
    designated = pilot.apply(university_name="浙江大学")
    assert designated.status_code == 422 and "浙江大学已是教育部认定试点高校，无需申报" in text(designated)


def test_status_page_follows_the_application_and_an_unknown_code_is_404(pilot) -> None:
    assert "查询码" in text(pilot.anon.get("/apply/status"))
    unknown = pilot.anon.get("/apply/status?code=SPNOTACODE00")
    assert unknown.status_code == 404 and "查询码不存在，请核对后重试" in text(unknown)

    code = pilot.code_of(pilot.apply())
    html = _status(pilot, code.lower())  # typed in lower case: still found
    assert _badge(html) == "待审核" and "2026-11-26 至 2026-11-30" in html and "提交申报" in html
    pilot.fire("2026-11-26T08:00:00+08:00")
    pilot.at("2026-11-27T10:00")
    assert _badge(_status(pilot, code)) == "审核中"
    assert "amend-link" not in _status(pilot, code)

    moe = pilot.web("moe1")
    [task] = pilot.review_tasks()
    _batch(pilot, moe, {"task_ids": task["id"], "decision": "approve"})
    approved = _status(pilot, code)
    assert _badge(approved) == "已通过认定" and "3 个工作日内开通账号" in approved

    op = pilot.web("op1")
    [open_task] = pilot.review_tasks("op1")
    pilot.post(op, f"/tasks/{open_task['id']}/complete", {"confirm": "on"}, page=f"/tasks/{open_task['id']}")
    opened = _status(pilot, code)
    assert _badge(opened) == "已开通账号"
    assert [m for m in ("提交申报", "认定通过", "账号已开通") if m in opened] == ["提交申报", "认定通过", "账号已开通"]


def test_rejected_application_shows_the_reason_and_cannot_be_amended(pilot) -> None:
    code = pilot.code_of(pilot.apply())
    pilot.fire("2026-11-26T08:00:00+08:00")
    [task] = pilot.review_tasks()
    _batch(pilot, pilot.web("moe1"), {"task_ids": task["id"], "decision": "reject", "comment": "材料不完整"})
    html = _status(pilot, code)
    assert _badge(html) == "未通过认定" and "审核意见：</span>材料不完整" in html and "amend-link" not in html
    refused = pilot.anon.get(f"/apply/{code}/amend")
    assert refused.status_code == 302 and "只有被退回的申报" in text(pilot.anon.get(refused.headers["Location"]))


def test_returned_application_is_amended_and_joins_the_next_window(pilot) -> None:
    code = pilot.code_of(pilot.apply())
    pilot.fire("2026-11-26T08:00:00+08:00")
    pilot.at("2026-11-28T09:00")
    [task] = pilot.review_tasks()
    _batch(pilot, pilot.web("moe1"), {"task_ids": task["id"], "decision": "return", "comment": "请补充楼宇数据"})
    html = _status(pilot, code)
    assert _badge(html) == "退回修改" and "请补充楼宇数据" in html
    assert f'href="/apply/{code}/amend"' in html

    form = text(pilot.anon.get(f"/apply/{code}/amend"))
    assert 'value="王老师"' in form and 'value="18"' in form and "请补充楼宇数据" in form  # prefilled
    bad = pilot.post(pilot.anon, f"/apply/{code}/amend", {**FORM, "contact_phone": "x"},
                     content_type="multipart/form-data")
    assert bad.status_code == 422 and "请填写有效的联系电话" in text(bad)
    done = pilot.post(pilot.anon, f"/apply/{code}/amend", {**FORM, "community_buildings": "20"},
                      content_type="multipart/form-data")
    assert done.status_code == 303
    after = text(pilot.anon.get(done.headers["Location"]))
    assert "已重新提交，将进入 2026-12-27 至 2026-12-31 的审核窗口" in after
    assert _badge(after) == "待审核" and "修改后重新提交（第 2 次提交）" in after
    assert pilot.anon.get(f"/apply/{code}/amend").status_code == 302  # not returned any more


# ---------------------------------------------------------------- the ministry's batch

def test_batch_review_decides_several_at_once_and_requires_a_reason(app, pilot) -> None:
    pilot.code_of(pilot.apply(plan_pdf=True, plan_text=""))
    pilot.code_of(pilot.apply(university_name="江北职业技术学院", school_type="vocational"))
    pilot.code_of(pilot.apply(university_name="海西大学", province="福建"))
    pilot.fire("2026-11-26T08:00:00+08:00")
    pilot.at("2026-11-27T10:00")
    late = pilot.code_of(pilot.apply(university_name="晚到大学"))  # waits for December
    moe = pilot.web("moe1")
    page = text(moe.get("/pilot/batch"))
    assert re.search(r'data-testid="batch-count">3<', page)
    assert all(n in page for n in ("江南示范大学", "江北职业技术学院", "海西大学", "025-88886666", "高职"))
    assert page.count('data-testid="plan-file"') == 1 and 'data-testid="plan-excerpt"' in page
    assert "2026-12-27 至 2026-12-31" in page and "晚到大学" in page  # the next window's queue

    ids = {t["title"].split("：")[1]: t["id"] for t in pilot.review_tasks()}
    no_reason = _batch(pilot, moe, {"task_ids": [ids["海西大学"]], "decision": "reject"})
    assert no_reason.status_code == 422 and "不予认定时须填写理由" in text(no_reason)
    hx = ids["海西大学"]
    kept = re.search(rf'value="{hx}"\s+id="task-{hx}" data-bulk-item( checked)?', text(no_reason))
    assert kept.group(1)  # the ticked box stays ticked
    nothing = _batch(pilot, moe, {"decision": "approve"})
    assert nothing.status_code == 422 and "请先勾选要审核的申报" in text(nothing)
    assert len(pilot.review_tasks()) == 3  # neither refused post decided anything

    chosen = {"task_ids": [ids["江南示范大学"], ids["江北职业技术学院"]], "decision": "approve"}
    asked = _batch(pilot, moe, chosen, confirmed=False)  # read once more before it is sent
    assert asked.status_code == 200 and 'data-testid="batch-confirm"' in text(asked)
    assert "江南示范大学" in text(asked) and "江北职业技术学院" in text(asked) and "认定通过" in text(asked)
    assert len(pilot.review_tasks()) == 3
    two = _batch(pilot, moe, chosen)
    assert two.status_code == 303
    after = text(moe.get(two.headers["Location"]))
    assert "已认定通过 2 项：" in flashes(after)[0] and "江北职业技术学院" in flashes(after)[0]
    assert re.search(r'data-testid="batch-count">1<', after)
    _batch(pilot, moe, {"task_ids": [ids["海西大学"]], "decision": "return", "comment": "请补充计划书"})
    with app.app_context():
        statuses = dict(db.session.execute(select(PilotApplication.university_name, PilotApplication.status)).all())
    assert statuses == {"江南示范大学": "approved", "江北职业技术学院": "approved", "海西大学": "returned",
                        "晚到大学": "submitted"}
    assert _badge(_status(pilot, late)) == "待审核"
    plan = moe.get(re.search(r'href="(/pilot/applications/\d+/plan)"', page).group(1))
    assert plan.status_code == 200 and plan.data.startswith(b"%PDF") and "attachment" in plan.headers[
        "Content-Disposition"]


def test_ministry_pages_are_for_their_roles(pilot) -> None:
    assert pilot.anon.get("/pilot/batch").status_code == 302
    stu = pilot.web("stu")
    for url in ("/pilot/batch", "/pilot/applications", "/pilot/pilots", "/pilot/applications.csv", "/pilot/windows"):
        refused = stu.get(url)
        assert refused.status_code == 403 and "无权访问" in text(refused), url
    assert pilot.web("op1").get("/pilot/batch").status_code == 403
    nav = {who: text(pilot.web(who).get("/")) for who in ("moe1", "op1", "buaa", "root")}
    menu = {who: _menu(html) for who, html in nav.items()}
    assert all(x in menu["moe1"] for x in ("批量审核", "申报与试点", "信息表"))
    assert "申报与试点" in menu["op1"] and "信息表" in menu["op1"] and "批量审核" not in menu["op1"]
    assert "信息表" in menu["buaa"] and "申报与试点" not in menu["buaa"]
    assert "审核窗口" in menu["root"] and "申报与试点" in menu["root"] and "批量审核" not in menu["root"]
    assert "试点申报" in _menu(text(pilot.anon.get("/")))


# ---------------------------------------------------------------- lists, exports, windows

def test_application_list_filters_pages_and_exports(pilot) -> None:
    pilot.code_of(pilot.apply())
    pilot.code_of(pilot.apply(university_name="江北职业技术学院", school_type="vocational"))
    for n in range(20):
        pilot.code_of(pilot.apply(university_name=f"福建第{n}大学", province="福建"))
    op = pilot.web("op1")
    first = text(op.get("/pilot/applications"))
    assert "共 22 份申报" in first and 'href="/pilot/applications?page=2"' in first
    filtered = text(op.get("/pilot/applications?province=江苏&school_type=vocational"))
    assert "共 1 份申报" in filtered and "江北职业技术学院" in filtered and "江南示范大学" not in filtered
    assert 'href="/pilot/applications.csv?province=%E6%B1%9F%E8%8B%8F&amp;school_type=vocational"' in filtered
    assert "共 1 份申报" in text(op.get("/pilot/applications?q=江南&window=2026-11-30&status=submitted"))

    exported = op.get("/pilot/applications.csv?province=江苏")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["查询码", "学校", "省份", "办学类型", "状态"]
    assert sorted((r[1], r[3], r[4]) for r in rows[1:]) == [("江北职业技术学院", "高职", "待审核"),
                                                           ("江南示范大学", "本科", "待审核")]
    workbook = load_workbook(io.BytesIO(op.get("/pilot/applications.xlsx").data))
    assert workbook.active.max_row == 23 and workbook.active["B1"].value == "学校"

    pilots = text(op.get("/pilot/pilots?province=北京"))
    assert "北京航空航天大学" in pilots and "浙江大学" not in pilots and "教育部认定试点" in pilots
    pilot_csv = op.get("/pilot/pilots.csv?status=designated").data.decode("utf-8-sig")
    assert "北京航空航天大学,北京,本科,教育部认定试点,2019" in pilot_csv and "浙江大学" in pilot_csv


def test_windows_page_lists_upcoming_windows_and_admin_adds_one(pilot) -> None:
    root = pilot.web("root")
    page = text(root.get("/pilot/windows"))
    assert "2026-11-26 至 2026-11-30" in page and "每月末默认窗口" in page
    bad = pilot.post(root, "/pilot/windows", {"starts_on": "2026-11-20", "ends_on": "2026-11-19"})
    assert bad.status_code == 422 and "结束日期不能早于开始日期" in text(bad)
    added = pilot.post(root, "/pilot/windows", {"starts_on": "2026-11-15", "ends_on": "2026-11-18", "note": "集中审核"})
    assert added.status_code == 303
    after = text(root.get("/pilot/windows"))
    assert "已添加审核窗口：2026-11-15 至 2026-11-18" in after
    assert after.index("2026-11-15 至 2026-11-18") < after.index("2026-11-26 至 2026-11-30")
    code = pilot.code_of(pilot.apply())
    assert "2026-11-15 至 2026-11-18" in _status(pilot, code)
    moe = pilot.web("moe1")
    assert "window-form" not in text(moe.get("/pilot/windows"))
    assert pilot.post(moe, "/pilot/windows", {"starts_on": "2026-11-21", "ends_on": "2026-11-22"},
                      page="/pilot/windows").status_code == 403


# ---------------------------------------------------------------- account opening

def _approved(pilot: Pilot) -> dict:
    pilot.code_of(pilot.apply())
    pilot.fire("2026-11-26T08:00:00+08:00")
    pilot.at("2026-11-27T10:00")
    [task] = pilot.review_tasks()
    _batch(pilot, pilot.web("moe1"), {"task_ids": task["id"], "decision": "approve"})
    [open_task] = pilot.review_tasks("op1")
    return open_task


def test_the_one_time_password_is_shown_once_and_only_to_the_operator_who_opened(app, pilot) -> None:
    open_task = _approved(pilot)
    op1, op2 = pilot.web("op1"), pilot.web("op2")
    done = pilot.post(op1, f"/tasks/{open_task['id']}/complete", {"confirm": "on"}, page=f"/tasks/{open_task['id']}")
    assert done.status_code == 302 and done.headers["Location"] == "/secrets?next=/tasks"
    with app.app_context():
        password = db.session.scalar(select(OneTimeSecret.secret))
    assert password not in text(op2.get("/secrets"))  # another operator: nothing to see
    shown = op1.get(done.headers["Location"])
    html = text(shown)
    assert f'value="{password}"' in html and "初始密码仅在此显示一次" in html
    assert "wang@jnu.example.cn" in html and "已办理：开通账号：江南示范大学" in html
    assert shown.headers["Cache-Control"] == "no-store" and 'href="/tasks"' in html
    again = text(op1.get("/secrets"))
    assert password not in again and "没有待查看的初始密码" in again
    with app.app_context():
        assert db.session.scalar(select(OneTimeSecret)) is None

    # the new account: its first login must choose a new password
    university = pilot.web("wang@jnu.example.cn", password)
    forced = university.get("/")
    assert forced.status_code == 302 and forced.headers["Location"] == "/account"


def test_a_forced_password_change_blocks_every_page_until_done(app, pilot) -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "buaa"))
        user.must_change_password = True
        db.session.commit()
    web = pilot.web("buaa")
    for url in ("/", "/tasks", "/reports", "/notifications"):
        response = web.get(url)
        assert response.status_code == 302 and response.headers["Location"] == "/account", url
    account = text(web.get("/account"))
    assert "您正在使用初始密码" in account
    htmx = web.get("/tasks", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/account"
    wrong = pilot.post(web, "/account/password", {"current_password": "nope", "new_password": "Brand-new-2026"},
                       page="/account")
    assert wrong.status_code == 422 and web.get("/").status_code == 302
    changed = pilot.post(web, "/account/password",
                         {"current_password": "test-pass-123", "new_password": "Brand-new-2026"}, page="/account")
    assert changed.status_code == 302
    home = web.get("/")
    assert home.status_code == 200 and 'data-testid="welcome"' in text(home)
    with app.app_context():
        assert db.session.scalar(select(User.must_change_password).where(User.username == "buaa")) is False
    assert pilot.web("op1").get("/").status_code == 200  # nobody else is affected
