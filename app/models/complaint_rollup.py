"""The complaint figures pre-aggregated per day (Beijing calendar day), kept exact in the transaction of
every change by `services.complaint_rollup`; `flask metrics rebuild` recomputes it from the base tables.

Levels of one key (grain, day, university_id, department_id, channel):
- ("d", day, 0, 0, channel): the nation; ("d", day, U, 0, channel): university U;
- ("d", day, U, D, channel): department D of U — the complaints with a counted dispatch to D (complaint
  counters) and D's counted dispatches (dispatch counters);
- ("m", first day of the month, U, 0, ""): university U per month, all channels (the national ranking
  of 3,000 universities reads these, not a row per day and channel).
Complaint counters are keyed by the day the complaint was filed, dispatch counters by the day it was
assigned (the figures' periods: SPEC §5, complaint_metrics' docstring)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models._base import Model
from app.models.complaint import ComplaintAssignment

COUNTERS = ("total", "judged", "resolved", "rated", "happy", "handled", "seconds", "counted", "answered",
            "on_time")


class ComplaintRollup(Model):
    __tablename__ = "complaint_rollup"
    __table_args__ = (
        Index("ix_complaint_rollup_grain_day", "grain", "day", "department_id"),
        # The national ranking sums every university's month rows: read from this index alone on
        # PostgreSQL, not from rows scattered through a table of a million day rows (issue #8).
        Index("ix_complaint_rollup_months", "day", "university_id", postgresql_include=list(COUNTERS),
              postgresql_where=text("grain = 'm'"), sqlite_where=text("grain = 'm'")),
    )

    grain: Mapped[str] = mapped_column(String(1), primary_key=True)  # d: a day, m: a month
    university_id: Mapped[int] = mapped_column(primary_key=True)     # 0: the nation
    department_id: Mapped[int] = mapped_column(primary_key=True)     # 0: the complaint-level row
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(30), primary_key=True)  # "": all (month rows)
    # complaints filed that day (see complaint_metrics.DEFINITIONS)
    total: Mapped[int] = mapped_column(default=0)
    judged: Mapped[int] = mapped_column(default=0)     # closed resolved or unresolved
    resolved: Mapped[int] = mapped_column(default=0)
    rated: Mapped[int] = mapped_column(default=0)
    happy: Mapped[int] = mapped_column(default=0)      # satisfied or basically satisfied
    handled: Mapped[int] = mapped_column(default=0)    # closed after being handled
    seconds: Mapped[int] = mapped_column(BigInteger, default=0)  # their whole seconds filing → closing
    # counted dispatches (not an upheld send-back) assigned that day
    counted: Mapped[int] = mapped_column(default=0)
    answered: Mapped[int] = mapped_column(default=0)
    on_time: Mapped[int] = mapped_column(default=0)    # answered by the deadline


# The live part of the figures: counted dispatches still open past their deadline. Only unanswered rows
# are in the index, ordered by deadline and holding what the figures group by, so that the nation's
# are counted from the index alone (issue #8).
Index("ix_complaint_assignment_open", ComplaintAssignment.due_at,
      postgresql_include=["university_id", "channel", "department_id", "assigned_at", "outcome"],
      postgresql_where=text("answered_at IS NULL"), sqlite_where=text("answered_at IS NULL"))
