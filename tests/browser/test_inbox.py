"""On a phone: the university's admin finds the task in 我的待办 → 可认领, fills the form and submits;
the operator then finds the review task and claims it in place (htmx)."""

from __future__ import annotations

import pytest

from tests.support.browser import fits_the_screen, login, open_nav
from tests.support.workflow import Actors

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_university_admin_submits_from_the_inbox_and_operator_sees_the_review(
        page, browser, live_server, client, world) -> None:
    actors = Actors(client, world)
    actors.deploy()
    actors.start("buaa")

    login(page, live_server, "buaa")
    assert page.locator("[data-testid=unread-badge]").inner_text().startswith("1")
    open_nav(page)
    page.locator("[data-testid=main-nav]").get_by_role("link", name="我的待办").click()
    page.wait_for_url(f"{live_server}/tasks")
    assert "暂无已认领的待办" in page.locator("[data-testid=inbox-empty]").inner_text()
    page.locator("[data-testid=inbox-tabs]").get_by_role("link", name="可认领").click()
    page.wait_for_url("**/tasks?scope=group")
    page.locator("[data-testid=task-table]").get_by_role("link", name="提交申请").click()
    page.wait_for_url("**/tasks/*")
    assert page.title().startswith("提交申请")
    assert fits_the_screen(page)

    page.fill("#f-project_name", "书院制学生社区建设")
    page.locator(".yzs-task-form button[type=submit]").click()
    page.wait_for_url("**/tasks/*/complete")  # refused: the description is required
    assert "此项为必填" in page.locator("#f-description-error").inner_text()
    page.fill("#f-description", "建设书院制学生社区，推动管理服务下沉。")
    page.locator(".yzs-task-form button[type=submit]").click()
    page.wait_for_url(f"{live_server}/tasks")
    assert "已办理：提交申请" in page.locator(".alert-success").inner_text()

    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    operator = context.new_page()
    try:
        login(operator, live_server, "op1")
        operator.goto(f"{live_server}/tasks?scope=group")
        row = operator.locator("[data-testid=task-table] tbody tr").filter(has_text="审核：书院制学生社区建设")
        assert row.count() == 1
        assert fits_the_screen(operator)
        row.get_by_role("button", name="认领").click()  # htmx swaps the row in place
        operator.locator("[data-testid=row-note]").wait_for()
        assert "已认领" in operator.locator("[data-testid=row-note]").inner_text()
        assert operator.url.endswith("/tasks?scope=group")  # no page load
        operator.goto(f"{live_server}/tasks")
        assert "审核：书院制学生社区建设" in operator.locator("[data-testid=task-table]").inner_text()
    finally:
        context.close()
