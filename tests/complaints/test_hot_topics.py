"""The hot-topic keyword index: counts from the index equal segmenting every text (by hand on a small
fixture, and against the segmentation of every complaint on a generated one), complaints not yet indexed
are counted, psychological-hotline tickets never reach it, the scan and `flask hot-topics index` fill it
in batches once, and two runs at once index each complaint once."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.complaints import hot_topics
from app.core import accounts, clock
from app.extensions import db
from app.models import Complaint, ComplaintKeyword, Notification, User
from tests.support.complaints import Campus

BJ = clock.SHANGHAI
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=BJ)  # a Thursday; the period's weeks start on 10-05 … 11-23
THIS_MONDAY = datetime(2026, 11, 23, tzinfo=BJ)
FIRST_MONDAY = datetime(2026, 10, 5, tzinfo=BJ)
ASK = "请尽快处理。"  # every complaint's content: 尽快 and 处理 count every complaint


def _add(university_id: int, title: str, created: datetime, *, channel: str = "general",
         content: str = ASK) -> int:
    complaint = Complaint(university_id=university_id, channel=channel, category="dormitory", title=title,
                          content=content, created_at=created, status="triage")
    db.session.add(complaint)
    db.session.flush()
    return complaint.id


def _segmented(university_id: int | None, at: datetime) -> dict[str, list[int]]:
    """What the counts were before the index: every text of the period segmented, complaints in filing
    order (their id), keywords in the order of the text."""
    starts = hot_topics._period(at, hot_topics.WEEKS)
    query = select(Complaint).where(Complaint.created_at >= starts[0], Complaint.created_at <= at,
                                    Complaint.channel != "psych_hotline").order_by(Complaint.id)
    if university_id is not None:
        query = query.where(Complaint.university_id == university_id)
    counts: dict[str, list[int]] = {}
    for complaint in db.session.scalars(query):
        index = (hot_topics._week_start(complaint.created_at) - starts[0]).days // 7
        for word in hot_topics.keywords(f"{complaint.title} {complaint.content}"):
            counts.setdefault(word, [0] * hot_topics.WEEKS)[index] += 1
    return counts


def _top(counts: dict[str, list[int]], limit: int = 20) -> list[tuple[str, int]]:
    return Counter({word: sum(series) for word, series in counts.items()}).most_common(limit)


def _rows() -> int:
    return db.session.scalar(select(func.count()).select_from(ComplaintKeyword)) or 0


def _hand_computed_fixture(world: Any) -> None:
    uni, other = world.uni.id, world.other_uni.id
    for minutes in (0, 60, 120):  # this week, the first one at the Monday's first moment
        _add(uni, "空调漏水", THIS_MONDAY + timedelta(minutes=minutes))
    _add(uni, "宿舍空调不制冷", NOW - timedelta(hours=1))
    _add(uni, "空调漏水", THIS_MONDAY - timedelta(days=3))
    _add(uni, "食堂排队时间长", THIS_MONDAY - timedelta(days=5))
    _add(uni, "食堂排队时间长", THIS_MONDAY - timedelta(seconds=1))   # last week's last second
    _add(uni, "食堂饭菜太贵", FIRST_MONDAY)                           # the period's first moment
    _add(uni, "食堂排队时间长", FIRST_MONDAY - timedelta(seconds=1))   # before the period
    _add(uni, "空调漏水", NOW + timedelta(hours=1))                   # after `at`
    _add(uni, "空调漏水", NOW - timedelta(hours=2), channel="psych_hotline")
    _add(other, "图书馆空调漏水", NOW - timedelta(hours=5))
    db.session.commit()


HAND_TOP = [("尽快", 8), ("处理", 8), ("空调", 5), ("漏水", 4), ("食堂", 3), ("排队", 2), ("时间", 2),
            ("宿舍", 1), ("制冷", 1), ("饭菜", 1), ("太贵", 1)]


def _assert_hand_computed(world: Any) -> None:
    starts, counts = hot_topics.weekly_counts(world.uni.id, NOW)
    assert starts[0] == FIRST_MONDAY and starts[-1] == THIS_MONDAY
    assert counts["空调"] == [0, 0, 0, 0, 0, 0, 1, 4]
    assert counts["漏水"] == [0, 0, 0, 0, 0, 0, 1, 3]
    assert counts["食堂"] == [1, 0, 0, 0, 0, 0, 2, 0]
    assert counts["尽快"] == counts["处理"] == [1, 0, 0, 0, 0, 0, 3, 4]
    assert counts["制冷"] == counts["宿舍"] == [0, 0, 0, 0, 0, 0, 0, 1]
    assert "图书馆" not in counts
    # equal totals in the order of first mention: by complaint, then place in its text
    assert [(t["word"], t["total"]) for t in hot_topics.top(world.uni.id, NOW)] == HAND_TOP
    assert hot_topics.top(world.uni.id, NOW)[2] == {"word": "空调", "total": 5, "weekly": [0] * 6 + [1, 4],
                                                    "spike": True}
    _, nation = hot_topics.weekly_counts(None, NOW)
    assert nation["空调"] == [0, 0, 0, 0, 0, 0, 1, 5] and nation["图书馆"] == [0] * 7 + [1]
    assert nation["尽快"] == [1, 0, 0, 0, 0, 0, 3, 5]
    # a moment in the past (last Thursday 00:00): what was filed after it is not counted, and the period
    # starts a week earlier (09-28), with the complaint of 10-04
    _, before = hot_topics.weekly_counts(world.uni.id, THIS_MONDAY - timedelta(days=4))
    assert before["食堂"] == [1, 1, 0, 0, 0, 0, 0, 1] and before["排队"] == [1, 0, 0, 0, 0, 0, 0, 1]
    assert "空调" not in before


def test_counts_from_the_index_equal_the_hand_computed_ones(app, world) -> None:
    with app.app_context():
        _hand_computed_fixture(world)
        _assert_hand_computed(world)  # nothing indexed yet: every text segmented live
        assert hot_topics.index_pending() == 11  # every complaint but the psychological-hotline one
        assert hot_topics.pending_count() == 0
        # 空调漏水 ×5 (4 keywords each), 宿舍空调不制冷, 食堂… ×4 and 图书馆空调漏水 (5 each)
        assert _rows() == 5 * 4 + 6 * 5
        _assert_hand_computed(world)  # now all from the index


def test_complaints_not_yet_indexed_are_still_counted(app, world) -> None:
    with app.app_context():
        _hand_computed_fixture(world)
        hot_topics.index_pending()
        _add(world.uni.id, "宿舍空调不制冷", NOW - timedelta(minutes=5))
        _add(world.uni.id, "校园网太慢", NOW - timedelta(minutes=4))
        db.session.commit()
        assert hot_topics.pending_count() == 2
        _, counts = hot_topics.weekly_counts(world.uni.id, NOW)
        assert counts["空调"][-1] == 5 and counts["宿舍"][-1] == 2 and counts["校园网"][-1] == 1
        assert list(counts.items()) == list(_segmented(world.uni.id, NOW).items())
        assert hot_topics.index_pending() == 2
        assert list(hot_topics.weekly_counts(world.uni.id, NOW)[1].items()) == list(counts.items())


def test_the_index_gives_what_segmenting_every_text_gives_at_any_stage(app, world) -> None:
    """A generated month of complaints of three universities, indexed a batch at a time: at every stage
    the counts (order included) of each university, of the nation and of the one-pass scan are those of
    segmenting every text, at several moments."""
    rng = random.Random(8)
    titles = ["空调漏水", "宿舍热水器坏了", "食堂排队时间长", "图书馆座位不够", "校园网太慢", "快递点太远",
              "食堂饭菜太贵", "宿舍空调不制冷", "热水器损坏", "图书馆空调漏水"]
    contents = [ASK, "已经好几天了。", "宿舍楼一直这样，影响休息。", "希望学校重视食堂问题。", "盼复"]
    with app.app_context():
        third_id = accounts.create_org(name="清华大学", kind="university").id
        universities = [world.uni.id, world.other_uni.id, third_id]
        for _ in range(90):
            created = NOW - timedelta(hours=rng.randint(-20, 24 * 7 * 9))
            _add(rng.choice(universities), rng.choice(titles), created, content=rng.choice(contents),
                 channel=rng.choice(["general", "general", "logistics_hotline", "psych_hotline"]))
        db.session.commit()
        moments = [NOW, NOW - timedelta(days=10, hours=3), THIS_MONDAY]
        for stage in range(5):
            for at in moments:
                for university_id in (*universities, None):
                    expected = _segmented(university_id, at)
                    _, counts = hot_topics.weekly_counts(university_id, at)
                    assert list(counts.items()) == list(expected.items()), (stage, at, university_id)
                    assert [(t["word"], t["total"]) for t in hot_topics.top(university_id, at)] == _top(expected)
                everywhere = hot_topics._weekly_counts_everywhere(at)
                assert {k: list(v.items()) for k, v in everywhere.items()} == {
                    k: list(_segmented(k, at).items()) for k in (*universities, None) if _segmented(k, at)}
            hot_topics.index_pending(batch=7, max_batches=3)
        assert hot_topics.pending_count() == 0


def test_a_keyword_too_long_for_the_index_is_counted_from_its_text(app, world) -> None:
    long_word = "a" * 3000  # one "word" to jieba; a btree index cannot hold it
    with app.app_context():
        cid = _add(world.uni.id, "校园网太慢", NOW - timedelta(hours=1), content=f"{long_word} 请尽快处理")
        _add(world.uni.id, "校园网太慢", NOW - timedelta(hours=2), content=f"{long_word} 盼复")
        db.session.commit()
        assert hot_topics.index_pending() == 2
        rows = db.session.scalars(select(ComplaintKeyword).where(ComplaintKeyword.complaint_id == cid)
                                  .order_by(ComplaintKeyword.position)).all()
        assert [r.keyword for r in rows] == ["校园网", "太慢", None, "尽快", "处理"]
        _, counts = hot_topics.weekly_counts(world.uni.id, NOW)
        assert counts[long_word][-1] == 2 and counts["校园网"][-1] == 2 and counts["尽快"][-1] == 1
        assert list(counts.items()) == list(_segmented(world.uni.id, NOW).items())


def test_psych_tickets_are_never_indexed(app, client, world, monkeypatch) -> None:
    campus = Campus(app, client, world, monkeypatch)
    psych = campus.file(channel="psych_hotline", category="mental_health", title="最近失眠焦虑",
                        content="考试临近，最近一直失眠，情绪很低落。")
    dorm = campus.file()
    with app.app_context():
        # filing writes nothing to the index: the scan does it later
        assert _rows() == 0 and hot_topics.pending_count() == 1
        assert db.session.get(Complaint, dorm).keywords_indexed_at is None
        assert hot_topics.index_pending() == 1
        assert set(db.session.scalars(select(ComplaintKeyword.complaint_id))) == {dorm}
        assert db.session.get(Complaint, psych).keywords_indexed_at is None
        assert hot_topics.pending_count() == 0 and hot_topics.index_pending() == 0
        words = db.session.scalars(select(ComplaintKeyword.keyword)).all()
        assert "热水器" in words and "失眠" not in words and "焦虑" not in words
        _, counts = hot_topics.weekly_counts(world.uni.id)
        assert "热水器" in counts and "失眠" not in counts


def test_the_scan_indexes_in_batches_and_a_second_run_does_nothing(app, world, monkeypatch) -> None:
    monkeypatch.setattr(hot_topics, "INDEX_BATCH", 2)
    monkeypatch.setattr(hot_topics, "SCAN_BATCHES", 2)
    with app.app_context():
        for minutes in range(7):
            _add(world.uni.id, "热水器损坏", NOW - timedelta(hours=3, minutes=minutes))
        db.session.commit()
        assert hot_topics.index_pending(batch=2, max_batches=1) == 2  # one batch of two
        assert hot_topics.pending_count() == 5
        hot_topics.scan_spikes(NOW)  # two batches of two: one complaint is left to the next hour
        assert hot_topics.pending_count() == 1
        assert hot_topics.top(world.uni.id, NOW)[0] == {"word": "热水器", "total": 7, "weekly": [0] * 7 + [7],
                                                        "spike": True}
        hot_topics.scan_spikes(NOW + timedelta(hours=1))
        assert hot_topics.pending_count() == 0 and _rows() == 7 * 4
        assert hot_topics.index_pending() == 0 and _rows() == 7 * 4
        assert hot_topics.weekly_counts(world.uni.id, NOW)[1]["热水器"] == [0] * 7 + [7]


def test_a_run_that_read_a_batch_another_run_indexed_meanwhile_writes_nothing(app, world, monkeypatch) -> None:
    """The claim is conditional: a run that segmented complaints another run has since indexed (and
    committed) skips them instead of adding a second copy."""
    with app.app_context():
        for minutes in range(3):
            _add(world.uni.id, "空调漏水", NOW - timedelta(minutes=minutes))
        db.session.commit()
    original = hot_topics._complaint_keywords
    other: list[int] = []

    def meanwhile(title: str, content: str) -> list[str]:
        if not other:  # the first text this run segments: the other run indexes everything now
            other.append(0)
            with app.app_context():  # another session on another connection
                other[0] = hot_topics.index_pending()
        return original(title, content)

    monkeypatch.setattr(hot_topics, "_complaint_keywords", meanwhile)
    with app.app_context():
        assert hot_topics.index_pending() == 0
        assert other == [3] and _rows() == 3 * 4
        assert hot_topics.weekly_counts(world.uni.id, NOW)[1]["空调"] == [0] * 7 + [3]


def test_flask_hot_topics_index_indexes_everything_pending(app, world) -> None:
    with app.app_context():
        _hand_computed_fixture(world)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["hot-topics", "index", "--batch", "3"])
    assert first.exit_code == 0, first.output
    assert "11 complaint(s) indexed, 0 pending" in first.output
    second = runner.invoke(args=["hot-topics", "index"])
    assert second.exit_code == 0 and "0 complaint(s) indexed, 0 pending" in second.output
    with app.app_context():
        rows = _rows()
        _assert_hand_computed(world)
    rebuilt = runner.invoke(args=["hot-topics", "index", "--rebuild"])
    assert rebuilt.exit_code == 0 and "11 complaint(s) indexed, 0 pending" in rebuilt.output
    with app.app_context():
        assert _rows() == rows
        _assert_hand_computed(world)


def _two_scans_at_once(app) -> tuple[list[int], list[BaseException]]:
    """Two schedulers' hourly scans at NOW, each in its own thread: what each returned, what each raised."""
    results: list[int] = []
    errors: list[BaseException] = []

    def scan() -> None:
        with app.app_context():
            try:
                results.append(hot_topics.scan_spikes(NOW))
            except BaseException as exc:  # noqa: BLE001 - reported by the callers' assertions
                errors.append(exc)

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results, errors


