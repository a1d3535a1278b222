"""On a phone: a university writes a 育人号 post in the rich-text editor (heading, list, an uploaded
image), the draft autosaves, it is submitted; the operator annotates the text and approves; anyone
then reads it on the university's 育人号 page and the homepage — with no CSP violation anywhere."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image

from tests.support.browser import fits_the_screen, login, watch

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (640, 360), (180, 20, 40)).save(out, format="PNG")
    return out.getvalue()


def test_write_review_and_read_the_post_in_public(page, browser, live_server, app, world) -> None:
    world.user("buaa", "university_admin")
    world.user("op1", "operator")
    assert app.test_cli_runner().invoke(args=["processes", "deploy"]).exit_code == 0
    problems: list[str] = []
    watch(page, problems)

    # ---- the university writes
    login(page, live_server, "buaa")
    page.goto(f"{live_server}/yurenhao/manage/new?module=experience")
    area = page.locator("[data-testid=editor-area]")
    area.wait_for()
    assert page.locator("#body_html").is_hidden()  # the rich editor replaced the plain textarea
    page.fill("#title", "书院制社区“一站式”服务大厅")
    area.click()
    page.keyboard.type("主要做法")
    page.get_by_role("button", name="标题", exact=True).click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type("学生事务一站办结，服务下沉到楼宇。")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="• 列表").click()
    page.keyboard.type("党建引领")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="图片", exact=True).click()
    chooser.value.set_files({"name": "大厅.png", "mimeType": "image/png", "buffer": _png()})
    area.locator("img").wait_for()
    assert area.locator("h2").inner_text() == "主要做法"
    assert area.locator("li").first.inner_text() == "党建引领"
    status = page.locator("[data-autosave-status]")
    status.filter(has_text="已自动保存草稿").wait_for(timeout=15_000)
    assert "/yurenhao/manage/" in page.url and "/new" not in page.url  # the draft now has its own address
    assert fits_the_screen(page)
    page.get_by_test_id("submit-post").click()
    page.get_by_text("已提交审核").wait_for()
    page.get_by_test_id("in-review").wait_for()

    # ---- the operator reviews
    reviewer = browser.new_context(locale="zh-CN", viewport=PHONE)
    op = reviewer.new_page()
    watch(op, problems)
    login(op, live_server, "op1")
    op.goto(f"{live_server}/yurenhao/review")
    op.get_by_test_id("review-tasks").get_by_role("link").first.click()
    op.wait_for_url("**/yurenhao/review/tasks/*")
    paragraph = op.get_by_test_id("review-article").locator("p", has_text="学生事务一站办结")
    paragraph.click(click_count=3)  # select the paragraph: it becomes the note's quote
    assert "学生事务一站办结" in op.locator("[data-note-quote-preview]").inner_text()
    op.fill("#note-body", "请补充年办件量")
    op.get_by_test_id("add-note").click()
    op.get_by_text("批注已添加").wait_for()
    assert op.locator("mark.yzs-note").count() == 1  # the quoted passage is highlighted
    op.get_by_label("通过并发布").check()
    op.get_by_role("button", name="提交审核结论").click()
    op.get_by_text("已办理").wait_for()
    reviewer.close()

    # ---- anyone reads it
    reader = browser.new_context(locale="zh-CN", viewport=PHONE)
    anon = reader.new_page()
    watch(anon, problems)
    anon.goto(f"{live_server}/yurenhao/u/{world.uni.id}")
    assert anon.title().startswith("北京航空航天大学育人号")
    anon.get_by_role("link", name="书院制社区“一站式”服务大厅").click()
    anon.wait_for_url("**/yurenhao/p/*")
    assert anon.title().startswith("书院制社区“一站式”服务大厅 · 北京航空航天大学育人号")
    body = anon.get_by_test_id("post-body")
    assert body.locator("h2").inner_text() == "主要做法"
    assert anon.evaluate("document.querySelector('[data-testid=post-body] img').naturalWidth") == 640
    assert fits_the_screen(anon)
    anon.goto(f"{live_server}/")
    anon.get_by_test_id("latest-posts").get_by_text("书院制社区“一站式”服务大厅").wait_for()
    anon.locator("[data-chart=provinces] svg").first.wait_for()  # ECharts drew the province chart
    reader.close()
    assert problems == []
