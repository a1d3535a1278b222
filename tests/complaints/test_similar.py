"""The dispatcher's similar-complaints hint (complaints.similar) reads the other complaints' keywords from
the hot-topic keyword index: its result is the one of segmenting every text (the algorithm before the
index, kept here as the reference) with nothing, part or all of the candidates indexed, and jieba runs
only for the complaints the index does not hold (not yet indexed, psychological-hotline tickets, a
keyword too long for the index)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import jieba
import pytest
from sqlalchemy import event, select

from app.complaints import cases as complaints
from app.complaints import hot_topics
from app.core import clock
from app.errors import NotVisible
from app.extensions import db
from app.models import Complaint, User

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=clock.SHANGHAI)
LONG = "x" * 80  # one "word" to jieba, longer than the index holds (stored as NULL)
TITLES = ["空调漏水", "宿舍热水器坏了", "宿舍空调不制冷", "热水器损坏", "宿舍楼停电", "洗衣机坏了",
          "宿舍网络太慢", "楼道灯不亮", "宿舍门锁坏了", "12345"]
CONTENTS = ["请尽快处理。", "已经好几天了。", "宿舍楼一直这样，影响休息。", "盼复", "67890",
            f"{LONG} 请尽快处理", f"{LONG} 影响休息"]


def _old_similar(user: User, complaint: Complaint, limit: int = 5) -> list[Complaint]:
    """complaints.similar as it was before the index: every candidate's text segmented on every call."""
    if not (user.has_role("dispatcher") and complaints.can_see(user, complaint)):
        raise NotVisible("诉求不存在或无权查看")
    words = set(hot_topics.keywords(f"{complaint.title} {complaint.content}"))
    candidates = db.session.scalars(select(Complaint).where(
        Complaint.university_id == complaint.university_id, Complaint.category == complaint.category,
        Complaint.id != complaint.id, Complaint.status != "closed").order_by(Complaint.created_at.desc())
        .limit(200)).all()
    scored = []
    for other in candidates:
        overlap = len(words & set(hot_topics.keywords(f"{other.title} {other.content}")))
        if overlap:
            scored.append((overlap, other.id, other))
    return [other for _, _, other in sorted(scored, key=lambda s: (-s[0], -s[1]))[:limit]]


def _add(university_id: int, title: str, content: str, created: datetime, *, channel: str = "general",
         category: str = "dormitory", status: str = "triage") -> int:
    complaint = Complaint(university_id=university_id, channel=channel, category=category, title=title,
                          content=content, created_at=created, status=status)
    db.session.add(complaint)
    db.session.flush()
    return complaint.id


def _ids(found: list[Complaint]) -> list[int]:
    return [c.id for c in found]


@contextmanager
def _counting() -> Iterator[dict[str, int]]:
    """Counts the SQL statements run and the texts jieba segments meanwhile."""
    counts = {"statements": 0, "segmented": 0}
    original = jieba.lcut

    def statement(*_: Any) -> None:
        counts["statements"] += 1

    def lcut(*args: Any, **kwargs: Any) -> Any:
        counts["segmented"] += 1
        return original(*args, **kwargs)

    event.listen(db.engine, "before_cursor_execute", statement)
    jieba.lcut = lcut
    try:
        yield counts
    finally:
        jieba.lcut = original
        event.remove(db.engine, "before_cursor_execute", statement)


def test_the_result_is_the_old_one_with_none_part_or_all_indexed(app, world) -> None:
    """A generated university: more than 200 open dormitory tickets (so the 200 newest are compared, in
    filing-time order, not id order), closed ones, other categories, psychological-hotline tickets,
    another university's, texts with a keyword too long for the index and texts with no keyword."""
    rng = random.Random(8)
    disp = world.user("disp", "dispatcher")
    with app.app_context():
        minutes = rng.sample(range(60 * 24 * 60), 330)
        for i, ago in enumerate(minutes):
            university = world.other_uni.id if i % 11 == 0 else world.uni.id
            _add(university, rng.choice(TITLES), rng.choice(CONTENTS), NOW - timedelta(minutes=ago),
                 channel=rng.choice(["general", "general", "logistics_hotline", "psych_hotline"]),
                 category=rng.choice(["dormitory"] * 6 + ["canteen"]),
                 status=rng.choice(["triage"] * 4 + ["assigned", "closed"]))
        db.session.commit()
        user = db.session.get(User, disp.id)
        assert user is not None
        open_dorm = db.session.scalars(select(Complaint).where(
            Complaint.university_id == world.uni.id, Complaint.category == "dormitory",
            Complaint.status != "closed")).all()
        assert len(open_dorm) > 201  # the limit of 200 candidates decides
        ours = db.session.scalars(select(Complaint).where(Complaint.university_id == world.uni.id)
                                  .order_by(Complaint.id)).all()
        targets = rng.sample(ours, 25)
        assert any(t.confidential for t in targets) and any(t.status == "closed" for t in targets)
        assert any(LONG in t.content for t in targets) and any(t.category == "canteen" for t in targets)
        expected = {(t.id, limit): _ids(_old_similar(user, t, limit)) for t in targets for limit in (5, 400)}
        assert sum(1 for t in targets if expected[(t.id, 400)]) > 20
        # a psychological-hotline ticket is suggested for another one, as before (the dispatcher sees both)
        assert any(db.session.get(Complaint, other).confidential for (_, limit), ids in expected.items()
                   if limit == 400 for other in ids)

        def check(stage: str) -> None:
            for target in targets:
                for limit in (5, 400):
                    found = complaints.similar(user, target, limit)
                    assert _ids(found) == expected[(target.id, limit)], (stage, target.id, limit)
                    assert all(c.university_id == world.uni.id and c.category == target.category
                               and c.status != "closed" and c.id != target.id for c in found)

        check("none indexed")
        assert hot_topics.index_pending(batch=40, max_batches=3) == 120
        newest = db.session.execute(select(Complaint.keywords_indexed_at.is_not(None)).where(
            Complaint.university_id == world.uni.id, Complaint.category == "dormitory",
            Complaint.status != "closed", Complaint.channel != "psych_hotline")
            .order_by(Complaint.created_at.desc()).limit(200)).scalars().all()
        assert 20 < sum(newest) < len(newest) - 20  # candidates of both kinds
        check("part indexed")
        hot_topics.index_pending()
        assert hot_topics.pending_count() == 0
        check("all indexed")


