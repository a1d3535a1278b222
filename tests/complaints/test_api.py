"""Flow C through the API: every path of a complaint (SPEC §5)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Complaint, ComplaintAssignment, Notification, User
from tests.support.complaints import BJ, DORM, Campus


@pytest.fixture
def campus(app, client, world, monkeypatch) -> Campus:
    return Campus(app, client, world, monkeypatch)


def test_assign_answer_and_a_satisfied_rating_closes_it_resolved(campus) -> None:
    cid = campus.file()
    triage = campus.task("disp", cid)
    assert triage["title"] == "转办：后勤服务热线·宿舍热水器坏了"
    # the logistics hotline must be triaged within 4 working hours: 09:00–12:00, then 14:00–15:00
    assert datetime.fromisoformat(triage["due_at"]) == datetime.fromisoformat("2026-11-23T15:00:00+08:00")
    options = triage["form"]["properties"]["department_id"]["enum"]
    assert campus.logistics_id in options and campus.psych_id in options
    campus.assign(cid)
    view = campus.get("stu", cid).get_json()
    assert view["status"] == "assigned" and view["department"] == "后勤保障处"
    # dormitory: 3 working days by default → Thursday 17:30
    assert datetime.fromisoformat(view["answer_due"]) == datetime.fromisoformat("2026-11-26T17:30:00+08:00")
    campus.at("2026-11-24T10:00")
    campus.answer(cid)
    answered = campus.get("stu", cid).get_json()
    assert answered["status"] == "answered" and answered["replies"][0]["body"] == "已安排维修，今日修复。"
    assert campus.rate(cid, "basically_satisfied").status_code == 200
    closed = campus.get("stu", cid).get_json()
    assert (closed["status"], closed["resolution"], closed["satisfaction"]) == (
        "closed", "resolved", "basically_satisfied")
    assert [t["label"] for t in closed["timeline"]] == ["已提交，待转办", "已转办", "已答复", "学生已评价", "已办结"]


def _notes(campus: Campus, username: str) -> list[tuple[str, str | None]]:
    with campus.app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        return [(n.title, n.link) for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))]


def test_each_step_tells_the_next_person_once_with_a_link_to_their_task(campus) -> None:
    cid = campus.file()
    triage = campus.task("disp", cid)
    assert _notes(campus, "disp") == [(f"新待办：{triage['title']}", f"/tasks/{triage['id']}")]
    campus.assign(cid)
    answer = campus.task("logi", cid)
    # one notice for the dispatch (it used to be two: 新交办 from the service task and the new task's 新待办)
    assert _notes(campus, "logi") == [("新待办：答复：宿舍热水器坏了", f"/tasks/{answer['id']}")]
    assert _notes(campus, "aca") == []  # another department's handler
    campus.answer(cid)
    rate = campus.task("stu", cid, scope="mine")
    assert _notes(campus, "stu") == [("新待办：请评价：宿舍热水器坏了", f"/tasks/{rate['id']}")]


def test_merge_sends_the_student_to_the_surviving_ticket(campus) -> None:
    first = campus.file()
    second = campus.file("stu2", title="3号楼没有热水", content="3号楼热水器坏了，已经好几天。")
    similar = campus.client.get(f"/api/v1/complaints/{second}/similar", headers=campus.h["disp"]).get_json()
    assert [c["id"] for c in similar] == [first]
    refused = campus.do("disp", second, {"action": "merge", "merge_into": second, "reason": "重复"})
    assert refused.status_code == 422 and "merge_into" in refused.get_json()["error"]["fields"]
    assert campus.do("disp", second, {"action": "merge", "merge_into": first,
                                      "reason": f"与 #{first} 为同一问题"}).status_code == 200
    merged = campus.get("stu2", second).get_json()
    assert merged["resolution"] == "merged" and merged["merged_into_id"] == first
    assert campus.get("stu2", first).status_code == 200  # follows the surviving ticket
    with campus.app.app_context():
        stu2 = db.session.scalar(select(User).where(User.username == "stu2"))
        titles = [n.title for n in db.session.scalars(select(Notification).where(Notification.user_id == stu2.id))]
    assert any(f"已并入 #{first}" in t for t in titles)


def test_out_of_scope_needs_a_reason(campus) -> None:
    cid = campus.file()
    assert campus.do("disp", cid, {"action": "close"}).status_code == 422
    assert campus.do("disp", cid, {"action": "assign"}).status_code == 422  # no department
    assert campus.do("disp", cid, {"action": "close", "reason": "属于校外物业"}).status_code == 200
    view = campus.get("stu", cid).get_json()
    assert view["resolution"] == "out_of_scope" and view["close_reason"] == "属于校外物业"


def test_extension_is_decided_by_the_dispatcher_and_limited(campus) -> None:
    cid = campus.file()
    campus.assign(cid)
    assert campus.do("logi", cid, {"action": "extend", "extension_days": 2}).status_code == 422  # reason
    assert campus.do("logi", cid, {"action": "extend", "extension_days": 2,
                                   "reason": "需采购配件"}).status_code == 200
    assert campus.do("disp", cid, {"decision": "approve"}).status_code == 200
    view = campus.get("disp", cid).get_json()
    assert datetime.fromisoformat(view["answer_due"]) == datetime.fromisoformat("2026-11-30T17:30:00+08:00")
    again = campus.do("logi", cid, {"action": "extend", "extension_days": 1, "reason": "再等等"})
    assert again.status_code == 422 and "action" in again.get_json()["error"]["fields"]
    task = campus.task("logi", cid)
    assert datetime.fromisoformat(task["due_at"]) == datetime.fromisoformat("2026-11-30T17:30:00+08:00")


def test_upheld_send_back_does_not_count_against_the_department(campus) -> None:
    cid = campus.file(category="teaching", title="选课系统无法登录", content="选课系统一直提示错误，无法选课。")
    campus.assign(cid)  # wrongly to logistics
    assert campus.do("logi", cid, {"action": "send_back", "reason": "属于教务处职责"}).status_code == 200
    assert campus.get("disp", cid).get_json()["status"] == "triage"
    campus.assign(cid, campus.academic_id)
    campus.answer(cid, who="aca")
    with campus.app.app_context():
        outcomes = [a.outcome for a in db.session.scalars(select(ComplaintAssignment).order_by(ComplaintAssignment.id))]
    assert outcomes == ["sent_back_upheld", "answered"]
    metrics = campus.client.get(f"/api/v1/metrics/complaints?org_id={campus.logistics_id}",
                                headers=campus.h["disp"]).get_json()
    assert metrics["dispatched"] == 0 and metrics["overdue"] == 0


def test_overdue_answer_is_escalated_to_the_leadership_and_counts_as_overdue(campus) -> None:
    cid = campus.file()
    campus.assign(cid)
    assert "fired 0" in campus.fire("2026-11-26T17:00:00+08:00")
    assert "fired 1" in campus.fire("2026-11-26T17:31:00+08:00")
    supervise = campus.task("lead", cid)
    assert supervise["title"] == "督办：宿舍热水器坏了"
    assert campus.do("lead", cid, {"note": "请后勤今日内答复"}).status_code == 200
    campus.at("2026-11-27T09:00")
    campus.answer(cid)
    metrics = campus.client.get("/api/v1/metrics/complaints", headers=campus.h["disp"]).get_json()
    assert metrics["overdue"] == 1 and metrics["response_rate"] == 0.0


def test_unsatisfied_reopens_until_the_limit_then_the_leadership_decides(campus) -> None:
    cid = campus.file()
    for round_ in (1, 2):
        campus.assign(cid)
        campus.answer(cid)
        assert campus.rate(cid, "unsatisfied").status_code == 200
        view = campus.get("stu", cid).get_json()
        assert view["status"] == "triage" and view["reopen_count"] == round_
    campus.assign(cid)
    campus.answer(cid)
    campus.rate(cid, "unsatisfied")
    decide = campus.task("lead", cid)
    assert decide["title"].startswith("重办次数已满")
    assert campus.do("lead", cid, {"decision": "close", "comment": "已多次答复，按规定办结"}).status_code == 200
    view = campus.get("stu", cid).get_json()
    assert (view["status"], view["resolution"]) == ("closed", "unresolved")


def test_no_rating_in_time_closes_it_unrated(campus) -> None:
    cid = campus.file()
    campus.assign(cid)
    campus.answer(cid)
    assert "fired 0" in campus.fire("2026-11-30T08:59:00+08:00")
    assert "fired 1" in campus.fire("2026-11-30T09:01:00+08:00")  # 7 days after the answer
    view = campus.get("stu", cid).get_json()
    assert (view["status"], view["resolution"]) == ("closed", "unrated")
    mine = campus.client.get("/api/v1/tasks?scope=mine", headers=campus.h["stu"]).get_json()
    assert mine["total"] == 0  # the rating task was withdrawn


def test_only_the_filing_student_rates(campus) -> None:
    cid = campus.file()
    campus.assign(cid)
    campus.answer(cid)
    task = campus.task("stu", cid, scope="mine")
    assert campus.client.get(f"/api/v1/tasks/{task['id']}", headers=campus.h["stu2"]).status_code == 404
    assert campus.client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"satisfaction": "satisfied"}},
                              headers=campus.h["stu2"]).status_code == 404
    assert campus.get("stu2", cid).status_code == 404


def test_the_rating_the_process_assigned_to_the_student_cannot_be_unclaimed(campus) -> None:
    cid = campus.file()
    campus.assign(cid)
    campus.answer(cid)
    task = campus.task("stu", cid, scope="mine")
    refused = campus.client.post(f"/api/v1/tasks/{task['id']}/unclaim", headers=campus.h["stu"])
    assert refused.status_code == 409 and "不能退回" in refused.get_json()["error"]["message"]
    still = campus.client.get(f"/api/v1/tasks/{task['id']}", headers=campus.h["stu"]).get_json()
    assert still["assignee"] == "stu" and still["status"] == "ready"
    assert campus.rate(cid, "satisfied").status_code == 200  # still the student's to do


def test_the_triage_deadline_counts_working_hours_except_on_the_psych_hotline(campus) -> None:
    import json

    from app.config import ROOT

    channels = json.loads((ROOT / "data" / "complaint_settings.json").read_text(encoding="utf-8"))["channels"]
    assert {code: c["triage_clock"] for code, c in channels.items()} == {
        "principal_mailbox": "work", "psych_hotline": "calendar", "logistics_hotline": "work", "general": "work"}

    def triage_due(cid: int) -> str:
        return datetime.fromisoformat(campus.task("disp", cid)["due_at"]).astimezone(BJ).isoformat()

    campus.at("2026-11-27T16:00")  # a Friday, 1.5 working hours left in the day
    hotline = campus.file()  # logistics hotline: 4 working hours → Monday 11:00
    assert triage_due(hotline) == "2026-11-30T11:00:00+08:00"
    mailbox = campus.file(channel="principal_mailbox")  # 24 working hours: Fri 1.5 + Mon–Wed 21 + Thu 1.5
    assert triage_due(mailbox) == "2026-12-03T10:00:00+08:00"
    campus.at("2026-11-28T22:00")  # Saturday night
    psych = campus.file(channel="psych_hotline", category="mental_health", title="最近失眠焦虑",
                        content="考试临近，最近一直失眠，情绪很低落。")
    assert triage_due(psych) == "2026-11-28T23:00:00+08:00"  # 1 hour round the clock


def test_bad_complaints_are_refused_with_field_messages(campus) -> None:
    bad = campus.client.post("/api/v1/complaints", json={**DORM, "category": "ufo", "title": "x"},
                             headers=campus.h["stu"])
    assert bad.status_code == 422 and {"category", "title"} <= set(bad.get_json()["error"]["fields"])
    wrong_channel = campus.client.post("/api/v1/complaints", json={**DORM, "channel": "fax"}, headers=campus.h["stu"])
    assert wrong_channel.status_code == 422
    assert campus.client.post("/api/v1/complaints", json=DORM, headers=campus.h["logi"]).status_code == 403


def test_hotline_staff_register_a_call(campus) -> None:
    response = campus.client.post("/api/v1/complaints/calls", json={**DORM, "student_username": "stu"},
                                  headers=campus.h["disp"])
    assert response.status_code == 201
    cid = response.get_json()["id"]
    assert campus.get("stu", cid).status_code == 200
    unknown = campus.client.post("/api/v1/complaints/calls", json={**DORM, "student_username": "nobody"},
                                 headers=campus.h["disp"])
    assert unknown.status_code == 422
    anonymous_caller = campus.client.post("/api/v1/complaints/calls", json={**DORM, "caller_name": "来电学生"},
                                          headers=campus.h["disp"])
    cid2 = anonymous_caller.get_json()["id"]
    campus.assign(cid2)
    campus.answer(cid2)  # nobody to rate: closed as unrated at once
    assert campus.get("disp", cid2).get_json()["resolution"] == "unrated"
    assert campus.client.post("/api/v1/complaints/calls", json=DORM, headers=campus.h["stu"]).status_code == 403


def test_another_universitys_dispatcher_sees_nothing(campus) -> None:
    cid = campus.file()
    assert campus.get("zdisp", cid).status_code == 404
    assert campus.client.get("/api/v1/complaints", headers=campus.h["zdisp"]).get_json()["total"] == 0
    with campus.app.app_context():
        instance_id = db.session.get(Complaint, cid).instance_id
    assert campus.client.get(f"/api/v1/instances/{instance_id}", headers=campus.h["zdisp"]).status_code == 404


def test_sampled_complaints_get_a_follow_up_call_recorded_in_its_own_table(campus, monkeypatch) -> None:
    from app.complaints import cases as complaints
    from app.models import ComplaintFollowUp

    monkeypatch.setitem(complaints.settings(), "follow_up_rate", 1.0)  # every closed complaint is sampled
    cid = campus.file()
    campus.assign(cid)
    campus.answer(cid)
    campus.rate(cid, "satisfied")
    follow_up = campus.task("disp", cid)
    assert follow_up["title"] == "回访：宿舍热水器坏了"
    assert campus.do("disp", cid, {"reached": True, "outcome": "satisfied", "note": "问题已解决"}).status_code == 200
    with campus.app.app_context():
        [record] = db.session.scalars(select(ComplaintFollowUp)).all()
        assert record.complaint_id == cid and record.note == "问题已解决" and record.reached
    assert campus.client.get("/api/v1/tasks?scope=group", headers=campus.h["disp"]).get_json()["total"] == 0


def test_the_department_answers_with_a_reply_alone_as_api_md_says(campus) -> None:
    """API.md: the department's answer takes "reply"; "action" defaults to answer (the form's default)."""
    cid = campus.file()
    campus.assign(cid)
    form = campus.task("logi", cid)["form"]
    assert form["properties"]["action"]["default"] == "answer" and "action" not in form.get("required", [])
    short = campus.do("logi", cid, {"reply": "好"})
    assert short.status_code == 422 and "reply" in short.get_json()["error"]["fields"]
    assert campus.do("logi", cid, {"reason": "没有答复"}).status_code == 422
    assert campus.do("logi", cid, {"reply": "已安排维修，今日修复。"}).status_code == 200
    answered = campus.get("stu", cid).get_json()
    assert answered["status"] == "answered" and answered["replies"][0]["body"] == "已安排维修，今日修复。"


def test_channels_and_categories_are_discoverable_and_in_the_filing_schema(campus) -> None:
    assert campus.client.get("/api/v1/complaints/settings").status_code == 401
    body = campus.client.get("/api/v1/complaints/settings", headers=campus.h["stu"]).get_json()
    channels = {c["code"]: c for c in body["channels"]}
    categories = {c["code"]: c for c in body["categories"]}
    assert set(channels) == {"principal_mailbox", "psych_hotline", "logistics_hotline", "general"}
    assert channels["psych_hotline"]["label"] == "24小时心理热线" and channels["psych_hotline"]["urgent"]
    assert categories["dormitory"] == {"code": "dormitory", "label": "宿舍住宿", "deadline_days": 3}
    spec = campus.client.get("/api/v1/openapi.json").get_json()
    filing = spec["components"]["schemas"]["ComplaintIn"]["properties"]
    assert set(filing["channel"]["enum"]) == set(channels) and set(filing["category"]["enum"]) == set(categories)
    refused = campus.client.post("/api/v1/complaints", json={**DORM, "category": "x", "channel": "y"},
                                 headers=campus.h["stu"])
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"] == {"category": ["请选择问题类别"], "channel": ["请选择反映渠道"]}
