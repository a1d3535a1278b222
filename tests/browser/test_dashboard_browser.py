"""The 驾驶舱 in a real browser: every chart draws its dataset on a canvas (ECharts), the table
view shows the same rows, the university sees its radar and its trend with the forecast, and the page
logs no error (CSP included)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.assessment import indicators
from app.core import clock
from app.extensions import db
from app.models import Assessment, AssessmentRound
from tests.support.browser import login, watch

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1366, "height": 900}


def _scores(app, world) -> None:
    with app.app_context():
        indicators.load_all()
        framework = indicators.current()
        for index, (name, totals) in enumerate([("2024年度考核", (62, 75)), ("2025年度考核", (70, 78)),
                                                ("2026年度考核", (76, 74))]):
            round_ = AssessmentRound(name=name, framework_id=framework.id, self_due=date(2024 + index, 12, 1))
            db.session.add(round_)
            db.session.flush()
            for org, total in zip((world.uni, world.other_uni), totals, strict=True):
                db.session.add(Assessment(round_id=round_.id, university_id=org.id, status="passed", result="pass",
                                          total_score=float(total), decided_at=datetime.now(clock.SHANGHAI),
                                          dimension_scores={str(d): float(total + d - 3) for d in range(1, 7)}))
        db.session.commit()


def _rendered(page) -> dict[str, str]:
    from playwright.sync_api import expect

    cards = page.locator("[data-dataset]")
    expect(page.locator("[data-dataset]:not([data-rendered])")).to_have_count(0)  # no eval: the page's CSP
    total = cards.count()
    return {cards.nth(i).get_attribute("data-dataset"): cards.nth(i).get_attribute("data-rendered")
            for i in range(total)}


def test_national_and_university_dashboards_draw_their_charts(browser, live_server, app, world) -> None:
    world.user("moe1", "moe_reviewer")
    world.user("buaa", "university_admin")
    _scores(app, world)
    context = browser.new_context(locale="zh-CN", viewport=DESKTOP)
    page = context.new_page()
    problems: list[str] = []
    watch(page, problems)
    try:
        login(page, live_server, "moe1")
        page.goto(f"{live_server}/dashboard")
        states = _rendered(page)
        for key in ("pilots_by_province", "pilots_by_batch", "pilots_by_status", "score_radar", "score_trend"):
            assert states[key] == "chart", (key, states)
            assert page.locator(f"[data-dataset={key}] canvas").count() >= 1, key
        assert states["warnings"] == "table" and "error" not in states.values()
        province = page.locator("[data-dataset=pilots_by_province]")
        province.get_by_role("button", name="表格").click()
        table = province.locator("[data-role=table] table")
        table.wait_for()
        assert "北京" in table.inner_text() and province.locator("[data-role=chart]").is_hidden()
        province.get_by_role("button", name="图表").click()
        assert province.locator("[data-role=chart] canvas").first.is_visible()

        page.context.clear_cookies()
        login(page, live_server, "buaa")
        page.goto(f"{live_server}/dashboard")
        states = _rendered(page)
        assert states["score_radar"] == "chart" and states["score_trend"] == "chart"
        assert page.locator("[data-dataset=score_radar] canvas").count() >= 1
        trend = page.locator("[data-dataset=score_trend]")
        trend.get_by_role("button", name="表格").click()
        assert "下一期（预测）" in trend.locator("[data-role=table]").inner_text()
        assert "pilots_by_province" not in states
        page.goto(f"{live_server}/dashboard/universities/{world.uni.id}/report")
        assert page.locator("[data-testid=report] [data-report=score_radar]").is_visible()
        assert problems == []
    finally:
        context.close()
