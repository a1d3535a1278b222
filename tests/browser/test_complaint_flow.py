"""接诉即办 end to end in a browser: a student files on a phone, the dispatcher (desktop) assigns it,
the department handler answers, the student reads the answer and rates it 满意: 已办结."""

from __future__ import annotations

import re

import pytest

from tests.support.browser import fits_the_screen, go_to, login
from tests.support.files import PNG

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 900}


def _nav(page, label: str) -> None:
    go_to(page, label)


def test_file_assign_answer_rate_closes_the_complaint(page, browser, live_server, app, world) -> None:
    world.user("stu", "student")
    world.user("disp", "dispatcher")
    world.user("logi", "department_handler")
    assert app.test_cli_runner().invoke(args=["processes", "deploy"]).exit_code == 0

    # The student, on a phone.
    login(page, live_server, "stu")
    _nav(page, "我要反映")
    page.wait_for_url("**/complaints/new")
    assert fits_the_screen(page)
    page.get_by_text("后勤服务热线", exact=True).click()
    page.select_option("#category", label="宿舍住宿")
    page.fill("#title", "宿舍热水器坏了")
    page.fill("#content", "3号楼热水器坏了三天，没有热水洗澡。")
    page.set_input_files("#photos", files=[{"name": "热水器.png", "mimeType": "image/png", "buffer": PNG}])
    page.get_by_role("button", name="提交反映").click()
    page.wait_for_url(re.compile(r"/complaints/\d+$"))
    assert "已提交" in page.locator(".alert-success").inner_text()
    assert page.locator("[data-testid=complaint-status]").inner_text() == "待转办"
    assert page.locator("[data-testid=photos] img").evaluate("img => img.naturalWidth") == 1  # the photo loads
    assert fits_the_screen(page)
    detail_url = page.url

    # The dispatcher, at a desk: the ticket is waiting; the usual department is already chosen.
    desk = browser.new_context(locale="zh-CN", viewport=DESKTOP)
    try:
        dispatcher = desk.new_page()
        login(dispatcher, live_server, "disp")
        _nav(dispatcher, "工单转办")
        triage = dispatcher.locator("[data-testid=section-complaint_dispatch]")
        triage.get_by_role("link", name="宿舍热水器坏了").click()
        dispatcher.wait_for_url(re.compile(r"/complaints/\d+#step-\d+$"))
        assert dispatcher.locator("#f-department_id option:checked").inner_text() == "后勤保障处"
        assert dispatcher.locator("[data-field=merge_into]").is_hidden()  # only what 交办 needs
        dispatcher.get_by_role("button", name="提交转办").click()
        dispatcher.wait_for_url(f"{live_server}/complaints/dispatch")
        assert "已交办承办部门" in dispatcher.locator(".alert-success").inner_text()
        assert "暂无待转办的工单" in dispatcher.locator("[data-testid=triage-empty]").inner_text()

        # The department handler answers it.
        dispatcher.context.clear_cookies()
        login(dispatcher, live_server, "logi")
        _nav(dispatcher, "部门工单")
        answer = dispatcher.locator("[data-testid=section-answer]")
        assert "答复期限" in answer.inner_text()
        answer.get_by_role("link", name="宿舍热水器坏了").click()
        dispatcher.wait_for_url(re.compile(r"/complaints/\d+#step-\d+$"))
        assert dispatcher.get_by_label("答复", exact=True).is_checked()  # answering is the default
        dispatcher.get_by_label("申请延期", exact=True).check()
        assert dispatcher.locator("[data-field=reply]").is_hidden()  # an extension asks no reply
        dispatcher.get_by_label("答复", exact=True).check()
        assert dispatcher.locator("[data-field=reply]").is_visible()
        dispatcher.fill("#f-reply", "已安排维修，今日修复。")
        dispatcher.get_by_role("button", name="提交", exact=True).click()
        dispatcher.wait_for_url(f"{live_server}/complaints/department")
        assert "暂无待答复的工单" in dispatcher.locator("[data-testid=answer-empty]").inner_text()
        assert "已答复，学生会收到通知" in dispatcher.locator(".alert-success").inner_text()
    finally:
        desk.close()

    # Back on the phone: the answer is there, and the student rates it.
    _nav(page, "我的反映")
    page.wait_for_url("**/complaints/mine")
    assert "已答复，请评价" in page.locator("[data-testid=rate-prompt]").inner_text()
    page.locator("[data-testid=my-complaints]").get_by_role("link").first.click()
    page.wait_for_url(detail_url)
    assert "已安排维修，今日修复。" in page.locator("[data-testid=reply]").inner_text()
    assert page.locator("[data-testid=complaint-status]").inner_text() == "已答复，待评价"
    page.get_by_label("满意", exact=True).check()
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_url(detail_url)
    assert page.locator("[data-testid=complaint-status]").inner_text() == "已办结"
    assert page.locator("[data-testid=satisfaction]").inner_text() == "满意"
    timeline = page.locator("[data-testid=timeline]").inner_text()
    assert all(step in timeline for step in ("已提交，待转办", "已转办", "已答复", "学生已评价", "已办结"))
    assert fits_the_screen(page)
