"""Organisations: the Ministry, the platform operator, universities and their departments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models._base import Model
from app.models._time import TZDateTime, utcnow

ORG_KINDS = ("ministry", "operator", "university", "department")
SCHOOL_TYPES = ("undergraduate", "vocational")
# designated: the 31 pilots named by the Ministry; self_pilot: certified 自主试点; applicant: applying.
PILOT_STATUSES = ("designated", "self_pilot", "applicant")


class Org(Model):
    __tablename__ = "org"
    __table_args__ = (Index("ix_org_kind_parent", "kind", "parent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"), index=True)
    # A department's function inside its university (xuegong, logistics, psych, academic …):
    # flows route by code, not by a name that each university spells differently.
    code: Mapped[str | None] = mapped_column(String(40))
    province: Mapped[str | None] = mapped_column(String(20))
    school_type: Mapped[str | None] = mapped_column(String(20))
    pilot_status: Mapped[str | None] = mapped_column(String(20))
    pilot_batch: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    parent: Mapped[Org | None] = relationship(remote_side=[id])

    def university_id(self) -> int | None:
        """The university this org belongs to (itself for a university)."""
        if self.kind == "university":
            return self.id
        if self.kind == "department":
            return self.parent_id
        return None

    def __repr__(self) -> str:
        return f"<Org {self.id} {self.kind} {self.name}>"
