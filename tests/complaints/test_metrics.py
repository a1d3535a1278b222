"""三率 on a hand-computed fixture, and hot-topic spikes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.complaints import hot_topics
from app.complaints import metrics as complaint_metrics
from app.extensions import db
from app.models import Notification, User
from tests.support.complaints import BJ, T0, add_complaint, hand_computed_fixture, weekly_spike


def test_three_rates_on_a_hand_computed_fixture(app, world) -> None:
    uni, dept, other_dept = world.uni.id, world.logistics.id, world.other_logistics.id
    with app.app_context():
        hand_computed_fixture(world)
        now = T0 + timedelta(days=20)
        m = complaint_metrics.compute(university_id=uni, now=now)
        assert m["total"] == 6
        assert m["dispatched"] == 5              # the upheld send-back is not counted
        assert m["response_rate"] == 0.75        # 3 on time of 4 due-or-answered (c6 not due yet)
        assert m["overdue"] == 1                 # c2
        assert m["resolution_rate"] == round(2 / 3, 4)  # resolved c1, c4 of judged c1, c2, c4
        assert m["satisfaction_rate"] == round(2 / 3, 4)  # satisfied c1, basically c4 of rated c1, c2, c4
        assert m["avg_handling_hours"] == round((10 + 100 + 200 + 30) / 4, 1)
        assert m["by_channel"]["principal_mailbox"]["total"] == 1
        [row] = m["by_department"]
        assert row["department_id"] == dept and row["response_rate"] == 0.75
        dept_only = complaint_metrics.compute(department_id=other_dept, now=now)
        assert dept_only["dispatched"] == 0 and dept_only["response_rate"] is None
        window = complaint_metrics.compute(university_id=uni, start=(T0 + timedelta(days=1)).date(), now=now)
        assert window["total"] == 0


def test_keywords_and_a_weekly_spike_warn_the_dispatchers(app, world) -> None:
    assert "热水器" in hot_topics.keywords("宿舍热水器坏了，我们没有热水")
    assert "我们" not in hot_topics.keywords("宿舍热水器坏了，我们没有热水")
    world.user("disp", "dispatcher")
    now = datetime(2026, 11, 26, 12, 0, tzinfo=BJ)
    with app.app_context():
        weekly_spike(world.uni.id, now)
        topics = {t["word"]: t for t in hot_topics.top(world.uni.id, now)}
        assert topics["热水器"]["weekly"][-1] == 4 and topics["热水器"]["spike"] is True
        assert topics["食堂"]["spike"] is False
        disp = db.session.scalar(select(User).where(User.username == "disp"))

        def warned_words() -> list[str]:
            titles = db.session.scalars(select(Notification.title).where(Notification.user_id == disp.id))
            return sorted(t.split("“")[1].split("”")[0] for t in titles)

        assert hot_topics.scan_spikes(now) >= 1
        first = warned_words()
        assert "热水器" in first and "食堂" not in first
        for _ in range(4):
            add_complaint(world.uni.id, title="空调漏水", created=now + timedelta(minutes=10))
        db.session.commit()
        assert hot_topics.scan_spikes(now + timedelta(minutes=20)) == 0  # the hour's scan is done
        # the next hour's scan warns of the new topic only: each topic once a week
        assert hot_topics.scan_spikes(now + timedelta(hours=1)) >= 1
        assert sorted(set(warned_words()) - set(first)) == ["漏水", "空调"] and warned_words().count("热水器") == 1