def test_jieba_runs_only_for_the_complaints_the_index_does_not_hold(app, world) -> None:
    disp = world.user("disp", "dispatcher")
    uni = world.uni.id
    with app.app_context():
        target = _add(uni, "宿舍空调漏水", "请尽快处理。", NOW - timedelta(hours=30))
        indexed = [_add(uni, title, "已经好几天了。", NOW - timedelta(hours=20 + i))
                   for i, title in enumerate(["空调漏水", "宿舍热水器坏了", "宿舍空调不制冷", "洗衣机坏了"])]
        blank = _add(uni, "12345", "67890", NOW - timedelta(hours=10))  # indexed, no keyword at all
        overlong = _add(uni, "宿舍漏水", f"{LONG} 盼复", NOW - timedelta(hours=9))
        psych = _add(uni, "宿舍空调太吵睡不着", "最近一直失眠。", NOW - timedelta(hours=8), channel="psych_hotline")
        _add(uni, "宿舍空调漏水", "请尽快处理。", NOW - timedelta(hours=7), status="closed")
        _add(uni, "宿舍空调漏水", "请尽快处理。", NOW - timedelta(hours=6), category="canteen")
        _add(world.other_uni.id, "宿舍空调漏水", "请尽快处理。", NOW - timedelta(hours=5))
        db.session.commit()
        assert hot_topics.index_pending() == 10  # all but the psychological-hotline ticket
        pending = _add(uni, "空调又漏水", "盼复", NOW - timedelta(hours=1))  # filed since the last scan
        db.session.commit()
        user = db.session.get(User, disp.id)
        complaint = db.session.get(Complaint, target)
        assert user is not None and complaint is not None
        old = _ids(_old_similar(user, complaint, 10))
        assert old == [pending, psych, overlong, indexed[2], indexed[0], indexed[1]]
        assert blank not in old
        with _counting() as counts:
            assert _ids(complaints.similar(user, complaint, 10)) == old
        # the psychological-hotline ticket, the one with a keyword too long for the index and the one
        # not indexed yet; the target and every other candidate (the blank one too) come from the index,
        # in one statement, and the suggestions are read in another
        assert counts == {"statements": 2, "segmented": 3}
        with _counting() as counts:
            _old_similar(user, complaint, 10)
        assert counts["segmented"] == 1 + 8  # before: the target and every candidate, on every call

        # a target that is not indexed is segmented too; nothing indexed: every text, as before
        fresh = db.session.get(Complaint, pending)
        assert fresh is not None
        with _counting() as counts:
            found = _ids(complaints.similar(user, fresh, 10))
        assert found == _ids(_old_similar(user, fresh, 10)) and counts == {"statements": 2, "segmented": 3}
        hot_topics.clear_index()
        with _counting() as counts:
            assert _ids(complaints.similar(user, complaint, 10)) == old
        assert counts == {"statements": 2, "segmented": 1 + 8}
        # nothing shared: no second statement
        quiet = _add(uni, "图书馆座位不够", "周末自习没有位置。", NOW)
        db.session.commit()
        lonely = db.session.get(Complaint, quiet)
        assert lonely is not None
        with _counting() as counts:
            assert complaints.similar(user, lonely) == _old_similar(user, lonely) == []
        assert counts["statements"] == 1 + 1  # ours; the old one's candidates


def test_who_may_ask_is_unchanged(app, world) -> None:
    disp = world.user("disp", "dispatcher")
    other = world.user("zdisp", "dispatcher", world.other_uni)
    lead = world.user("lead", "university_admin")
    with app.app_context():
        psych = _add(world.uni.id, "最近失眠焦虑", "考试临近，最近一直失眠。", NOW - timedelta(hours=2),
                     channel="psych_hotline", category="mental_health")
        also = _add(world.uni.id, "失眠焦虑", "盼复", NOW - timedelta(hours=1), category="mental_health")
        db.session.commit()
        hot_topics.index_pending()
        complaint = db.session.get(Complaint, psych)
        assert complaint is not None
        for username in ("zdisp", "lead"):
            user = db.session.scalar(select(User).where(User.username == username))
            assert user is not None
            with pytest.raises(NotVisible):
                complaints.similar(user, complaint)
        dispatcher = db.session.get(User, disp.id)
        assert dispatcher is not None
        assert _ids(complaints.similar(dispatcher, complaint)) == [also]
        # the other university's dispatcher asking about a ticket of theirs never gets ours
        theirs = _add(world.other_uni.id, "失眠焦虑", "盼复", NOW, category="mental_health")
        db.session.commit()
        zdisp = db.session.get(User, other.id)
        mine = db.session.get(Complaint, theirs)
        assert zdisp is not None and mine is not None and lead is not None
        assert complaints.similar(zdisp, mine) == []
