"""Ready user tasks, projected out of the engine state so that inboxes are plain indexed SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models._base import Model
from app.models._time import TZDateTime, utcnow
from app.models.process_instance import ProcessInstance

TASK_STATUSES = ("ready", "completed", "cancelled")


class HumanTask(Model):
    __tablename__ = "human_task"
    __table_args__ = (
        Index("ix_human_task_group_inbox", "status", "role", "org_id", "due_at"),
        Index("ix_human_task_assignee_inbox", "assignee_id", "status", "due_at"),
        Index("ix_human_task_completed_by", "completed_by", "completed_at"),
        # scope=all is a UNION ALL of assigned / completed / group parts (tasks._all_visible): one index
        # per part holding what it filters on and the inbox order (due_at, id), so that PostgreSQL counts
        # and orders a dispatcher's 20,000 visible tasks from the indexes alone (bench, issue #8).
        Index("ix_human_task_assignee_all", "assignee_id", "due_at", "id"),
        Index("ix_human_task_completed_all", "completed_by", "due_at", "id", postgresql_include=["assignee_id"]),
        Index("ix_human_task_role_org_all", "role", "org_id", "due_at", "id",
              postgresql_include=["assignee_id", "completed_by"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    engine_task_id: Mapped[str] = mapped_column(String(36), unique=True)
    bpmn_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    process_key: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(40))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    form_key: Mapped[str | None] = mapped_column(String(100))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The process named the assignee (the BPMN `assignee`, e.g. the student who rates the answer to their
    # complaint), as opposed to a person claiming a group task: such a task cannot be unclaimed, for it
    # has no group to go back to.
    assigned_by_process: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(20), default="ready")
    due_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # What the person submitted (the form's declared fields only).
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Set once a due-soon reminder / overdue notice went out, so each is sent once.
    reminded_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    instance: Mapped[ProcessInstance] = relationship()
