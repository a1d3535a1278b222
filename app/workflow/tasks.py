"""Task inboxes and what a person does with a task: see, claim, unclaim, comment, complete.

Who may see a task: its assignee; holders of its role in its organisation (for national roles with no
organisation on the task, every holder of the role); whoever completed it; a process_admin. Anyone
else gets NotVisible (404), never a hint that the task exists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnExpressionArgument, CursorResult, Select, and_, func, or_, select, union_all, update
from sqlalchemy.orm import joinedload, selectinload

from app.core import audit, clock, deadlines, paging, roles
from app.core.unit_of_work import use_case
from app.errors import Conflict, DomainError, Forbidden, NotVisible, ValidationFailed
from app.extensions import db
from app.models import HumanTask, ProcessInstance, TaskComment, User
from app.workflow import form_checks, forms
from app.workflow import steps as workflows

SCOPES = ("mine", "group", "completed", "all")


def _group_clause(user: User) -> Any:
    """Ready, unclaimed tasks the user may claim: their role, in their organisation."""
    held = user.roles
    org_scoped = [r for r in held if r in roles.ORG_SCOPED_ROLES]
    national = [r for r in held if r not in roles.ORG_SCOPED_ROLES]
    clauses = []
    if org_scoped:
        clauses.append(and_(HumanTask.role.in_(org_scoped), HumanTask.org_id == user.org_id))
    if national:
        clauses.append(and_(HumanTask.role.in_(national),
                            or_(HumanTask.org_id.is_(None), HumanTask.org_id == user.org_id)))
    return or_(*clauses) if clauses else False


# Processes whose cases are private to their university (instances.CASE_RULES decides who sees one):
# their tasks are not in a process_admin's view of all tasks.
PRIVATE_CASE_PROCESSES = ("complaint",)


def _visible_parts(user: User) -> list[Any]:
    """The tasks a user other than a process_admin may see, as the conditions whose union they are:
    assigned to them, completed by them, their group's."""
    # A student's task (e.g. rating the answer to their complaint) is theirs alone, not their group's.
    group = and_(_group_clause(user), or_(HumanTask.assignee_id.is_(None), HumanTask.role != "student"))
    not_assigned, not_completed = (HumanTask.assignee_id.is_distinct_from(user.id),
                                   HumanTask.completed_by.is_distinct_from(user.id))
    # Disjoint, so that their union needs no de-duplication (see _all_visible).
    return [HumanTask.assignee_id == user.id, and_(HumanTask.completed_by == user.id, not_assigned),
            and_(group, not_assigned, not_completed)]


def visible_clause(user: User) -> Any:
    if user.has_role("process_admin"):
        return or_(HumanTask.process_key.not_in(PRIVATE_CASE_PROCESSES), HumanTask.assignee_id == user.id,
                   HumanTask.completed_by == user.id)
    return or_(*_visible_parts(user))


@dataclass
class InboxQuery:
    scope: str = "mine"
    process: str | None = None
    instance: int | None = None
    due_before: datetime | None = None
    overdue: bool = False
    limit: int = 50
    offset: int = 0


def _inbox_select(user: User, q: InboxQuery) -> Select[Any]:
    query = select(HumanTask)
    if q.scope == "mine":
        query = query.where(HumanTask.assignee_id == user.id, HumanTask.status == "ready")
    elif q.scope == "group":
        query = query.where(HumanTask.status == "ready", HumanTask.assignee_id.is_(None),
                            _group_clause(user))
    elif q.scope == "completed":
        query = query.where(HumanTask.completed_by == user.id)
    else:  # all: everything the user may see (a process_admin's; others' go through _all_visible)
        query = query.where(visible_clause(user))
    return query.where(*_filters(q))


def _filters(q: InboxQuery) -> list[Any]:
    filters = []
    if q.process:
        filters.append(HumanTask.process_key == q.process)
    if q.instance is not None:
        filters.append(HumanTask.instance_id == q.instance)
    if q.due_before is not None:
        filters.append(HumanTask.due_at <= q.due_before)
    if q.overdue:
        filters.append(and_(HumanTask.status == "ready", HumanTask.due_at < clock.now()))
    return filters


