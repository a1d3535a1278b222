"""数据库 pages: the framework tree, 考核验收 in the browser's forms, the dashboards with their JSON and
exports, the comparison and the printable report; and who may open which."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from app.core import clock
from tests.api.assessment_helpers import NOW, Env
from tests.conftest import bearer, csrf_from, login

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def env(app, client, world, monkeypatch):  # noqa: ANN001, ANN201
    monkeypatch.setattr(clock, "now", lambda: NOW)
    world.user("stu", "student")
    return Env(app, client, world)


def web(app, who: str):  # noqa: ANN001, ANN201
    client = app.test_client()
    assert login(client, who).status_code == 302
    return client


def test_the_framework_tree_shows_every_item(app, env) -> None:
    page = web(app, "buaa").get("/indicators?open=1").get_data(as_text=True)
    assert len(re.findall(r'data-item="\d\.\d+"', page)) == 70
    assert 'data-testid="item-count">70<' in page and "指标内涵" in page and "观测重点" in page
    assert "据指标内涵拟定" in page  # the groups the guide leaves unnamed say so
    assert web(app, "stu").get("/indicators?version=v7").status_code == 404


def test_ministry_opens_a_round_and_the_university_self_assesses_in_the_browser(app, env) -> None:
    moe = web(app, "moe1")
    page = moe.get("/assessments").get_data(as_text=True)
    refused = moe.post("/assessments/rounds", data={"csrf_token": csrf_from(page), "name": "", "self_due": "x"})
    assert refused.status_code == 422 and "请填写有效日期" in refused.get_data(as_text=True)
    nul = moe.post("/assessments/rounds", data={"csrf_token": csrf_from(page), "name": "考核\x00", "self_due":
                                                "2026-12-10", "university_ids": [str(env.world.uni.id)]})
    assert nul.status_code == 422 and "控制字符" in nul.get_data(as_text=True)
    opened = moe.post("/assessments/rounds", data={
        "csrf_token": csrf_from(page), "name": "2026年度考核验收", "self_due": "2026-12-10", "review_days": "10",
        "university_ids": [str(env.world.uni.id)]})
    assert opened.status_code == 302
    assert "北京航空航天大学" in moe.get(opened.headers["Location"]).get_data(as_text=True)

    buaa = web(app, "buaa")
    mine = buaa.get("/assessments").get_data(as_text=True)
    link = re.search(r'href="(/assessments/\d+)"', mine).group(1)
    form = buaa.get(link).get_data(as_text=True)
    assert 'data-testid="self-form"' in form and form.count('name="statement-') == 70
    data = {"csrf_token": csrf_from(form), "action": "submit", "rating-1.1": "met",
            "statement-1.1": "已纳入年度工作要点。", "evidence-1.1": (io.BytesIO(PDF), "工作要点.pdf")}
    for code in re.findall(r'name="statement-([\d.]+)"', form):
        data.setdefault(f"statement-{code}", "")
    incomplete = buaa.post(f"{link}/self", data=data, content_type="multipart/form-data")
    assert incomplete.status_code == 422
    html = incomplete.get_data(as_text=True)
    assert "还有 69 项指标未完成自评" in html
    saved = buaa.get(link).get_data(as_text=True)
    assert "工作要点.pdf" in saved and "已纳入年度工作要点。" in saved  # the save went through before the check
    file_link = re.search(r'href="(/assessments/\d+/files/\d+)"', saved).group(1)
    assert buaa.get(file_link).data.startswith(b"%PDF")
    assert web(app, "zju").get(file_link).status_code == 404
    full = {"csrf_token": csrf_from(saved), "action": "submit"}
    for code in re.findall(r'name="statement-([\d.]+)"', saved):
        full[f"rating-{code}"], full[f"statement-{code}"] = "partly", "正在推进。"
    full["keep-1.1"] = re.search(r'name="keep-1.1" value="(\d+)"', saved).group(1)
    submitted = buaa.post(f"{link}/self", data=full)
    assert submitted.status_code == 302
    assert 'data-status="reviewing"' in buaa.get(link).get_data(as_text=True)

    review = moe.get(link).get_data(as_text=True)
    assert 'data-testid="review-form"' in review and 'name="score-1.1"' in review
    assert re.search(r'name="score-1.1"\s+value="60"', review)  # 部分达标 → 60 suggested
    scores = {"csrf_token": csrf_from(review), "action": "decide", "decision": "pass", "opinion": "总体良好"}
    for code in re.findall(r'name="score-([\d.]+)"', review):
        scores[f"score-{code}"] = "85"
    decided = moe.post(f"{link}/review", data=scores)
    assert decided.status_code == 302
    final = buaa.get(link).get_data(as_text=True)
    assert 'data-status="passed"' in final and "总体良好" in final and 'data-testid="scores"' in final


def test_both_assessment_forms_answer_a_refusal_with_the_page_and_a_conflict_with_a_flash(app, env) -> None:
    """The self-assessment and the review forms share their answers to a refused save: invalid input
    re-shows the page with the message (422); a stage that moved on (a conflict) is flashed over the page."""
    env.open_round()
    mine = env.mine()
    assert env.fill_all(mine).status_code == 200 and env.submit(mine["id"]).status_code == 200
    link = f"/assessments/{mine['id']}"

    buaa = web(app, "buaa")
    page = buaa.get(link).get_data(as_text=True)
    late = buaa.post(f"{link}/self", data={"csrf_token": csrf_from(page), "rating-1.1": "partly",
                                             "statement-1.1": "提交后又改。"})
    assert late.status_code == 302 and late.headers["Location"].endswith(link)
    shown = buaa.get(link).get_data(as_text=True)
    assert "alert-warning" in shown and "当前不能修改自评（已提交评审或考核已结束）" in shown
    assert "提交后又改。" not in shown and env.get(mine["id"])["status"] == "reviewing"

    moe = web(app, "moe1")
    review = moe.get(link).get_data(as_text=True)
    bad = moe.post(f"{link}/review", data={"csrf_token": csrf_from(review), "score-1.1": "九十"})
    assert bad.status_code == 422 and "评分有误" in bad.get_data(as_text=True)
    early = moe.post(f"{link}/review", data={"csrf_token": csrf_from(review), "action": "decide",
                                              "decision": "pass", "opinion": "好", "score-1.1": "85"})
    html = early.get_data(as_text=True)
    assert early.status_code == 422 and "项指标未评分" in html and 'data-testid="review-form"' in html
    assert env.score_all(mine, 90).status_code == 200
    assert env.decide(mine["id"], decision="pass", opinion="准予通过").status_code == 200
    again = moe.post(f"{link}/review", data={"csrf_token": csrf_from(review), "score-1.1": "10"})
    assert again.status_code == 302 and again.headers["Location"].endswith(link)
    shown = moe.get(link).get_data(as_text=True)
    assert "alert-warning" in shown and "当前不在评审阶段" in shown
    assert env.get(mine["id"], "moe1")["status"] == "passed"


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
