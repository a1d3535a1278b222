"""信息表 reporting through the API: draft, submit, operator check, resubmit, deadlines."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.core import clock
from app.extensions import db
from app.models import Notification, User
from tests.conftest import bearer

BJ = clock.SHANGHAI
REPORT = {
    "basic_students_total": 30000, "basic_community_students": 12000, "basic_communities": 4,
    "basic_buildings": 20, "party_branches": 35, "party_full_coverage": True, "team_resident_counselors": 60,
    "students_participants": 2400, "conditions_space_sqm": 5200.5,
    "results_summary": "形成书院制社区育人模式，辐射全校。",
}
PERIOD = {"code": "2026-2027-1", "name": "2026—2027学年第一学期", "starts_on": "2026-09-01",
          "ends_on": "2027-01-20", "due_designated": "2026-12-06", "due_self_pilot": "2026-12-27"}


@pytest.fixture
def env(app, client, world, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 20, 10, 0, tzinfo=BJ))
    world.user("moe1", "moe_reviewer")
    world.user("op1", "operator")
    world.user("buaa", "university_admin")
    world.user("zju", "university_admin", world.other_uni)
    world.user("stu", "student")
    assert app.test_cli_runner().invoke(args=["processes", "deploy"]).exit_code == 0
    h = {n: bearer(client, n) for n in ("moe1", "op1", "buaa", "zju", "stu")}
    period = client.post("/api/v1/report-periods", json=PERIOD, headers=h["moe1"])
    assert period.status_code == 201, period.get_json()
    return h, period.get_json()["id"]


def test_draft_then_submit_then_operator_accepts(client, env) -> None:
    h, pid = env
    draft = client.put(f"/api/v1/report-periods/{pid}/my-report", json={"data": {"basic_buildings": 20}},
                       headers=h["buaa"])
    assert draft.status_code == 200 and draft.get_json()["status"] == "draft"
    bad_draft = client.put(f"/api/v1/report-periods/{pid}/my-report", json={"data": {"basic_buildings": -3}},
                           headers=h["buaa"])
    assert bad_draft.status_code == 422 and "basic_buildings" in bad_draft.get_json()["error"]["fields"]
    incomplete = client.post(f"/api/v1/report-periods/{pid}/my-report/submit", json={}, headers=h["buaa"])
    assert incomplete.status_code == 422
    assert "results_summary" in incomplete.get_json()["error"]["fields"]
    submitted = client.post(f"/api/v1/report-periods/{pid}/my-report/submit", json={"data": REPORT},
                            headers=h["buaa"])
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    assert client.put(f"/api/v1/report-periods/{pid}/my-report", json={"data": {}},
                      headers=h["buaa"]).status_code == 409
    tasks = client.get("/api/v1/tasks?scope=group&process=info_report", headers=h["op1"]).get_json()["items"]
    assert [t["title"] for t in tasks] == ["信息表审核：北京航空航天大学（2026—2027学年第一学期）"]
    done = client.post(f"/api/v1/tasks/{tasks[0]['id']}/complete", json={"data": {"decision": "accept"}},
                       headers=h["op1"])
    assert done.status_code == 200
    mine = client.get(f"/api/v1/report-periods/{pid}/my-report", headers=h["buaa"]).get_json()
    assert mine["status"] == "accepted" and mine["data"]["basic_buildings"] == 20
    assert [(r["number"], r["outcome"]) for r in mine["revisions"]] == [(1, "accepted")]


def test_returned_report_is_corrected_and_resubmitted_keeping_history(client, env) -> None:
    h, pid = env
    client.post(f"/api/v1/report-periods/{pid}/my-report/submit", json={"data": REPORT}, headers=h["buaa"])
    [task] = client.get("/api/v1/tasks?scope=group&process=info_report", headers=h["op1"]).get_json()["items"]
    no_reason = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"decision": "return"}},
                            headers=h["op1"])
    assert no_reason.status_code == 422
    client.post(f"/api/v1/tasks/{task['id']}/complete",
                json={"data": {"decision": "return", "comment": "社区覆盖学生数与基础信息表不一致"}}, headers=h["op1"])
    mine = client.get(f"/api/v1/report-periods/{pid}/my-report", headers=h["buaa"]).get_json()
    assert mine["status"] == "returned" and "不一致" in mine["return_reason"]
    again = client.post(f"/api/v1/report-periods/{pid}/my-report/submit",
                        json={"data": {**REPORT, "basic_community_students": 12500}}, headers=h["buaa"])
    assert again.status_code == 200 and again.get_json()["revision"] == 2
    detail = client.get(f"/api/v1/info-reports/{again.get_json()['id']}", headers=h["moe1"]).get_json()
    assert [(r["number"], r["outcome"]) for r in detail["revisions"]] == [(1, "returned"), (2, None)]
    assert detail["revisions"][0]["data"]["basic_community_students"] == 12000


def test_reports_are_visible_only_to_their_university_and_national_roles(client, env) -> None:
    h, pid = env
    report = client.post(f"/api/v1/report-periods/{pid}/my-report/submit", json={"data": REPORT},
                         headers=h["buaa"]).get_json()
    assert client.get(f"/api/v1/info-reports/{report['id']}", headers=h["zju"]).status_code == 404
    assert client.get("/api/v1/info-reports", headers=h["zju"]).get_json()["total"] == 0
    assert client.get("/api/v1/info-reports", headers=h["moe1"]).get_json()["total"] == 1
    assert client.post(f"/api/v1/report-periods/{pid}/my-report/submit", json={"data": REPORT},
                       headers=h["stu"]).status_code == 403
    assert client.post("/api/v1/report-periods", json=PERIOD, headers=h["buaa"]).status_code == 403


def test_ministry_sees_who_has_not_reported_and_deadlines_remind_then_escalate(app, client, env) -> None:
    h, pid = env
    client.post(f"/api/v1/report-periods/{pid}/my-report/submit", json={"data": REPORT}, headers=h["buaa"])
    missing = client.get(f"/api/v1/report-periods/{pid}/missing", headers=h["moe1"]).get_json()
    assert [(m["university_name"], m["due"], m["status"]) for m in missing] == [("浙江大学", "2026-12-06", "missing")]
    runner = app.test_cli_runner()
    assert runner.invoke(args=["timers", "fire", "--at", "2026-12-02T09:00:00+08:00"]).exit_code == 0
    runner.invoke(args=["timers", "fire", "--at", "2026-12-04T09:00:00+08:00"])
    runner.invoke(args=["timers", "fire", "--at", "2026-12-07T09:00:00+08:00"])
    runner.invoke(args=["timers", "fire", "--at", "2026-12-08T09:00:00+08:00"])
    with app.app_context():
        ids = dict(db.session.execute(select(User.username, User.id)).all())
        kinds = [(n.user_id, n.kind) for n in db.session.scalars(select(Notification))]
    assert kinds.count((ids["zju"], "report.due_soon")) == 1
    assert kinds.count((ids["zju"], "report.overdue")) == 1
    assert kinds.count((ids["moe1"], "report.overdue_summary")) == 1
    assert (ids["buaa"], "report.due_soon") not in kinds


def test_figures_may_not_contradict_each_other_in_a_draft_or_a_submission(client, env) -> None:
    h, pid = env

    def save(data: dict) -> object:
        return client.put(f"/api/v1/report-periods/{pid}/my-report", json={"data": data}, headers=h["buaa"])

    assert save({"basic_community_students": 12000}).status_code == 200  # incomplete: the total comes later
    contradictory = save({"basic_community_students": 12000, "basic_students_total": 9000})
    assert contradictory.status_code == 422
    fields = contradictory.get_json()["error"]["fields"]
    assert fields == {"basic_community_students": ["学生社区覆盖学生数不能超过在校学生总数（9000）"]}
    mine = client.get(f"/api/v1/report-periods/{pid}/my-report", headers=h["buaa"]).get_json()
    assert mine["data"] == {"basic_community_students": 12000}  # the refused draft changed nothing
    negative = save({"basic_communities": -1})
    assert negative.status_code == 422
    assert "不能小于 0" in negative.get_json()["error"]["fields"]["basic_communities"][0]
    refused = client.post(f"/api/v1/report-periods/{pid}/my-report/submit",
                          json={"data": {**REPORT, "students_participants": 40000}}, headers=h["buaa"])
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"] == {
        "students_participants": ["参与社区建设、楼宇管理的学生人数不能超过在校学生总数（30000）"]}
    equal = {**REPORT, "basic_community_students": 30000, "students_participants": 30000}
    submitted = client.post(f"/api/v1/report-periods/{pid}/my-report/submit", json={"data": equal},
                            headers=h["buaa"])
    assert submitted.status_code == 200  # every enrolled student covered is no contradiction


def test_a_date_in_the_report_must_lie_within_its_period(app, client, env, monkeypatch, tmp_path) -> None:
    import json

    from app.config import ROOT

    schema = json.loads((ROOT / "forms" / "info_report.json").read_text(encoding="utf-8"))
    schema["properties"]["results_event_on"] = {"type": "string", "format": "date", "title": "成果发布会日期"}
    (tmp_path / "info_report.json").write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setitem(app.config, "FORMS_DIR", str(tmp_path))
    h, pid = env
    outside = client.put(f"/api/v1/report-periods/{pid}/my-report", json={"data": {"results_event_on": "2026-08-31"}},
                         headers=h["buaa"])
    assert outside.status_code == 422
    assert outside.get_json()["error"]["fields"] == {
        "results_event_on": ["日期须在报送周期内（2026-09-01 至 2027-01-20）"]}
    inside = client.put(f"/api/v1/report-periods/{pid}/my-report", json={"data": {"results_event_on": "2027-01-20"}},
                        headers=h["buaa"])
    assert inside.status_code == 200