def test_two_scans_at_once_index_each_complaint_once(app, world, monkeypatch) -> None:
    """Two schedulers' hourly scans read the same pending complaints at the same moment (a barrier) and
    race to index them: each complaint is indexed by one of them, and the counts are exact."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: two runs cannot claim at once (the conditional claim "
                    "is tested above); the PostgreSQL run of the suite covers this")
    monkeypatch.setattr(hot_topics, "INDEX_BATCH", 10)
    with app.app_context():
        for i in range(45):
            _add(world.uni.id, ["空调漏水", "食堂排队时间长", "校园网太慢"][i % 3], NOW - timedelta(days=i % 20))
        db.session.commit()
    barrier = threading.Barrier(2, timeout=30)
    original = hot_topics._complaint_keywords
    waited: set[int] = set()

    def together(title: str, content: str) -> list[str]:
        if threading.get_ident() not in waited:  # both have read the same first batch before either claims
            waited.add(threading.get_ident())
            barrier.wait()
        return original(title, content)

    monkeypatch.setattr(hot_topics, "_complaint_keywords", together)
    indexed: list[int] = []
    index_pending = hot_topics.index_pending

    def counted(**kwargs: Any) -> int:
        indexed.append(index_pending(**kwargs))
        return indexed[-1]

    monkeypatch.setattr(hot_topics, "index_pending", counted)
    _, errors = _two_scans_at_once(app)
    assert errors == [] and len(waited) == 2
    print(f"\nindexed by each scan: {indexed}")
    assert len(indexed) == 2 and sum(indexed) == 45
    monkeypatch.setattr(hot_topics, "_complaint_keywords", original)
    with app.app_context():
        assert hot_topics.pending_count() == 0
        per_complaint = dict(db.session.execute(select(ComplaintKeyword.complaint_id, func.count())
                                                .group_by(ComplaintKeyword.complaint_id)).all())
        complaints = db.session.scalars(select(Complaint)).all()
        assert per_complaint == {c.id: len(hot_topics.keywords(f"{c.title} {c.content}")) for c in complaints}
        assert list(hot_topics.weekly_counts(world.uni.id, NOW)[1].items()) == list(
            _segmented(world.uni.id, NOW).items())


def test_two_schedulers_warn_of_a_national_spike_once(app, world, monkeypatch) -> None:
    """Both pass the hour's first check and index before either warns (a barrier): the ministry is warned
    of each spiking topic once, not once per scheduler (the hour's row has no organisation, which a
    unique constraint does not stop twice)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite runs one scheduler; the PostgreSQL run of the suite covers this")
    world.user("moe1", "moe_reviewer")
    with app.app_context():
        for _ in range(4):
            _add(world.uni.id, "热水器损坏", NOW - timedelta(hours=3))
        db.session.commit()
    barrier = threading.Barrier(2, timeout=30)
    index = hot_topics._index_for_scan

    def together() -> None:
        index()
        barrier.wait()

    monkeypatch.setattr(hot_topics, "_index_for_scan", together)
    results, errors = _two_scans_at_once(app)
    assert errors == [] and sorted(results)[0] == 0 and sorted(results)[1] >= 1
    with app.app_context():
        moe = db.session.scalar(select(User).where(User.username == "moe1"))
        titles = db.session.scalars(select(Notification.title).where(Notification.user_id == moe.id)).all()
        assert len(titles) == len(set(titles)) and any("热水器" in t for t in titles)
