"""考核验收 (SPEC §6): the ministry opens a round for a set of pilots; each pilot self-assesses every
indicator item of the round's framework version, the ministry scores each item and decides
通过 / 限期整改 / 不通过. Each submission and each decision is kept as a snapshot."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models._base import Model
from app.models._time import TZDateTime, utcnow
from app.models.indicator import IndicatorFramework

# self_assessing → reviewing → passed | failed | rectifying (→ reviewing again, a bounded number of times)
ASSESSMENT_STATUSES = ("self_assessing", "reviewing", "rectifying", "passed", "failed", "cancelled")
ASSESSMENT_RESULTS = ("pass", "rectify", "fail")  # 通过 / 限期整改 / 不通过
SELF_RATINGS = ("met", "partly", "not_met")  # 达标 / 部分达标 / 未达标


class AssessmentRound(Model):
    __tablename__ = "assessment_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("indicator_framework.id"))
    self_due: Mapped[date] = mapped_column(Date)  # 自评截止日期
    review_days: Mapped[int] = mapped_column(default=15)  # working days for the ministry's review
    note: Mapped[str] = mapped_column(Text, default="")
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    opened_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    framework: Mapped[IndicatorFramework] = relationship()


class Assessment(Model):
    __tablename__ = "assessment"
    __table_args__ = (UniqueConstraint("round_id", "university_id", name="uq_assessment_round_university"),
                      Index("ix_assessment_university_status", "university_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment_round.id"), index=True)
    university_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    status: Mapped[str] = mapped_column(String(20), default="self_assessing")
    submissions: Mapped[int] = mapped_column(default=0)
    rectifications: Mapped[int] = mapped_column(default=0)  # how many times 限期整改 was ordered
    rectify_due: Mapped[date | None] = mapped_column(Date)
    result: Mapped[str | None] = mapped_column(String(10))  # the latest decision
    opinion: Mapped[str | None] = mapped_column(Text)  # the reviewer's overall opinion
    total_score: Mapped[float | None] = mapped_column(Float)
    dimension_scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {dimension code: score}
    submitted_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    round: Mapped[AssessmentRound] = relationship()


class AssessmentItem(Model):
    """One indicator item of one assessment: the university's self-assessment and the reviewer's score."""

    __tablename__ = "assessment_item"
    __table_args__ = (UniqueConstraint("assessment_id", "item_id", name="uq_assessment_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("indicator_item.id"))
    rating: Mapped[str | None] = mapped_column(String(10))
    statement: Mapped[str] = mapped_column(Text, default="")
    evidence_file_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    post_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # the university's 育人号 posts
    score: Mapped[int | None] = mapped_column()
    review_comment: Mapped[str] = mapped_column(Text, default="")
    needs_fix: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class AssessmentSnapshot(Model):
    """What was submitted (kind `self`) or decided (kind `review`) each time: the assessment's history."""

    __tablename__ = "assessment_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    number: Mapped[int] = mapped_column()
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
