"""The hot-topic keyword index: the keywords of each complaint, segmented once (services.hot_topics).

One row per (complaint, keyword) of every complaint that is not a psychological-hotline ticket (their
words never leave the ticket), written in bounded batches by the hourly spike scan or `flask hot-topics
index`, never while a complaint is filed; `complaint.keywords_indexed_at` marks the complaints done.
A row carries what the counts group and filter by (the complaint's university, its Beijing week, when
it was filed), so that "complaints per keyword per week" of a university or of the nation is one
GROUP BY over an index (issue #8: segmenting eight weeks of a nation's complaints took seconds a view).
`position` is the keyword's place among its complaint's keywords: the order topics with equal counts
are listed in (first mention). A keyword longer than KEYWORD_MAX characters (a pasted string of letters)
is stored as NULL and counted by segmenting its complaint again."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models._base import Model
from app.models._time import TZDateTime

KEYWORD_MAX = 64
OVERLONG = text("keyword IS NULL")


class ComplaintKeyword(Model):
    __tablename__ = "complaint_keyword"
    __table_args__ = (
        # The nation's counts (and every university's at once, for the spike scan) per week and keyword,
        # read from the index alone on PostgreSQL.
        Index("ix_complaint_keyword_week", "week", "keyword",
              postgresql_include=["university_id", "created_at", "complaint_id", "position"]),
        # One university's.
        Index("ix_complaint_keyword_university_week", "university_id", "week", "keyword",
              postgresql_include=["created_at", "complaint_id", "position"]),
        Index("ix_complaint_keyword_overlong", "week", "complaint_id", postgresql_where=OVERLONG,
              sqlite_where=OVERLONG),
    )

    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    keyword: Mapped[str | None] = mapped_column(String(KEYWORD_MAX))  # None: longer than KEYWORD_MAX
    university_id: Mapped[int] = mapped_column()  # the complaint's (never changes), as in complaint_rollup
    week: Mapped[date] = mapped_column(Date)  # the Monday (Beijing) of the week the complaint was filed
    created_at: Mapped[datetime] = mapped_column(TZDateTime)  # the complaint's
