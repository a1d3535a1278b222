"""Hot topics: keyword trends over complaint titles and content (jieba segmentation, a stop-word list),
per university and nationally, with an early warning when a topic's weekly count jumps. Confidential
(psychological-hotline) tickets are not counted."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import jieba
from sqlalchemy import func, select

from app.config import ROOT
from app.extensions import db
from app.models import DeadlineNotice
from app.models.complaint import Complaint
from app.services import audit, clock, notifications

jieba.setLogLevel(logging.WARNING)
WEEKS = 8
BASELINE_WEEKS = 4
MIN_SPIKE = 3       # a topic needs at least this many complaints in a week to be a spike
SPIKE_FACTOR = 2.0  # … and at least this multiple of its average over the previous weeks


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


def _week_start(moment: datetime) -> datetime:
    local = clock.as_utc(moment).astimezone(clock.SHANGHAI)
    monday = local - timedelta(days=local.weekday())
    return monday.replace(hour=0, minute=0, second=0, microsecond=0)


def _period(at: datetime, weeks: int) -> list[datetime]:
    return [_week_start(at) - timedelta(weeks=i) for i in reversed(range(weeks))]


def _keywords_by_week(university_id: int | None, starts: list[datetime],
                      at: datetime) -> Iterator[tuple[int, int, list[str]]]:
    """(university, week index into `starts`, keywords) of each complaint filed from starts[0] to `at`."""
    # Psychological-hotline tickets stay out: their words would reach people who may not read them.
    query = select(Complaint.university_id, Complaint.title, Complaint.content, Complaint.created_at).where(
        Complaint.created_at >= starts[0], Complaint.created_at <= at, Complaint.channel != "psych_hotline")
    if university_id is not None:
        query = query.where(Complaint.university_id == university_id)
    for university, title, content, created in db.session.execute(query):
        index = min(len(starts) - 1, (_week_start(created) - starts[0]).days // 7)
        yield university, index, keywords(f"{title} {content}")


def weekly_counts(university_id: int | None, at: datetime | None = None,
                  weeks: int = WEEKS) -> tuple[list[datetime], dict[str, list[int]]]:
    """(week starts, oldest first; keyword → complaints per week). None: national."""
    at = at or clock.now()
    starts = _period(at, weeks)
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * weeks)
    for _, index, words in _keywords_by_week(university_id, starts, at):
        for word in words:
            counts[word][index] += 1
    return starts, dict(counts)


def _weekly_counts_everywhere(at: datetime) -> dict[int | None, dict[str, list[int]]]:
    """weekly_counts of every university and of the nation (None) in one pass: each text segmented once."""
    counts: dict[int | None, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0] * WEEKS))
    for university_id, index, words in _keywords_by_week(None, _period(at, WEEKS), at):
        for word in words:
            counts[university_id][word][index] += 1
            counts[None][word][index] += 1
    return counts


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


def scan_spikes(at: datetime | None = None) -> int:
    """Warn each university's dispatchers of its spiking topics, and the ministry of national ones;
    each topic once per week. Performance (issue #8): the scheduler ticks every few seconds, and segmenting
    8 weeks of a nation's complaints takes seconds, so the scan runs once an hour (the first tick of the
    hour) and reads every text once for all universities and the nation."""
    at = at or clock.now()
    hour = clock.as_utc(at).strftime("hot_topic_scan:%Y-%m-%dT%H")
    if db.session.scalar(select(func.count()).where(DeadlineNotice.subject == hour)):
        return 0
    db.session.add(DeadlineNotice(subject=hour, org_id=None, kind="scan"))
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
