"""Deployed BPMN processes. A key has numbered versions; the content hash decides whether a deploy
is a new version (changed file) or the existing one (unchanged file)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models._base import Model
from app.models._time import TZDateTime, utcnow


class ProcessDefinition(Model):
    __tablename__ = "process_definition"
    __table_args__ = (
        UniqueConstraint("key", "version", name="uq_process_definition_key_version"),
        UniqueConstraint("key", "content_hash", name="uq_process_definition_key_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    # Deferred: a step or a filing needs the version's id, not its (tens of KB of) XML, which the parsed
    # spec cache already holds; the viewer and a cache miss load it on access.
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    deployed_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    deployed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
