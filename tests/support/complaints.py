"""A small university with every 接诉即办 role, and steps to drive the complaint process by API; complaint
rows written directly, for the figures' tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

from app.core import accounts, clock
from app.extensions import db
from app.models import Complaint, ComplaintAssignment
from tests.conftest import PASSWORD, bearer

BJ = clock.SHANGHAI
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=BJ)
DORM = {"channel": "logistics_hotline", "category": "dormitory", "title": "宿舍热水器坏了",
        "content": "3号楼热水器坏了三天，没有热水洗澡。", "anonymous": False}


class Campus:
    def __init__(self, app, client, world, monkeypatch) -> None:
        self.app, self.client, self.monkeypatch, self.world = app, client, monkeypatch, world
        with app.app_context():
            self.psych_id = accounts.create_org(name="心理健康教育与咨询中心", kind="department",
                                                parent_id=world.uni.id, code="psych").id
            self.academic_id = accounts.create_org(name="教务处", kind="department", parent_id=world.uni.id,
                                                   code="academic").id
        self.logistics_id = world.logistics.id
        world.user("stu", "student")
        world.user("stu2", "student")
        world.user("disp", "dispatcher")
        world.user("logi", "department_handler")
        world.user("aca", "department_handler", SimpleNamespace(id=self.academic_id))
        world.user("psy", "department_handler", SimpleNamespace(id=self.psych_id))
        world.user("lead", "university_admin")
        world.user("zdisp", "dispatcher", world.other_uni)
        world.user("moe1", "moe_reviewer")
        assert app.test_cli_runner().invoke(args=["processes", "deploy"]).exit_code == 0
        self.at("2026-11-23T09:00")  # a Monday

    def at(self, text: str) -> datetime:
        moment = datetime.fromisoformat(text).replace(tzinfo=BJ)
        self.monkeypatch.setattr(clock, "now", lambda: moment)
        self.h = {n: bearer(self.client, n, PASSWORD)
                  for n in ("stu", "stu2", "disp", "logi", "aca", "psy", "lead", "zdisp", "moe1")}
        return moment

    def fire(self, text: str) -> str:
        result = self.app.test_cli_runner().invoke(args=["timers", "fire", "--at", text])
        assert result.exit_code == 0, result.output
        return result.output

    def file(self, who: str = "stu", **changes: object) -> int:
        response = self.client.post("/api/v1/complaints", json={**DORM, **changes}, headers=self.h[who])
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def get(self, who: str, complaint_id: int) -> object:
        return self.client.get(f"/api/v1/complaints/{complaint_id}", headers=self.h[who])

    def task(self, who: str, complaint_id: int, scope: str = "group") -> dict:
        instance_id = self.get("disp", complaint_id).get_json()["instance_id"]
        items = self.client.get(f"/api/v1/tasks?scope={scope}&instance={instance_id}",
                                headers=self.h[who]).get_json()["items"]
        assert len(items) == 1, items
        return items[0]

    def do(self, who: str, complaint_id: int, data: dict, scope: str = "group") -> object:
        task = self.task(who, complaint_id, scope)
        return self.client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data}, headers=self.h[who])

    def assign(self, complaint_id: int, department_id: int | None = None, **extra: object) -> None:
        response = self.do("disp", complaint_id, {"action": "assign",
                                                  "department_id": department_id or self.logistics_id, **extra})
        assert response.status_code == 200, response.get_json()

    def answer(self, complaint_id: int, who: str = "logi") -> None:
        response = self.do(who, complaint_id, {"action": "answer", "reply": "已安排维修，今日修复。"})
        assert response.status_code == 200, response.get_json()

    def rate(self, complaint_id: int, satisfaction: str, who: str = "stu") -> object:
        data = {"satisfaction": satisfaction}
        if satisfaction == "unsatisfied":
            data["comment"] = "还是没有热水"
        return self.do(who, complaint_id, data, scope="mine")


def add_complaint(uni: int, *, channel: str = "general", resolution: str | None = None,
                  satisfaction: str | None = None, hours_to_close: float | None = None, title: str = "宿舍漏水",
                  created: datetime = T0) -> Complaint:
    complaint = Complaint(university_id=uni, channel=channel, category="dormitory", title=title,
                          content=f"{title}，请尽快处理。", created_at=created, resolution=resolution,
                          satisfaction=satisfaction, status="closed" if resolution else "assigned",
                          closed_at=created + timedelta(hours=hours_to_close) if hours_to_close else None)
    db.session.add(complaint)
    db.session.flush()
    return complaint


def add_assignment(complaint: Complaint, dept: int, *, answered_after_hours: float | None, due_hours: float = 72,
                   outcome: str | None = None) -> None:
    db.session.add(ComplaintAssignment(
        complaint_id=complaint.id, department_id=dept, assigned_at=complaint.created_at,
        university_id=complaint.university_id, channel=complaint.channel,
        due_at=complaint.created_at + timedelta(hours=due_hours),
        answered_at=complaint.created_at + timedelta(hours=answered_after_hours) if answered_after_hours else None,
        outcome=outcome or ("answered" if answered_after_hours else None)))


def hand_computed_fixture(world) -> None:
    """Six complaints of world.uni whose figures tests/complaints/test_metrics.py works out by hand
    (the pages' tests show the same ones). Call inside an app context; commits."""
    uni, dept, other_dept = world.uni.id, world.logistics.id, world.other_logistics.id
    # 1: on time, satisfied, closed after 10 h
    c1 = add_complaint(uni, resolution="resolved", satisfaction="satisfied", hours_to_close=10)
    add_assignment(c1, dept, answered_after_hours=5)
    # 2: late answer, unsatisfied → closed unresolved after 100 h
    c2 = add_complaint(uni, channel="principal_mailbox", resolution="unresolved", satisfaction="unsatisfied",
                       hours_to_close=100)
    add_assignment(c2, dept, answered_after_hours=80)
    # 3: on time, never rated → unrated after 200 h
    c3 = add_complaint(uni, resolution="unrated", hours_to_close=200)
    add_assignment(c3, dept, answered_after_hours=1)
    # 4: misrouted and upheld, then answered on time elsewhere: basically satisfied
    c4 = add_complaint(uni, resolution="resolved", satisfaction="basically_satisfied", hours_to_close=30)
    add_assignment(c4, other_dept, answered_after_hours=None, outcome="sent_back_upheld")
    add_assignment(c4, dept, answered_after_hours=20)
    # 5: merged (not in resolution, not in handling time); 6: open, not yet due
    add_complaint(uni, resolution="merged", hours_to_close=1)
    c6 = add_complaint(uni)
    add_assignment(c6, dept, answered_after_hours=None, due_hours=10_000)
    db.session.commit()


def weekly_spike(uni: int, now: datetime) -> None:
    """One 食堂 complaint a week for three weeks, then four about the water heater (热水器) in the last hours:
    a spike of 热水器 this week, none of 食堂. Call inside an app context; commits."""
    for weeks_ago in (1, 2, 3):
        add_complaint(uni, title="食堂排队时间长", created=now - timedelta(weeks=weeks_ago))
    for _ in range(4):
        add_complaint(uni, title="热水器损坏", created=now - timedelta(hours=3))
    db.session.commit()
