"""The deadline services check who may use them themselves: a page or an endpoint that forgot to ask
cannot open them up."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from app.errors import Forbidden, NotVisible
from app.extensions import db
from app.models import User
from app.pilot import info_reports
from app.posts import deadlines
from tests.conftest import World

DUE = {"due_designated": date(2027, 3, 1), "due_self_pilot": date(2027, 6, 1)}


def _account(world: World, username: str, role: str) -> User:
    world.user(username, role)
    user = db.session.scalar(db.select(User).where(User.username == username))
    assert user is not None
    return user


def test_only_the_ministry_and_process_admins_set_a_post_deadline(app: Flask, world: World) -> None:
    with app.app_context():
        for username, role in (("op", "operator"), ("admin", "university_admin")):
            with pytest.raises(Forbidden):
                deadlines.create(_account(world, username, role), name="育人号建设", **DUE)
        made = deadlines.create(_account(world, "moe", "moe_reviewer"), name="育人号建设", **DUE)
        assert made.created_by is not None


def test_who_is_behind_is_for_the_national_readers(app: Flask, world: World) -> None:
    with app.app_context():
        made = deadlines.create(None, name="育人号建设", **DUE)
        with pytest.raises(Forbidden):
            deadlines.behind(_account(world, "admin", "university_admin"), made.id)
        assert deadlines.behind(_account(world, "op", "operator"), made.id)  # both pilots are behind
        with pytest.raises(NotVisible):
            deadlines.behind(_account(world, "moe", "moe_reviewer"), made.id + 1)


def test_only_the_ministry_and_process_admins_open_a_reporting_period(app: Flask, world: World) -> None:
    period = {"code": "2026-2027-1", "name": "2026—2027学年第一学期", "starts_on": date(2026, 9, 1),
              "ends_on": date(2027, 1, 31), **DUE}
    with app.app_context():
        with pytest.raises(Forbidden):
            info_reports.create_period(_account(world, "op", "operator"), **period)
        assert info_reports.create_period(_account(world, "pa", "process_admin"), **period).code == "2026-2027-1"
