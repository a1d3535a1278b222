"""考核验收 through the API: a round, the self-assessment, the reviewer's scores and the result rules,
限期整改 loops bounded by the framework's rules, deadlines, evidence, and who sees what."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from app.assessment import indicators
from app.core import clock
from app.extensions import db
from app.models import Notification, Post, ProcessInstance, User
from tests.conftest import bearer
from tests.support.assessment import NOW, Env
from tests.support.files import PDF


@pytest.fixture
def env(app, client, world, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    return Env(app, client, world)


def test_self_assessment_scoring_and_pass(app, client, env) -> None:
    round_ = env.open_round()
    assert round_["framework_version"] == "v1"
    mine = env.mine()
    assert mine["status"] == "self_assessing" and len(mine["items"]) == 70
    tasks = client.get("/api/v1/tasks?scope=group&process=assessment", headers=env.h["buaa"]).get_json()["items"]
    assert [t["title"] for t in tasks] == ["考核自评：北京航空航天大学（2026年度考核验收）"]
    assert tasks[0]["due_at"].startswith("2026-12-10T15:59:59")

    incomplete = env.submit(mine["id"])
    assert incomplete.status_code == 422
    fields = incomplete.get_json()["error"]["fields"]
    assert fields["items.1.1"] == ["请选择自评结果", "请填写简要说明"] and len(fields) == 70
    assert env.fill_all(mine).status_code == 200
    assert env.submit(mine["id"]).status_code == 200
    assert env.mine()["status"] == "reviewing"
    assert env.fill_all(mine).status_code == 409  # submitted: no more changes

    review = client.get("/api/v1/tasks?scope=group&process=assessment", headers=env.h["moe1"]).get_json()["items"]
    assert [t["title"] for t in review] == ["考核评审：北京航空航天大学（2026年度考核验收）"]
    early = env.decide(mine["id"], decision="pass", opinion="好")
    assert early.status_code == 422 and "未评分" in early.get_json()["error"]["fields"]["decision"][0]
    assert env.score_all(mine, 90).status_code == 200
    current = env.get(mine["id"], "moe1")["current"]
    assert current["total"] == 90.0 and current["suggested"] == "pass"
    assert current["allowed"] == ["fail", "rectify", "pass"]
    done = env.decide(mine["id"], decision="pass", opinion="建设扎实，准予通过。")
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert (body["status"], body["result"], body["total_score"]) == ("passed", "pass", 90.0)
    assert body["dimension_scores"] == {str(d): 90.0 for d in range(1, 7)}
    assert [h["kind"] for h in body["history"]] == ["self", "review"]
    with app.app_context():
        instance = db.session.get(ProcessInstance, body["instance_id"])
        assert instance.status == "completed"
        buaa = db.session.scalar(select(User).where(User.username == "buaa"))
        kinds = [n.kind for n in db.session.scalars(select(Notification).where(Notification.user_id == buaa.id))]
    assert "assessment.pass" in kinds


def test_rectification_loops_back_with_the_items_to_fix_and_is_bounded(client, env) -> None:
    env.open_round()
    mine = env.mine()
    env.fill_all(mine)
    env.submit(mine["id"])
    env.score_all(mine, 70)  # every dimension 70, total 70: 限期整改 suggested
    lenient = env.decide(mine["id"], decision="pass", opinion="通过")
    assert lenient.status_code == 422
    assert "建议结论为“限期整改”" in lenient.get_json()["error"]["fields"]["decision"][0]
    no_date = env.decide(mine["id"], decision="rectify", opinion="请整改")
    assert no_date.status_code == 422 and "rectify_due" in no_date.get_json()["error"]["fields"]
    nothing_to_fix = env.decide(mine["id"], decision="rectify", opinion="请整改", rectify_due="2027-01-15")
    assert nothing_to_fix.status_code == 422  # no item below 60 and none marked
    fix = ["2.5", "5.8"]
    client.put(f"/api/v1/assessments/{mine['id']}/scores", headers=env.h["moe1"],
               json={"items": [{"code": c, "needs_fix": True, "comment": "佐证不足"} for c in fix]})
    past = env.decide(mine["id"], decision="rectify", opinion="请整改", rectify_due="2026-11-20")
    assert past.status_code == 422 and past.get_json()["error"]["fields"]["rectify_due"] == ["整改截止日期须晚于今天"]
    ordered = env.decide(mine["id"], decision="rectify", opinion="两项须补充佐证", rectify_due="2027-01-15")
    assert ordered.status_code == 200, ordered.get_json()
    body = ordered.get_json()
    assert (body["status"], body["rectifications"], body["rectify_due"]) == ("rectifying", 1, "2027-01-15")
    assert [i["code"] for i in body["items"] if i["needs_fix"]] == fix
    task = client.get("/api/v1/tasks?scope=group&process=assessment", headers=env.h["buaa"]).get_json()["items"]
    assert [t["title"] for t in task] == ["限期整改：北京航空航天大学（2026年度考核验收）"]
    assert task[0]["due_at"].startswith("2027-01-15T15:59:59")

    other = client.put(f"/api/v1/assessments/{mine['id']}/self", headers=env.h["buaa"],
                       json={"items": [{"code": "1.1", "statement": "改一下"}]})
    assert other.status_code == 422
    assert other.get_json()["error"]["fields"]["items.1.1"] == ["该指标不在整改范围内，不能修改"]
    fixed = client.put(f"/api/v1/assessments/{mine['id']}/self", headers=env.h["buaa"],
                       json={"items": [{"code": c, "statement": "已补充制度文件。"} for c in fix]})
    assert fixed.status_code == 200
    assert env.submit(mine["id"]).status_code == 200
    assert env.mine()["status"] == "reviewing"
    # Second rectification is still allowed (max 2), the third is not: then only 通过/不通过 remain.
    assert env.decide(mine["id"], decision="rectify", opinion="仍需整改", rectify_due="2027-02-20").status_code == 200
    assert env.submit(mine["id"]).status_code == 200
    third = env.decide(mine["id"], decision="rectify", opinion="再整改", rectify_due="2027-03-20")
    assert third.status_code == 422 and "整改次数已用尽" in third.get_json()["error"]["fields"]["decision"][0]
    assert env.get(mine["id"], "moe1")["current"]["allowed"] == ["fail"]
    failed = env.decide(mine["id"], decision="fail", opinion="整改未到位，不予通过。")
    assert failed.status_code == 200
    body = failed.get_json()
    assert (body["status"], body["result"], body["rectifications"]) == ("failed", "fail", 2)
    assert [h["kind"] for h in body["history"]] == ["self", "review", "self", "review", "self", "review"]


def test_only_its_university_and_national_roles_see_an_assessment(client, env) -> None:
    env.open_round()
    mine = env.mine()
    theirs = env.mine("zju")
    assert client.get(f"/api/v1/assessments/{theirs['id']}", headers=env.h["buaa"]).status_code == 404
    assert client.put(f"/api/v1/assessments/{theirs['id']}/self", json={"items": []},
                      headers=env.h["buaa"]).status_code == 404
    assert client.get(f"/api/v1/assessments/{mine['id']}", headers=env.h["disp"]).status_code == 404
    assert client.get(f"/api/v1/assessments/{mine['id']}", headers=env.h["op1"]).status_code == 200
    assert client.get("/api/v1/assessments", headers=env.h["moe1"]).get_json()["total"] == 2
    assert client.get("/api/v1/assessments", headers=env.h["disp"]).get_json()["total"] == 0
    refused = client.post("/api/v1/assessment-rounds", json={"name": "x", "university_ids": [1],
                                                             "self_due": "2027-01-01"}, headers=env.h["buaa"])
    assert refused.status_code == 403
    assert env.score_all(mine, 80).status_code == 409  # not submitted yet


def test_bad_input_is_a_422_with_chinese_field_messages(client, env) -> None:
    bad_round = client.post("/api/v1/assessment-rounds", headers=env.h["moe1"],
                            json={"name": "", "university_ids": [env.world.ministry.id], "self_due": "2026-01-01"})
    assert bad_round.status_code == 422
    assert set(bad_round.get_json()["error"]["fields"]) == {"name", "university_ids", "self_due"}
    wrong_types = client.post("/api/v1/assessment-rounds", headers=env.h["moe1"],
                              json={"name": 3, "university_ids": "all", "self_due": "明天"})
    assert wrong_types.status_code == 422
    assert wrong_types.get_json()["error"]["fields"]["self_due"] == ["请填写有效日期（YYYY-MM-DD）"]
    env.open_round()
    mine = env.mine()
    bad = client.put(f"/api/v1/assessments/{mine['id']}/self", headers=env.h["buaa"], json={"items": [
        {"code": "1.1", "rating": "great"}, {"code": "9.9"}, {"code": "1.2", "statement": "说" * 1001},
        {"code": "1.3", "evidence_file_ids": "x"}]})
    assert bad.status_code == 422
    assert bad.get_json()["error"]["fields"] == {
        "items.1.1.rating": ["请选择达标、部分达标或未达标"], "items.9.9": ["没有该指标"],
        "items.1.2.statement": ["最多填写 1000 个字"], "items.1.3.evidence_file_ids": ["须为编号列表"]}
    nul = client.put(f"/api/v1/assessments/{mine['id']}/self", headers=env.h["buaa"],
                     json={"items": [{"code": "1.4", "statement": "含\u0000字符"}]})
    assert nul.status_code == 422  # PostgreSQL cannot store NUL: refused, never a 500
    env.fill_all(mine)
    env.submit(mine["id"])
    scores = client.put(f"/api/v1/assessments/{mine['id']}/scores", headers=env.h["moe1"], json={"items": [
        {"code": "1.1", "score": 101}, {"code": "1.2", "score": "九十"}, {"code": "1.3", "needs_fix": "yes"}]})
    assert scores.get_json()["error"]["fields"] == {"items.1.1.score": ["得分须在 0–100 之间"],
                                                   "items.1.2.score": ["请填写整数分"],
                                                   "items.1.3.needs_fix": ["须为 true 或 false"]}
    assert env.decide(mine["id"], decision="maybe", opinion="").status_code == 422
    env.score_all(mine, 90)
    assert env.decide(mine["id"], decision="pass", opinion="好\u0000").status_code == 422


def test_evidence_files_and_posts_must_be_the_universitys_own(app, client, env) -> None:
    env.open_round()
    mine = env.mine()
    upload = client.post("/api/v1/assessment-files", headers=env.h["buaa"], content_type="multipart/form-data",
                         data={"file": (io.BytesIO(PDF), "制度汇编.pdf")})
    assert upload.status_code == 201, upload.get_json()
    file_id = upload.get_json()["id"]
    theirs = client.post("/api/v1/assessment-files", headers=env.h["zju"], content_type="multipart/form-data",
                         data={"file": (io.BytesIO(PDF), "zju.pdf")}).get_json()["id"]
    not_a_pdf = client.post("/api/v1/assessment-files", headers=env.h["buaa"], content_type="multipart/form-data",
                            data={"file": (io.BytesIO(b"MZ\x90\x00"), "x.pdf")})
    assert not_a_pdf.status_code == 422 and "file" in not_a_pdf.get_json()["error"]["fields"]
    with app.app_context():
        own = Post(university_id=env.world.uni.id, module="rules", status="published", published_at=NOW)
        draft = Post(university_id=env.world.uni.id, module="rules", status="draft")
        other = Post(university_id=env.world.other_uni.id, module="rules", status="published", published_at=NOW)
        db.session.add_all([own, draft, other])
        db.session.commit()
        own_id, draft_id, other_id = own.id, draft.id, other.id
    ok = client.put(f"/api/v1/assessments/{mine['id']}/self", headers=env.h["buaa"], json={"items": [
        {"code": "1.1", "evidence_file_ids": [file_id], "post_ids": [own_id]}]})
    assert ok.status_code == 200
    item = next(i for i in ok.get_json()["items"] if i["code"] == "1.1")
    assert (item["evidence_file_ids"], item["post_ids"]) == ([file_id], [own_id])
    refused = client.put(f"/api/v1/assessments/{mine['id']}/self", headers=env.h["buaa"], json={"items": [
        {"code": "1.2", "evidence_file_ids": [theirs], "post_ids": [other_id]},
        {"code": "1.3", "post_ids": [draft_id]}]})
    assert refused.get_json()["error"]["fields"] == {
        "items.1.2.evidence_file_ids": ["佐证材料不存在或不属于本校"],
        "items.1.2.post_ids": ["只能关联本校已发布的育人号文章"],
        "items.1.3.post_ids": ["只能关联本校已发布的育人号文章"]}


def test_deadline_reminder_then_escalation_to_the_university_and_the_ministry(app, client, env) -> None:
    env.open_round()
    runner = app.test_cli_runner()
    for at in ("2026-12-06T09:00:00+08:00", "2026-12-08T09:00:00+08:00", "2026-12-09T09:00:00+08:00",
               "2026-12-11T09:00:00+08:00", "2026-12-12T09:00:00+08:00"):
        assert runner.invoke(args=["timers", "fire", "--at", at]).exit_code == 0
    with app.app_context():
        ids = dict(db.session.execute(select(User.username, User.id)).all())
        kinds = [(n.user_id, n.kind) for n in db.session.scalars(select(Notification))]
    assert kinds.count((ids["buaa"], "assessment.due_soon")) == 1
    assert kinds.count((ids["buaa"], "escalation")) == 1
    assert kinds.count((ids["moe1"], "escalation")) == 2  # one per university
    assert kinds.count((ids["zju"], "escalation")) == 1


def test_an_assessment_keeps_the_framework_version_it_was_opened_with(app, client, env, tmp_path) -> None:
    env.open_round()
    mine = env.mine()
    doc = json.loads((indicators.DATA_DIR / "quality-guide-v1.json").read_text(encoding="utf-8"))
    doc["version"], doc["edition"] = "v2", "第二版"
    doc["dimensions"][0]["groups"][0]["items"].pop()  # the new edition drops 1.4
    (tmp_path / "v2.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert app.test_cli_runner().invoke(args=["indicators", "load", str(tmp_path / "v2.json")]).exit_code == 0
    assert client.get("/api/v1/indicators", headers=env.h["buaa"]).get_json()["version"] == "v2"
    again = env.get(mine["id"])
    assert again["framework_version"] == "v1" and len(again["items"]) == 70
    newer = client.post("/api/v1/assessment-rounds", headers=env.h["moe1"], json={
        "name": "2027年度考核验收", "self_due": "2027-06-30", "university_ids": [env.world.uni.id]}).get_json()
    assert newer["framework_version"] == "v2"
    items = client.get(f"/api/v1/assessments?round_id={newer['id']}", headers=env.h["buaa"]).get_json()["items"]
    assert len(env.get(items[0]["id"])["items"]) == 69


def test_a_cancelled_case_stops_its_reminders(app, client, env) -> None:
    env.open_round()
    mine = env.mine()
    env.world.user("root", "process_admin")
    root = bearer(client, "root")
    assert client.post(f"/api/v1/instances/{mine['instance_id']}/cancel", json={"reason": "测试"},
                       headers=root).status_code in (200, 201)
    assert app.test_cli_runner().invoke(args=["timers", "fire", "--at", "2026-12-08T09:00:00+08:00"]).exit_code == 0
    assert env.mine()["status"] == "cancelled"
    with app.app_context():
        kinds = [n.kind for n in db.session.scalars(select(Notification))]
    assert kinds.count("assessment.due_soon") == 1  # only 浙江大学 is reminded
