"""接诉即办 (SPEC §5): complaints, their assignments to departments, replies and 回访 follow-ups.

The filing student is stored here and never in workflow data or the audit log, so that an anonymous
ticket cannot leak to a department through an instance view or a history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models._base import Model
from app.models._time import TZDateTime, utcnow

CHANNELS = ("principal_mailbox", "psych_hotline", "logistics_hotline", "general")
COMPLAINT_STATUSES = ("triage", "assigned", "answered", "closed")
# How a closed complaint ended (the 三率 count these).
RESOLUTIONS = ("resolved", "unresolved", "unrated", "out_of_scope", "merged")
SATISFACTION = ("satisfied", "basically_satisfied", "unsatisfied")
# Complaints whose keywords are not yet in the hot-topic index (app/models/complaint_keyword.py). The
# psychological-hotline tickets are never indexed and stay out of it.
KEYWORDS_PENDING = text("keywords_indexed_at IS NULL AND channel != 'psych_hotline'")


class Complaint(Model):
    __tablename__ = "complaint"
    __table_args__ = (
        Index("ix_complaint_university_status", "university_id", "status"),
        Index("ix_complaint_university_created", "university_id", "created_at"),
        Index("ix_complaint_keywords_pending", "created_at", "id", postgresql_where=KEYWORDS_PENDING,
              sqlite_where=KEYWORDS_PENDING),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    university_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))  # hotline staff
    caller_name: Mapped[str | None] = mapped_column(String(50))  # a registered call without an account
    channel: Mapped[str] = mapped_column(String(30))
    category: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    attachments: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="triage")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"), index=True)
    answer_due: Mapped[datetime | None] = mapped_column(TZDateTime)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"))
    reopen_count: Mapped[int] = mapped_column(default=0)
    satisfaction: Mapped[str | None] = mapped_column(String(30))
    rating_comment: Mapped[str | None] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(String(20))
    close_reason: Mapped[str | None] = mapped_column(Text)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    rated_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    # Set by the hot-topic indexing (services.hot_topics.index_pending), never when a complaint is filed.
    keywords_indexed_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    @property
    def confidential(self) -> bool:
        return self.channel == "psych_hotline"


class ComplaintAssignment(Model):
    """One dispatch of a complaint to a department: the unit the 响应率 is measured on."""

    __tablename__ = "complaint_assignment"
    __table_args__ = (Index("ix_complaint_assignment_department", "department_id", "assigned_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    # The complaint's, which never change: copied here so that the live part of the figures (open
    # dispatches past their deadline, complaint_metrics) reads one index and no complaint row (issue #8).
    university_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    channel: Mapped[str] = mapped_column(String(30))
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    assigned_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(TZDateTime)
    extensions: Mapped[int] = mapped_column(default=0)
    answered_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    # answered | sent_back | sent_back_upheld (misrouted: does not count against the department)
    outcome: Mapped[str | None] = mapped_column(String(30))
    escalated_at: Mapped[datetime | None] = mapped_column(TZDateTime)


class ComplaintReply(Model):
    __tablename__ = "complaint_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("complaint_assignment.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class ComplaintFollowUp(Model):
    """回访: a dispatcher's call-back on a sample of closed complaints."""

    __tablename__ = "complaint_follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    dispatcher_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reached: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
