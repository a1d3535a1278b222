"""育人号 completion deadlines per cohort (the 2021 notice: designated pilots by 6 Dec, the first
self-pilots by 27 Dec). A university is done when every required module has a published post."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models._base import Model
from app.models._time import TZDateTime, utcnow

DEFAULT_REQUIRED_MODULES = ["overview", "progress", "experience", "rules"]


class PostDeadline(Model):
    __tablename__ = "post_deadline"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    due_designated: Mapped[date] = mapped_column(Date)
    due_self_pilot: Mapped[date] = mapped_column(Date)
    # Self-pilots certified after (due - grace) get `grace_days` from their certification instead.
    grace_days: Mapped[int] = mapped_column(default=21)
    required_modules: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
