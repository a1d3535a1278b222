"""Notifications reach people: in the app at once, by e-mail through the configured backend, once."""

from __future__ import annotations

import smtplib
from datetime import date, datetime

from sqlalchemy import select

from app.core import clock, mailer, notifications
from app.extensions import db
from app.models import Notification, User
from app.workflow import work_calendar
from tests.support.workflow import Actors


def test_new_task_notifies_the_group_and_mail_goes_out_once(app, client, world) -> None:
    actors = Actors(client, world)
    with app.app_context():
        for name in ("op1", "op2"):
            db.session.scalar(select(User).where(User.username == name)).email = f"{name}@example.cn"
        db.session.commit()
    actors.submitted()
    mailer.OUTBOX.clear()
    with app.app_context():
        op1 = db.session.scalar(select(User).where(User.username == "op1"))
        titles = [n.title for n in notifications.recent(op1)]
        assert any(t.startswith("新待办：审核：") for t in titles)
        assert notifications.unread_count(op1) >= 1
        sent = notifications.send_pending_email()
        assert sent >= 2 and notifications.send_pending_email() == 0
        assert {m["To"] for m in mailer.OUTBOX} == {"op1@example.cn", "op2@example.cn"}
        notifications.mark_all_read(op1)
        assert notifications.unread_count(op1) == 0


def test_smtp_backend_sends_through_the_configured_server(app, world, monkeypatch) -> None:
    delivered = []

    class FakeSMTP:
        def __init__(self, host: str, port: int, timeout: int) -> None:
            delivered.append(("connect", host, port))

        def __enter__(self) -> FakeSMTP:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def starttls(self) -> None:
            delivered.append(("starttls",))

        def login(self, user: str, password: str) -> None:
            delivered.append(("login", user))

        def send_message(self, message) -> None:
            delivered.append(("send", message["To"], message["Subject"]))

    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "SMTP_HOST", "mail.example.cn")
    monkeypatch.setitem(app.config, "SMTP_USER", "robot")
    with app.app_context():
        mailer.send("a@example.cn", "测试", "正文")
    assert delivered == [("connect", "mail.example.cn", 25), ("starttls",), ("login", "robot"),
                         ("send", "a@example.cn", "[一站式学生社区] 测试")]


def test_queued_mail_is_dropped_when_the_transaction_rolls_back(app) -> None:
    mailer.OUTBOX.clear()
    with app.app_context():
        mailer.queue(db.session(), "x@example.cn", "不应发送", "")
        db.session.rollback()
        db.session.commit()
        mailer.queue(db.session(), "y@example.cn", "应发送", "")
        db.session.commit()
    assert [m["To"] for m in mailer.OUTBOX] == ["y@example.cn"]


def test_calendar_override_moves_a_working_day_deadline(app) -> None:
    with app.app_context():
        start = datetime(2026, 11, 27, 10, 0, tzinfo=clock.SHANGHAI)  # Friday
        assert work_calendar.current().add_working_days(start, 1).date() == date(2026, 11, 30)
        work_calendar.set_override(date(2026, 11, 30), False, "校庆放假")
        assert work_calendar.current().add_working_days(start, 1).date() == date(2026, 12, 1)
        work_calendar.set_override(date(2026, 11, 28), True, "调休上班")
        assert work_calendar.current().add_working_days(start, 1).date() == date(2026, 11, 28)
        work_calendar.remove_override(date(2026, 11, 28))
        work_calendar.remove_override(date(2026, 11, 30))
        assert work_calendar.current().add_working_days(start, 1).date() == date(2026, 11, 30)
        assert db.session.scalar(select(Notification)) is None


def test_an_override_written_by_another_process_is_in_force_within_a_minute(app, monkeypatch) -> None:
    """Each process keeps the calendar it read for CACHE_SECONDS (issue #8); another worker's edit
    (here: a row written behind this process's back) is seen once that has passed, not never."""
    from app.models import CalendarOverride

    moments = iter([1000.0, 1000.0 + work_calendar.CACHE_SECONDS / 2, 1001.0 + work_calendar.CACHE_SECONDS])
    monkeypatch.setattr(work_calendar.time, "monotonic", lambda: next(moments))
    with app.app_context():
        start = datetime(2026, 11, 27, 10, 0, tzinfo=clock.SHANGHAI)  # Friday
        assert work_calendar.current().add_working_days(start, 1).date() == date(2026, 11, 30)
        db.session.add(CalendarOverride(day=date(2026, 11, 30), is_workday=False, note="另一进程写入"))
        db.session.commit()
        assert work_calendar.current().add_working_days(start, 1).date() == date(2026, 11, 30)  # cached
        assert work_calendar.current().add_working_days(start, 1).date() == date(2026, 12, 1)  # read again
