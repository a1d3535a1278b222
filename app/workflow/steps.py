"""Running process instances: every step is load → engine → save, in one transaction.

A step writes the new engine state (optimistically locked by `row_version`), the projection of ready
user tasks into `human_task`, pending timers into `timer`, the audit events and the notifications —
all committed together or not at all. A step computed from a stale load raises Conflict (409)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key

from app.core import audit, clock, notifications
from app.core.unit_of_work import unit_of_work, use_case
from app.engine import runner
from app.engine.results import StepResult
from app.errors import Conflict, Forbidden, NotVisible, ValidationFailed
from app.extensions import db
from app.models import HumanTask, Org, ProcessInstance, Timer, User
from app.workflow import processes, work_calendar
from app.workflow.service_tasks import StepContext, registry_for

# A process whose loops grow the engine's task tree past this is stopped before Spiff fails
# (ENGINE-NOTES: ~246 rounds of a loop end in RecursionError).
MAX_TASKS_PER_INSTANCE = 2000


def _as_int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _engine_args(instance: ProcessInstance, now: datetime, actor_id: int | None = None) -> dict[str, Any]:
    ctx = StepContext(instance_id=instance.id, process_key=instance.process_key, org_id=instance.org_id,
                      actor_id=actor_id, now=now)
    return {"now": now, "calendar": work_calendar.current(), "services": registry_for(ctx)}


def start(key: str, data: dict[str, Any], *, actor: User | None, org_id: int | None = None) -> ProcessInstance:
    """Start the newest version of `key` with `data` and run it to its first wait. Called inside a
    domain's use case (filing a complaint, submitting a post), the start joins that unit of work."""
    with unit_of_work():
        definition = processes.definition_for(key)
        proc = processes.spec_of(definition)
        now = clock.now()
        org_id = org_id if org_id is not None else _as_int(data.get("university_id"))
        if org_id is not None and _existing(Org, org_id) is None:
            # The instance row references the org: on PostgreSQL a made-up id was a foreign-key 500.
            raise ValidationFailed("数据有误", {"data.university_id": ["单位不存在"]})
        instance = ProcessInstance(
            definition_id=definition.id, process_key=definition.key, process_version=definition.version,
            status="running", org_id=org_id,
            started_by=actor.id if actor else None, started_at=now, data={}, state={})
        db.session.add(instance)
        db.session.flush()
        result = runner.start(proc, data, **_engine_args(instance, now, actor.id if actor else None))
        _apply(instance, result, now=now, actor_id=actor.id if actor else None, action="instance.started",
               detail={"version": definition.version})
    return instance


@use_case
def start_as(user: User, key: str, data: dict[str, Any]) -> ProcessInstance:
    """Start a process on a person's behalf. A process_admin may start anything with any data. Anyone
    else may start a process whose first task is theirs to do; the case then belongs to their own
    university, whatever `university_id` they sent."""
    if user.has_role("process_admin"):
        return start(key, data, actor=user)
    university_id = user.org.university_id()
    if university_id is not None:
        data = {**data, "university_id": university_id}
    instance = start(key, data, actor=user)
    first = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).all()
    if not any(user.has_role(t.role) and (t.org_id in (None, user.org_id) or t.assignee_id == user.id)
               for t in first):
        raise Forbidden("您不能发起该流程")  # the unit of work rolls the started instance back
    return instance


@use_case
def complete(task: HumanTask, data: dict[str, Any], *, actor: User) -> ProcessInstance:
    """Complete a ready human task with form data `tasks.complete` validated. That caller refused early
    (cheaply, on the row it loaded) what is plainly not this actor's to do; the one check that holds
    under a race is `_mark_completed`'s conditional UPDATE: of two concurrent completions exactly one
    wins, the other raises Conflict and writes nothing."""
    instance = task.instance
    proc = processes.spec_of_instance(instance)
    now = clock.now()
    result = runner.complete_task(proc, instance.state, task.engine_task_id, data,
                                  **_engine_args(instance, now, actor.id))
    _mark_completed(task, actor, now, data)
    _apply(instance, result, now=now, actor_id=actor.id, action="task.completed",
           detail={"task_id": task.id, "bpmn_id": task.bpmn_id, "task": task.name,
                   "decision": data.get("decision"), "data": data})
    return instance


