"""A person logs in with a real browser (phone-sized) and sees their role's navigation."""

from __future__ import annotations

import pytest

from tests.support.browser import login, open_nav

pytestmark = pytest.mark.browser


def _nav_labels(page) -> list[str]:
    open_nav(page)  # phone width: the menu is collapsed behind the toggler
    menus = page.locator("[data-testid=nav-menu]")
    for index in range(menus.count()):  # open each dropdown so its items are visible
        menus.nth(index).click()
        page.locator("[data-testid=main-nav] .dropdown-menu.show").first.wait_for()
    return [t.strip() for t in page.locator("[data-testid=main-nav] a:visible").all_inner_texts()]


def test_process_admin_logs_in_and_sees_admin_navigation(page, live_server, world) -> None:
    world.user("root", "process_admin")
    login(page, live_server, "root")
    labels = _nav_labels(page)
    assert "用户管理" in labels and "单位管理" in labels and "系统管理" in labels
    assert "平台管理员" in page.locator("[data-testid=account-link]").inner_text()
    page.click(".dropdown-menu.show >> text=用户管理")
    page.wait_for_url(f"{live_server}/admin/users")
    assert "root" in page.locator("[data-testid=user-table]").inner_text()


def test_student_sees_only_student_navigation(page, live_server, world) -> None:
    world.user("stu", "student")
    login(page, live_server, "stu")
    labels = _nav_labels(page)
    assert "用户管理" not in labels and "单位管理" not in labels
    assert "首页" in labels
    assert "（学生）" in page.locator("[data-testid=account-link]").inner_text()


def test_wrong_password_shows_an_error_in_chinese(page, live_server, world) -> None:
    world.user("stu", "student")
    page.goto(f"{live_server}/login")
    page.fill("#username", "stu")
    page.fill("#password", "not-the-password-1")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.locator("[data-testid=login-error]").inner_text()


def test_api_docs_page_renders_the_openapi_document(page, live_server) -> None:
    page.goto(f"{live_server}/api-docs")
    page.locator(".swagger-ui .info").wait_for(timeout=15000)
    assert "/api/v1/auth/token" in page.locator("#swagger-ui").inner_text()


@pytest.mark.parametrize("role", ["moe_reviewer", "operator", "university_admin", "dispatcher",
                                  "department_handler", "student", "process_admin"])
def test_every_roles_bar_fits_1280_pixels(browser, live_server, world, role) -> None:
    world.user("who", role)
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    login(page, live_server, "who")
    account = page.locator("[data-testid=account-link]").bounding_box()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert account is not None and account["x"] + account["width"] <= 1280  # 退出 and the name on screen
    page.context.close()


def test_a_students_phone_menu_holds_what_a_student_uses(page, live_server, world) -> None:
    world.user("stu", "student")
    login(page, live_server, "stu")
    labels = _nav_labels(page)
    assert "我要反映" in labels and "我的反映" in labels
    assert "我的待办" not in labels and "接口文档" not in labels
