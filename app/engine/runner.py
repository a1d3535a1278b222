"""The engine surface: start, complete a user task, fire timers, cancel -> new state + what happened.

Every call takes the parsed ProcessDef, the stored state (our own DB's, never a client's), the injected
clock `now` (aware; timers and date functions use it, never the wall clock) and returns a StepResult the
service layer saves in one transaction: the new state, ready human tasks to project into `human_task`,
pending timers to project into the timer table, and events for the audit log.

`StepResult.data` is the instance's current data: when the workflow is completed, Spiff's workflow data
(the data that reached the end); while running, the data of the tasks at the frontier (ready, waiting,
erroring), merged in the order they became so; a later parallel branch wins a key conflict.

Errors inside the engine (a condition failing on the data, a service raising, no gateway branch taken)
do not raise: the failing task is put in ERROR, the state is returned with status "error" and an
{"type": "error"} event, so a user's completed task is still saved; `retry_errors` re-runs the failing
tasks later (e.g. after the mail server is back).
"""

from __future__ import annotations

from collections.abc import Mapping
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from app.engine import expressions, serializer, timers
from app.engine.calendar import TZ, WorkCalendar
from app.engine.results import (
    InvalidTaskData,
    PendingTimer,
    ReadyTask,
    StepResult,
    TaskNotReady,
    check_data,
    task_count,
)
from app.engine.script_engine import SafeScriptEngine, ServiceRegistry, all_tasks
from app.engine.specs import ProcessDef

__all__ = [
    "InvalidTaskData",
    "PendingTimer",
    "ReadyTask",
    "StepResult",
    "TaskNotReady",
    "task_count",
    "start",
    "complete_task",
    "fire_timers",
    "retry_errors",
    "cancel",
    "highlight",
    "completed_task_ids",
]

MAX_ENGINE_ROUNDS = 10  # do_engine_steps rounds per call; a fired timer needs a second one (ENGINE-NOTES)
_FRONTIER = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


def _engine(
    now: datetime | None, calendar: WorkCalendar | None, services: ServiceRegistry | None
) -> SafeScriptEngine:
    return SafeScriptEngine(
        now=now or datetime.now(UTC),
        calendar=calendar or WorkCalendar(),
        services=services or ServiceRegistry(),
    )


@dataclass(frozen=True)
class _Snapshot:
    """The loaded state before a step: each task's state, and what the service layer's projection holds
    for it (the human tasks ready, the timers waiting), so that the step's result can say what changed
    without the projection being read back."""

    states: dict[UUID, int] = field(default_factory=dict)
    ready: frozenset[str] = frozenset()
    timers: tuple[PendingTimer, ...] = ()


def _snapshot(workflow: BpmnWorkflow) -> _Snapshot:
    tasks = list(all_tasks(workflow))
    return _Snapshot(states={t.id: t.state for t in tasks},
                     ready=frozenset(str(t.id) for t in tasks if _is_human_ready(t)),
                     timers=tuple(_pending_timers(workflow)))


def _run_engine(workflow: BpmnWorkflow) -> None:
    for _ in range(MAX_ENGINE_ROUNDS):
        workflow.do_engine_steps()  # ends with refresh_timers(), which may leave a fired timer READY
        if not any(not t.task_spec.manual for t in all_tasks(workflow) if t.state == TaskState.READY):
            return


def _advance(
    proc: ProcessDef, workflow: BpmnWorkflow, engine: SafeScriptEngine, before: _Snapshot
) -> StepResult:
    events = engine.events
    try:
        _run_engine(workflow)
    except (SpiffWorkflowException, RecursionError) as exc:
        events.append(_error_event(workflow, exc))
    return _result(proc, workflow, engine, before, events)


def _error_event(workflow: BpmnWorkflow, exc: BaseException) -> dict[str, Any]:
    # Spiff attaches the task to some exceptions, only the spec to others: fall back to the ERROR task.
    task = getattr(exc, "task", None)
    if task is None:
        task = next((t for t in all_tasks(workflow) if t.state == TaskState.ERROR), None)
    spec = task.task_spec if task is not None else getattr(exc, "task_spec", None)
    return {
        "type": "error",
        "bpmn_id": getattr(spec, "bpmn_id", None),
        "task_id": str(task.id) if task is not None else None,
        "message": str(exc),
    }