def _soonest_first(due_at: Any, task_id: Any) -> list[ColumnExpressionArgument[Any]]:
    """The inbox order: soonest deadline first, tasks without a deadline after those with one."""
    return [due_at.asc().nulls_last(), task_id]


def _all_visible(user: User, q: InboxQuery) -> tuple[list[HumanTask], int]:
    """scope=all for anyone but a process_admin. Performance (issue #8): one OR over assignee, completer
    and group made PostgreSQL read every visible row from the table to count and sort them (a
    university's dispatcher at national scale: 20,000 rows, 150–350 ms). As a UNION ALL of one SELECT
    per disjoint part, each answered from an index that holds what the part filters on and (due_at, id)
    (ix_human_task_*_all), counting and ordering read only those indexes; the table is read for the
    page's rows alone."""
    visible = union_all(*[select(HumanTask.id, HumanTask.due_at).where(part, *_filters(q))
                          for part in _visible_parts(user)]).subquery()
    total = db.session.scalar(select(func.count()).select_from(visible)) or 0
    page = (select(visible).order_by(*_soonest_first(visible.c.due_at, visible.c.id))
            .limit(q.limit).offset(q.offset).subquery())
    items = db.session.scalars(
        select(HumanTask).join(page, page.c.id == HumanTask.id)
        .order_by(*_soonest_first(page.c.due_at, page.c.id))
        .options(selectinload(HumanTask.instance).defer(ProcessInstance.state))).all()
    return list(items), total


def inbox(user: User, q: InboxQuery) -> tuple[list[HumanTask], int]:
    if q.scope not in SCOPES:
        raise ValidationFailed("参数有误", {"scope": [f"须为 {', '.join(SCOPES)} 之一"]})
    if q.scope == "all" and not user.has_role("process_admin"):
        return _all_visible(user, q)
    query = _inbox_select(user, q)
    total = paging.count(query)
    order: list[ColumnExpressionArgument[Any]]
    if q.scope == "completed":
        order = [HumanTask.completed_at.desc(), HumanTask.id.desc()]
    else:
        order = _soonest_first(HumanTask.due_at, HumanTask.id)
    # Performance: each item's form context reads its instance; load the page's instances in one query
    # and without their engine state (not needed to list tasks) instead of one full row per task.
    page = query.order_by(*order).limit(q.limit).offset(q.offset).options(
        selectinload(HumanTask.instance).defer(ProcessInstance.state))
    items = db.session.scalars(page).all()
    return list(items), total


def task_for(user: User, task_id: int) -> HumanTask:
    # With its instance in the same query: every caller reads it (the form context, the step's state).
    task = db.session.scalar(select(HumanTask).where(HumanTask.id == task_id, visible_clause(user))
                             .options(joinedload(HumanTask.instance)))
    if task is None:
        raise NotVisible("任务不存在或无权查看")
    return task


def may_unclaim(user: User, task: HumanTask) -> bool:
    """A claimed task goes back to its group by its assignee, or by a process_admin. A task the process
    assigned to one person has no group to go back to: it is never unclaimed."""
    if task.assigned_by_process:
        return False
    return task.assignee_id == user.id or user.has_role("process_admin")


def may_act(user: User, task: HumanTask) -> bool:
    if task.assignee_id is not None:
        return task.assignee_id == user.id
    if not user.has_role(task.role):
        return False
    if task.role in roles.ORG_SCOPED_ROLES:
        return task.org_id is not None and task.org_id == user.org_id
    return task.org_id is None or task.org_id == user.org_id


@use_case
def claim(user: User, task_id: int) -> HumanTask:
    task = task_for(user, task_id)
    if task.status != "ready":
        raise Conflict("该任务已办理或已取消")
    if task.assignee_id == user.id:
        return task
    if task.assignee_id is not None:
        raise Conflict("该任务已由他人认领")
    if not may_act(user, task):
        raise Forbidden("您不能办理该任务")
    # Conditional update: of two people claiming at once, exactly one gets the task.
    won = cast(CursorResult[Any], db.session.execute(  # an UPDATE's result is a CursorResult
        update(HumanTask).where(HumanTask.id == task.id, HumanTask.status == "ready",
                                HumanTask.assignee_id.is_(None))
        .values(assignee_id=user.id).execution_options(synchronize_session=False))).rowcount
    if won != 1:
        raise Conflict("该任务已由他人认领")
    db.session.refresh(task)
    audit.record("task.claimed", "instance", task.instance_id, actor_id=user.id, task_id=task.id)
    return task


