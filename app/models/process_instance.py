"""A running (or finished) process. `state` is the engine's serialized workflow, written only by
our own services; `row_version` is the optimistic lock every step checks and bumps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models._base import Model
from app.models._time import TZDateTime, utcnow
from app.models.process_definition import ProcessDefinition

INSTANCE_STATUSES = ("running", "completed", "cancelled", "error")


class ProcessInstance(Model):
    __tablename__ = "process_instance"
    __table_args__ = (Index("ix_process_instance_key_status", "process_key", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    process_version: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="running")
    # The university (or other org) the case belongs to: the first visibility filter.
    org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"), index=True)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    state_format: Mapped[int] = mapped_column(default=1)
    row_version: Mapped[int] = mapped_column(default=1)
    error: Mapped[str | None] = mapped_column(Text)

    definition: Mapped[ProcessDefinition] = relationship()

    # SQLAlchemy adds `WHERE row_version = <loaded>` to every UPDATE and bumps it: a step computed
    # from a stale load fails (StaleDataError → 409) instead of overwriting another's step.
    __mapper_args__ = {"version_id_col": row_version}