def _result(
    proc: ProcessDef,
    workflow: BpmnWorkflow,
    engine: SafeScriptEngine,
    before: _Snapshot,
    events: list[dict[str, Any]],
    *,
    cancelled: bool = False,
) -> StepResult:
    tasks = list(all_tasks(workflow))
    completed: list[str] = []
    for task in sorted(tasks, key=lambda t: t.last_state_change):
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        was = before.states.get(task.id)
        if bpmn_id and task.state == TaskState.COMPLETED and was != TaskState.COMPLETED:
            completed.append(bpmn_id)
            if isinstance(getattr(task.task_spec, "event_definition", None), timers.TimerEventDefinition):
                value = task._get_internal_data("event_value")
                events.append(
                    {"type": "timer_fired", "bpmn_id": bpmn_id, "task_id": str(task.id), "due_at": value}
                )
        elif (
            bpmn_id and task.task_spec.manual and was == TaskState.READY and task.state == TaskState.CANCELLED
        ):
            events.append({"type": "task_cancelled", "bpmn_id": bpmn_id, "task_id": str(task.id)})
    if cancelled:
        status = "cancelled"
    elif any(t.state == TaskState.ERROR for t in tasks):
        status = "error"
    elif workflow.is_completed():
        status = "completed"
    else:
        status = "running"
    ready = [] if cancelled else [_ready_task(proc, t, engine, events) for t in tasks if _is_human_ready(t)]
    # Human tasks ready before that the step neither left ready nor completed (a boundary event, a
    # cancellation, a task the tree no longer holds): their projected rows are cancelled.
    still_open_or_done = {t.task_id for t in ready} | {str(t.id) for t in tasks if t.state == TaskState.COMPLETED}
    return StepResult(
        state=serializer.dump(workflow, proc, cancelled=cancelled),
        status=status,
        data=_current_data(workflow, tasks),
        ready_tasks=ready,
        timers=[] if cancelled else _pending_timers(workflow),
        completed=completed,
        events=events,
        highlight=_highlight(workflow, cancelled),
        previous_ready=before.ready,
        closed_tasks=sorted(before.ready - still_open_or_done),
        previous_timers=list(before.timers),
    )


def _is_human_ready(task: Any) -> bool:
    return task.state == TaskState.READY and task.task_spec.manual and task.task_spec.bpmn_id is not None


def _current_data(workflow: BpmnWorkflow, tasks: list[Any]) -> dict[str, Any]:
    if workflow.is_completed():
        data = dict(workflow.data)
    else:
        data = {}
        frontier = [t for t in tasks if t.state & _FRONTIER and t.task_spec.bpmn_id is not None]
        for task in sorted(frontier, key=lambda t: t.last_state_change):
            data.update(task.data)
    data.pop("data_objects", None)
    return deepcopy(data)


def _ready_task(
    proc: ProcessDef, task: Any, engine: SafeScriptEngine, events: list[dict[str, Any]]
) -> ReadyTask:
    bpmn_id = task.task_spec.bpmn_id
    info = proc.user_tasks.get(bpmn_id)
    name = info.name if info else (task.task_spec.bpmn_name or bpmn_id)
    # Title and due are computed once, when the task is first seen ready, and kept in the task's internal
    # data: a later step (another branch, a timer) must not move the deadline.
    if "yzs_title" not in task.internal_data:
        title, due = name, None
        if info and info.title:
            try:
                title = expressions.render_template(info.title, task.data, engine.functions_for(task))[:200]
            except expressions.ExpressionError as exc:
                events.append({"type": "warning", "bpmn_id": bpmn_id, "message": f"标题计算失败：{exc}"})
        if info and info.due:
            try:
                due = _as_datetime(engine.evaluate(task, info.due)).isoformat()
            except (SpiffWorkflowException, ValueError, TypeError) as exc:
                events.append({"type": "warning", "bpmn_id": bpmn_id, "message": f"期限计算失败：{exc}"})
        task._set_internal_data(yzs_title=title, yzs_due_at=due)
    due_at = task.internal_data.get("yzs_due_at")
    org_field = info.org_field if info else None
    assignee_field = info.assignee_field if info else None
    return ReadyTask(
        task_id=str(task.id),
        bpmn_id=bpmn_id,
        name=name,
        title=task.internal_data["yzs_title"],
        role=info.role if info else (task.task_spec.lane or ""),
        form_key=info.form_key if info else "",
        org_field=org_field,
        org_id=task.data.get(org_field) if org_field else None,
        assignee_field=assignee_field,
        assignee_id=task.data.get(assignee_field) if assignee_field else None,
        due_at=datetime.fromisoformat(due_at) if due_at else None,
    )


