from datetime import datetime, timedelta

import pytest
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from app.engine import runner, serializer, specs
from app.engine.calendar import TZ, WorkCalendar
from app.engine.script_engine import ServiceRegistry
from app.engine.testing import DEFAULT_ORG_ROLES, ProcessRunner

from .conftest import DEMO_BPMN
from .test_specs import with_script_task

START = datetime(2024, 9, 27, 10, 0, tzinfo=TZ)  # Friday before the National Day holiday
REVIEW_DUE = datetime(2024, 10, 8, 17, 30, tzinfo=TZ)  # 3 working days: Sun 9/29 (调休), Mon 9/30, Tue 10/8


@pytest.fixture
def flow() -> ProcessRunner:
    return ProcessRunner(DEMO_BPMN, now=START, services={"notify": lambda params, data: {"sent": True}})


def submitted(flow: ProcessRunner) -> ProcessRunner:
    flow.start({"university_id": 7})
    flow.complete("Task_submit", {"project_name": "书院社区", "description": "说明"})
    return flow


def test_approve_runs_to_completion(flow):
    result = flow.start({"university_id": 7})
    assert result.status == "running"
    [task] = result.ready_tasks
    assert (task.bpmn_id, task.role, task.form_key) == ("Task_submit", "university_admin", "demo_submit")
    assert (task.org_field, task.org_id, task.due_at, task.title) == ("university_id", 7, None, "提交申请")

    result = flow.complete("Task_submit", {"project_name": "书院社区"})
    [review] = result.ready_tasks
    assert review.bpmn_id == "Task_review" and review.role == "operator"
    assert review.title == "审核：书院社区"
    assert review.due_at == REVIEW_DUE
    assert [(t.bpmn_id, t.due_at) for t in result.timers] == [("Timer_overdue", REVIEW_DUE)]
    assert result.completed == ["Task_submit"]

    result = flow.complete("Task_review", {"decision": "approve"})
    assert result.status == "completed"
    assert result.completed == ["Task_review", "Gateway_decision", "End_approved"]
    assert result.ready_tasks == [] and result.timers == []
    assert result.data == {"university_id": 7, "project_name": "书院社区", "decision": "approve"}
    assert flow.calls == []


def test_reject(flow):
    submitted(flow)
    result = flow.complete("Task_review", {"decision": "reject", "comment": "材料不全"})
    assert result.status == "completed"
    assert "End_rejected" in result.completed and "End_approved" not in result.completed


def test_return_loops_back_to_submit_then_approve(flow):
    submitted(flow)
    result = flow.complete("Task_review", {"decision": "return", "comment": "补充材料"})
    assert result.status == "running"
    [again] = result.ready_tasks
    assert again.bpmn_id == "Task_submit" and again.org_id == 7
    flow.complete("Task_submit", {"project_name": "书院社区（修改）"})
    assert flow.ready()[0].title == "审核：书院社区（修改）"
    assert flow.complete("Task_review", {"decision": "approve"}).status == "completed"


def test_return_loop_is_bounded(flow):
    submitted(flow)
    counts = []
    for _ in range(3):
        flow.complete("Task_review", {"decision": "return", "comment": "再改"})
        flow.complete("Task_submit", {})
        counts.append(flow.result.task_count)
    assert counts == sorted(counts) and counts[0] < counts[-1]  # the tree grows every round
    result = flow.complete("Task_review", {"decision": "return", "comment": "第四次"})
    assert result.status == "completed" and "End_rejected" in result.completed