@use_case
def unclaim(user: User, task_id: int) -> HumanTask:
    task = task_for(user, task_id)
    if task.status != "ready":
        raise Conflict("该任务已办理或已取消")
    if task.assigned_by_process:
        raise Conflict("该任务由流程指定本人办理，不能退回认领")
    if not may_unclaim(user, task):
        raise Forbidden("只能退回自己认领的任务")
    task.assignee_id = None
    audit.record("task.unclaimed", "instance", task.instance_id, actor_id=user.id, task_id=task.id)
    return task


def form_context(task: HumanTask) -> dict[str, Any]:
    """What choices in a task's form are computed from (e.g. the departments of the university).
    The university comes from the instance row, never from (client-supplied) instance data."""
    data = task.instance.data or {}
    return {**data, "university_id": task.instance.org_id, "task_org_id": task.org_id}


@use_case
def complete(user: User, task_id: int, data: Any, *, from_html: bool = False,
             files: dict[str, Any] | None = None) -> HumanTask:
    """Complete with form data (a JSON object, or a page's MultiDict with `from_html`; `files` are the
    ids `forms.files_from_request` stored for this post). The checks here are the cheap early refusal,
    with a clear message, on the row just loaded; `steps.complete` then wins or loses the race in one
    conditional UPDATE (see `_mark_completed`)."""
    task = task_for(user, task_id)
    if task.status != "ready":
        raise Conflict("该任务已办理或已取消")
    if task.assignee_id is not None and task.assignee_id != user.id:
        raise Conflict("该任务已由他人认领")
    if not may_act(user, task):
        raise Forbidden("您不能办理该任务")
    if not isinstance(data, dict) and not from_html:
        raise ValidationFailed("data 必须是对象", {"data": ["必须是对象"]})
    cleaned = forms.validate(task.form_key, data, form_context(task), from_html=from_html, files=files,
                             actor_id=user.id, actor_org_id=user.org_id) if task.form_key else {}
    form_checks.run(task, cleaned)
    workflows.complete(task, cleaned, actor=user)
    return task


@dataclass
class BulkOutcome:
    task_id: int
    ok: bool
    status: int = 200
    message: str = ""


def complete_many(user: User, task_ids: list[int], data: dict[str, Any]) -> list[BulkOutcome]:
    """One decision for several tasks (a reviewer's batch). Each task is its own transaction: one
    failure (already done by someone else, invalid for that form) does not undo the others."""
    outcomes = []
    for task_id in dict.fromkeys(task_ids):
        try:
            complete(user, task_id, dict(data))
        except DomainError as exc:  # that task's unit of work rolled back alone
            outcomes.append(BulkOutcome(task_id, False, exc.status, exc.message))
        else:
            outcomes.append(BulkOutcome(task_id, True))
    return outcomes


@use_case
def add_comment(user: User, task_id: int, body: str) -> TaskComment:
    task = task_for(user, task_id)
    body = (body or "").strip()
    if not body:
        raise ValidationFailed("评论不能为空", {"body": ["评论不能为空"]})
    if len(body) > 2000:
        raise ValidationFailed("评论过长", {"body": ["评论不能超过 2000 字"]})
    comment = TaskComment(instance_id=task.instance_id, task_id=task.id, author_id=user.id, body=body)
    db.session.add(comment)
    audit.record("task.commented", "instance", task.instance_id, actor_id=user.id, task_id=task.id)
    return comment


def comments(task: HumanTask) -> list[TaskComment]:
    return list(db.session.scalars(select(TaskComment).where(TaskComment.instance_id == task.instance_id)
                                   .order_by(TaskComment.created_at, TaskComment.id)))


def is_overdue(task: HumanTask, now: datetime | None = None) -> bool:
    return (task.status == "ready" and task.due_at is not None
            and clock.as_utc(task.due_at) < (now or clock.now()))


def deadline_flags(task: HumanTask, now: datetime) -> tuple[bool, bool]:
    """(overdue, due soon) of a task, as its lists and pages mark it."""
    overdue = is_overdue(task, now)
    return overdue, not overdue and task.status == "ready" and deadlines.due_soon(task.due_at, now)
