"""Applications to become a 自主试点 university (SPEC §3), and the review windows they join."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models._base import Model
from app.models._time import TZDateTime, utcnow

APPLICATION_STATUSES = ("submitted", "returned", "approved", "rejected", "account_opened")


class PilotApplication(Model):
    __tablename__ = "pilot_application"
    __table_args__ = (Index("ix_pilot_application_status_window", "status", "window_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(20), unique=True)
    university_name: Mapped[str] = mapped_column(String(200), index=True)
    province: Mapped[str] = mapped_column(String(20))
    school_type: Mapped[str] = mapped_column(String(20))
    contact_name: Mapped[str] = mapped_column(String(50))
    contact_phone: Mapped[str] = mapped_column(String(30))
    contact_email: Mapped[str] = mapped_column(String(200))
    lead_department: Mapped[str | None] = mapped_column(String(100))
    community_students: Mapped[int | None] = mapped_column()
    community_buildings: Mapped[int | None] = mapped_column()
    existing_work: Mapped[str | None] = mapped_column(Text)
    plan_text: Mapped[str | None] = mapped_column(Text)
    plan_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    # The review window this submission joined (dates in Beijing time).
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    submissions: Mapped[int] = mapped_column(default=1)
    decision_comment: Mapped[str | None] = mapped_column(Text)
    university_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    submitted_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class ReviewWindow(Model):
    """An explicit review window set by an administrator; without one, the last 5 days of each month."""

    __tablename__ = "review_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
