"""Flow A end to end in a browser: on a phone, a university applies on /apply and gets its tracking
code; the review window opens (time moved, timers fired); the ministry approves it in the batch; the
operator opens the account and sees the one-time password once; the new account logs in with it, must
change it, and then reaches its home page."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.core import clock
from tests.conftest import ROOT
from tests.support.browser import fits_the_screen, go_to, login

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 900}


def _at(monkeypatch, moment: str) -> None:
    when = datetime.fromisoformat(moment).replace(tzinfo=clock.SHANGHAI)
    monkeypatch.setattr(clock, "now", lambda: when)  # the live server runs in this process: it sees this


def test_apply_review_open_account_and_first_login(
        page, browser, live_server, app, world, monkeypatch) -> None:
    base = live_server
    world.user("moe1", "moe_reviewer")
    world.user("op1", "operator")
    deployed = app.test_cli_runner().invoke(args=["processes", "deploy",
                                                  str(ROOT / "workflows" / "pilot_application.bpmn")])
    assert deployed.exit_code == 0, deployed.output
    _at(monkeypatch, "2026-11-10T10:00")

    # 1. the applicant, on a phone, from the home page
    page.goto(f"{base}/")
    page.get_by_role("link", name="我要申报").click()
    page.wait_for_url(f"{base}/apply")
    assert fits_the_screen(page)
    page.fill("#f-university_name", "江南示范大学")
    page.select_option("#f-province", "江苏")
    page.check("#f-school_type-0")
    page.fill("#f-contact_name", "王老师")
    page.fill("#f-contact_phone", "025-88886666")
    page.fill("#f-contact_email", "wang@jnu")
    page.fill("#f-community_students", "12000")
    page.fill("#f-plan_text", "以书院制学生社区为载体，推进党建引领、队伍入驻、学生参与。")
    page.get_by_role("button", name="提交申报").click()
    page.wait_for_load_state()
    assert "请填写有效的电子邮箱" in page.locator("[data-testid=form-errors]").inner_text()
    assert page.input_value("#f-university_name") == "江南示范大学"  # kept
    page.fill("#f-contact_email", "wang@jnu.example.cn")
    page.get_by_role("button", name="提交申报").click()
    page.wait_for_url("**/apply/submitted/*")
    code = page.input_value("[data-testid=tracking-code]")
    assert code.startswith("SP") and len(code) == 12
    assert "2026-11-26 至 2026-11-30" in page.locator("[data-testid=joined-window]").inner_text()
    assert fits_the_screen(page)
    page.locator("[data-testid=status-link]").click()
    page.wait_for_url("**/apply/status?code=*")
    assert page.locator("[data-testid=application-status]").inner_text() == "待审核"

    # 2. the review window opens
    fired = app.test_cli_runner().invoke(args=["timers", "fire", "--at", "2026-11-26T00:00:30+08:00"])
    assert "fired 1" in fired.output, fired.output
    _at(monkeypatch, "2026-11-27T10:00")

    # 3. the ministry approves it in the batch
    moe = browser.new_context(locale="zh-CN", viewport=DESKTOP).new_page()
    login(moe, base, "moe1")
    go_to(moe, "批量审核")
    moe.wait_for_url(f"{base}/pilot/batch")
    row = moe.locator("[data-testid=batch-row]", has_text="江南示范大学")
    assert "025-88886666" in row.inner_text()
    row.locator("input[name=task_ids]").check()
    assert moe.locator("[data-bulk-count]").inner_text() == "已选 1 项"
    moe.click("label[for=decision-approve]")
    moe.get_by_role("button", name="对所选申报提交结论").click()
    assert "江南示范大学" in moe.locator("[data-testid=batch-confirm]").inner_text()
    moe.get_by_role("button", name="确认提交").click()
    moe.wait_for_load_state()
    assert "已认定通过 1 项：江南示范大学" in moe.locator(".alert-success").inner_text()
    assert moe.locator("[data-testid=batch-empty]").is_visible()
    moe.context.close()

    # 4. the operator opens the account and sees the one-time password once
    op = browser.new_context(locale="zh-CN", viewport=DESKTOP).new_page()
    login(op, base, "op1")
    op.goto(f"{base}/tasks?scope=group")
    op.get_by_role("link", name="开通账号：江南示范大学").click()
    op.wait_for_url("**/tasks/*")
    op.check("#f-confirm")
    op.locator(".yzs-task-form button[type=submit]").click()
    op.wait_for_url(lambda url: "/secrets?next=" in url)
    assert "初始密码仅在此显示一次" in op.locator("[data-testid=once-warning]").inner_text()
    password = op.input_value("[data-testid=secret-value]")
    assert len(password) == 12
    op.reload()
    assert op.locator("[data-testid=no-secrets]").is_visible()
    assert op.locator("[data-testid=secret-value]").count() == 0
    op.context.close()
    page.goto(f"{base}/apply/status?code={code}")
    assert page.locator("[data-testid=application-status]").inner_text() == "已开通账号"

    # 5. the new account: first login with the one-time password, forced to change it
    uni = browser.new_context(locale="zh-CN", viewport=DESKTOP).new_page()
    login(uni, base, "wang@jnu.example.cn", password, lands_on="/account")
    assert "您正在使用初始密码" in uni.locator(".alert-warning").inner_text()
    uni.goto(f"{base}/tasks")
    uni.wait_for_url(f"{base}/account")  # every page leads back here until the password is changed
    uni.fill("#current_password", password)
    uni.fill("#new_password", "Jiangnan-2026-new")
    uni.get_by_role("button", name="修改密码").click()
    uni.wait_for_url(f"{base}/account")
    assert "密码已修改" in uni.locator(".alert-success").inner_text()
    uni.get_by_role("link", name="首页").click()
    uni.wait_for_url(f"{base}/")
    assert "江南示范大学" in uni.locator("[data-testid=welcome]").inner_text()
    assert uni.locator("[data-testid=main-nav]").get_by_role("link", name="信息表").count() == 1
    uni.context.close()
