"""The instance health check (`flask --app wsgi instances check`, /admin/instances/health): it names the
instances that need a person and only those. tests/workflow/test_instance_health.py covers a stuck and a
failed instance; this covers what must NOT be reported and an error produced by the engine itself."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.workflow import steps as workflows
from tests.conftest import login
from tests.support.workflow import Actors


@pytest.fixture
def actors(client, world) -> Actors:
    return Actors(client, world)


def _check(app) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["instances", "check"])
    return result.exit_code, result.output


WAIT_ONLY = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  id="Definitions_wait_only" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="wait_only" name="only waits" isExecutable="true">
    <bpmn:startEvent id="Start_wait"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="Timer_wait" name="wait an hour">
      <bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing>
      <bpmn:timerEventDefinition id="TimerDef_wait">
        <bpmn:timeDate xsi:type="bpmn:tFormalExpression">hours(1)</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="End_wait"><bpmn:incoming>Flow_2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="Start_wait" targetRef="Timer_wait" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Timer_wait" targetRef="End_wait" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_waiting_on_a_timer_alone_finished_and_cancelled_instances_are_healthy(app, actors) -> None:
    actors.deploy(WAIT_ONLY)
    waiting = actors.client.post("/api/v1/processes/wait_only/instances", json={"data": {}},
                                 headers=actors["root"])
    assert waiting.status_code == 201 and waiting.get_json()["tasks"] == []  # nothing to do, one timer
    done, review = actors.submitted()
    assert actors.complete("op1", review["id"], {"decision": "approve"}).status_code == 200
    cancelled = actors.start()
    assert actors.client.post(f"/api/v1/instances/{cancelled['id']}/cancel", json={"reason": "重复"},
                              headers=actors["root"]).status_code == 200
    assert _check(app) == (0, "0 stuck, 0 in error, 0 unreachable tasks\n")
    later = (datetime.now().astimezone() + timedelta(hours=2)).isoformat()
    assert "fired 1 timer(s)" in app.test_cli_runner().invoke(args=["timers", "fire", "--at", later]).output
    assert actors.client.get(f"/api/v1/instances/{waiting.get_json()['id']}",
                             headers=actors["root"]).get_json()["status"] == "completed"
    assert _check(app) == (0, "0 stuck, 0 in error, 0 unreachable tasks\n")


def test_a_runaway_loop_stopped_by_the_engine_guard_is_reported(app, actors, client, monkeypatch) -> None:
    instance, review = actors.submitted()
    monkeypatch.setattr(workflows, "MAX_TASKS_PER_INSTANCE", 3)  # this instance is "too big" from now on
    assert actors.complete("op1", review["id"], {"decision": "return", "comment": "再改"}).status_code == 200
    code, output = _check(app)
    assert code == 1 and f"error: instance {instance['id']}" in output and "循环次数过多" in output
    login(client, "root")
    page = client.get("/admin/instances/health").get_data(as_text=True)
    assert "出错的实例（1）" in page and f"#{instance['id']}" in page and "循环次数过多" in page
