"""Hot topics: keyword trends over complaint titles and content (jieba segmentation, a stop-word list),
per university and nationally, with an early warning when a topic's weekly count jumps. Confidential
(psychological-hotline) tickets are not counted.

The keyword index (issue #8): segmenting eight weeks of a nation's complaints took seconds a view, so
each complaint is segmented once, after it is filed, into `complaint_keyword` (app/models/
complaint_keyword.py): the hourly spike scan first indexes the complaints filed since its last run
(`index_pending`, bounded batches; `flask --app wsgi hot-topics index` does all of them, e.g. after the
first deployment or a bulk load). Filing a complaint does no extra work. The counts are a GROUP BY over
that index plus the live segmentation of the complaints not indexed yet, read in one statement (one
snapshot: a scan committing meanwhile neither drops nor doubles a complaint), so they are at every
moment those of segmenting every text. A complaint's title, content, channel, university and filing
time never change once filed, and complaints are never deleted (a merged one still counts, as it always
has; its rows would go with it through the foreign key), so a complaint is indexed once for good.
The dispatcher's similar-complaints hint (complaints.similar) reads the keywords of the complaints it
compares from the same index, the same way (`keywords_of`).

Topics with equal counts are listed in the order they are first mentioned: by complaint (in filing
order, its id), then by place in the text."""

from __future__ import annotations

import itertools
import logging
import typing
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import jieba
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    Text,
    case,
    cast,
    delete,
    func,
    insert,
    literal_column,
    null,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.schema import Table

from app.config import ROOT
from app.core import audit, clock, notifications
from app.core.unit_of_work import use_case
from app.extensions import db
from app.models import ComplaintKeyword, DeadlineNotice
from app.models._time import TZDateTime
from app.models.complaint import KEYWORDS_PENDING, Complaint
from app.models.complaint_keyword import KEYWORD_MAX

jieba.setLogLevel(logging.WARNING)
log = logging.getLogger(__name__)
WEEKS = 8
BASELINE_WEEKS = 4
MIN_SPIKE = 3       # a topic needs at least this many complaints in a week to be a spike
SPIKE_FACTOR = 2.0  # … and at least this multiple of its average over the previous weeks
INDEX_BATCH = 200   # complaints segmented and written per transaction
SCAN_BATCHES = 50   # batches the hourly scan indexes at most (10,000 complaints; the rest is left to the next)
# A keyword's order of first mention as one number: complaint id × POSITION_SPAN + its place in the text
# (a text of 5,100 characters has fewer than 2,600 keywords).
POSITION_SPAN = 1 << 20