def _mark_completed(task: HumanTask, actor: User, now: datetime, data: dict[str, Any]) -> None:
    """Mark the task completed only if it is still ready and not claimed by someone else *in the
    database*: the checks above read a possibly stale row, and a claim does not touch the instance's
    version, so without this a claim and a completion racing on one task both succeeded (issue #9)."""
    values = {"status": "completed", "completed_at": now, "completed_by": actor.id, "result": data}
    won = cast(CursorResult[Any], db.session.execute(  # an UPDATE's result is a CursorResult
        update(HumanTask).where(HumanTask.id == task.id, HumanTask.status == "ready",
                                or_(HumanTask.assignee_id.is_(None), HumanTask.assignee_id == actor.id))
        .values(**values).execution_options(synchronize_session=False))).rowcount
    if won != 1:
        raise Conflict("该任务已办理、已取消或已由他人认领")
    for key, value in values.items():  # what the row now holds, without reading it back
        set_committed_value(task, key, value)


def fire_timers(instance: ProcessInstance, now: datetime) -> int:
    """Run the instance's timers due at `now`; returns how many fired. The caller commits."""
    proc = processes.spec_of_instance(instance)
    result = runner.fire_timers(proc, instance.state, **_engine_args(instance, now))
    if not result.completed and not result.events:
        return 0  # nothing was due after all: keep the stored state (and its row version) as it is
    _apply(instance, result, now=now, actor_id=None, action=None)
    return sum(1 for e in result.events if e.get("type") == "timer_fired")


@use_case
def cancel(instance: ProcessInstance, *, actor: User, reason: str = "") -> ProcessInstance:
    if not actor.has_role("process_admin"):
        raise Forbidden("只有平台管理员可以终止流程")
    if instance.status not in {"running", "error"}:
        raise Conflict("流程已结束，无法终止")
    proc = processes.spec_of_instance(instance)
    now = clock.now()
    result = runner.cancel(proc, instance.state, now=now)
    _apply(instance, result, now=now, actor_id=actor.id, action="instance.cancelled",
           detail={"reason": reason})
    return instance


@use_case
def retry(instance: ProcessInstance, *, actor: User) -> ProcessInstance:
    """Re-run the failing steps of an instance in error (e.g. after a mail server came back)."""
    if not actor.has_role("process_admin"):
        raise Forbidden("只有平台管理员可以重试流程")
    if instance.status != "error":
        raise Conflict("流程没有出错的步骤")
    proc = processes.spec_of_instance(instance)
    now = clock.now()
    result = runner.retry_errors(proc, instance.state, **_engine_args(instance, now, actor.id))
    _apply(instance, result, now=now, actor_id=actor.id, action="instance.retried")
    return instance


def _apply(instance: ProcessInstance, result: StepResult, *, now: datetime, actor_id: int | None,
           action: str | None, detail: dict[str, Any] | None = None) -> None:
    try:
        # Performance: the step's rows go to the database in one flush, not one per query made on the way
        # (every autoflush walks the session and runs the complaint rollup's hook).
        with db.session.no_autoflush:
            created = _write_step(instance, result, now=now, actor_id=actor_id, action=action, detail=detail)
        db.session.flush()
        for row in created:  # now that they have ids
            audit.record("task.created", "instance", instance.id, org_id=instance.org_id, task_id=row.id,
                         bpmn_id=row.bpmn_id, role=row.role, task_org_id=row.org_id,
                         due_at=row.due_at.isoformat() if row.due_at else None)
            _notify_new_task(row)
        # Performance: remember the new state's diagram highlights on this object, for this row version
        # (instances.highlight), so answering with the instance does not deserialize the state again.
        instance._step_highlight = (instance.row_version, result.highlight)  # type: ignore[attr-defined]
    except StaleDataError:
        # Any flush of this step (including autoflush before a query) may find the row moved on.
        db.session.rollback()
        raise Conflict("该流程刚被他人更新，请刷新后重试") from None


