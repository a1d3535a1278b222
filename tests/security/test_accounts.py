"""Accounts and sessions against OWASP ASVS level 2, beside tests/shell/test_pages.py and tests/shell/test_auth_api.py
(which cover throttling, logout and password change ending other sessions, safe redirects):

- passwords: argon2id with at least OWASP's parameters;
- the session cookie: HttpOnly, SameSite, Secure in production; a fresh session at login (fixation);
- API tokens die with a password change;
- CSRF on every state-changing page route (generated from the url_map) and in every template form;
- no inline script or event-handler attribute in any template (the CSP forbids them);
- the audit log has failed logins and refused accesses (403s and services' 404s, not unknown URLs),
  and cannot be flooded by repeating one refused request."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from argon2 import PasswordHasher, Type
from flask import Flask
from sqlalchemy import func, select

from app.config import load_config
from app.core import passwords
from app.extensions import db
from app.models import AuditEvent
from tests.conftest import PASSWORD, ROOT, bearer, csrf_from, login

TEMPLATES = ROOT / "app" / "templates"


def test_passwords_are_argon2id_with_at_least_owasps_parameters(app) -> None:
    with app.app_context():
        assert passwords.hash_password("Correct-horse-9").startswith("$argon2id$")
    production = PasswordHasher()  # what app/core/passwords.py builds outside the test suite
    assert production.type is Type.ID
    # OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1 (or more memory for fewer passes)
    assert production.memory_cost >= 19 * 1024 and production.time_cost >= 2
    assert passwords._DUMMY_HASH.startswith("$argon2id$")  # unknown users cost the same verification


def test_production_session_cookies_are_secure_httponly_and_samesite(app, world) -> None:
    config = load_config({"APP_ENV": "production", "SECRET_KEY": "x" * 40,
                          "DATABASE_URL": "postgresql://db/yzs"})
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["SESSION_COOKIE_HTTPONLY"] and config["SESSION_COOKIE_SAMESITE"] == "Lax"
    world.user("stu", "student")
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        browser = app.test_client()
        response = login(browser, "stu")
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_starts_a_new_session_so_a_planted_cookie_gets_nothing(app, world) -> None:
    world.user("stu", "student")
    attacker = app.test_client()
    page = attacker.get("/login").get_data(as_text=True)  # a session (with a CSRF token) before login
    planted = attacker.get_cookie("session").value
    victim = app.test_client()
    victim.set_cookie("session", planted)  # the attacker fixes the victim's session
    response = victim.post("/login", data={"username": "stu", "password": PASSWORD, "csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert victim.get_cookie("session").value != planted  # renewed, not the planted one
    assert victim.get("/account").status_code == 200
    assert attacker.get("/account").status_code == 302  # the planted cookie did not become logged in


def test_a_password_change_revokes_every_api_token(client, world) -> None:
    world.user("stu", "student")
    headers = bearer(client, "stu")
    login(client, "stu")
    page = client.get("/account").get_data(as_text=True)
    done = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "New-pass-2026",
                                                   "csrf_token": csrf_from(page)})
    assert done.status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def _page_posts(app: Flask) -> list[tuple[str, str]]:
    rules = []
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not rule.rule.startswith("/api/"):
            url = re.sub(r"<(?:[^:<>]+:)?([a-z_]+)>", lambda m: "2026-12-01" if m.group(1) == "day" else "1",
                         rule.rule)
            url = re.sub(r"<any\(([a-z]+)[^>]*\):fmt>", r"\1", url)
            rules.append((rule.endpoint, url))
    return sorted(rules)


def test_every_page_post_without_a_csrf_token_is_refused(app, world) -> None:
    world.user("root", "process_admin")
    world.user("stu", "student")
    posts = _page_posts(app)
    assert len(posts) >= 40
    for who in (None, "root", "stu"):
        browser = app.test_client()
        if who:
            login(browser, who)
        for endpoint, url in posts:
            response = browser.post(url, data={"anything": "x"})
            assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True), (who, endpoint, url)
            forged = browser.post(url, data={"csrf_token": "forged"})
            assert forged.status_code == 400, (who, endpoint, url)


def _with_includes(text: str, depth: int = 0) -> str:
    """The template text with its `{% include "..." %}`s spliced in (a form's fields may live there)."""
    if depth > 3:
        return text
    return re.sub(r'{%-?\s*include\s+"([^"]+)"[^%]*%}',
                  lambda m: _with_includes((TEMPLATES / m.group(1)).read_text(encoding="utf-8"), depth + 1), text)


def test_every_template_form_that_posts_carries_a_csrf_token() -> None:
    missing = []
    for path in TEMPLATES.rglob("*.html"):
        text = _with_includes(path.read_text(encoding="utf-8"))
        for form in re.finditer(r"<form\b[^>]*>(.*?)</form>", text, re.S | re.I):
            if re.search(r'method="post"', form.group(0)[:300], re.I) and "csrf_token" not in form.group(0):
                missing.append(f"{path.relative_to(ROOT)}: {form.group(0)[:80]!r}")
    assert not missing, "forms without csrf_token:\n" + "\n".join(missing)


def test_no_template_has_inline_script_or_event_handlers() -> None:
    offences = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.finditer(r"<script\b([^>]*)>", text, re.I):
            if "src=" not in tag.group(1) and 'type="application/json"' not in tag.group(1):
                offences.append(f"{path.relative_to(ROOT)}: inline <script{tag.group(1)}>")
        for attr in re.finditer(r"<[a-z][^>]*\s(on[a-z]+)\s*=", text, re.I):
            offences.append(f"{path.relative_to(ROOT)}: {attr.group(1)}= handler")
        if re.search(r"href\s*=\s*[\"']\s*javascript:", text, re.I):
            offences.append(f"{path.relative_to(ROOT)}: javascript: URL")
    assert not offences, "\n".join(offences)


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                       .order_by(AuditEvent.id)))


