"""Flow B through the API: write → operator review (approve / return / reject) → public; revisions of
a published post; who may see what (SPEC §4, API.md /posts and /public/posts)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.core import clock
from app.extensions import db
from app.models import Notification, User
from tests.conftest import bearer

BJ = clock.SHANGHAI
POST = {"module": "experience", "title": "书院制社区“一站式”服务大厅建设",
        "body_html": "<h2>做法</h2><p>学生事务<strong>一站办结</strong>。</p><ul><li>党建引领</li></ul>"}


class Flow:
    def __init__(self, app, client, world, monkeypatch) -> None:
        self.app, self.client, self.world = app, client, world
        monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 23, 10, 0, tzinfo=BJ))  # a Monday
        for name, role, org in (("buaa", "university_admin", None), ("zju", "university_admin", world.other_uni),
                                ("op1", "operator", None), ("op2", "operator", None), ("moe1", "moe_reviewer", None),
                                ("stu", "student", None)):
            world.user(name, role, org)
        assert app.test_cli_runner().invoke(args=["processes", "deploy"]).exit_code == 0
        self.h = {n: bearer(client, n) for n in ("buaa", "zju", "op1", "op2", "moe1", "stu")}

    def write(self, who: str = "buaa", **changes: object) -> dict:
        response = self.client.post("/api/v1/posts", json={**POST, **changes}, headers=self.h[who])
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def tasks(self, who: str, process: str = "post_review") -> list[dict]:
        response = self.client.get(f"/api/v1/tasks?scope=group&process={process}", headers=self.h[who])
        return response.get_json()["items"]

    def decide(self, who: str, task_id: int, data: dict) -> object:
        return self.client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": data}, headers=self.h[who])

    def review(self, decision: str, comment: str | None = None, who: str = "op1") -> None:
        [task] = self.tasks(who)
        data = {"decision": decision, **({"comment": comment} if comment else {})}
        response = self.decide(who, task["id"], data)
        assert response.status_code == 200, response.get_json()

    def get(self, post_id: int, who: str = "buaa") -> object:
        return self.client.get(f"/api/v1/posts/{post_id}", headers=self.h[who])

    def public(self, **params: object) -> dict:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        response = self.client.get(f"/api/v1/public/posts?{query}")
        assert response.status_code == 200
        return response.get_json()


@pytest.fixture
def flow(app, client, world, monkeypatch) -> Flow:
    return Flow(app, client, world, monkeypatch)


def test_approved_post_is_published_on_the_public_api(flow) -> None:
    created = flow.write()
    assert set(created) >= {"id", "instance_id"}
    assert flow.public()["total"] == 0  # nothing is public before the review
    [task] = flow.tasks("op1")
    assert task["title"] == "育人号文章审核：北京航空航天大学《书院制社区“一站式”服务大厅建设》"
    assert task["due_at"].startswith("2026-11-26")  # 3 working days
    assert flow.tasks("moe1") == [] and flow.tasks("buaa") == []
    flow.review("approve")
    post = flow.get(created["id"]).get_json()
    assert post["status"] == "published" and post["published"]["number"] == 1 and post["published_at"]
    listed = flow.public(university_id=flow.world.uni.id, module="experience")
    assert listed["total"] == 1
    item = listed["items"][0]
    assert set(item) >= {"id", "title", "body_html", "university_id", "published_at"}
    assert item["university_id"] == flow.world.uni.id and "<strong>一站办结</strong>" in item["body_html"]
    assert flow.public(module="rules")["total"] == 0 and flow.public(q="大厅")["total"] == 1
    assert flow.public(q="不存在的词")["total"] == 0
    assert flow.client.get(f"/api/v1/public/posts/{created['id']}").status_code == 200
    with flow.app.app_context():
        buaa = db.session.scalar(select(User.id).where(User.username == "buaa"))
        assert db.session.scalar(select(Notification).where(Notification.user_id == buaa,
                                                            Notification.kind == "post.published"))


def test_returned_post_is_revised_and_resubmitted_as_a_new_revision(flow) -> None:
    created = flow.write()
    [task] = flow.tasks("op1")
    missing = flow.decide("op1", task["id"], {"decision": "return"})
    assert missing.status_code == 422 and "comment" in missing.get_json()["error"]["fields"]
    flow.review("return", "请补充服务大厅的办件数据")
    post = flow.get(created["id"]).get_json()
    assert post["status"] == "returned" and post["current"]["decision_comment"] == "请补充服务大厅的办件数据"
    assert flow.public()["total"] == 0
    revised = flow.client.put(f"/api/v1/posts/{created['id']}", json={
        "title": POST["title"], "body_html": POST["body_html"] + "<p>年办件 12 万件。</p>"}, headers=flow.h["buaa"])
    assert revised.status_code == 200, revised.get_json()
    body = revised.get_json()
    assert body["revision"] == 2 and body["status"] == "in_review" and body["instance_id"] != created["instance_id"]
    again = flow.client.put(f"/api/v1/posts/{created['id']}", json=POST, headers=flow.h["buaa"])
    assert again.status_code == 409  # one review at a time
    flow.review("approve")
    revisions = flow.client.get(f"/api/v1/posts/{created['id']}/revisions", headers=flow.h["op1"]).get_json()
    assert [(r["number"], r["status"]) for r in revisions] == [(1, "returned"), (2, "published")]
    assert "12 万件" in flow.public()["items"][0]["body_html"]


def test_rejected_post_stays_unpublished_and_cannot_be_resubmitted(flow) -> None:
    created = flow.write()
    flow.review("reject", "与试点工作无关")
    post = flow.get(created["id"]).get_json()
    assert post["status"] == "rejected" and post["current"]["decision_comment"] == "与试点工作无关"
    assert flow.public()["total"] == 0
    assert flow.client.put(f"/api/v1/posts/{created['id']}", json=POST, headers=flow.h["buaa"]).status_code == 409


def test_editing_a_published_post_keeps_it_public_until_the_revision_is_approved(flow) -> None:
    created = flow.write()
    flow.review("approve")
    revised = flow.client.put(f"/api/v1/posts/{created['id']}", json={
        "title": "书院制社区服务大厅（2026 更新）", "body_html": "<p>学生事务一站办结，年办件 12 万件。</p>"},
        headers=flow.h["buaa"])
    assert revised.status_code == 200
    public = flow.public()["items"]
    assert [p["title"] for p in public] == [POST["title"]]  # the published revision stays public
    [task] = flow.tasks("op1")
    assert task["title"].startswith("育人号修改稿审核：")
    post = flow.get(created["id"], "op1").get_json()
    assert post["current"]["number"] == 2 and post["published"]["number"] == 1
    flow.review("reject", "数据无出处")
    assert [p["title"] for p in flow.public()["items"]] == [POST["title"]]  # a refused change changes nothing
    assert flow.client.put(f"/api/v1/posts/{created['id']}", json={**POST, "title": "第三版"},
                           headers=flow.h["buaa"]).status_code == 200
    flow.review("approve")
    assert [p["title"] for p in flow.public()["items"]] == ["第三版"]
    revisions = flow.client.get(f"/api/v1/posts/{created['id']}/revisions", headers=flow.h["buaa"]).get_json()
    assert [r["status"] for r in revisions] == ["superseded", "rejected", "published"]
    moved = flow.client.put(f"/api/v1/posts/{created['id']}", json={**POST, "module": "rules"},
                            headers=flow.h["buaa"])
    assert moved.status_code == 422 and "module" in moved.get_json()["error"]["fields"]


def test_another_university_cannot_see_or_touch_a_post(flow) -> None:
    created = flow.write()
    pid = created["id"]
    assert flow.get(pid, "zju").status_code == 404
    assert flow.client.put(f"/api/v1/posts/{pid}", json=POST, headers=flow.h["zju"]).status_code == 404
    assert flow.client.get(f"/api/v1/posts/{pid}/revisions", headers=flow.h["zju"]).status_code == 404
    assert flow.client.get("/api/v1/posts", headers=flow.h["zju"]).get_json()["total"] == 0
    assert flow.get(pid, "stu").status_code == 404
    assert flow.get(pid, "op1").status_code == 200
    assert flow.client.post("/api/v1/posts", json=POST, headers=flow.h["op1"]).status_code == 403
    assert flow.client.get(f"/api/v1/public/posts/{pid}").status_code == 404  # not published yet
    assert flow.get(999999).status_code == 404
    assert flow.get(99999999999).status_code == 404  # no 32-bit overflow in the database
    assert flow.client.get("/api/v1/public/posts?university_id=99999999999").status_code == 422


def test_bad_input_gets_chinese_field_messages_never_a_500(flow) -> None:
    bad = flow.client.post("/api/v1/posts", json={"module": "news", "title": "", "body_html": ""},
                           headers=flow.h["buaa"])
    assert bad.status_code == 422
    fields = bad.get_json()["error"]["fields"]
    assert fields["module"][0].startswith("请选择栏目") and fields["title"] == ["请填写标题"]
    assert fields["body_html"] == ["请填写正文"]
    long = flow.client.post("/api/v1/posts", json={**POST, "title": "长" * 101}, headers=flow.h["buaa"])
    assert long.status_code == 422 and "100" in long.get_json()["error"]["fields"]["title"][0]
    typed = flow.client.post("/api/v1/posts", json={**POST, "title": 5, "body_html": ["x"],
                                                    "attachment_ids": ["a"]}, headers=flow.h["buaa"])
    assert typed.status_code == 422 and set(typed.get_json()["error"]["fields"]) >= {"title", "body_html"}
    empty = flow.client.post("/api/v1/posts", json={}, headers=flow.h["buaa"])
    assert empty.status_code == 422
    assert flow.client.post("/api/v1/posts", data="{not json", content_type="application/json",
                            headers=flow.h["buaa"]).status_code == 400
    assert flow.client.post("/api/v1/posts", data="x", content_type="text/plain",
                            headers=flow.h["buaa"]).status_code == 415
    only_script = flow.client.post("/api/v1/posts", json={**POST, "body_html": "<script>alert(1)</script>"},
                                   headers=flow.h["buaa"])
    assert only_script.status_code == 422 and only_script.get_json()["error"]["fields"]["body_html"] == ["请填写正文"]
    assert flow.client.get("/api/v1/public/posts?limit=0").status_code == 422
    assert flow.client.get("/api/v1/public/posts?university_id=abc").status_code == 422


def test_reviewers_annotate_the_text_and_the_university_sees_the_notes(flow) -> None:
    created = flow.write()
    pid = created["id"]
    note = flow.client.post(f"/api/v1/posts/{pid}/comments", json={"quote": "一站办结", "body": "请说明办结时限"},
                            headers=flow.h["op1"])
    assert note.status_code == 201, note.get_json()
    wrong = flow.client.post(f"/api/v1/posts/{pid}/comments", json={"quote": "原文没有这句", "body": "x"},
                             headers=flow.h["op1"])
    assert wrong.status_code == 422 and "quote" in wrong.get_json()["error"]["fields"]
    assert flow.client.post(f"/api/v1/posts/{pid}/comments", json={"body": "x"},
                            headers=flow.h["buaa"]).status_code == 403
    flow.review("return", "见批注")
    mine = flow.get(pid).get_json()
    assert [(c["quote"], c["body"]) for c in mine["current"]["comments"]] == [("一站办结", "请说明办结时限")]
    assert flow.client.post(f"/api/v1/posts/{pid}/comments", json={"body": "x"},
                            headers=flow.h["op1"]).status_code == 409  # not under review any more


def test_showcase_nomination_needs_a_second_review_by_the_ministry(flow) -> None:
    created = flow.write()
    pid = created["id"]
    early = flow.client.post(f"/api/v1/posts/{pid}/showcase", json={"kind": "typical_experience"},
                             headers=flow.h["op1"])
    assert early.status_code == 409  # only published posts
    flow.review("approve")
    assert flow.client.post(f"/api/v1/posts/{pid}/showcase", json={"kind": "typical_experience"},
                            headers=flow.h["buaa"]).status_code == 403
    bad = flow.client.post(f"/api/v1/posts/{pid}/showcase", json={"kind": "best"}, headers=flow.h["op1"])
    assert bad.status_code == 422 and "kind" in bad.get_json()["error"]["fields"]
    nominated = flow.client.post(f"/api/v1/posts/{pid}/showcase",
                                 json={"kind": "typical_experience", "reason": "可复制可推广"}, headers=flow.h["op1"])
    assert nominated.status_code == 201 and nominated.get_json()["status"] == "nominated"
    assert flow.client.post(f"/api/v1/posts/{pid}/showcase", json={"kind": "quality_result"},
                            headers=flow.h["op2"]).status_code == 409
    assert flow.tasks("op2", "post_showcase") == []  # operators do not decide their own nominations
    assert flow.client.get("/api/v1/public/showcase").get_json()["total"] == 0
    [task] = flow.tasks("moe1", "post_showcase")
    assert task["title"] == f"成果展示审核（典型经验）：北京航空航天大学《{POST['title']}》"
    assert flow.decide("moe1", task["id"], {"decision": "approve"}).status_code == 200
    column = flow.client.get("/api/v1/public/showcase?kind=typical_experience").get_json()
    assert column["total"] == 1
    item = column["items"][0]
    assert item["university_name"] == "北京航空航天大学" and item["admitted_at"] and item["post_id"] == pid
    entry = flow.get(pid).get_json()["showcase"][0]
    assert flow.client.post(f"/api/v1/showcase/{entry['id']}/withdraw", headers=flow.h["op2"]).status_code == 200
    assert flow.client.get("/api/v1/public/showcase").get_json()["total"] == 0


def test_declined_nomination_stays_out_of_the_column(flow) -> None:
    flow.write()
    flow.review("approve")
    pid = flow.public()["items"][0]["id"]
    flow.client.post(f"/api/v1/posts/{pid}/showcase", json={"kind": "quality_result"}, headers=flow.h["op1"])
    [task] = flow.tasks("moe1", "post_showcase")
    assert flow.decide("moe1", task["id"], {"decision": "reject"}).status_code == 422
    assert flow.decide("moe1", task["id"], {"decision": "reject", "comment": "代表性不足"}).status_code == 200
    assert flow.client.get("/api/v1/public/showcase").get_json()["total"] == 0
    assert flow.get(pid).get_json()["showcase"][0]["status"] == "declined"


def test_a_review_left_for_three_working_days_is_escalated_to_the_operators(flow) -> None:
    flow.write()
    [task] = flow.tasks("op1")
    runner = flow.app.test_cli_runner()
    assert "fired 0" in runner.invoke(args=["timers", "fire", "--at", "2026-11-26T17:00:00+08:00"]).output
    assert "fired 1" in runner.invoke(args=["timers", "fire", "--at", "2026-11-26T17:31:00+08:00"]).output
    with flow.app.app_context():
        ids = dict(db.session.execute(select(User.username, User.id)).all())
        kinds = {(n.user_id, n.kind) for n in db.session.scalars(select(Notification))}
    assert (ids["op1"], "escalation") in kinds and (ids["op2"], "escalation") in kinds
    [still_open] = flow.tasks("op1")
    assert still_open["id"] == task["id"]  # escalation does not take the review away
    flow.review("approve")  # the review can still be done; the process then ends
    assert flow.public()["total"] == 1
