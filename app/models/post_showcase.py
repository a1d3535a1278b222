"""成果展示 (SPEC §4): an operator nominates a published post as 优质成果 or 典型经验; a second review
(the `post_showcase` process) admits it to the column or declines it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models._base import Model
from app.models._time import TZDateTime, utcnow

SHOWCASE_KINDS = {"quality_result": "优质成果", "typical_experience": "典型经验"}
SHOWCASE_STATUSES = ("nominated", "admitted", "declined", "withdrawn")


class ShowcaseEntry(Model):
    __tablename__ = "showcase_entry"
    __table_args__ = (Index("ix_showcase_entry_status_admitted", "status", "admitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="nominated")
    reason: Mapped[str] = mapped_column(Text, default="")
    nominated_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    nominated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    decision_comment: Mapped[str | None] = mapped_column(Text)
    admitted_at: Mapped[datetime | None] = mapped_column(TZDateTime)
