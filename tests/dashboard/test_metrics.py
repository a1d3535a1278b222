"""Each dashboard figure on a fixture whose answer is computed by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.assessment import indicators
from app.core import accounts, clock
from app.dashboard import catalogue as dashboard
from app.dashboard.datasets import Dataset
from app.extensions import db
from app.models import (
    Assessment,
    AssessmentRound,
    Complaint,
    ComplaintAssignment,
    InfoReport,
    Org,
    PilotApplication,
    Post,
    PostRevision,
    ReportPeriod,
    User,
)

BJ = clock.SHANGHAI
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=BJ)


@pytest.fixture
def env(app, world, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    world.user("moe1", "moe_reviewer")
    world.user("buaa", "university_admin")
    return world


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def _build(key: str, viewer: str = "moe1", university_id: int | None = None, **kw: object) -> Dataset:
    scope = dashboard.scope_for(_user(viewer), university_id, **kw)  # type: ignore[arg-type]
    return dashboard.build(scope, key)


def test_pilots_by_province_batch_and_status(app, env) -> None:
    with app.app_context():
        accounts.create_org(name="中山大学", kind="university", province="广东", school_type="undergraduate",
                            pilot_status="self_pilot", pilot_batch=2026)
        accounts.create_org(name="北京交通大学", kind="university", province="北京", school_type="undergraduate",
                            pilot_status="self_pilot", pilot_batch=2026)
        accounts.create_org(name="申报中学院", kind="university", province="广东", pilot_status="applicant")
        province = _build("pilots_by_province")
        assert province.rows == [
            {"province": "北京", "designated": 1, "self_pilot": 1, "total": 2},
            {"province": "广东", "designated": 0, "self_pilot": 1, "total": 1},
            {"province": "浙江", "designated": 1, "self_pilot": 0, "total": 1}]
        assert province.chart["series"][0]["data"] == [1, 0, 1] and "GeoJSON" in province.notes[0]
        batch = _build("pilots_by_batch")
        assert [(r["batch"], r["status"], r["count"]) for r in batch.rows] == [
            ("2019 年", "教育部认定试点", 2), ("2026 年", "自主试点", 2)]
        status = _build("pilots_by_status")
        assert [(r["status"], r["count"]) for r in status.rows] == [
            ("教育部认定试点", 2), ("自主试点", 2), ("申报审核中", 1)]


def _application(code: str, status: str, submitted: datetime, decided: datetime | None) -> PilotApplication:
    return PilotApplication(tracking_code=code, university_name=f"{code}学院", province="江苏",
                            school_type="vocational", contact_name="张", contact_phone="010-1234567",
                            contact_email="a@b.cn", status=status, window_start=date(2026, 10, 27),
                            window_end=date(2026, 10, 31), submitted_at=submitted, decided_at=decided)


def test_application_pipeline_and_review_times(app, env) -> None:
    with app.app_context():
        t = datetime(2026, 10, 20, 9, 0, tzinfo=BJ)
        db.session.add_all([
            _application("A1", "approved", t, t + timedelta(days=3)),            # 3 days, decided Oct
            _application("A2", "rejected", t, t + timedelta(days=5)),            # 5 days, decided Oct
            _application("A3", "account_opened", t, t + timedelta(days=10)),     # 10 days, decided Oct
            _application("A4", "submitted", t + timedelta(days=20), None),       # Nov, waiting
        ])
        db.session.commit()
        pipeline = _build("application_pipeline")
        assert {r["status"]: r["count"] for r in pipeline.rows} == {
            "待审核": 1, "已退回": 0, "已认定（待开通）": 1, "未认定": 1, "已开通账号": 1}
        times = {r["month"]: r for r in _build("review_times").rows}
        assert times["2026-10"] == {"month": "2026-10", "submitted": 3, "decided": 3, "avg_days": 6.0,
                                    "median_days": 5.0, "max_days": 10.0}
        assert times["2026-11"]["submitted"] == 1 and times["2026-11"]["avg_days"] is None
        assert list(times)[-1] == "2026-11" and len(times) == 12


def test_post_activity_counts_per_month_and_per_university(app, env) -> None:
    with app.app_context():
        oct_, nov = datetime(2026, 10, 5, tzinfo=BJ), datetime(2026, 11, 3, tzinfo=BJ)
        mine = [Post(university_id=env.uni.id, module="progress", status="published", published_at=oct_),
                Post(university_id=env.uni.id, module="rules", status="in_review")]
        theirs = Post(university_id=env.other_uni.id, module="rules", status="published", published_at=nov)
        db.session.add_all([*mine, theirs])
        db.session.flush()
        db.session.add_all([PostRevision(post_id=mine[0].id, number=1, status="published", submitted_at=oct_),
                            PostRevision(post_id=mine[1].id, number=1, status="in_review", submitted_at=nov),
                            PostRevision(post_id=theirs.id, number=1, status="published", submitted_at=oct_)])
        db.session.commit()
        national = {r["month"]: r for r in _build("post_activity").rows}
        assert (national["2026-10"]["submitted"], national["2026-10"]["published"]) == (2, 1)
        assert (national["2026-11"]["submitted"], national["2026-11"]["published"]) == (1, 1)
        own = {r["month"]: r for r in _build("post_activity", "buaa").rows}
        assert (own["2026-10"]["published"], own["2026-11"]["published"], own["2026-11"]["submitted"]) == (1, 0, 1)
        assert "待审核 1 篇" in _build("post_activity", "buaa").notes[0]


def test_report_completeness(app, env) -> None:
    with app.app_context():
        period = ReportPeriod(code="2026-2027-1", name="2026—2027学年第一学期", starts_on=date(2026, 9, 1),
                              ends_on=date(2027, 1, 20), due_designated=date(2026, 11, 10),
                              due_self_pilot=date(2026, 12, 27))
        db.session.add(period)
        db.session.flush()
        from app.pilot import info_reports
        from app.workflow import forms

        names = list(forms.load(info_reports.FORM_KEY)["properties"])
        half = {n: 1 for n in names[: len(names) // 2]}
        db.session.add(InfoReport(period_id=period.id, university_id=env.uni.id, status="accepted", data=half,
                                  revision=1))
        db.session.commit()
        [row] = _build("report_completeness").rows
        assert (row["pilots"], row["accepted"], row["missing"], row["completeness"]) == (2, 1, 1, 50.0)
        assert row["fields_filled"] == round(100 * (len(names) // 2) / len(names), 1)
        [own] = _build("report_completeness", "buaa").rows
        assert own["status"] == "已通过" and own["due"] == date(2026, 11, 10)
        warnings = _build("warnings").rows
        assert [(w["kind"], w["link"]) for w in warnings if w["kind"] == "信息表未报送"] == [
            ("信息表未报送", f"/reports/periods/{period.id}/missing")]
        assert "浙江大学" in warnings[0]["detail"]
        assert not [w for w in _build("warnings", "buaa").rows if w["kind"] == "信息表未报送"]


def _round(name: str, due: date) -> AssessmentRound:
    framework = indicators.current()
    round_ = AssessmentRound(name=name, framework_id=framework.id, self_due=due)
    db.session.add(round_)
    db.session.flush()
    return round_


def _scored(round_: AssessmentRound, org_id: int, dims: list[float]) -> Assessment:
    assessment = Assessment(round_id=round_.id, university_id=org_id, status="passed", result="pass",
                            total_score=round(sum(dims) / 6, 1), decided_at=NOW,
                            dimension_scores={str(i + 1): v for i, v in enumerate(dims)})
    db.session.add(assessment)
    db.session.flush()
    return assessment


def test_scores_radar_trend_forecast_and_falling_score_warning(app, env) -> None:
    with app.app_context():
        indicators.load_all()
        third = accounts.create_org(name="清华大学", kind="university", province="北京", pilot_status="designated",
                                    pilot_batch=2019)
        r1, r2, r3 = _round("第一轮", date(2024, 12, 1)), _round("第二轮", date(2025, 12, 1)), _round("第三轮",
                                                                                                  date(2026, 6, 1))
        _scored(r1, env.uni.id, [60, 60, 60, 60, 60, 60])   # total 60
        _scored(r2, env.uni.id, [64, 64, 64, 64, 64, 64])   # 64
        latest = _scored(r3, env.uni.id, [80, 80, 80, 50, 80, 56])  # 71; dimension 4 fell 14
        _scored(r3, env.other_uni.id, [90, 90, 90, 90, 90, 90])
        _scored(r3, third.id, [70, 70, 70, 70, 70, 70])
        db.session.commit()

        radar = _build("score_radar", "buaa")
        first = radar.rows[0]
        assert first == {"dimension": "党建引领", "university": 80.0, "national_avg": 80.0, "province_avg": None}
        assert radar.rows[3]["national_avg"] == 70.0  # (50 + 90 + 70) / 3
        assert "少于 3 所" in radar.notes[-1]  # two scored in 北京: the average would reveal 清华's score
        assert _build("score_radar", "moe1", env.uni.id).rows[0]["province_avg"] == 75.0  # (80 + 70) / 2
        national = _build("score_radar")
        assert national.rows[0] == {"dimension": "党建引领", "national_avg": 80.0, "max": 90.0, "min": 70.0}

        trend = _build("score_trend", "buaa")
        assert [(r["round"], r["total"]) for r in trend.rows] == [("第一轮", 60.0), ("第二轮", 64.0), ("第三轮", 71.0),
                                                                  ("下一期（预测）", 76.0)]
        # x = 0,1,2; y = 60,64,71: ȳ = 65, Sxy = (−1)(−5)+(1)(6) = 11, Sxx = 2 → b = 5.5, a = 59.5, ŷ(3) = 76.0.
        # Residuals 0.5, −1, 0.5 → s = √1.5; √(1 + 1/3 + 2²/2) = √(10/3); s·√(10/3) = √5;
        # half width = t(0.975, 1) × √5 = 12.706 × 2.2361 = 28.41 → [47.6, 104.4], clipped to 100.
        forecast_row = trend.rows[-1]
        assert (forecast_row["lower"], forecast_row["upper"]) == (47.6, 100.0)
        assert trend.chart["forecast"]["value"] == 76.0 and any("截取" in n for n in trend.notes)

        warnings = [w for w in _build("warnings", "buaa").rows if w["kind"] == "得分下降"]
        assert [(w["link"], w["severity"]) for w in warnings] == [(f"/assessments/{latest.id}", "中")]
        assert "党建引领" not in warnings[0]["detail"] and "文化建设" in warnings[0]["detail"]


def test_complaint_rates_by_department_university_and_channel_and_the_spike_warning(app, env) -> None:
    with app.app_context():
        created = NOW - timedelta(days=2)

        def complaint(channel: str, resolution: str, satisfaction: str | None, answered_after: float) -> None:
            c = Complaint(university_id=env.uni.id, channel=channel, category="dormitory", title="宿舍漏水",
                          content="宿舍漏水，请尽快处理。", created_at=created, resolution=resolution,
                          satisfaction=satisfaction, status="closed", closed_at=created + timedelta(hours=100))
            db.session.add(c)
            db.session.flush()
            db.session.add(ComplaintAssignment(complaint_id=c.id, department_id=env.logistics.id, assigned_at=created,
                                               university_id=c.university_id, channel=c.channel,
                                               due_at=created + timedelta(hours=72), outcome="answered",
                                               answered_at=created + timedelta(hours=answered_after)))

        complaint("general", "resolved", "satisfied", 5)                  # on time, 满意
        complaint("principal_mailbox", "unresolved", "unsatisfied", 80)   # late, 不满意
        complaint("general", "unrated", None, 1)                          # on time, not rated
        db.session.commit()
        [dept] = _build("complaint_departments", "buaa").rows
        assert dept == {"name": "后勤保障处", "dispatched": 3, "response_rate": 66.7, "resolution_rate": 50.0,
                        "satisfaction_rate": 50.0, "avg_handling_hours": 100.0, "overdue": 1}
        [uni] = _build("complaint_departments").rows
        assert (uni["name"], uni["response_rate"], uni["overdue"]) == ("北京航空航天大学", 66.7, 1)
        channels = {r["channel"]: r for r in _build("complaint_channels", "buaa").rows}
        assert channels["综合反映"] == {"channel": "综合反映", "total": 2, "response_rate": 100.0,
                                      "resolution_rate": 100.0, "satisfaction_rate": 100.0,
                                      "avg_handling_hours": 100.0}
        assert (channels["校长信箱"]["response_rate"], channels["校长信箱"]["satisfaction_rate"]) == (0.0, 0.0)
        spikes = [w for w in _build("warnings", "buaa").rows if w["kind"] == "诉求激增"]
        assert spikes[0]["title"] == "本周诉求 3 件，明显高于前四周平均"
        assert spikes[0]["link"] == f"/complaints/metrics?org_id={env.uni.id}"
        assert not [w for w in _build("warnings", "buaa", None).rows if w["university"] == "浙江大学"]
        other = db.session.get(Org, env.other_uni.id)
        assert other is not None and not [w for w in _build("warnings", "moe1", other.id).rows
                                          if w["kind"] == "诉求激增"]