def test_failed_logins_are_audited_with_the_address(app, client, world) -> None:
    world.user("stu", "student")
    assert client.post("/api/v1/auth/token", json={"username": "stu", "password": "wrong-pass-1"}).status_code == 401
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": "nobody", "password": "x", "csrf_token": csrf_from(page)})
    events = _events(app, "auth.login_failed")
    assert [e.subject_id for e in events] == ["stu", "nobody"]
    assert all(e.detail["address"] == "127.0.0.1" for e in events)


def test_refused_accesses_are_audited_and_unknown_urls_are_not(app, client, world) -> None:
    student = world.user("stu", "student")
    admin = world.user("root", "process_admin")
    stu = bearer(client, "stu")
    assert client.post("/api/v1/orgs", json={"name": "x", "kind": "ministry"}, headers=stu).status_code == 403
    assert client.get("/api/v1/tasks/12345", headers=stu).status_code == 404  # a service's NotVisible
    assert client.get("/api/v1/no-such-thing", headers=stu).status_code == 404  # an unknown URL
    assert client.get("/api/v1/tasks/99999999999", headers=stu).status_code == 404  # matches no route
    browser = app.test_client()
    login(browser, "stu")
    assert browser.get("/admin/users").status_code == 403
    assert browser.get("/instances/777").status_code == 404
    assert browser.get("/no/such/page").status_code == 404
    forbidden, hidden = _events(app, "access.forbidden"), _events(app, "access.not_visible")
    assert [(e.detail["method"], e.detail["path"]) for e in forbidden] == [("POST", "/api/v1/orgs"),
                                                                           ("GET", "/admin/users")]
    assert [e.detail["path"] for e in hidden] == ["/api/v1/tasks/12345", "/instances/777"]
    assert {e.actor_id for e in forbidden + hidden} == {student.id}
    assert all(e.detail["address"] == "127.0.0.1" and e.detail["status"] in (403, 404) for e in forbidden + hidden)
    assert admin.id not in {e.actor_id for e in forbidden + hidden}


def test_repeating_a_refused_request_is_logged_once_a_minute(app, client, world) -> None:
    world.user("stu", "student")
    stu = bearer(client, "stu")
    for _ in range(50):
        assert client.get("/api/v1/tasks/4242", headers=stu).status_code == 404
    for task_id in range(1, 6):
        client.get(f"/api/v1/tasks/{task_id + 5000}", headers=stu)
    with app.app_context():
        count = db.session.scalar(select(func.count()).where(AuditEvent.action == "access.not_visible"))
    assert count == 6  # the repeated request once, and each different one once


@pytest.mark.parametrize("path", [Path("app/core/security_audit.py")])
def test_the_refusal_log_never_breaks_the_answer(app, client, world, monkeypatch, path) -> None:
    """If the audit write fails, the caller still gets the 403, not a 500."""
    from sqlalchemy.exc import OperationalError

    from app.core import audit

    assert (ROOT / path).is_file()
    world.user("stu", "student")
    stu = bearer(client, "stu")

    def broken(*args: object, **kwargs: object) -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(audit, "record", broken)
    assert client.post("/api/v1/orgs", json={"name": "x", "kind": "ministry"}, headers=stu).status_code == 403


@pytest.mark.parametrize(("trusted", "counted_as"), [(0, "10.0.0.1"), (1, "198.51.100.20")])
def test_throttles_count_the_client_behind_a_trusted_proxy_and_ignore_forged_headers(
        app, world, trusted, counted_as) -> None:
    """Behind nginx (TRUSTED_PROXIES=1) every request comes from the proxy's address: without believing
    its X-Forwarded-For, one client's failures would throttle the whole campus. Without a proxy the
    header is anyone's to forge and is ignored."""
    from app import create_app
    from app.models import LoginFailure

    world.user("alice", "student")
    served = create_app({key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "TESTING", "UPLOAD_DIR",
                                                          "MAIL_BACKEND")} | {"TRUSTED_PROXIES": trusted})
    response = served.test_client().post(
        "/api/v1/auth/token", json={"username": "alice", "password": "wrong-pass-1"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"}, headers={"X-Forwarded-For": "198.51.100.20"})
    assert response.status_code == 401
    with app.app_context():
        assert [f.address for f in db.session.scalars(select(LoginFailure))] == [counted_as]
