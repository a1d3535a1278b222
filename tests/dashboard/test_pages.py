"""数据库 pages: the dashboards with their JSON and exports, the comparison and the printable report,
the dashboard API beside them, the warnings; and who may open which."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from app.core import clock
from tests.conftest import bearer
from tests.support.assessment import NOW, Env, pages_env, web


@pytest.fixture
def env(app, client, world, monkeypatch) -> Env:
    return pages_env(app, client, world, monkeypatch)


def test_dashboards_their_data_exports_and_access(app, env) -> None:
    moe, buaa, stu = web(app, "moe1"), web(app, "buaa"), web(app, "stu")
    national = moe.get("/dashboard").get_data(as_text=True)
    assert 'data-dataset="pilots_by_province"' in national and 'data-dataset="warnings"' in national
    assert "GeoJSON" in national
    data = moe.get("/dashboard/data/pilots_by_province.json").get_json()
    assert {r["province"] for r in data["rows"]} == {"北京", "浙江"} and data["chart"]["type"] == "bar"
    csv = moe.get("/dashboard/data/pilots_by_province.csv")
    assert csv.status_code == 200 and csv.data.startswith("\ufeff省份".encode())
    xlsx = moe.get("/dashboard/data/review_times.xlsx")
    assert load_workbook(io.BytesIO(xlsx.data)).active["A1"].value == "月份"

    own = buaa.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="scope-name">北京航空航天大学<' in own and 'data-dataset="pilots_by_province"' not in own
    assert buaa.get(f"/dashboard/universities/{env.world.uni.id}").status_code == 200
    assert buaa.get(f"/dashboard/universities/{env.world.other_uni.id}").status_code == 404
    assert buaa.get(f"/dashboard/data/score_radar.json?university_id={env.world.other_uni.id}").status_code == 404
    assert buaa.get("/dashboard/data/pilots_by_province.json").status_code == 404
    pair = f"u={env.world.uni.id}&u={env.world.other_uni.id}"
    assert buaa.get(f"/dashboard/data/comparison.json?{pair}").status_code == 404
    assert buaa.get("/dashboard/compare").status_code == 403
    assert stu.get("/dashboard").status_code == 403
    assert buaa.get(f"/dashboard/data/warnings.json?university_id={env.world.uni.id}").get_json()["key"] == "warnings"
    assert moe.get(f"/dashboard/universities/{env.world.other_uni.id}").status_code == 200
    assert moe.get("/dashboard/data/nope.json").status_code == 404

    report = buaa.get(f"/dashboard/universities/{env.world.uni.id}/report").get_data(as_text=True)
    assert 'data-testid="report"' in report and "打印 / 另存为 PDF" in report and "dashboard.css" in report
    assert buaa.get(f"/dashboard/universities/{env.world.other_uni.id}/report").status_code == 404

    one = moe.get(f"/dashboard/compare?u={env.world.uni.id}")
    assert one.status_code == 422 and "请选择 2–10 所高校" in one.get_data(as_text=True)
    both = moe.get(f"/dashboard/compare?u={env.world.uni.id}&u={env.world.other_uni.id}").get_data(as_text=True)
    assert 'data-dataset="comparison"' in both
    card = both.split('data-dataset="comparison"')[1].split("</section>")[0]
    assert re.findall(r"<li>([^<]*)</li>", card.split('data-role="notes"')[1]) == ["所选高校尚无考核评分结果。"]


def test_dashboard_api_matches_the_pages_and_refuses_other_universities(client, env) -> None:
    h = env.h
    listed = client.get("/api/v1/dashboard", headers=h["moe1"]).get_json()
    assert listed["scope"]["name"] == "全国" and "pilots_by_province" in [d["key"] for d in listed["datasets"]]
    own = client.get("/api/v1/dashboard", headers=h["buaa"]).get_json()
    assert own["scope"]["university_id"] == env.world.uni.id and "pilots_by_province" not in [
        d["key"] for d in own["datasets"]]
    assert client.get(f"/api/v1/dashboard/score_trend?university_id={env.world.other_uni.id}",
                      headers=h["buaa"]).status_code == 404
    assert client.get("/api/v1/dashboard/score_trend?university_id=abc", headers=h["buaa"]).status_code == 422
    export = client.get("/api/v1/dashboard/post_activity/export?format=xlsx", headers=h["buaa"])
    assert export.status_code == 200 and export.mimetype.endswith("spreadsheetml.sheet")
    assert client.get("/api/v1/dashboard/post_activity/export?format=pdf",
                      headers=h["buaa"]).get_json()["error"]["fields"]["format"] == ["格式须为 csv 或 xlsx"]
    assert client.get("/api/v1/comparison?university_ids=1", headers=h["moe1"]).status_code == 422
    pair = f"{env.world.uni.id},{env.world.other_uni.id}"
    compared = client.get(f"/api/v1/comparison?university_ids={pair}", headers=h["moe1"])
    assert compared.status_code == 200 and compared.get_json()["by_dimension"]["key"] == "comparison"
    assert client.get(f"/api/v1/comparison?university_ids={pair}", headers=h["buaa"]).status_code == 404
    assert client.get("/api/v1/dashboard", headers=h["disp"]).status_code == 403


def test_overdue_tasks_are_warnings_that_link_to_where_to_act(app, client, env, monkeypatch) -> None:
    env.open_round()
    mine = env.mine()
    later = NOW.replace(month=12, day=11)
    monkeypatch.setattr(clock, "now", lambda: later)
    env.h.update({who: bearer(client, who) for who in ("buaa", "moe1", "zju")})  # the old tokens expired
    own = client.get("/api/v1/dashboard/warnings", headers=env.h["buaa"]).get_json()["rows"]
    tasks = client.get("/api/v1/tasks?scope=group&process=assessment", headers=env.h["buaa"]).get_json()["items"]
    assert [(w["kind"], w["title"], w["link"]) for w in own] == [
        ("逾期任务", "考核自评：北京航空航天大学（2026年度考核验收）", f"/tasks/{tasks[0]['id']}")]
    assert own[0]["detail"] == "已逾期 0 天" and own[0]["severity"] == "中"
    national = client.get("/api/v1/dashboard/warnings", headers=env.h["moe1"]).get_json()["rows"]
    assert {(w["university"], w["link"]) for w in national} == {
        ("北京航空航天大学", f"/instances/{mine['instance_id']}"),
        ("浙江大学", f"/instances/{env.mine('zju')['instance_id']}")}
