"""考核验收 pages: the framework tree, the self-assessment and the review in the browser's forms, their
answers to a refused save, and who may open which."""

from __future__ import annotations

import io
import re

import pytest

from tests.conftest import csrf_from
from tests.support.assessment import Env, pages_env, web
from tests.support.files import PDF


@pytest.fixture
def env(app, client, world, monkeypatch) -> Env:
    return pages_env(app, client, world, monkeypatch)


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