def test_timer_fires_at_due_time_on_the_injected_clock(flow):
    submitted(flow)
    # The wall clock is long past 2024-10-08: Spiff's own timers would fire on the next engine step.
    assert flow.calls == [] and len(flow.result.timers) == 1

    flow.advance(to=REVIEW_DUE - timedelta(seconds=1))
    assert flow.calls == [] and flow.result.completed == []
    assert [t.bpmn_id for t in flow.result.timers] == ["Timer_overdue"]

    result = flow.advance(to=REVIEW_DUE)
    assert flow.calls == [("notify", {"role": "operator", "message": "审核已超过 3 个工作日：书院社区"})]
    assert result.completed == ["Timer_overdue", "Service_notify", "End_escalated"]
    assert {"type": "timer_fired", "bpmn_id": "Timer_overdue"}.items() <= next(
        e for e in result.events if e["type"] == "timer_fired"
    ).items()
    assert any(e["type"] == "service_called" and e["name"] == "notify" for e in result.events)
    # non-interrupting: the review is still open, with its original deadline
    [review] = result.ready_tasks
    assert review.bpmn_id == "Task_review" and review.due_at == REVIEW_DUE
    assert result.timers == []

    flow.advance(to=REVIEW_DUE + timedelta(days=30))
    assert len(flow.calls) == 1  # fired once
    assert flow.complete("Task_review", {"decision": "approve"}).status == "completed"
    assert flow.data["overdue_notice"] == {"sent": True}


def test_a_step_says_what_was_open_before_it(flow):
    """A completed task is neither still open nor closed by the step; a task the step made ready is new."""
    started = flow.start({"university_id": 7})
    assert started.previous_ready == frozenset() and started.previous_timers == [] and started.closed_tasks == []
    [submit] = started.ready_tasks
    result = flow.complete("Task_submit", {"project_name": "书院社区"})
    assert result.previous_ready == {submit.task_id} and result.closed_tasks == []
    [review] = result.ready_tasks
    again = flow.complete("Task_review", {"decision": "return", "comment": "补充"})
    assert again.previous_ready == {review.task_id} and again.closed_tasks == []
    assert [t.bpmn_id for t in again.previous_timers] == ["Timer_overdue"] and again.timers == []


def test_completing_before_due_drops_the_timer(flow):
    submitted(flow)
    flow.complete("Task_review", {"decision": "approve"})
    flow.advance(to=REVIEW_DUE + timedelta(days=1))
    assert flow.calls == [] and flow.status == "completed"


def test_complete_task_refuses_tasks_that_are_not_ready(flow):
    submitted(flow)
    state = flow.state
    kw = {"now": START, "calendar": WorkCalendar(), "services": flow.services}
    for bad_id in ["not-a-uuid", "00000000-0000-0000-0000-000000000000"]:
        with pytest.raises(runner.TaskNotReady):
            runner.complete_task(flow.proc, state, bad_id, {}, **kw)
    timer_id = flow.result.timers[0].task_id  # a task, but not a user task
    with pytest.raises(runner.TaskNotReady):
        runner.complete_task(flow.proc, state, timer_id, {}, **kw)
    review_id = flow.ready()[0].task_id
    runner.complete_task(flow.proc, state, review_id, {"decision": "approve"}, **kw)
    # the stored state is untouched by a call (the caller saves the new one) ...
    assert flow.ready()[0].task_id == review_id
    # ... and completing the same task from the new state fails
    after = runner.complete_task(flow.proc, state, review_id, {"decision": "approve"}, **kw).state
    with pytest.raises(runner.TaskNotReady):
        runner.complete_task(flow.proc, after, review_id, {"decision": "approve"}, **kw)


@pytest.mark.parametrize(
    "data",
    [
        {"_x": 1},
        {"spiff__x": 1},
        {"a": {"typename": "BpmnWorkflow"}},
        {"a": [{"typename": "datetime", "value": "x"}]},
        {"a": object()},
    ],
)
def test_form_data_must_be_plain(flow, data):
    flow.start({"university_id": 7})
    with pytest.raises(runner.InvalidTaskData):
        flow.complete("Task_submit", data)


def test_gateway_with_no_matching_branch_is_an_error_state(flow):
    submitted(flow)
    result = flow.complete("Task_review", {"decision": "maybe"})
    assert result.status == "error"
    error = next(e for e in result.events if e["type"] == "error")
    assert error["bpmn_id"] == "Gateway_decision"
    assert runner.highlight(flow.proc, flow.state)["current"] == ["Gateway_decision"]


