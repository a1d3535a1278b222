"""The 提质增效指南 as data (SPEC §6): a framework version → dimensions → 基础/高阶 groups → numbered items.

Loaded from a versioned file under `data/indicators/`; a later edition of the guide is a new
`IndicatorFramework` row, and every assessment round keeps the version it was opened with."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models._base import Model
from app.models._time import TZDateTime, utcnow

INDICATOR_LEVELS = ("basic", "advanced")  # 基础指标 / 高阶指标


class IndicatorFramework(Model):
    __tablename__ = "indicator_framework"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(20), unique=True)  # e.g. v1
    title: Mapped[str] = mapped_column(String(200))
    edition: Mapped[str] = mapped_column(String(50), default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    content_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the file: a changed file is refused
    # Scoring rules travel with the framework: an assessment is scored by the rules of its version.
    scoring: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    loaded_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    dimensions: Mapped[list[IndicatorDimension]] = relationship(order_by="IndicatorDimension.position")


class IndicatorDimension(Model):
    __tablename__ = "indicator_dimension"
    __table_args__ = (UniqueConstraint("framework_id", "code", name="uq_indicator_dimension_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("indicator_framework.id"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    number: Mapped[str] = mapped_column(String(4))  # 一 … 六
    name: Mapped[str] = mapped_column(String(50))
    position: Mapped[int] = mapped_column()

    groups: Mapped[list[IndicatorGroup]] = relationship(order_by="IndicatorGroup.position",
                                                        back_populates="dimension")


class IndicatorGroup(Model):
    __tablename__ = "indicator_group"
    __table_args__ = (UniqueConstraint("framework_id", "code", name="uq_indicator_group_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("indicator_framework.id"), index=True)
    dimension_id: Mapped[int] = mapped_column(ForeignKey("indicator_dimension.id"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    number: Mapped[str] = mapped_column(String(4))  # (一) …
    name: Mapped[str] = mapped_column(String(100))
    name_note: Mapped[str | None] = mapped_column(String(200))  # where the guide gives no name
    level: Mapped[str] = mapped_column(String(10))
    connotation: Mapped[str] = mapped_column(Text, default="")  # 指标内涵
    position: Mapped[int] = mapped_column()

    dimension: Mapped[IndicatorDimension] = relationship(back_populates="groups")
    items: Mapped[list[IndicatorItem]] = relationship(order_by="IndicatorItem.position", back_populates="group")


class IndicatorItem(Model):
    __tablename__ = "indicator_item"
    __table_args__ = (UniqueConstraint("framework_id", "code", name="uq_indicator_item_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("indicator_framework.id"), index=True)
    dimension_id: Mapped[int] = mapped_column(ForeignKey("indicator_dimension.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("indicator_group.id"), index=True)
    code: Mapped[str] = mapped_column(String(10))  # 维度序号.指标序号, e.g. 2.14
    number: Mapped[int] = mapped_column()
    content: Mapped[str] = mapped_column(Text)  # 指标内容
    focus: Mapped[str] = mapped_column(Text)  # 观测重点
    position: Mapped[int] = mapped_column()  # order within the whole framework

    group: Mapped[IndicatorGroup] = relationship(back_populates="items")
