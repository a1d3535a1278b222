"""Flow A through the API: apply → batch window → certify → open the account (SPEC §3)."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

import pytest
from sqlalchemy import select

from app.core import clock, mailer
from app.extensions import db
from app.models import AuditEvent, Notification, OneTimeSecret, Org, User
from tests.conftest import bearer

BJ = clock.SHANGHAI
FORM = {
    "university_name": "江南示范大学", "province": "江苏", "school_type": "undergraduate",
    "contact_name": "王老师", "contact_phone": "025-88886666", "contact_email": "wang@jnu.example.cn",
    "plan_text": "以书院制学生社区为载体，推进党建引领、队伍入驻、学生参与。", "lead_department": "党委学生工作部",
    "community_students": 12000, "community_buildings": 18,
}


class Flow:
    def __init__(self, app, client, world, monkeypatch) -> None:
        self.app, self.client, self.monkeypatch = app, client, monkeypatch
        world.user("root", "process_admin")
        world.user("moe1", "moe_reviewer")
        world.user("op1", "operator")
        self.h: dict[str, dict[str, str]] = {}
        result = app.test_cli_runner().invoke(args=["processes", "deploy"])
        assert result.exit_code == 0, result.output
        mailer.OUTBOX.clear()

    def at(self, text: str) -> datetime:
        moment = datetime.fromisoformat(text).replace(tzinfo=BJ)
        self.monkeypatch.setattr(clock, "now", lambda: moment)
        # tokens expire: log in again at the new moment
        self.h = {name: bearer(self.client, name) for name in ("root", "moe1", "op1")}
        return moment

    def fire(self, text: str) -> str:
        result = self.app.test_cli_runner().invoke(args=["timers", "fire", "--at", text])
        assert result.exit_code == 0, result.output
        return result.output

    def apply(self, **changes: object) -> dict:
        response = self.client.post("/api/v1/pilot-applications", json={**FORM, **changes})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def status(self, code: str) -> dict:
        return self.client.get(f"/api/v1/pilot-applications/{code}").get_json()

    def tasks(self, who: str) -> list[dict]:
        body = self.client.get("/api/v1/tasks?scope=group&process=pilot_application", headers=self.h[who])
        return body.get_json()["items"]

    def decide(self, who: str, task_id: int, data: dict) -> object:
        return self.client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": data}, headers=self.h[who])


@pytest.fixture
def flow(app, client, world, monkeypatch) -> Flow:
    return Flow(app, client, world, monkeypatch)


def test_application_waits_for_the_month_end_window_then_is_certified_and_opened(flow, app) -> None:
    flow.at("2026-11-10T10:00")
    created = flow.apply()
    assert created["tracking_code"].startswith("SP") and len(created["tracking_code"]) == 12
    assert (created["window_start"], created["window_end"]) == ("2026-11-26", "2026-11-30")
    assert flow.status(created["tracking_code"])["status"] == "submitted"
    assert flow.tasks("moe1") == []  # the batch opens with the window, not before
    assert "fired 0" in flow.fire("2026-11-25T23:59:00+08:00")
    assert "fired 1" in flow.fire("2026-11-26T00:00:30+08:00")
    [certify] = flow.tasks("moe1")
    assert certify["title"] == "认定审核：江南示范大学"
    assert certify["due_at"].startswith("2026-11-30T15:59:59")  # 23:59:59 Beijing time, in UTC

    flow.at("2026-11-27T10:00")  # a Friday
    assert flow.decide("moe1", certify["id"], {"decision": "approve"}).status_code == 200
    assert flow.status(created["tracking_code"])["status"] == "approved"
    [open_task] = flow.tasks("op1")
    # 3 working days after Friday: Wednesday 2 December, end of the working day
    assert datetime.fromisoformat(open_task["due_at"]).astimezone(BJ).isoformat() == "2026-12-02T17:30:00+08:00"

    refused = flow.decide("op1", open_task["id"], {"confirm": False})
    assert refused.status_code == 422 and "confirm" in refused.get_json()["error"]["fields"]
    assert flow.decide("op1", open_task["id"], {"confirm": True}).status_code == 200
    assert flow.status(created["tracking_code"])["status"] == "account_opened"
    with app.app_context():
        university = db.session.scalar(select(Org).where(Org.name == "江南示范大学"))
        assert university.pilot_status == "self_pilot" and university.province == "江苏"
        assert len(db.session.scalars(select(Org).where(Org.parent_id == university.id)).all()) == 6
        admin = db.session.scalar(select(User).where(User.org_id == university.id))
        assert admin.roles == ["university_admin"] and admin.must_change_password
        assert admin.username == "wang@jnu.example.cn"
        secret = db.session.scalar(select(OneTimeSecret))
        assert secret.viewer_id == db.session.scalar(select(User.id).where(User.username == "op1"))
        password = secret.secret
    mail = [m for m in mailer.OUTBOX if "账号已开通" in m["Subject"]]
    assert len(mail) == 1 and mail[0]["To"] == "wang@jnu.example.cn" and password in mail[0].get_content()
    token = flow.client.post("/api/v1/auth/token", json={"username": "wang@jnu.example.cn", "password": password})
    assert token.status_code == 200
    history = [e["action"] for e in flow.status(created["tracking_code"])["history"]]
    assert history == ["application.submitted", "application.approved", "application.account_opened"]


def test_reject_needs_a_reason_which_the_applicant_sees(flow) -> None:
    flow.at("2026-11-10T10:00")
    code = flow.apply()["tracking_code"]
    flow.fire("2026-11-26T08:00:00+08:00")
    [task] = flow.tasks("moe1")
    missing = flow.decide("moe1", task["id"], {"decision": "reject"})
    assert missing.status_code == 422 and "comment" in missing.get_json()["error"]["fields"]
    assert flow.decide("moe1", task["id"], {"decision": "reject", "comment": "材料不完整"}).status_code == 200
    status = flow.status(code)
    assert status["status"] == "rejected" and status["decision_comment"] == "材料不完整"
    assert flow.tasks("op1") == []
    assert any("未通过认定" in m.get_content() for m in mailer.OUTBOX)


def test_returned_application_is_amended_and_joins_the_next_window(flow) -> None:
    flow.at("2026-11-10T10:00")
    created = flow.apply()
    flow.fire("2026-11-26T08:00:00+08:00")
    [task] = flow.tasks("moe1")
    flow.at("2026-11-28T09:00")
    assert flow.decide("moe1", task["id"], {"decision": "return", "comment": "请补充社区楼宇数据"}).status_code == 200
    code = created["tracking_code"]
    assert flow.status(code)["status"] == "returned"
    assert flow.client.post("/api/v1/pilot-applications", json=FORM).status_code == 422  # use the code instead
    amended = flow.client.put(f"/api/v1/pilot-applications/{code}", json={**FORM, "community_buildings": 20})
    assert amended.status_code == 200
    body = amended.get_json()
    assert body["status"] == "submitted" and body["submissions"] == 2
    assert (body["window_start"], body["window_end"]) == ("2026-12-27", "2026-12-31")
    assert flow.client.put(f"/api/v1/pilot-applications/{code}", json=FORM).status_code == 409
    flow.fire("2026-12-27T08:00:00+08:00")
    [again] = flow.tasks("moe1")
    assert again["instance_id"] != created["instance_id"]
    actions = [e["action"] for e in flow.status(code)["history"]]
    assert actions == ["application.submitted", "application.returned", "application.resubmitted"]


def test_overdue_account_opening_is_escalated_to_operators_and_the_ministry(flow, app) -> None:
    flow.at("2026-11-10T10:00")
    flow.apply()
    flow.fire("2026-11-26T08:00:00+08:00")
    flow.at("2026-11-27T10:00")
    [task] = flow.tasks("moe1")
    flow.decide("moe1", task["id"], {"decision": "approve"})
    assert "fired 0" in flow.fire("2026-12-02T17:00:00+08:00")
    assert "fired 1" in flow.fire("2026-12-02T17:31:00+08:00")
    with app.app_context():
        kinds = {(n.user_id, n.kind) for n in db.session.scalars(select(Notification))}
        ids = dict(db.session.execute(select(User.username, User.id)).all())
        assert (ids["op1"], "escalation") in kinds and (ids["moe1"], "escalation") in kinds
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "instance.escalated"))
    flow.at("2026-12-03T09:00")
    [still_open] = flow.tasks("op1")
    assert still_open["overdue"] is True  # flagged in the operator's list


def test_duplicates_are_refused_with_an_explanation(flow) -> None:
    flow.at("2026-11-10T10:00")
    flow.apply()
    again = flow.client.post("/api/v1/pilot-applications", json=FORM)
    assert again.status_code == 422
    assert "正在审核中" in again.get_json()["error"]["fields"]["university_name"][0]
    pilot = flow.client.post("/api/v1/pilot-applications", json={**FORM, "university_name": "浙江大学"})
    assert pilot.status_code == 422
    assert "教育部认定试点" in pilot.get_json()["error"]["fields"]["university_name"][0]


def test_bad_input_gets_chinese_field_messages(flow) -> None:
    flow.at("2026-11-10T10:00")
    bad = flow.client.post("/api/v1/pilot-applications", json={
        **FORM, "province": "火星", "contact_email": "nope", "plan_text": "", "community_students": -1})
    assert bad.status_code == 422
    fields = bad.get_json()["error"]["fields"]
    assert set(fields) >= {"province", "contact_email", "plan_text", "community_students"}
    assert fields["contact_email"] == ["请填写有效的电子邮箱，账号开通通知将发送至该邮箱"]
    missing = flow.client.post("/api/v1/pilot-applications", json={"university_name": "x"})
    assert missing.status_code == 422 and "contact_name" in missing.get_json()["error"]["fields"]
    assert flow.client.get("/api/v1/pilot-applications/SPNOTACODE00").status_code == 404


def test_plan_file_must_really_be_a_pdf_or_docx(flow) -> None:
    flow.at("2026-11-10T10:00")
    form = {**FORM, "plan_text": ""}
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    refused = flow.client.post("/api/v1/pilot-applications", content_type="multipart/form-data",
                               data={**{k: str(v) for k, v in form.items()},
                                     "plan_file": (BytesIO(png), "plan.pdf")})
    assert refused.status_code == 422 and "plan_file" in refused.get_json()["error"]["fields"]
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    ok = flow.client.post("/api/v1/pilot-applications", content_type="multipart/form-data",
                          data={**{k: str(v) for k, v in form.items()}, "plan_file": (BytesIO(pdf), "计划书.pdf")})
    assert ok.status_code == 201, ok.get_json()


def test_an_explicit_window_comes_first_and_lists_are_for_the_ministry(flow) -> None:
    flow.at("2026-11-10T10:00")
    added = flow.client.post("/api/v1/review-windows", json={"starts_on": "2026-11-15", "ends_on": "2026-11-18",
                                                             "note": "集中审核"}, headers=flow.h["root"])
    assert added.status_code == 201
    assert flow.client.post("/api/v1/review-windows", json={"starts_on": "2026-11-20", "ends_on": "2026-11-19"},
                            headers=flow.h["root"]).status_code == 422
    created = flow.apply()
    assert (created["window_start"], created["window_end"]) == ("2026-11-15", "2026-11-18")
    listed = flow.client.get("/api/v1/pilot-applications?status=submitted&province=江苏", headers=flow.h["moe1"])
    assert listed.get_json()["total"] == 1
    assert flow.client.get("/api/v1/pilot-applications", headers=bearer(flow.client, "op1")).status_code == 200
    windows = flow.client.get("/api/v1/review-windows", headers=flow.h["moe1"]).get_json()
    assert windows[0] == {"start": "2026-11-15", "end": "2026-11-18", "explicit": True}
