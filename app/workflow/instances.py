"""Reading process instances: who may see one, its data, its history, its diagram highlights."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select

from app.core import roles
from app.engine import runner
from app.errors import NotVisible
from app.extensions import db
from app.models import AuditEvent, HumanTask, ProcessInstance, User, UserRole
from app.workflow import plugins, processes, tasks

NATIONAL_ROLES = roles.NATIONAL
# Instance data whose name starts with this is never shown (e.g. who filed an anonymous complaint).
PRIVATE_PREFIX = "private_"


def instance_for(user: User, instance_id: int) -> ProcessInstance:
    """The instance if the user may see it. A process with a case rule decides alone; otherwise
    national roles see every instance, others those they started or that hold a task they may see.
    Otherwise NotVisible (404)."""
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotVisible("流程实例不存在或无权查看")
    rule = plugins.case_rule(instance.process_key)
    if rule is not None:  # the case decides alone: not even a process_admin reads a psych-hotline ticket
        if rule(user, instance):
            return instance
        raise NotVisible("流程实例不存在或无权查看")
    if user.has_role(*NATIONAL_ROLES) or instance.started_by == user.id:
        return instance
    has_task = db.session.scalar(select(exists().where(
        HumanTask.instance_id == instance.id, tasks.visible_clause(user))))
    if not has_task:
        raise NotVisible("流程实例不存在或无权查看")
    return instance


def visible_data(instance: ProcessInstance) -> dict[str, Any]:
    """Instance data for display: internal (`_…`) and private (`private_…`) keys are never shown."""
    return {k: v for k, v in (instance.data or {}).items() if not k.startswith(("_", PRIVATE_PREFIX))}


def history(instance: ProcessInstance) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.subject_type == "instance",
                                 AuditEvent.subject_id == str(instance.id))
        .order_by(AuditEvent.at, AuditEvent.id)))


def highlight(instance: ProcessInstance) -> dict[str, list[str]]:
    # A step just run on this very object left its highlights (workflows._apply); they are valid while
    # the row is still at that version (re-read after the commit), else the stored state is read.
    step: tuple[int, dict[str, list[str]] | None] | None = getattr(instance, "_step_highlight", None)
    if step is not None and step[1] is not None and step[0] == instance.row_version:
        return step[1]
    return runner.highlight(processes.spec_of_instance(instance), instance.state)


def all_tasks(instance: ProcessInstance) -> list[HumanTask]:
    return list(db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)
                                   .order_by(HumanTask.created_at, HumanTask.id)))


def _names_students(viewer: User) -> bool:
    return viewer.has_role("process_admin", "dispatcher")


def hidden_people(viewer: User, user_ids: Any) -> set[int]:
    """Of these accounts in an instance's tasks and history, the ones this viewer may not identify:
    a student is named only to that student, dispatchers and process_admins (an anonymous complaint
    must not reveal its student to a department through the history). Pages show them as "学生"."""
    wanted = {i for i in user_ids if i is not None} - {viewer.id}
    if not wanted or _names_students(viewer):
        return set()
    return set(db.session.scalars(select(UserRole.user_id).where(UserRole.user_id.in_(wanted),
                                                                  UserRole.role == "student")))


def usernames(viewer: User | None, user_ids: Any) -> dict[int, str | None]:
    """Usernames of these accounts by id, in one query; None for those `viewer` may not identify (the
    rule of hidden_people; no viewer: all named); accounts that do not exist are left out."""
    wanted = {i for i in user_ids if i}
    if not wanted:
        return {}
    if viewer is None or _names_students(viewer):
        rows = db.session.execute(select(User.id, User.username).where(User.id.in_(wanted)))
        return {uid: name for uid, name in rows}
    student = exists().where(UserRole.user_id == User.id, UserRole.role == "student")
    marked = db.session.execute(select(User.id, User.username, student).where(User.id.in_(wanted)))
    return {uid: None if is_student and uid != viewer.id else name for uid, name, is_student in marked}


def stuck(limit: int = 200) -> list[ProcessInstance]:
    """Running instances with nothing to do and nothing to wait for: no ready task, no pending timer.
    ENGINE-NOTES: a runaway loop or a bad model leaves instances like this; they need a person."""
    from app.models import Timer

    waiting_task = exists().where(HumanTask.instance_id == ProcessInstance.id, HumanTask.status == "ready")
    waiting_timer = exists().where(Timer.instance_id == ProcessInstance.id, Timer.status == "pending")
    return list(db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.status == "running", ~waiting_task, ~waiting_timer)
        .order_by(ProcessInstance.id).limit(limit)))


def failed(limit: int = 200) -> list[ProcessInstance]:
    """Instances stopped on an error (a failing service, a condition that could not be evaluated)."""
    return list(db.session.scalars(select(ProcessInstance).where(ProcessInstance.status == "error")
                                   .order_by(ProcessInstance.id).limit(limit)))


def unreachable_tasks(limit: int = 200) -> list[HumanTask]:
    """Ready tasks nobody can see, claim or complete: no assignee and no organisation, for a role that is
    only ever claimed inside an organisation (e.g. a student's rating emptied by an unclaim, or a process
    that named a person or an organisation that does not exist). A national role's task with no
    organisation is not one of them: every holder of the role may claim it."""
    return list(db.session.scalars(select(HumanTask).where(
        HumanTask.status == "ready", HumanTask.assignee_id.is_(None), HumanTask.org_id.is_(None),
        HumanTask.role.in_(sorted(roles.ORG_SCOPED_ROLES))).order_by(HumanTask.id).limit(limit)))
