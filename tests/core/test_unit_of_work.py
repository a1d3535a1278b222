"""One use case, one transaction: nested services join their caller's unit; the outermost commits, or
rolls everything back when it raises, so a refused request leaves nothing behind."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.core import accounts
from app.core.unit_of_work import unit_of_work, use_case
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.models import Org, StoredFile
from tests.conftest import World, csrf_from, login
from tests.support.files import PNG


def _orgs(name: str) -> int:
    db.session.rollback()  # read what is committed, not what this session holds
    return db.session.scalar(select(func.count()).where(Org.name == name)) or 0


def test_a_service_inside_another_joins_its_unit_and_goes_with_its_rollback(app: Flask) -> None:
    @use_case
    def two_orgs_then_refuse() -> None:
        accounts.create_org(name="甲单位", kind="ministry")  # a use case itself: it must not commit here
        accounts.create_org(name="乙单位", kind="operator")
        raise ValidationFailed("refused", {"x": ["refused"]})

    with app.app_context():
        with pytest.raises(ValidationFailed):
            two_orgs_then_refuse()
        assert _orgs("甲单位") == 0 and _orgs("乙单位") == 0


def test_what_a_refused_use_case_wrote_is_not_committed_by_the_next_one(app: Flask) -> None:
    """A page that re-renders after a refusal may call another service that commits: the refused one's
    flushed rows must already be gone by then."""
    @use_case
    def org_then_refuse() -> None:
        accounts.create_org(name="甲单位", kind="ministry")
        raise ValidationFailed("refused", {"x": ["refused"]})

    with app.app_context():
        with pytest.raises(ValidationFailed):
            org_then_refuse()
        accounts.create_org(name="乙单位", kind="operator")
        assert _orgs("乙单位") == 1 and _orgs("甲单位") == 0


def test_the_outermost_unit_commits_what_its_services_wrote(app: Flask) -> None:
    with app.app_context():
        with unit_of_work():
            accounts.create_org(name="甲单位", kind="ministry")
            accounts.create_org(name="乙单位", kind="operator")
        assert _orgs("甲单位") == 1 and _orgs("乙单位") == 1


def test_a_use_case_alone_commits_when_it_returns(app: Flask) -> None:
    with app.app_context():
        accounts.create_org(name="甲单位", kind="ministry")
        assert _orgs("甲单位") == 1


def test_a_stale_row_version_is_a_conflict(app: Flask) -> None:
    from sqlalchemy.orm.exc import StaleDataError

    with app.app_context(), pytest.raises(Conflict):
        with unit_of_work():
            raise StaleDataError("row moved on")


def test_a_refused_complaint_leaves_no_photo_behind(app: Flask, world: World) -> None:
    world.user("stu", "student")
    client = app.test_client()
    login(client, "stu")
    page = client.get("/complaints/new").get_data(as_text=True)
    refused = client.post("/complaints/new", data={
        "channel": "logistics_hotline", "category": "", "title": "宿舍热水器坏了", "content": "没有热水。",
        "csrf_token": csrf_from(page), "photos": [(io.BytesIO(PNG), "a.png")]}, content_type="multipart/form-data")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "请选择问题类别" in html and "文件内容与类型不符" not in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0