def test_failing_service_then_retry(flow):
    attempts = []

    def flaky(params, data):
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("smtp down")
        return {"sent": True}

    flow = ProcessRunner(DEMO_BPMN, now=START, services={"notify": flaky})
    submitted(flow)
    result = flow.advance(to=REVIEW_DUE)
    assert result.status == "error"
    assert any(e["type"] == "service_failed" for e in result.events)
    result = runner.retry_errors(
        flow.proc, flow.state, now=REVIEW_DUE, calendar=flow.calendar, services=flow.services
    )
    assert result.status == "running" and "End_escalated" in result.completed
    assert len(attempts) == 2


def test_cancel(flow):
    submitted(flow)
    review_id = flow.ready()[0].task_id
    result = flow.cancel()
    assert result.status == "cancelled" and result.ready_tasks == [] and result.timers == []
    assert [e["type"] for e in result.events] == ["cancelled", "task_cancelled"]
    assert result.events[1]["bpmn_id"] == "Task_review"
    with pytest.raises(runner.TaskNotReady):
        runner.complete_task(
            flow.proc, flow.state, review_id, {}, now=START, calendar=flow.calendar, services=flow.services
        )
    assert flow.advance(to=REVIEW_DUE).status == "cancelled"
    assert flow.calls == []
    assert flow.highlight()["current"] == []


def test_highlight(flow):
    submitted(flow)
    marks = flow.highlight()
    assert marks["completed"] == ["StartEvent_1", "Task_submit"]
    assert set(marks["current"]) == {"Task_review", "Timer_overdue"}
    assert runner.completed_task_ids(flow.proc, flow.state) == ["StartEvent_1", "Task_submit"]


def test_state_is_compact_and_bound_to_its_version(flow, demo_xml, roles):
    submitted(flow)
    state = flow.state
    assert "spec" not in state["workflow"] and "subprocess_specs" not in state["workflow"]
    other = specs.parse_process(
        demo_xml.replace("审核超时", "审核逾期"),
        known_roles=roles,
        org_roles=DEFAULT_ORG_ROLES,
        form_exists=lambda k: True,
        service_exists=lambda s: True,
    )
    with pytest.raises(serializer.StateError):
        runner.highlight(other, state)
    for tampered in ({**state, "spiff": "1.4"}, {**state, "format": 99}, {"workflow": {}}):
        with pytest.raises(serializer.StateError):
            runner.highlight(flow.proc, tampered)


def test_stored_state_is_spiffs_own_dict_without_the_specs(flow):
    """The app's converter skips converting the specs it drops (issue #8): what it stores must be exactly
    what Spiff's stock converter gives minus the specs, with a timer waiting and data on the tasks."""
    submitted(flow)
    workflow = serializer.load(flow.state, flow.proc, script_engine=None)
    config = {**serializer.CONFIG, BpmnWorkflow: SPIFF_CONFIG[BpmnWorkflow]}  # Spiff's own workflow converter
    stock = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config)).to_dict(workflow)
    assert "spec" in stock and stock["tasks"]
    del stock["spec"], stock["subprocess_specs"]
    assert serializer.dump(workflow, flow.proc)["workflow"] == stock


def unchecked(xml: str) -> specs.ProcessDef:
    """Build a ProcessDef WITHOUT deploy-time validation, to prove the run-time wall holds on its own."""
    text = specs.normalize(xml)
    root = specs._read_tree(text)
    spec, subprocess_specs = specs._spiff_parse(root, "demo_approval")
    return specs.ProcessDef(
        key="demo_approval",
        name="x",
        content_hash=specs.content_hash(text),
        xml=text,
        user_tasks=specs._user_tasks([spec]),
        services=frozenset(),
        spec=spec,
        subprocess_specs=subprocess_specs,
    )


def _run_to_review(proc, decision="approve"):
    kw = {
        "now": START,
        "calendar": WorkCalendar(),
        "services": ServiceRegistry({"notify": lambda p, d: None}),
    }
    result = runner.start(proc, {"university_id": 7}, **kw)
    result = runner.complete_task(proc, result.state, result.ready_tasks[0].task_id, {}, **kw)
    if result.ready_tasks:
        result = runner.complete_task(
            proc, result.state, result.ready_tasks[0].task_id, {"decision": decision}, **kw
        )
    return result


