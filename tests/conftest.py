"""Fixtures: one app and schema per test session (built by running the migrations), every table
emptied after each test. DATABASE_URL selects PostgreSQL; otherwise a temporary SQLite file."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.core import accounts
from app.extensions import db
from app.models import Org, User
from app.workflow import work_calendar

PASSWORD = "test-pass-123"


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """argon2id with minimal cost in tests: same algorithm and code path, milliseconds not 100s."""
    from argon2 import PasswordHasher

    from app.core import passwords

    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = original


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    url = os.environ.get("DATABASE_URL")
    if url and url.startswith("postgres"):
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    application = create_app({
        "SQLALCHEMY_DATABASE_URI": url,
        "TESTING": True,
        "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
        "MAIL_BACKEND": "memory",
    })
    with application.app_context():
        upgrade()
    yield application


@pytest.fixture(autouse=True)
def _clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Empty every table after each test that used the app (pure unit tests never build one)."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
    work_calendar.forget()  # the process-wide cache of the emptied calendar_override table


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _plain(obj: Org | User) -> SimpleNamespace:
    """A detached copy of a row's columns: tests must not share an app context (and with it the
    session and `g`) with the requests they make, or one request's state leaks into the next."""
    return SimpleNamespace(**{c.key: getattr(obj, c.key) for c in obj.__table__.columns})


class World:
    """A small tree of organisations, and accounts made on demand (see `user`)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        with app.app_context():
            org = accounts.create_org
            self.ministry = _plain(org(name="教育部思想政治工作司", kind="ministry"))
            self.operator_org = _plain(org(name="全国高校思想政治工作网", kind="operator"))
            self.uni = _plain(org(name="北京航空航天大学", kind="university", province="北京",
                                  school_type="undergraduate", pilot_status="designated", pilot_batch=2019))
            self.other_uni = _plain(org(name="浙江大学", kind="university", province="浙江",
                                        school_type="undergraduate", pilot_status="designated",
                                        pilot_batch=2019))
            self.logistics = _plain(org(name="后勤保障处", kind="department", parent_id=self.uni.id,
                                        code="logistics"))
            self.other_logistics = _plain(org(name="后勤保障处", kind="department",
                                              parent_id=self.other_uni.id, code="logistics"))

    def user(self, username: str, role: str, org: SimpleNamespace | None = None) -> SimpleNamespace:
        default_org = {
            "process_admin": self.operator_org, "operator": self.operator_org,
            "moe_reviewer": self.ministry, "department_handler": self.logistics,
        }.get(role, self.uni)
        with self.app.app_context():
            return _plain(accounts.create_user(username=username, password=PASSWORD, display_name=username,
                                               org_id=(org or default_org).id, roles=[role]))


@pytest.fixture
def world(app: Flask) -> World:
    return World(app)


def bearer(client: FlaskClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> Any:
    page = client.get("/login").get_data(as_text=True)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_from(page)})


ROOT = Path(__file__).resolve().parent.parent