COMPLAINT = typing.cast(Table, Complaint.__table__)
KEYWORD = typing.cast(Table, ComplaintKeyword.__table__)
# Counts: keyword → complaints per week, oldest week first.
Counts = dict[str, list[int]]


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    lines = (ROOT / "data" / "stopwords_zh.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def keywords(text: str) -> list[str]:
    """Distinct meaningful words of a text: two or more characters, not a stop word, not a number."""
    seen: dict[str, None] = {}
    for word in jieba.lcut(text or ""):
        word = word.strip()
        if len(word) >= 2 and word not in stopwords() and not word.isdigit() and any(
                "\u4e00" <= ch <= "\u9fff" or ch.isalpha() for ch in word):
            seen[word] = None
    return list(seen)


def _complaint_keywords(title: str, content: str) -> list[str]:
    return keywords(f"{title} {content}")


def _week_start(moment: datetime) -> datetime:
    local = clock.as_utc(moment).astimezone(clock.SHANGHAI)
    monday = local - timedelta(days=local.weekday())
    return monday.replace(hour=0, minute=0, second=0, microsecond=0)


def _period(at: datetime, weeks: int) -> list[datetime]:
    return [_week_start(at) - timedelta(weeks=i) for i in reversed(range(weeks))]


# ---------------------------------------------------------------------------------------------- indexing

def index_pending(*, batch: int | None = None, max_batches: int | None = None) -> int:
    """Segment the complaints not yet in the keyword index and write their rows, `batch` complaints a
    transaction (default INDEX_BATCH; at most `max_batches` of them, None: until none is left). Returns
    how many complaints were indexed.

    Safe with two schedulers (or a scheduler and the command) at once: a complaint is claimed by setting
    its `keywords_indexed_at` in the transaction that writes its rows, and only if it is still unset and
    its row not locked (`FOR NO KEY UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer at a time):
    one of them indexes it, the other skips it; the primary key (complaint, position) refuses a second
    copy in any case. The texts are segmented before the claim, so a complaint row is locked only while
    its batch is written; a row some step holds is skipped and left to the next run."""
    batch = batch or INDEX_BATCH
    indexed = 0
    after: tuple[datetime, int] | None = None
    for _ in itertools.count() if max_batches is None else range(max_batches):
        query = (select(COMPLAINT.c.id, COMPLAINT.c.university_id, COMPLAINT.c.created_at, COMPLAINT.c.title,
                        COMPLAINT.c.content).where(KEYWORDS_PENDING)
                 .order_by(COMPLAINT.c.created_at, COMPLAINT.c.id).limit(batch))
        if after is not None:
            query = query.where(tuple_(COMPLAINT.c.created_at, COMPLAINT.c.id) > after)
        found = db.session.execute(query).all()
        if not found:
            break
        after = (found[-1].created_at, found[-1].id)
        words = {row.id: _complaint_keywords(row.title, row.content) for row in found}
        claimable = (select(COMPLAINT.c.id).where(COMPLAINT.c.id.in_(list(words)), KEYWORDS_PENDING)
                     .with_for_update(skip_locked=True, key_share=True))
        claimed = set(db.session.scalars(
            update(COMPLAINT).where(COMPLAINT.c.id.in_(claimable.scalar_subquery()), KEYWORDS_PENDING)
            .values(keywords_indexed_at=clock.now()).returning(COMPLAINT.c.id)))
        rows = [{"complaint_id": row.id, "position": position,
                 "keyword": word if len(word) <= KEYWORD_MAX else None, "university_id": row.university_id,
                 "week": _week_start(row.created_at).date(), "created_at": row.created_at}
                for row in found if row.id in claimed for position, word in enumerate(words[row.id])]
        if rows:
            db.session.execute(insert(KEYWORD), rows)
        db.session.commit()
        indexed += len(claimed)
    db.session.commit()  # nothing left to write; ends the reading transaction
    return indexed


def pending_count() -> int:
    """Complaints not yet in the keyword index (psychological-hotline tickets never are)."""
    return db.session.scalar(select(func.count()).select_from(COMPLAINT).where(KEYWORDS_PENDING)) or 0


@use_case
def clear_index() -> None:
    """Empty the keyword index and mark every complaint pending (then `index_pending` rebuilds it: after
    a change of the stop-word list or of jieba's dictionary). Until it is rebuilt the counts segment
    the pending complaints live, so they stay exact."""
    db.session.execute(update(COMPLAINT).where(COMPLAINT.c.keywords_indexed_at.is_not(None))
                       .values(keywords_indexed_at=None))
    db.session.execute(delete(KEYWORD))


# ---------------------------------------------------------------------------------------------- reading

def keywords_of(where: ColumnElement[bool]) -> dict[int, list[str]]:
    """Complaint id → its keywords (those of `keywords(title content)`, in that order) of every complaint
    matching `where`, in one statement (one snapshot): read from the index, segmenting live only the
    complaints not indexed (not yet, or psychological-hotline tickets, which never are) and those with a
    keyword too long for the index, as the counts do; so the same as segmenting every text."""
    indexed = COMPLAINT.c.keywords_indexed_at.is_not(None)
    joined = COMPLAINT.outerjoin(KEYWORD, (KEYWORD.c.complaint_id == COMPLAINT.c.id) & indexed)
    live = ~indexed | (KEYWORD.c.position.is_not(None) & KEYWORD.c.keyword.is_(None))
    rows = db.session.execute(
        select(COMPLAINT.c.id, KEYWORD.c.keyword, case((live, 1), else_=0).label("live"),
               case((live, COMPLAINT.c.title)).label("title"), case((live, COMPLAINT.c.content)).label("content"))
        .select_from(joined).where(where).order_by(COMPLAINT.c.id, KEYWORD.c.position))
    found: dict[int, list[str]] = {}
    texts: dict[int, tuple[str, str]] = {}
    for row in rows:
        words = found.setdefault(row.id, [])
        if row.live:
            texts[row.id] = (row.title, row.content)
        elif row.keyword is not None:
            words.append(row.keyword)
    for complaint_id, (title, content) in texts.items():
        found[complaint_id] = _complaint_keywords(title, content)
    return found


# ---------------------------------------------------------------------------------------------- counting

def _counts_query(university_id: int | None, starts: list[datetime], at: datetime,
                  by_university: bool) -> Select[Any]:
    """One statement, so one snapshot: the index's counts per (university,) week and keyword, and the
    texts of the complaints of the period still to be segmented: those not indexed yet (mode 1) and
    those with a keyword too long for the index (mode 2: only that keyword is counted from the text)."""
    first, last = starts[0].date(), starts[-1].date()
    order = cast(KEYWORD.c.complaint_id, BigInteger) * POSITION_SPAN + KEYWORD.c.position
    university = KEYWORD.c.university_id if by_university else null().cast(Integer)
    indexed = select(
        university.label("university_id"), KEYWORD.c.week, KEYWORD.c.keyword, func.count().label("n"),
        func.min(order).label("first"), null().cast(TZDateTime).label("created_at"),
        null().cast(Integer).label("complaint_id"), null().cast(String).label("title"),
        null().cast(Text).label("content"), literal_column("0").label("mode"),
    ).where(KEYWORD.c.week >= first, KEYWORD.c.week <= last, KEYWORD.c.created_at <= at,
            KEYWORD.c.keyword.is_not(None))
    if university_id is not None:
        indexed = indexed.where(KEYWORD.c.university_id == university_id)
    indexed = indexed.group_by(*([KEYWORD.c.university_id] if by_university else []), KEYWORD.c.week,
                               KEYWORD.c.keyword)

    def texts(mode: int, condition: Any) -> Select[Any]:
        query = select(COMPLAINT.c.university_id, null().cast(Date), null().cast(String), null().cast(BigInteger),
                       null().cast(BigInteger), COMPLAINT.c.created_at, COMPLAINT.c.id, COMPLAINT.c.title,
                       COMPLAINT.c.content, literal_column(str(mode)),
                       ).where(condition, COMPLAINT.c.created_at >= starts[0], COMPLAINT.c.created_at <= at)
        return query if university_id is None else query.where(COMPLAINT.c.university_id == university_id)

    overlong = select(KEYWORD.c.complaint_id).where(KEYWORD.c.keyword.is_(None), KEYWORD.c.week >= first,
                                                    KEYWORD.c.week <= last)
    return typing.cast(Select[Any], union_all(indexed, texts(1, KEYWORDS_PENDING),
                                              texts(2, COMPLAINT.c.id.in_(overlong))))


def _counted(university_id: int | None, starts: list[datetime], at: datetime, *,
             by_university: bool) -> dict[int | None, Counts]:
    """Counts of the period from `starts[0]` to `at`: per university and for the nation (None) with
    `by_university`, else of the scope asked for (under None). Psychological-hotline tickets stay out:
    their words would reach people who may not read them (they are neither indexed nor pending)."""
    weeks = len(starts)
    found: dict[int | None, dict[str, tuple[list[int], list[int]]]] = defaultdict(dict)

    def add(scope: int | None, word: str, index: int, count: int, first: int) -> None:
        series, mention = found[scope].setdefault(word, ([0] * weeks, [first]))
        series[index] += count
        mention[0] = min(mention[0], first)

    def add_everywhere(university: int, word: str, index: int, count: int, first: int) -> None:
        add(university if by_university else None, word, index, count, first)
        if by_university:
            add(None, word, index, count, first)

    for row in db.session.execute(_counts_query(university_id, starts, at, by_university)):
        if row.mode == 0:
            add_everywhere(row.university_id, row.keyword, (row.week - starts[0].date()).days // 7, row.n,
                           row.first)
            continue
        index = min(weeks - 1, (_week_start(row.created_at) - starts[0]).days // 7)
        for position, word in enumerate(_complaint_keywords(row.title, row.content)):
            if row.mode == 1 or len(word) > KEYWORD_MAX:
                add_everywhere(row.university_id, word, index, 1, row.complaint_id * POSITION_SPAN + position)
    return {scope: {word: series for word, (series, _) in sorted(words.items(), key=lambda item: item[1][1])}
            for scope, words in found.items()}


def weekly_counts(university_id: int | None, at: datetime | None = None,
                  weeks: int = WEEKS) -> tuple[list[datetime], Counts]:
    """(week starts, oldest first; keyword → complaints per week) of the complaints filed from the first
    week's Monday to `at`. None: national."""
    at = at or clock.now()
    starts = _period(at, weeks)
    return starts, _counted(university_id, starts, at, by_university=False).get(None, {})


def _weekly_counts_everywhere(at: datetime) -> dict[int | None, Counts]:
    """weekly_counts of every university and of the nation (None) in one pass."""
    return _counted(None, _period(at, WEEKS), at, by_university=True)


def top(university_id: int | None, at: datetime | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """The most frequent topics of the period with their weekly series and a spike flag."""
    starts, counts = weekly_counts(university_id, at)
    totals = Counter({word: sum(series) for word, series in counts.items()})
    return [{"word": word, "total": total, "weekly": counts[word], "spike": is_spike(counts[word])}
            for word, total in totals.most_common(limit)]


def is_spike(series: list[int]) -> bool:
    current, previous = series[-1], series[-1 - BASELINE_WEEKS:-1]
    baseline = sum(previous) / len(previous) if previous else 0.0
    return current >= MIN_SPIKE and current >= SPIKE_FACTOR * max(baseline, 1.0)


def _index_for_scan() -> None:
    try:
        indexed = index_pending(max_batches=SCAN_BATCHES)
    except Exception:  # the counts stay exact without the index (the rest is segmented live): go on
        db.session.rollback()
        log.exception("indexing complaint keywords failed; the spike scan counts them live")
        return
    if indexed >= SCAN_BATCHES * INDEX_BATCH:
        log.warning("hot-topic keyword index: %s complaints indexed, more are pending (the next scans "
                    "continue; `flask hot-topics index` does all at once)", indexed)


# The transaction-scoped PostgreSQL advisory lock of the hour's warning pass ("hotscan" in ASCII).
_SCAN_LOCK = 0x686F747363616E


def _claim_hour(hour: str) -> bool:
    """This scheduler's turn at the hour's warnings, once per hour. The hour's row has no organisation,
    and a unique constraint lets two rows with a NULL through: with two schedulers both passed the first
    check and both warned the ministry. On PostgreSQL the pass now runs under an advisory lock held to its
    commit: the other scheduler skips the hour, or finds its row. (SQLite runs one scheduler.)"""
    if db.session.get_bind().dialect.name == "postgresql" and not db.session.scalar(
            select(func.pg_try_advisory_xact_lock(_SCAN_LOCK))):
        return False
    if _hour_done(hour):
        return False
    db.session.add(DeadlineNotice(subject=hour, org_id=None, kind="scan"))
    return True


def _hour_done(hour: str) -> bool:
    return bool(db.session.scalar(select(func.count()).where(DeadlineNotice.subject == hour)))


def scan_spikes(at: datetime | None = None) -> int:
    """Warn each university's dispatchers of its spiking topics, and the ministry of national ones;
    each topic once per week. Performance (issue #8): the scheduler ticks every few seconds, so the scan
    runs once an hour (the first tick of the hour): it indexes the complaints filed since the last one
    (`index_pending`), then counts every university and the nation in one pass over the index."""
    at = at or clock.now()
    hour = clock.as_utc(at).strftime("hot_topic_scan:%Y-%m-%dT%H")
    if _hour_done(hour):  # checked again under the lock by _claim_hour; this spares indexing every tick
        return 0
    _index_for_scan()
    if not _claim_hour(hour):
        db.session.rollback()
        return 0
    week = _week_start(at).date().isoformat()
    warned = 0
    everywhere = _weekly_counts_everywhere(at)
    for university_id, counts in sorted(everywhere.items(), key=lambda item: (item[0] is None, item[0] or 0)):
        for word, series in counts.items():
            if not is_spike(series):
                continue
            subject = f"hot_topic:{week}:{word}"[:60]
            if db.session.scalar(select(func.count()).where(DeadlineNotice.subject == subject,
                                                            DeadlineNotice.org_id.is_(None) if university_id is None
                                                            else DeadlineNotice.org_id == university_id)):
                continue
            db.session.add(DeadlineNotice(subject=subject, org_id=university_id, kind="spike"))
            title = f"热点预警：“{word}”本周 {series[-1]} 件，明显高于近期平均"
            role = "moe_reviewer" if university_id is None else "dispatcher"
            notifications.notify_role(role, university_id, kind="hot_topic", title=title, link="/complaints/topics")
            audit.record("hot_topic.spike", "hot_topic", word[:60], org_id=university_id, week=week,
                         count=series[-1])
            warned += 1
    db.session.commit()
    return warned