def test_malicious_condition_cannot_run(demo_xml, tmp_path):
    marker = tmp_path / "pwned"
    xml = demo_xml.replace("decision == 'approve'", f"__import__('os').system('touch {marker}')")
    result = _run_to_review(unchecked(xml))
    assert result.status == "error"
    assert not marker.exists()
    assert "__import__" in next(e for e in result.events if e["type"] == "error")["message"]


def test_malicious_script_task_and_prescript_cannot_run(demo_xml, tmp_path):
    marker = tmp_path / "pwned"
    xml = with_script_task(demo_xml).replace("touch /tmp/pwned", f"touch {marker}")
    result = _run_to_review(unchecked(xml))
    assert result.status == "error" and not marker.exists()
    assert any(e["type"] == "error" and e["bpmn_id"] == "Task_script" for e in result.events)

    pre = demo_xml.replace(
        "</spiffworkflow:properties>\n      </bpmn:extensionElements>\n      <bpmn:incoming>Flow_submit",
        f"</spiffworkflow:properties>\n<spiffworkflow:preScript>__import__('os').system('touch {marker}')"
        "</spiffworkflow:preScript></bpmn:extensionElements>\n      <bpmn:incoming>Flow_submit",
    )
    assert "preScript" in pre
    result = _run_to_review(unchecked(pre))
    assert result.status == "error" and not marker.exists()


def test_task_count_reads_the_stored_state(flow):
    flow.start({"university_id": 7})
    assert runner.task_count(flow.state) == len(flow.state["workflow"]["tasks"]) > 0


def variant(tmp_path, demo_xml, old, new):
    assert old in demo_xml
    (tmp_path / "workflows").mkdir(exist_ok=True)
    path = tmp_path / "workflows" / "demo_approval.bpmn"
    path.write_text(demo_xml.replace(old, new), encoding="utf-8")
    return ProcessRunner(path, now=START)


def test_interrupting_timer_cancels_the_review(tmp_path, demo_xml):
    flow = variant(tmp_path, demo_xml, 'cancelActivity="false"', 'cancelActivity="true"')
    submitted(flow)
    [review] = flow.ready("Task_review")
    result = flow.advance(to=REVIEW_DUE)
    assert result.status == "completed" and result.ready_tasks == []
    assert any(e["type"] == "task_cancelled" and e["bpmn_id"] == "Task_review" for e in result.events)
    # what the service layer's projection changes without reading its rows back
    assert result.previous_ready == {review.task_id} and result.closed_tasks == [review.task_id]
    assert [t.bpmn_id for t in result.previous_timers] == ["Timer_overdue"] and result.timers == []
    assert [name for name, _ in flow.calls] == ["notify"]


def test_duration_timer_counts_from_the_injected_clock(tmp_path, demo_xml):
    flow = variant(
        tmp_path,
        demo_xml,
        '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">working_days(3)</bpmn:timeDate>',
        '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"PT2H"</bpmn:timeDuration>',
    )
    submitted(flow)
    assert [t.due_at for t in flow.result.timers] == [START + timedelta(hours=2)]
    flow.advance(to=START + timedelta(hours=2) - timedelta(seconds=1))
    assert flow.calls == []
    flow.advance(to=START + timedelta(hours=2))
    assert [name for name, _ in flow.calls] == ["notify"]


def test_service_registry():
    registry = ServiceRegistry()

    @registry.register("notify")
    def notify(params, data):
        return None

    assert "notify" in registry and registry.get("notify") is notify and list(registry) == ["notify"]
    assert registry.get("missing") is None


def test_now_must_be_aware(flow):
    with pytest.raises(ValueError):
        runner.start(flow.proc, {}, now=datetime(2024, 1, 1), calendar=WorkCalendar(), services=flow.services)


def test_date_timer_without_offset_means_shanghai_time(tmp_path, demo_xml):
    flow = variant(
        tmp_path,
        demo_xml,
        '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">working_days(3)</bpmn:timeDate>',
        '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">"2024-10-08T17:30:00"</bpmn:timeDate>',
    )
    submitted(flow)
    assert [t.due_at for t in flow.result.timers] == [REVIEW_DUE]
