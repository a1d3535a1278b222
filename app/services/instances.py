"""Reading process instances: who may see one, its data, its history, its diagram highlights."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select

from app.engine import runner
from app.errors import NotVisible
from app.extensions import db
from app.models import AuditEvent, HumanTask, ProcessInstance, User
from app.services import processes, tasks

NATIONAL_ROLES = ("process_admin", "moe_reviewer", "operator")


def instance_for(user: User, instance_id: int) -> ProcessInstance:
    """The instance if the user may see it: national roles see every instance; others those they
    started or that hold a task they may see. Otherwise NotVisible (404)."""
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotVisible("流程实例不存在或无权查看")
    if user.has_role(*NATIONAL_ROLES) or instance.started_by == user.id:
        return instance
    has_task = db.session.scalar(select(exists().where(
        HumanTask.instance_id == instance.id, tasks.visible_clause(user))))
    if not has_task:
        raise NotVisible("流程实例不存在或无权查看")
    return instance


def visible_data(instance: ProcessInstance) -> dict[str, Any]:
    """Instance data for display: keys starting with `_` are internal and never shown."""
    return {k: v for k, v in (instance.data or {}).items() if not k.startswith("_")}


def history(instance: ProcessInstance) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.subject_type == "instance",
                                 AuditEvent.subject_id == str(instance.id))
        .order_by(AuditEvent.at, AuditEvent.id)))


def highlight(instance: ProcessInstance) -> dict[str, list[str]]:
    return runner.highlight(processes.spec_of(instance.definition), instance.state)


def all_tasks(instance: ProcessInstance) -> list[HumanTask]:
    return list(db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)
                                   .order_by(HumanTask.created_at, HumanTask.id)))
