"""育人号 completion deadlines per cohort: who is behind, reminders before, escalation after."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.core import accounts, clock
from app.extensions import db
from app.models import AuditEvent, Notification, Org, User
from tests.conftest import bearer

BJ = clock.SHANGHAI
DEADLINE = {"name": "现阶段育人号建设", "due_designated": "2026-12-06", "due_self_pilot": "2026-12-27"}


@pytest.fixture
def env(app, client, world, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 20, 10, 0, tzinfo=BJ))
    with app.app_context():
        org = accounts.create_org(name="江南示范大学", kind="university", province="江苏",
                                  school_type="undergraduate", pilot_status="self_pilot")
        org.created_at = datetime(2026, 10, 1, tzinfo=BJ)  # certified well before the deadline
        db.session.commit()
        self_pilot = org.id
    world.user("buaa", "university_admin")
    world.user("zju", "university_admin", world.other_uni)
    world.user("op1", "operator")
    world.user("moe1", "moe_reviewer")
    assert app.test_cli_runner().invoke(args=["processes", "deploy"]).exit_code == 0
    h = {n: bearer(client, n) for n in ("buaa", "zju", "op1", "moe1")}
    return h, self_pilot


def publish(client, h, module: str) -> None:
    created = client.post("/api/v1/posts", json={"module": module, "title": f"{module} 内容",
                                                 "body_html": "<p>正文</p>"}, headers=h["buaa"])
    assert created.status_code == 201
    tasks = client.get("/api/v1/tasks?scope=group&process=post_review", headers=h["op1"]).get_json()["items"]
    for task in tasks:
        client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"decision": "approve"}}, headers=h["op1"])


def test_ministry_sees_who_is_behind_and_deadlines_remind_then_escalate(app, client, world, env) -> None:
    h, self_pilot = env
    created = client.post("/api/v1/post-deadlines", json=DEADLINE, headers=h["moe1"])
    assert created.status_code == 201, created.get_json()
    deadline = created.get_json()
    assert deadline["required_modules"] == ["overview", "progress", "experience", "rules"]
    for module in ("overview", "progress", "experience"):
        publish(client, h, module)
    behind = client.get(f"/api/v1/post-deadlines/{deadline['id']}/behind", headers=h["moe1"]).get_json()
    assert {(b["university_name"], b["due"]) for b in behind} == {
        ("北京航空航天大学", "2026-12-06"), ("浙江大学", "2026-12-06"), ("江南示范大学", "2026-12-27")}
    assert next(b for b in behind if b["university_name"] == "北京航空航天大学")["missing"] == ["rules"]
    publish(client, h, "rules")
    behind = client.get(f"/api/v1/post-deadlines/{deadline['id']}/behind", headers=h["op1"]).get_json()
    assert [b["university_name"] for b in behind] == ["浙江大学", "江南示范大学"]

    runner = app.test_cli_runner()
    for moment in ("2026-12-01T09:00:00+08:00", "2026-12-04T09:00:00+08:00", "2026-12-05T09:00:00+08:00",
                   "2026-12-07T09:00:00+08:00", "2026-12-08T09:00:00+08:00"):
        assert runner.invoke(args=["timers", "fire", "--at", moment]).exit_code == 0
    with app.app_context():
        ids = dict(db.session.execute(select(User.username, User.id)).all())
        kinds = [(n.user_id, n.kind) for n in db.session.scalars(select(Notification))]
        assert kinds.count((ids["zju"], "post.due_soon")) == 1
        assert kinds.count((ids["zju"], "post.overdue")) == 1
        assert (ids["buaa"], "post.due_soon") not in kinds  # done in time: left alone
        assert kinds.count((ids["moe1"], "post.overdue_summary")) == 1
        assert kinds.count((ids["op1"], "post.overdue_summary")) == 1
        overdue = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "post_deadline.overdue")).all()
        assert [e.org_id for e in overdue] == [world.other_uni.id]  # the self-pilot is not due until 27 Dec
    late = client.get(f"/api/v1/post-deadlines/{deadline['id']}/behind", headers=h["moe1"]).get_json()
    assert late[0]["university_name"] == "浙江大学"


def test_a_self_pilot_certified_late_gets_the_grace_period(app, client, env) -> None:
    h, self_pilot = env
    with app.app_context():
        db.session.get(Org, self_pilot).created_at = datetime(2026, 12, 20, tzinfo=BJ)
        db.session.commit()
    deadline = client.post("/api/v1/post-deadlines", json=DEADLINE, headers=h["moe1"]).get_json()
    behind = client.get(f"/api/v1/post-deadlines/{deadline['id']}/behind", headers=h["moe1"]).get_json()
    assert next(b["due"] for b in behind if b["university_id"] == self_pilot) == "2027-01-10"


def test_deadlines_are_set_by_the_ministry_with_checked_input(client, env) -> None:
    h, _ = env
    assert client.post("/api/v1/post-deadlines", json=DEADLINE, headers=h["buaa"]).status_code == 403
    bad = client.post("/api/v1/post-deadlines", json={"name": "", "due_designated": "12月6日"}, headers=h["moe1"])
    assert bad.status_code == 422
    fields = bad.get_json()["error"]["fields"]
    assert fields["due_designated"] == ["请填写有效日期（YYYY-MM-DD）"] and fields["due_self_pilot"] == ["此项为必填"]
    modules = client.post("/api/v1/post-deadlines", json={**DEADLINE, "required_modules": ["news"]},
                          headers=h["moe1"])
    assert modules.status_code == 422
    assert client.get("/api/v1/post-deadlines/999/behind", headers=h["moe1"]).status_code == 404
    assert client.get("/api/v1/post-deadlines", headers=h["buaa"]).status_code == 200
