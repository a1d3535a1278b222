"""Psychological-hotline tickets and anonymous tickets, from every role's side (SPEC §5)."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Complaint
from tests.support.complaints import Campus

PSYCH = {"channel": "psych_hotline", "category": "mental_health", "title": "最近失眠焦虑",
         "content": "考试临近，最近一直失眠，情绪很低落。", "anonymous": False}


@pytest.fixture
def campus(app, client, world, monkeypatch) -> Campus:
    return Campus(app, client, world, monkeypatch)


def _instance(campus: Campus, cid: int) -> int:
    with campus.app.app_context():
        return db.session.get(Complaint, cid).instance_id


def test_psych_ticket_is_seen_only_by_dispatchers_the_psych_centre_and_its_student(campus) -> None:
    cid = campus.file(**PSYCH)
    triage = campus.task("disp", cid)
    assert triage["form"]["properties"]["department_id"]["enum"] == [campus.psych_id]
    refused = campus.do("disp", cid, {"action": "assign", "department_id": campus.logistics_id})
    assert refused.status_code == 422 and "department_id" in refused.get_json()["error"]["fields"]
    campus.assign(cid, campus.psych_id)
    instance_id = _instance(campus, cid)
    for who in ("stu", "disp", "psy"):
        assert campus.get(who, cid).status_code == 200, who
    for who in ("logi", "lead", "stu2", "moe1", "zdisp", "aca"):
        assert campus.get(who, cid).status_code == 404, who
        assert campus.client.get(f"/api/v1/instances/{instance_id}", headers=campus.h[who]).status_code == 404, who
        listed = campus.client.get("/api/v1/complaints", headers=campus.h[who])
        assert listed.status_code != 200 or listed.get_json()["total"] == 0, who


def test_overdue_psych_ticket_is_not_escalated_to_the_leadership(campus) -> None:
    cid = campus.file(**PSYCH)
    campus.assign(cid, campus.psych_id)
    assert "fired 1" in campus.fire("2026-11-24T17:31:00+08:00")  # 1 working day for mental health
    tasks = campus.client.get("/api/v1/tasks?scope=group", headers=campus.h["lead"]).get_json()
    assert tasks["total"] == 0
    assert campus.get("lead", cid).status_code == 404


def test_anonymous_ticket_never_shows_its_student_to_departments(campus) -> None:
    cid = campus.file(anonymous=True)
    assert campus.get("disp", cid).get_json()["student"] == "stu"  # the dispatcher knows
    campus.assign(cid)
    dept_view = campus.get("logi", cid).get_json()
    assert dept_view["student"] is None and dept_view["anonymous"] is True
    campus.answer(cid)
    campus.rate(cid, "satisfied")
    instance = campus.client.get(f"/api/v1/instances/{_instance(campus, cid)}", headers=campus.h["logi"])
    assert instance.status_code == 200
    body = instance.get_data(as_text=True)
    assert '"stu"' not in body and "private_student_id" not in body
    actors = {h["actor"] for h in instance.get_json()["history"]}
    assert "stu" not in actors and "学生" in actors
    assert all(t["assignee"] in (None, "logi", "disp") for t in instance.get_json()["tasks"])
    lead_view = campus.get("lead", cid).get_json()
    assert lead_view["student"] is None
    named = campus.file()
    campus.assign(named)
    assert campus.get("logi", named).get_json()["student"] == "stu"  # not anonymous: shown


def test_national_roles_see_figures_not_tickets(campus) -> None:
    cid = campus.file()
    assert campus.get("moe1", cid).status_code == 404
    national = campus.client.get("/api/v1/metrics/complaints", headers=campus.h["moe1"])
    assert national.status_code == 200 and national.get_json()["total"] == 1
    assert campus.client.get("/api/v1/metrics/complaints", headers=campus.h["stu"]).status_code == 403
    other = campus.client.get(f"/api/v1/metrics/complaints?org_id={campus.world.uni.id}", headers=campus.h["zdisp"])
    assert other.status_code == 404


def test_a_student_merged_into_another_students_ticket_does_not_learn_who_filed_it(campus) -> None:
    first = campus.file()
    second = campus.file("stu2")
    campus.do("disp", second, {"action": "merge", "merge_into": first, "reason": "同一问题"})
    surviving = campus.get("stu2", first).get_json()
    assert surviving["student"] is None
    assert campus.get("stu", first).get_json()["student"] == "stu"


def test_psych_words_do_not_reach_hot_topics(campus) -> None:
    campus.file(**PSYCH)
    words = [t["word"] for t in campus.client.get("/api/v1/complaints/topics", headers=campus.h["logi"]).get_json()]
    assert "失眠" not in words and "焦虑" not in words
