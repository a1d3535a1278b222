"""信息表 (SPEC §6): each pilot reports per period (semester); every submission is kept as a revision."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models._base import Model
from app.models._time import TZDateTime, utcnow

REPORT_STATUSES = ("draft", "submitted", "accepted", "returned")


class ReportPeriod(Model):
    __tablename__ = "report_period"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # e.g. 2026-2027-1
    name: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # Deadlines per cohort (the notice: designated pilots by 6 Dec, first self-pilots by 27 Dec).
    due_designated: Mapped[date] = mapped_column(Date)
    due_self_pilot: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class InfoReport(Model):
    __tablename__ = "info_report"
    __table_args__ = (UniqueConstraint("period_id", "university_id", name="uq_info_report_period_university"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("report_period.id"), index=True)
    university_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    revision: Mapped[int] = mapped_column(default=0)  # number of submissions so far
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    return_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    period: Mapped[ReportPeriod] = relationship()


class InfoReportRevision(Model):
    """What was submitted each time: the history of a report within its period."""

    __tablename__ = "info_report_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("info_report.id"), index=True)
    number: Mapped[int] = mapped_column()
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(20))  # accepted | returned, once checked
    outcome_comment: Mapped[str | None] = mapped_column(Text)


class DeadlineNotice(Model):
    """Reminders and escalations already sent for a deadline, so each goes out once."""

    __tablename__ = "deadline_notice"
    __table_args__ = (UniqueConstraint("subject", "org_id", "kind", name="uq_deadline_notice_subject_org_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(60))  # e.g. report_period:3
    org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    kind: Mapped[str] = mapped_column(String(20))  # reminder | overdue | summary
    sent_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
