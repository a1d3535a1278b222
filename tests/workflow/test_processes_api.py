"""Deploying BPMN: validation with line numbers, versions by content, instances keep their version."""

from __future__ import annotations

import pytest

from tests.support.workflow import DEMO, SUBMIT, Actors


@pytest.fixture
def actors(client, world) -> Actors:
    return Actors(client, world)


def test_same_content_keeps_its_version_and_a_change_is_the_next(actors, client) -> None:
    assert actors.deploy() == {"key": "demo_approval", "version": 1, "created": True}
    assert actors.deploy() == {"key": "demo_approval", "version": 1, "created": False}
    changed = DEMO.replace("演示审批".encode(), "演示审批（修订）".encode())
    assert changed != DEMO
    assert actors.deploy(changed) == {"key": "demo_approval", "version": 2, "created": True}
    listed = client.get("/api/v1/processes", headers=actors["stu"]).get_json()
    assert {"key": "demo_approval", "version": 2} .items() <= listed[0].items()


def test_multipart_upload_deploys(actors, client) -> None:
    from io import BytesIO

    response = client.post("/api/v1/processes", data={"file": (BytesIO(DEMO), "demo.bpmn")},
                           content_type="multipart/form-data", headers=actors["root"])
    assert response.status_code == 201 and response.get_json()["version"] == 1


@pytest.mark.parametrize("mutate, expected", [
    (lambda x: x.replace(b"</bpmn:definitions>", b""), "行"),
    (lambda x: x.replace(b'name="operator"', b'name="janitor"'), "janitor"),
    (lambda x: x.replace(b'value="demo_review"', b'value="no_such_form"'), "no_such_form"),
    (lambda x: x.replace(b"decision == 'approve'", b"__import__('os').system('touch /tmp/pwned')"), "行"),
])
def test_invalid_bpmn_is_422_with_readable_reasons(actors, client, mutate, expected) -> None:
    response = client.post("/api/v1/processes", data=mutate(DEMO), content_type="application/xml",
                           headers=actors["root"])
    assert response.status_code == 422
    reasons = response.get_json()["error"]["fields"]["bpmn"]
    assert any(expected in r for r in reasons), reasons
    assert client.get("/api/v1/processes", headers=actors["root"]).get_json() == []


def test_only_process_admin_deploys(actors, client) -> None:
    response = client.post("/api/v1/processes", data=DEMO, content_type="application/xml",
                           headers=actors["op1"])
    assert response.status_code == 403


def test_running_instance_finishes_on_the_version_it_started_with(actors, client) -> None:
    instance, review = actors.submitted()
    assert instance["process_version"] == 1
    # v2 changes the review form: v1's running instance must keep the old task and finish on v1.
    actors.deploy(DEMO.replace("演示审批".encode(), "演示审批二".encode()))
    done = actors.complete("op1", review["id"], {"decision": "approve"})
    assert done.status_code == 200
    body = done.get_json()
    assert body["status"] == "completed" and body["process_version"] == 1
    assert actors.start()["process_version"] == 2


def test_unknown_process_is_404(actors, client) -> None:
    response = client.post("/api/v1/processes/nope/instances", json={"data": {}}, headers=actors["root"])
    assert response.status_code == 404


def test_submit_form_goes_through_the_full_demo(actors) -> None:
    instance, review = actors.submitted()
    assert review["title"] == f"审核：{SUBMIT['project_name']}"
    assert review["form"]["properties"]["decision"]["enum"] == ["approve", "reject", "return"]