def _as_datetime(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError(f"期限必须带时区：{value}")
    return moment


def _pending_timers(workflow: BpmnWorkflow) -> list[PendingTimer]:
    pending = []
    for task in workflow.event_manager.tasks.values():
        definition = task.task_spec.event_definition
        value = task._get_internal_data("event_value")
        if isinstance(definition, timers.TimerEventDefinition) and isinstance(value, str):
            pending.append(
                PendingTimer(str(task.id), task.task_spec.bpmn_id, timers.due_at(value).astimezone(TZ))
            )
    return sorted(pending, key=lambda p: p.due_at)


# --- public API -------------------------------------------------------------------------------------


def start(
    proc: ProcessDef,
    data: Mapping[str, Any],
    *,
    now: datetime,
    calendar: WorkCalendar,
    services: ServiceRegistry,
) -> StepResult:
    """Create an instance with initial `data` (e.g. university_id) and run it to the first wait."""
    initial = check_data(data)
    engine = _engine(now, calendar, services)
    workflow = BpmnWorkflow(proc.spec, dict(proc.subprocess_specs), script_engine=engine)
    for task in workflow.get_tasks(state=TaskState.READY):  # the Start task: its children inherit its data
        task.data.update(deepcopy(initial))
    return _advance(proc, workflow, engine, _Snapshot())


def complete_task(
    proc: ProcessDef,
    state: dict[str, Any],
    task_id: str,
    data: Mapping[str, Any],
    *,
    now: datetime,
    calendar: WorkCalendar,
    services: ServiceRegistry,
) -> StepResult:
    """Complete a READY user task with `data` and run the engine to the next wait.

    `data` is merged into the task's data as given: the caller MUST first reduce it to the fields the
    task's form declares (ENGINE-NOTES: form data becomes condition variables; an extra `decision` field
    from a requester would steer the gateway). Raises TaskNotReady if the task is unknown, not READY, or
    not a user task.
    """
    fields = check_data(data)
    engine = _engine(now, calendar, services)
    workflow = serializer.load(state, proc, engine)
    try:
        task = None if serializer.is_cancelled(state) else workflow.get_task_from_id(UUID(str(task_id)))
    except (ValueError, SpiffWorkflowException):
        task = None
    if task is None or not _is_human_ready(task):
        raise TaskNotReady()
    before = _snapshot(workflow)
    task.data.update(fields)
    try:
        task.run()
    except SpiffWorkflowException as exc:
        engine.events.append(_error_event(workflow, exc))
        return _result(proc, workflow, engine, before, engine.events)
    return _advance(proc, workflow, engine, before)


def fire_timers(
    proc: ProcessDef,
    state: dict[str, Any],
    *,
    now: datetime,
    calendar: WorkCalendar,
    services: ServiceRegistry,
) -> StepResult:
    """Fire every timer due at or before `now` (the injected clock) and run what follows."""
    engine = _engine(now, calendar, services)
    workflow = serializer.load(state, proc, engine)
    if serializer.is_cancelled(state):
        return _result(proc, workflow, engine, _snapshot(workflow), [], cancelled=True)
    return _advance(proc, workflow, engine, _snapshot(workflow))


def retry_errors(
    proc: ProcessDef,
    state: dict[str, Any],
    *,
    now: datetime,
    calendar: WorkCalendar,
    services: ServiceRegistry,
) -> StepResult:
    """Put tasks in ERROR back to READY and run them again (a service that failed, data since fixed)."""
    engine = _engine(now, calendar, services)
    workflow = serializer.load(state, proc, engine)
    before = _snapshot(workflow)
    for task in all_tasks(workflow):
        if task.state == TaskState.ERROR:
            task._set_state(TaskState.READY)
            engine.events.append(
                {"type": "retried", "bpmn_id": task.task_spec.bpmn_id, "task_id": str(task.id)}
            )
    return _advance(proc, workflow, engine, before)


def cancel(proc: ProcessDef, state: dict[str, Any], *, now: datetime | None = None) -> StepResult:
    """Cancel the whole instance: every open task and timer is dropped."""
    engine = _engine(now, None, None)
    workflow = serializer.load(state, proc, engine)
    before = _snapshot(workflow)
    workflow.cancel()
    events = [{"type": "cancelled"}]
    return _result(proc, workflow, engine, before, events, cancelled=True)


def highlight(proc: ProcessDef, state: dict[str, Any]) -> dict[str, list[str]]:
    """bpmn ids for the diagram: completed (in completion order, unique), current (ready/waiting/error)."""
    workflow = serializer.load(state, proc, _engine(None, None, None))
    return _highlight(workflow, serializer.is_cancelled(state))


def _highlight(workflow: BpmnWorkflow, cancelled: bool) -> dict[str, list[str]]:
    tasks = sorted(all_tasks(workflow), key=lambda t: t.last_state_change)
    completed: dict[str, None] = {}
    current: dict[str, None] = {}
    for task in tasks:
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if not bpmn_id:
            continue
        if task.state == TaskState.COMPLETED:
            completed[bpmn_id] = None
        elif task.state & _FRONTIER and not cancelled:
            current[bpmn_id] = None
    return {"completed": list(completed), "current": list(current)}


def completed_task_ids(proc: ProcessDef, state: dict[str, Any]) -> list[str]:
    return highlight(proc, state)["completed"]
