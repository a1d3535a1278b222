"""What the API fuzzer (test_api_fuzz.py) found, pinned as plain regression tests so they fail fast and
readably: numbers no id column can hold, and NUL characters, which PostgreSQL refuses to store. Both used
to end in a 500; both are bad input (422, or 404 where a URL names nothing)."""

from __future__ import annotations

import pytest

from tests.conftest import bearer, csrf_from, login

HUGE = 2**31  # one past the largest 32-bit id; PostgreSQL raised "integer out of range" on it
ENORMOUS = 10**30  # past 64 bits; SQLite raised OverflowError on it


@pytest.fixture
def admin(client, world) -> dict[str, str]:
    world.user("root", "process_admin")
    return bearer(client, "root")


@pytest.mark.parametrize("number", [HUGE, ENORMOUS, -1, 0])
@pytest.mark.parametrize("url", [
    "/api/v1/orgs?parent_id={n}",
    "/api/v1/tasks?instance={n}",
    "/api/v1/metrics/complaints?org_id={n}",
    "/api/v1/complaints/topics?org_id={n}",
    "/api/v1/info-reports?period_id={n}",
    "/api/v1/info-reports?university_id={n}",
    "/api/v1/pilots?batch={n}",
    "/api/v1/pilots/export?batch={n}",
    "/api/v1/orgs?offset={n}",
])
def test_out_of_range_numbers_in_queries_are_422(client, admin, url, number) -> None:
    if number in (0, -1) and "offset" in url:
        pytest.skip("offset 0 is valid")
    response = client.get(url.format(n=number), headers=admin)
    assert response.status_code == 422, (url, number, response.get_json())


@pytest.mark.parametrize(("url", "body"), [
    ("/api/v1/tasks/complete", {"task_ids": [ENORMOUS], "data": {}}),
    ("/api/v1/tasks/complete", {"task_ids": [HUGE], "data": {}}),
    ("/api/v1/users", {"username": "x", "password": "a-long-password-1", "display_name": "x", "org_id": HUGE,
                       "roles": ["student"]}),
    ("/api/v1/orgs", {"name": "x", "kind": "department", "parent_id": HUGE}),
])
def test_out_of_range_numbers_in_bodies_are_422(client, admin, url, body) -> None:
    response = client.post(url, json=body, headers=admin)
    assert response.status_code == 422, response.get_json()


def test_complaint_attachments_out_of_range_are_422(client, world) -> None:
    world.user("stu", "student")
    response = client.post("/api/v1/complaints", headers=bearer(client, "stu"), json={
        "channel": "general", "category": "other", "title": "标题", "content": "内容内容内容", "anonymous": False,
        "attachments": [ENORMOUS]})
    assert response.status_code == 422


@pytest.mark.parametrize(("method", "url", "body"), [
    ("post", "/api/v1/users", {"username": "a\x00b", "password": "a-long-password-1", "display_name": "x",
                               "org_id": 1, "roles": ["student"]}),
    ("post", "/api/v1/auth/token", {"username": "root\x00", "password": "x"}),
    ("get", "/api/v1/orgs?name=a%00b", None),
    ("get", "/api/v1/pilot-applications/AB%00CD", None),
])
def test_nul_characters_are_refused_not_sent_to_the_database(client, admin, method, url, body) -> None:
    response = getattr(client, method)(url, json=body, headers=admin)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "validation_failed"


def test_nul_characters_in_a_page_form_are_refused(client, world) -> None:
    world.user("stu", "student")
    login(client, "stu")
    page = client.get("/complaints/new").get_data(as_text=True)
    response = client.post("/complaints/new", data={"csrf_token": csrf_from(page), "channel": "general",
                                                    "category": "other", "title": "标\x00题", "content": "内容"})
    assert response.status_code == 422 and "控制字符" in response.get_data(as_text=True)


@pytest.mark.parametrize("university_id", [999_999, HUGE, -5])
def test_a_case_started_for_an_organisation_that_does_not_exist_is_422(app, client, admin, university_id) -> None:
    assert app.test_cli_runner().invoke(args=["processes", "deploy"]).exit_code == 0
    response = client.post("/api/v1/processes/demo_approval/instances", headers=admin,
                           json={"data": {"university_id": university_id}})
    assert response.status_code == 422 and "data.university_id" in response.get_json()["error"]["fields"]


def test_a_task_naming_an_unknown_organisation_or_person_is_kept_not_a_500(app, client, world) -> None:
    """Instance data is the engine's to carry: if it names an org or user that does not exist, the task
    row is still written (without them) and the oddity is in the audit log, instead of a foreign-key
    error failing the step (on PostgreSQL a 500, or a timer that never fires)."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from app.engine.results import ReadyTask, StepResult
    from app.extensions import db
    from app.models import AuditEvent, HumanTask, ProcessInstance
    from app.workflow import steps as workflows
    from tests.support.workflow import Actors

    actors = Actors(client, world)
    actors.deploy()
    instance = actors.start()
    with app.app_context():
        row = db.session.get(ProcessInstance, instance["id"])
        ghost = ReadyTask(task_id="00000000-0000-4000-8000-000000000001", bpmn_id="Task_ghost", name="幽灵",
                          title="幽灵", role="university_admin", form_key="", org_field="university_id",
                          org_id=999_999, assignee_field="student_id", assignee_id=HUGE, due_at=None)
        result = StepResult(state=row.state, status="running", data=row.data, ready_tasks=[ghost], timers=[],
                            completed=[], events=[])
        workflows._project_tasks(row, result, datetime.now(UTC))
        db.session.commit()
        task = db.session.scalar(select(HumanTask).where(HumanTask.bpmn_id == "Task_ghost"))
        assert (task.org_id, task.assignee_id, task.status) == (None, None, "ready")
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "task.unknown_org_or_assignee"))
