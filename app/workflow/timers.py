"""Firing due timers and sending deadline reminders, for the scheduler and `flask timers fire`.

Due timer rows are taken with a row lock (`FOR UPDATE SKIP LOCKED` on PostgreSQL): two schedulers
never fire one timer twice, and a scheduler that dies mid-batch leaves its timers pending, to be
fired by the next run instead of never. Each instance is its own transaction."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from app.core import audit, clock, deadlines, notifications
from app.core.unit_of_work import use_case
from app.extensions import db
from app.models import HumanTask, ProcessInstance, Timer, User
from app.workflow import plugins
from app.workflow import steps as workflows

log = logging.getLogger(__name__)


def _lock_next_due(at: datetime, skip: set[int]) -> Timer | None:
    query = (select(Timer).where(Timer.status == "pending", Timer.due_at <= at, Timer.id.not_in(skip))
             .order_by(Timer.due_at, Timer.id).limit(1)
             .with_for_update(skip_locked=True, of=Timer))
    return db.session.scalar(query)


def fire_due(at: datetime | None = None, *, limit: int = 10_000) -> int:
    """Fire every timer due at `at` (default now); returns how many timers fired."""
    at = at or clock.now()
    fired = 0
    failed: set[int] = set()
    for _ in range(limit):
        timer = _lock_next_due(at, failed)
        if timer is None:
            db.session.rollback()
            break
        instance = db.session.get(ProcessInstance, timer.instance_id, with_for_update=True)
        step_fired = 0
        try:
            if instance is None or instance.status not in {"running", "error"}:
                timer.status = "cancelled"
            else:
                step_fired = workflows.fire_timers(instance, at)
                if timer.status == "pending":  # the engine did not consider it due: do not spin on it
                    timer.status = "cancelled"
                    audit.record("timer.dropped", "instance", timer.instance_id, bpmn_id=timer.bpmn_id)
            db.session.commit()
            fired += step_fired  # counted once committed: a failed commit fired nothing
        except Exception:
            # Any failure of one instance's step (a lost race, a corrupt state, a database error)
            # rolls back that step only: its timer stays pending for the next round and the rest of
            # the batch still fires. (Catching only DomainError let one broken instance stop every
            # timer due after it, round after round: issue #9.)
            db.session.rollback()
            failed.add(timer.id)
            log.exception("firing timer %s failed; it stays pending", timer.id)
    return fired


def _recipients(task: HumanTask) -> list[User]:
    if task.assignee_id is not None:
        user = db.session.get(User, task.assignee_id)
        return [user] if user else []
    return notifications.users_with_role(task.role, task.org_id)


@use_case
def send_deadline_notices(at: datetime | None = None) -> dict[str, int]:
    """A reminder once a task is due within a day, an overdue notice once it is past due."""
    at = at or clock.now()
    reminded = overdue = 0
    soon = db.session.scalars(select(HumanTask).where(
        HumanTask.status == "ready", HumanTask.reminded_at.is_(None), HumanTask.due_at.is_not(None),
        HumanTask.due_at <= at + deadlines.REMIND_BEFORE, HumanTask.due_at > at)).all()
    for task in soon:
        notifications.notify(_recipients(task), kind="task.due_soon", title=f"即将到期：{task.title}",
                             link=f"/tasks/{task.id}")
        task.reminded_at = at
        reminded += 1
    late = db.session.scalars(select(HumanTask).where(
        HumanTask.status == "ready", HumanTask.overdue_notified_at.is_(None), HumanTask.due_at <= at)).all()
    for task in late:
        notifications.notify(_recipients(task), kind="task.overdue", title=f"已逾期：{task.title}",
                             link=f"/tasks/{task.id}")
        task.overdue_notified_at = at
        audit.record("task.overdue", "instance", task.instance_id, task_id=task.id, bpmn_id=task.bpmn_id,
                     due_at=task.due_at.isoformat() if task.due_at else None)
        overdue += 1
    return {"reminded": reminded, "overdue": overdue}


def tick(at: datetime | None = None) -> dict[str, int]:
    """One scheduler round: timers, deadline notices of tasks, then the flows' own scans."""
    at = at or clock.now()
    counts: dict[str, int] = {"fired": fire_due(at), **send_deadline_notices(at)}
    for scan in plugins.scanners():
        result = scan(at)
        if isinstance(result, dict):
            counts.update(result)
        else:
            counts[scan.__name__] = int(result)
    return counts
