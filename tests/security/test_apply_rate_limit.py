"""The public application form needs no account, so it is throttled per client address (in the
database, so every web worker counts the same): five submissions an hour, then a Chinese page saying
what happened and when to try again. The API's public entry shares the count."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.core import clock, housekeeping
from app.extensions import db
from app.models import PilotApplication
from tests.conftest import PASSWORD, csrf_from
from tests.support.pilot import FORM

HOME = {"REMOTE_ADDR": "203.0.113.7"}
ELSEWHERE = {"REMOTE_ADDR": "198.51.100.20"}


@pytest.fixture
def deployed(app, world) -> None:
    assert app.test_cli_runner().invoke(args=["processes", "deploy"]).exit_code == 0


def apply(client, n: int, address: dict[str, str] = HOME, **changes: Any):
    page = client.get("/apply", environ_base=address).get_data(as_text=True)
    data = {**FORM, "university_name": f"示范大学{n}", "csrf_token": csrf_from(page), **changes}
    return client.post("/apply", data=data, environ_base=address)


def applications(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(PilotApplication)) or 0


def test_the_sixth_application_within_the_hour_gets_a_page_saying_when_to_retry(
        app, client, deployed, monkeypatch) -> None:
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start)
    refused = apply(client, 0, contact_email="not-an-email")  # refused for its content: does not count
    assert refused.status_code == 422
    for n in range(1, 6):
        assert apply(client, n).status_code == 303, n
    sixth = apply(client, 6, **{"plan_file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "计划书.pdf")})
    assert sixth.status_code == 429
    page = sixth.get_data(as_text=True)
    retry_at = (start + timedelta(hours=1)).astimezone(clock.SHANGHAI).strftime("%H:%M")
    assert "每小时最多提交申报 5 次，已达上限" in page and f"请于 {retry_at}（北京时间" in page, page
    assert int(sixth.headers["Retry-After"]) == 3600
    assert applications(app) == 5  # nothing of the sixth was stored
    # another address is not affected; the API's public entry shares this address's count
    assert apply(client, 7, ELSEWHERE).status_code == 303
    api = client.post("/api/v1/pilot-applications", json={**FORM, "university_name": "示范大学8"},
                      environ_base=HOME)
    assert api.status_code == 429 and "已达上限" in api.get_json()["error"]["message"]
    # fifty minutes later the wait is shorter; once the hour has passed the address may apply again
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(minutes=50))
    later = apply(client, 9)
    assert later.status_code == 429 and "约 10 分钟后" in later.get_data(as_text=True)
    assert int(later.headers["Retry-After"]) == 600
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(hours=1, seconds=1))
    assert apply(client, 10).status_code == 303
    assert applications(app) == 7


def test_the_count_survives_housekeeping_and_never_touches_the_login_throttle(
        app, client, world, deployed, monkeypatch) -> None:
    world.user("buaa", "university_admin")
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start)
    for n in range(5):
        assert apply(client, n).status_code == 303
    # five applications are not five failed logins from this address, even where five would block it
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ADDRESS", 5)
    browser = app.test_client()
    login = browser.post("/login", data={"username": "buaa", "password": PASSWORD,
                                         "csrf_token": csrf_from(browser.get("/login").get_data(as_text=True))},
                         environ_base=HOME)
    assert login.status_code == 302
    # housekeeping runs every ten minutes and purges old login failures; it must keep the hour's count
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(minutes=30))
    with app.app_context():
        housekeeping.purge_expired()
    sixth = apply(client, 6)
    assert sixth.status_code == 429
    assert re.search(r"约 30 分钟后", sixth.get_data(as_text=True))
