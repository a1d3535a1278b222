"""Inboxes, claiming, completing with forms, visibility per role and organisation, audit history."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.core import clock
from tests.support.workflow import SUBMIT, Actors


@pytest.fixture
def actors(client, world) -> Actors:
    return Actors(client, world)


def test_first_task_is_in_the_own_universitys_group_inbox_only(actors, client) -> None:
    actors.deploy()
    instance = actors.start("buaa")
    [task] = actors.inbox("buaa")
    assert task["instance_id"] == instance["id"] and task["role"] == "university_admin"
    assert task["form"]["properties"]["project_name"]["title"] == "项目名称"
    assert actors.inbox("zju") == [] and actors.inbox("op1") == []
    for who in ("zju", "op1", "stu"):
        assert client.get(f"/api/v1/tasks/{task['id']}", headers=actors[who]).status_code == 404
        assert client.get(f"/api/v1/instances/{instance['id']}", headers=actors[who]).status_code in (
            404, 200 if who == "op1" else 404)
    assert actors.complete("zju", task["id"], SUBMIT).status_code == 404


def test_starting_for_another_university_is_not_possible(actors, client) -> None:
    actors.deploy()
    response = client.post("/api/v1/processes/demo_approval/instances",
                           json={"data": {"university_id": 999}}, headers=actors["zju"])
    assert response.status_code == 201
    [task] = actors.inbox("zju")
    assert task["instance_id"] == response.get_json()["id"] and actors.inbox("buaa") == []
    # a role that does not do the first step cannot start the process
    assert client.post("/api/v1/processes/demo_approval/instances", json={"data": {}},
                       headers=actors["stu"]).status_code == 403


def test_form_data_is_validated_and_undeclared_fields_refused(actors) -> None:
    actors.deploy()
    actors.start()
    [task] = actors.inbox("buaa")
    missing = actors.complete("buaa", task["id"], {"project_name": "x"})
    assert missing.status_code == 422
    assert {"project_name", "description"} <= set(missing.get_json()["error"]["fields"])
    smuggled = actors.complete("buaa", task["id"], {**SUBMIT, "decision": "approve"})
    assert smuggled.status_code == 422 and "decision" in smuggled.get_json()["error"]["fields"]
    assert actors.complete("buaa", task["id"], SUBMIT).status_code == 200


def test_review_task_is_due_in_three_working_days(actors) -> None:
    instance, review = actors.submitted()
    due = datetime.fromisoformat(review["due_at"])
    created = clock.now().astimezone(clock.SHANGHAI)
    # three working days later, at the end of the working day (17:30 Beijing time)
    assert due.astimezone(clock.SHANGHAI).strftime("%H:%M") == "17:30"
    assert 3 <= (due.date() - created.date()).days <= 12


def test_claim_makes_it_mine_and_blocks_others(actors, client) -> None:
    _, review = actors.submitted()
    claimed = client.post(f"/api/v1/tasks/{review['id']}/claim", headers=actors["op1"])
    assert claimed.status_code == 200 and claimed.get_json()["assignee"] == "op1"
    assert [t["id"] for t in actors.inbox("op1", "mine")] == [review["id"]]
    assert actors.inbox("op2") == []  # no longer claimable
    assert client.post(f"/api/v1/tasks/{review['id']}/claim", headers=actors["op2"]).status_code == 409
    assert actors.complete("op2", review["id"], {"decision": "approve"}).status_code == 409
    assert client.post(f"/api/v1/tasks/{review['id']}/unclaim", headers=actors["op2"]).status_code == 403
    assert client.post(f"/api/v1/tasks/{review['id']}/unclaim", headers=actors["op1"]).status_code == 200
    assert [t["id"] for t in actors.inbox("op2")] == [review["id"]]


def test_review_needs_a_comment_unless_approved(actors) -> None:
    _, review = actors.submitted()
    rejected = actors.complete("op1", review["id"], {"decision": "reject"})
    assert rejected.status_code == 422 and "comment" in rejected.get_json()["error"]["fields"]
    bad = actors.complete("op1", review["id"], {"decision": "maybe"})
    assert bad.status_code == 422 and "decision" in bad.get_json()["error"]["fields"]


def test_return_loops_back_to_the_university_and_approve_completes(actors, client) -> None:
    instance, review = actors.submitted()
    returned = actors.complete("op1", review["id"], {"decision": "return", "comment": "请补充建设方案"})
    assert returned.status_code == 200 and returned.get_json()["status"] == "running"
    [again] = actors.inbox("buaa")
    assert actors.complete("buaa", again["id"], SUBMIT).status_code == 200
    review2 = actors.inbox("op1")[0]
    done = actors.complete("op1", review2["id"], {"decision": "approve"}).get_json()
    assert done["status"] == "completed"
    assert done["data"]["decision"] == "approve"
    assert "completed" in done["highlight"] and "Task_review" in done["highlight"]["completed"]
    actions = [h["action"] for h in done["history"]]
    assert actions[0] == "instance.started" and actions[-1] == "instance.completed"
    assert actions.count("task.completed") == 4
    decisions = [h["detail"].get("decision") for h in done["history"] if h["action"] == "task.completed"]
    assert decisions == [None, "return", None, "approve"]
    assert [h["actor"] for h in done["history"] if h["action"] == "task.completed"] == [
        "buaa", "op1", "buaa", "op1"]


def test_prefer_return_minimal_answers_a_completion_without_the_history(actors, client) -> None:
    """RFC 7240: a client moving on to the next task asks for less; without the header, the whole instance."""
    _, review = actors.submitted()
    returned = client.post(f"/api/v1/tasks/{review['id']}/complete", json={"data": {"decision": "return",
                           "comment": "请补充"}}, headers={**actors["op1"], "Prefer": "respond-async, return=minimal"})
    body = returned.get_json()
    assert returned.status_code == 200 and returned.headers["Preference-Applied"] == "return=minimal"
    assert "history" not in body and body["status"] == "running"
    [again] = [t for t in body["tasks"] if t["status"] == "ready"]
    assert again == actors.inbox("buaa")[0] | {"form": None}  # the next task, as the inbox lists it
    full = actors.complete("buaa", again["id"], SUBMIT)
    assert "Preference-Applied" not in full.headers
    assert [h["action"] for h in full.get_json()["history"]][:2] == ["instance.started", "task.created"]


def test_completed_task_cannot_be_completed_again(actors) -> None:
    _, review = actors.submitted()
    assert actors.complete("op1", review["id"], {"decision": "approve"}).status_code == 200
    again = actors.complete("op1", review["id"], {"decision": "approve"})
    assert again.status_code == 409
    assert [t["id"] for t in actors.inbox("op1", "completed")] == [review["id"]]


def test_bulk_completion_decides_a_batch_and_reports_each(actors, client) -> None:
    actors.deploy()
    for _ in range(3):
        actors.start()
    for task in actors.inbox("buaa"):
        actors.complete("buaa", task["id"], SUBMIT)
    reviews = [t["id"] for t in actors.inbox("op1")]
    assert len(reviews) == 3
    actors.complete("op2", reviews[0], {"decision": "approve"})  # someone else was faster on one
    response = client.post("/api/v1/tasks/complete",
                           json={"task_ids": reviews, "data": {"decision": "approve"}}, headers=actors["op1"])
    body = response.get_json()
    assert response.status_code == 200 and body["completed"] == 2
    assert [(i["task_id"], i["ok"], i["status"]) for i in body["items"]] == [
        (reviews[0], False, 409), (reviews[1], True, 200), (reviews[2], True, 200)]
    assert actors.inbox("op1") == []


def test_inbox_filters_sorting_and_paging(actors, client) -> None:
    actors.deploy()
    for _ in range(3):
        actors.start()
    page = client.get("/api/v1/tasks?scope=group&limit=2", headers=actors["buaa"]).get_json()
    assert page["total"] == 3 and len(page["items"]) == 2
    assert actors.inbox("buaa", process="other") == []
    assert len(actors.inbox("buaa", overdue="true")) == 0
    bad = client.get("/api/v1/tasks?scope=everything", headers=actors["buaa"])
    assert bad.status_code == 422


def test_comments_are_kept_per_instance(actors, client) -> None:
    _, review = actors.submitted()
    response = client.post(f"/api/v1/tasks/{review['id']}/comments", json={"body": "材料齐全"},
                           headers=actors["op1"])
    assert response.status_code == 201 and response.get_json()["author"] == "op1"
    assert client.post(f"/api/v1/tasks/{review['id']}/comments", json={"body": ""},
                       headers=actors["op1"]).status_code == 422
    assert client.post(f"/api/v1/tasks/{review['id']}/comments", json={"body": "x"},
                       headers=actors["zju"]).status_code == 404


def test_cancel_is_for_process_admins(actors, client) -> None:
    instance, review = actors.submitted()
    assert client.post(f"/api/v1/instances/{instance['id']}/cancel", json={},
                       headers=actors["op1"]).status_code == 403
    response = client.post(f"/api/v1/instances/{instance['id']}/cancel", json={"reason": "重复申请"},
                           headers=actors["root"])
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    assert actors.inbox("op1") == []
    assert actors.complete("op1", review["id"], {"decision": "approve"}).status_code == 409
