"""The page shell: login/logout, navigation by role, my account, error pages, cookie and CSRF rules."""

from __future__ import annotations

import pytest

from app import create_app
from tests.conftest import PASSWORD, csrf_from, login


def test_home_is_public_and_chinese(client, world) -> None:
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "一站式" in html and "登录" in html
    assert 'data-testid="designated-count">2<' in html  # the two designated pilots of the fixture


def test_login_sets_a_safe_session_cookie_and_shows_role_navigation(client, world) -> None:
    world.user("root", "process_admin")
    response = login(client, "root")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    html = client.get("/").get_data(as_text=True)
    assert "用户管理" in html and "单位管理" in html and "平台管理员" in html
    assert 'data-testid="nav-menu">系统管理<' in html  # the admin pages sit in one dropdown


def test_student_sees_no_admin_navigation_and_admin_pages_are_403(client, world) -> None:
    world.user("stu", "student")
    login(client, "stu")
    html = client.get("/").get_data(as_text=True)
    assert "用户管理" not in html and "单位管理" not in html
    forbidden = client.get("/admin/users")
    assert forbidden.status_code == 403
    assert "无权访问" in forbidden.get_data(as_text=True)


def test_wrong_password_shows_a_chinese_message(client, world) -> None:
    world.user("stu", "student")
    response = login(client, "stu", "wrong-pass-1")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_login_page_is_throttled(client, world) -> None:
    world.user("stu", "student")
    for _ in range(5):
        login(client, "stu", "wrong-pass-1")
    response = login(client, "stu")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.get_data(as_text=True)


def test_form_without_csrf_token_is_refused(client, world) -> None:
    world.user("stu", "student")
    response = client.post("/login", data={"username": "stu", "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302  # not logged in


@pytest.mark.parametrize("target", ["https://evil.example/x", "//evil.example/x", "/\\evil.example/x",
                                    "/\\/evil.example", "evil.example"])
def test_login_redirect_stays_on_this_site(app, world, target) -> None:
    """A browser reads `/\\host` (like `//host`) as another host: the login must not send anyone there."""
    world.user("stu", "student")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", query_string={"next": target},
                           data={"username": "stu", "password": PASSWORD, "csrf_token": csrf_from(page)})
    assert response.headers["Location"] == "/"
    assert client.get("/account").status_code == 200


def test_login_redirect_goes_back_to_the_page_asked_for(client, world) -> None:
    world.user("stu", "student")
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", query_string={"next": "/tasks?scope=group"},
                           data={"username": "stu", "password": PASSWORD, "csrf_token": csrf_from(page)})
    assert response.headers["Location"] == "/tasks?scope=group"


def test_logout_invalidates_a_copied_session_cookie(app, world) -> None:
    world.user("stu", "student")
    browser = app.test_client()
    login(browser, "stu")
    stolen = browser.get_cookie("session").value
    page = browser.get("/account").get_data(as_text=True)
    browser.post("/logout", data={"csrf_token": csrf_from(page)})
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/account").status_code == 302


def test_password_change_ends_other_sessions_and_keeps_this_one(app, world) -> None:
    world.user("stu", "student")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "stu")
    login(phone, "stu")
    page = laptop.get("/account").get_data(as_text=True)
    weak = laptop.post("/account/password", data={"current_password": PASSWORD, "new_password": "short",
                                                  "csrf_token": csrf_from(page)})
    assert weak.status_code == 422 and "密码至少" in weak.get_data(as_text=True)
    done = laptop.post("/account/password", data={"current_password": PASSWORD,
                                                  "new_password": "New-pass-2026",
                                                  "csrf_token": csrf_from(page)})
    assert done.status_code == 302
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302
    assert login(app.test_client(), "stu", "New-pass-2026").status_code == 302


def test_account_page_lists_and_revokes_api_tokens(client, world) -> None:
    world.user("stu", "student")
    token = client.post("/api/v1/auth/token", json={"username": "stu", "password": PASSWORD}).get_json()
    login(client, "stu")
    page = client.get("/account").get_data(as_text=True)
    assert "吊销" in page
    import re

    token_id = re.search(r"/account/tokens/(\d+)/revoke", page).group(1)
    client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_from(page)})
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token['token']}"}).status_code == 401


def test_error_pages_say_what_happened_in_chinese(client) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_unexpected_error_is_a_chinese_500_page_without_traceback(app) -> None:
    fresh = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})

    @fresh.route("/__boom")
    @fresh.route("/api/v1/__boom")
    def boom():  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals")

    page = fresh.test_client().get("/__boom")
    text = page.get_data(as_text=True)
    assert page.status_code == 500
    assert "服务器出错了" in text and "secret internals" not in text and "Traceback" not in text
    api = fresh.test_client().get("/api/v1/__boom")
    assert api.status_code == 401  # the API authenticates before the view runs
    fresh.view_functions["boom"]._public = True
    api = fresh.test_client().get("/api/v1/__boom")
    assert api.status_code == 500
    assert api.get_json()["error"]["code"] == "internal_error"
    assert "secret" not in api.get_data(as_text=True)


def test_security_headers_forbid_inline_script_and_framing(client) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.get_data(as_text=True)


def test_admin_creates_a_user_from_the_page_with_field_errors(client, world) -> None:
    world.user("root", "process_admin")
    login(client, "root")
    page = client.get("/admin/users/new").get_data(as_text=True)
    bad = client.post("/admin/users/new", data={"username": "", "password": "x", "org_id": str(world.uni.id),
                                                "csrf_token": csrf_from(page)})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "用户名不能为空" in text and "至少需要一个角色" in text
    ok = client.post("/admin/users/new", data={"username": "s1", "display_name": "学生甲",
                                               "password": "Good-pass-1", "org_id": str(world.uni.id),
                                               "roles": ["student"], "csrf_token": csrf_from(page)})
    assert ok.status_code == 302
    assert "学生甲" in client.get("/admin/users").get_data(as_text=True)


def test_org_list_page_filters_by_kind(client, world) -> None:
    world.user("moe1", "moe_reviewer")
    login(client, "moe1")
    html = client.get("/admin/orgs?kind=university").get_data(as_text=True)
    assert "浙江大学" in html and "后勤保障处" not in html


def test_new_password_must_differ_from_the_current_one(client, world) -> None:
    world.user("stu", "student")
    login(client, "stu")
    page = client.get("/account").get_data(as_text=True)
    same = client.post("/account/password", data={"current_password": PASSWORD, "new_password": PASSWORD,
                                                  "csrf_token": csrf_from(page)})
    assert same.status_code == 422 and "新密码不能与当前密码相同" in same.get_data(as_text=True)


def test_every_page_has_an_icon_and_favicon_ico_is_not_a_404(client) -> None:
    ico = client.get("/favicon.ico", follow_redirects=True)
    assert ico.status_code == 200 and ico.mimetype == "image/svg+xml"
    assert 'rel="icon"' in client.get("/").get_data(as_text=True)