def _write_step(instance: ProcessInstance, result: StepResult, *, now: datetime, actor_id: int | None,
                action: str | None, detail: dict[str, Any] | None) -> list[HumanTask]:
    """The step's changes, unflushed; returns the human tasks it created."""
    before = dict(instance.data or {})
    if result.task_count > MAX_TASKS_PER_INSTANCE:
        result.status = "error"
        result.events.append({"type": "error", "message": "流程循环次数过多，已停止（请联系平台管理员）"})
    instance.state = result.state
    instance.data = result.data
    instance.status = result.status
    if result.status in {"completed", "cancelled"}:
        instance.ended_at = now
    errors = [e for e in result.events if e.get("type") == "error"]
    instance.error = "; ".join(str(e.get("message")) for e in errors) or None
    if action:
        audit.record(action, "instance", instance.id, actor_id=actor_id, org_id=instance.org_id,
                     **(detail or {}), changed=_diff(before, result.data))
    for event in result.events:
        audit.record(f"engine.{event.get('type')}", "instance", instance.id, org_id=instance.org_id,
                     **{k: v for k, v in event.items() if k != "type"})
    if result.status in {"completed", "cancelled"}:
        audit.record(f"instance.{result.status}", "instance", instance.id, org_id=instance.org_id)
    created = _project_tasks(instance, result, now)
    _project_timers(instance, result, now)
    return created


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What a step changed, for the audit log; `private_…` fields never enter it."""
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after))
            if before.get(k) != after.get(k) and not k.startswith("private_")}


def _project_tasks(instance: ProcessInstance, result: StepResult, now: datetime) -> list[HumanTask]:
    """Rows for the human tasks the step made ready (returned, not yet flushed); the rows of those it
    closed are cancelled. What the rows held before is what the engine had ready before
    (result.previous_ready, result.closed_tasks): nothing is read back."""
    if result.closed_tasks:
        for row in db.session.scalars(select(HumanTask).where(
                HumanTask.instance_id == instance.id, HumanTask.status == "ready",
                HumanTask.engine_task_id.in_(result.closed_tasks))):
            row.status = "cancelled"
            audit.record("task.cancelled", "instance", instance.id, org_id=instance.org_id,
                         task_id=row.id, bpmn_id=row.bpmn_id)
    created = []
    for item in result.ready_tasks:
        if item.task_id in result.previous_ready:
            continue
        org_id, assignee_id = _existing(Org, item.org_id), _existing(User, item.assignee_id)
        if (org_id, assignee_id) != (_as_int(item.org_id), _as_int(item.assignee_id)):
            # Instance data named an organisation or person that does not exist: the task is still
            # created (the engine has it), for process_admins to see, instead of the step failing on the
            # foreign key (a 500 on PostgreSQL, or a timer that could never fire: issue #9).
            audit.record("task.unknown_org_or_assignee", "instance", instance.id, org_id=instance.org_id,
                         bpmn_id=item.bpmn_id, org=item.org_id, assignee=item.assignee_id)
        row = HumanTask(instance_id=instance.id, engine_task_id=item.task_id, bpmn_id=item.bpmn_id,
                        name=item.name[:200], title=item.title[:300], process_key=instance.process_key,
                        role=item.role, org_id=org_id, form_key=item.form_key or None,
                        assignee_id=assignee_id, assigned_by_process=assignee_id is not None,
                        status="ready", due_at=item.due_at, created_at=now)
        db.session.add(row)
        created.append(row)
    return created


def _existing(model: type[Org] | type[User], value: Any) -> int | None:
    """The id if such a row exists (ids are 32-bit: a larger number names nothing, and is not asked)."""
    row_id = _as_int(value)
    if row_id is None or not 0 < row_id < 2**31:
        return None
    if db.session.identity_map.get(identity_key(model, row_id)) is not None:
        return row_id
    return row_id if db.session.scalar(select(model.id).where(model.id == row_id)) is not None else None


def _notify_new_task(task: HumanTask) -> None:
    title, link = f"新待办：{task.title}", f"/tasks/{task.id}"
    if task.assignee_id is not None:  # an existing account (_existing checked it)
        notifications.notify_ids([task.assignee_id], kind="task.new", title=title, link=link)
    else:
        notifications.notify_role(task.role, task.org_id, kind="task.new", title=title, link=link)


def _project_timers(instance: ProcessInstance, result: StepResult, now: datetime) -> None:
    """Pending rows for the timers the step started; those of the timers it left behind are marked
    fired (when due) or cancelled. ORM-enabled updates: a timer row the scheduler holds sees its new
    status (timers.fire_due checks it)."""
    waiting = {t.task_id for t in result.timers}
    gone = [t for t in result.previous_timers if t.task_id not in waiting]
    fired = [t.task_id for t in gone if clock.as_utc(t.due_at) <= now and result.status != "cancelled"]
    dropped = [t.task_id for t in gone if t.task_id not in fired]
    for ids, values in ((fired, {"status": "fired", "fired_at": now}), (dropped, {"status": "cancelled"})):
        if ids:
            db.session.execute(update(Timer).where(Timer.instance_id == instance.id, Timer.status == "pending",
                                                   Timer.engine_task_id.in_(ids)).values(**values))
    started = {t.task_id for t in result.previous_timers}
    for item in result.timers:
        if item.task_id not in started:
            db.session.add(Timer(instance_id=instance.id, engine_task_id=item.task_id, bpmn_id=item.bpmn_id,
                                 due_at=item.due_at, status="pending"))


def instance_or_404(instance_id: int) -> ProcessInstance:
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotVisible("流程实例不存在")
    return instance
