"""The BPMN sandbox, attacked through the deploy API (ENGINE-NOTES: "BPMN expressions are code").

tests/engine covers the evaluator (test_expressions), the deploy checks one by one (test_specs) and the
run-time wall on specs that skipped validation (test_runner). Here every attack goes the way an
attacker holding a process_admin token would send it, `POST /api/v1/processes`: each is refused with
422 and a reason, nothing is deployed, and nothing runs. Then crafted engine state: a client can never
send state, and a blob that runs code inside Spiff's own deserializer is refused by ours."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer

from app.engine import serializer
from tests.engine.test_specs import with_script_task
from tests.support.workflow import DEMO, SUBMIT, Actors

DEMO_XML = DEMO.decode("utf-8")
PROPS_END = '<spiffworkflow:property name="org" value="university_id" />\n        </spiffworkflow:properties>'
REVIEW_TIMER = '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">working_days(3)</bpmn:timeDate>'


@pytest.fixture
def actors(client, world) -> Actors:
    team = Actors(client, world)
    team.deploy()  # version 1, the legitimate file
    return team


def _attacks(marker: Path) -> dict[str, str]:
    run = f"__import__('os').system('touch {marker}')"
    walk = "().__class__.__base__.__subclasses__()"
    condition = "decision == 'approve'"
    return {
        "condition: import": DEMO_XML.replace(condition, run),
        "condition: dunder walk": DEMO_XML.replace(condition, walk),
        "condition: attribute of data": DEMO_XML.replace(condition, "decision.__class__.__init__.__globals__"),
        "condition: lambda": DEMO_XML.replace(condition, "(lambda: __import__('os'))()"),
        "condition: comprehension": DEMO_XML.replace(condition, "[c for c in ().__class__.__bases__]"),
        "condition: builtins by name": DEMO_XML.replace(condition, "__builtins__['eval']('1')"),
        "condition: eval": DEMO_XML.replace(condition, "eval('1+1') == 2"),
        "condition: power bomb": DEMO_XML.replace(condition, "9 ** 9 ** 9 == 1"),
        "condition: format-spec bomb": DEMO_XML.replace(condition, "f'{decision:>999999999}' == ''"),
        "timer date: import": DEMO_XML.replace(REVIEW_TIMER, REVIEW_TIMER.replace("working_days(3)", run)),
        "timer date: dunder walk": DEMO_XML.replace(REVIEW_TIMER, REVIEW_TIMER.replace("working_days(3)", walk)),
        "timer duration: import": DEMO_XML.replace(
            REVIEW_TIMER, f'<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">{run}</bpmn:timeDuration>'),
        "timer cycle": DEMO_XML.replace(
            REVIEW_TIMER, '<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">"R/PT1S"</bpmn:timeCycle>'),
        "due property": DEMO_XML.replace('name="due" value="working_days(3)"', f'name="due" value="{run}"'),
        "title template": DEMO_XML.replace("{get('project_name', '未命名申请')}", "{" + walk + "}"),
        "service parameter": DEMO_XML.replace('value="\'operator\'"', f'value="{run}"'),
        "unregistered service": DEMO_XML.replace('serviceTaskOperator id="notify"',
                                                 'serviceTaskOperator id="os.system"'),
        "script task": with_script_task(DEMO_XML).replace("touch /tmp/pwned", f"touch {marker}"),
        "pre-script": DEMO_XML.replace(PROPS_END,
                                       PROPS_END + f"\n<spiffworkflow:preScript>{run}</spiffworkflow:preScript>"),
        "post-script": DEMO_XML.replace(PROPS_END, PROPS_END + "\n<spiffworkflow:postScript>import os"
                                        "</spiffworkflow:postScript>"),
        "multi-instance cardinality": DEMO_XML.replace(
            '<bpmn:outgoing>Flow_review</bpmn:outgoing>',
            '<bpmn:outgoing>Flow_review</bpmn:outgoing><bpmn:multiInstanceLoopCharacteristics>'
            f'<bpmn:loopCardinality>{run}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>'),
        "engine's own task name": DEMO_XML.replace('"StartEvent_1"', '"Start"'),
        "external entity (XXE)": DEMO_XML.replace(
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1)
        .replace("审核超时", "&x;"),
        "entity expansion (billion laughs)": DEMO_XML.replace(
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>', 1)
        .replace("审核超时", "&c;"),
    }


ATTACK_NAMES = list(_attacks(Path("/nonexistent")))


@pytest.mark.parametrize("name", ATTACK_NAMES)
def test_every_attack_is_refused_at_deploy_and_nothing_runs(actors, tmp_path, name) -> None:
    marker = tmp_path / "pwned"
    xml = _attacks(marker)[name]
    assert xml != DEMO_XML, "the attack must change the file"
    response = actors.client.post("/api/v1/processes", data=xml.encode("utf-8"), content_type="application/xml",
                                  headers=actors["root"])
    assert response.status_code == 422, (name, response.get_json())
    error = response.get_json()["error"]
    assert error["code"] == "bpmn_invalid" and error["fields"]["bpmn"], error
    listed = actors.client.get("/api/v1/processes", headers=actors["root"]).get_json()
    assert [(p["key"], p["version"]) for p in listed if p["key"] == "demo_approval"] == [("demo_approval", 1)]
    # the legitimate version still runs end to end, and nothing of the attack ever executed
    instance = actors.start()
    submit = actors.inbox("buaa")[0]
    assert actors.complete("buaa", submit["id"], SUBMIT).status_code == 200
    assert instance["status"] == "running" and not marker.exists()


def test_multipart_upload_is_checked_the_same_way(actors, tmp_path) -> None:
    xml = _attacks(tmp_path / "pwned")["condition: import"]
    response = actors.client.post("/api/v1/processes", data={"file": (io.BytesIO(xml.encode()), "x.bpmn")},
                                  content_type="multipart/form-data", headers=actors["root"])
    assert response.status_code == 422 and "__import__" in " ".join(response.get_json()["error"]["fields"]["bpmn"])


def _crafted_state(marker: Path) -> dict:
    """An old-format Spiff serialization whose timer migration `eval`s a field (ENGINE-NOTES)."""
    return {"serializer_version": "1.1", "subprocesses": {}, "tasks": {},
            "spec": {"task_specs": {"T": {"name": "T", "typename": "IntermediateCatchEvent", "event_definition": {
                "typename": "TimerEventDefinition", "label": "t",
                "dateTime": f"__import__('pathlib').Path('{marker}').touch()"}}}}}


def test_the_crafted_state_blob_is_a_real_exploit_against_plain_spiff(tmp_path) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(Exception):  # noqa: B017 - whatever it raises afterwards, the code already ran
        BpmnWorkflowSerializer().deserialize_json(json.dumps(_crafted_state(marker)))
    assert marker.exists()  # this is why state must never come from a client


def test_our_loader_refuses_the_crafted_blob_before_spiff_sees_it(app, actors, tmp_path) -> None:
    from app.extensions import db
    from app.models import ProcessInstance
    from app.workflow import processes

    marker = tmp_path / "pwned"
    instance = actors.start()
    with app.app_context():
        proc = processes.spec_of(db.session.get(ProcessInstance, instance["id"]).definition)
        for envelope in (
            {"format": 1, "spiff": "1.1", "process": proc.key, "content_hash": proc.content_hash,
             "workflow": _crafted_state(marker)},
            _crafted_state(marker),
            {**_crafted_state(marker), "format": 1, "spiff": serializer.SPIFF_VERSION, "process": proc.key,
             "content_hash": "0" * 64},
        ):
            with pytest.raises(serializer.StateError):
                serializer.load(envelope, proc, script_engine=None)
    assert not marker.exists()


def test_clients_cannot_send_state_and_data_stays_data(actors, world, tmp_path) -> None:
    """No request body anywhere in the API has a `state` field; a blob sent as instance data is stored as
    plain data, never deserialized, and fields the engine would interpret are refused."""
    spec = actors.client.get("/api/v1/openapi.json").get_json()
    bodies = json.dumps([op.get("requestBody") for path in spec["paths"].values() for op in path.values()
                         if isinstance(op, dict)])
    assert '"state"' not in bodies and '"serializer_version"' not in bodies
    marker = tmp_path / "pwned"
    crafted = _crafted_state(marker)
    refused = actors.client.post("/api/v1/processes/demo_approval/instances", headers=actors["root"],
                                 json={"data": {"university_id": world.uni.id, "workflow": crafted,
                                                "child": {"typename": "BpmnWorkflow"}}})
    assert refused.status_code == 422  # `typename` would be revived into an object on the next load
    for data in ({"__class__": "x"}, {"spiff__internal": 1}, {"data_objects": {}}):
        response = actors.client.post("/api/v1/processes/demo_approval/instances", headers=actors["root"],
                                      json={"data": data})
        assert response.status_code == 422, data
    as_data = {"serializer_version": "1.1", "dateTime": crafted["spec"]["task_specs"]["T"]["event_definition"]}
    as_data["dateTime"] = {k: v for k, v in as_data["dateTime"].items() if k != "typename"}
    stored = actors.client.post("/api/v1/processes/demo_approval/instances", headers=actors["root"],
                                json={"data": {"university_id": world.uni.id, **as_data}})
    assert stored.status_code == 201
    task = stored.get_json()["tasks"][0]
    assert actors.client.post(f"/api/v1/tasks/{task['id']}/complete", headers=actors["root"],
                              json={"data": SUBMIT}).status_code in (200, 403)
    assert not marker.exists()
