"""Shared steps for the 考核验收 tests: a round opened by the ministry for two pilots, filling in every
item, scoring every item."""

from __future__ import annotations

from datetime import datetime

from flask.testing import FlaskClient

from app.core import clock
from tests.conftest import World, bearer, login

BJ = clock.SHANGHAI
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=BJ)
ROUND = {"name": "2026年度考核验收", "self_due": "2026-12-10", "review_days": 10}


class Env:
    def __init__(self, app, client: FlaskClient, world: World) -> None:
        self.app, self.client, self.world = app, client, world
        world.user("moe1", "moe_reviewer")
        world.user("op1", "operator")
        world.user("buaa", "university_admin")
        world.user("zju", "university_admin", world.other_uni)
        world.user("disp", "dispatcher")
        runner = app.test_cli_runner()
        assert runner.invoke(args=["processes", "deploy"]).exit_code == 0
        assert runner.invoke(args=["indicators", "load"]).exit_code == 0
        self.h = {n: bearer(client, n) for n in ("moe1", "op1", "buaa", "zju", "disp")}

    def open_round(self, **extra: object) -> dict:
        body = {**ROUND, "university_ids": [self.world.uni.id, self.world.other_uni.id], **extra}
        response = self.client.post("/api/v1/assessment-rounds", json=body, headers=self.h["moe1"])
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def mine(self, who: str = "buaa") -> dict:
        items = self.client.get("/api/v1/assessments", headers=self.h[who]).get_json()["items"]
        assert len(items) == 1
        return self.get(items[0]["id"], who)

    def get(self, assessment_id: int, who: str = "buaa") -> dict:
        response = self.client.get(f"/api/v1/assessments/{assessment_id}", headers=self.h[who])
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def fill_all(self, assessment: dict, who: str = "buaa", rating: str = "met") -> object:
        entries = [{"code": i["code"], "rating": rating, "statement": f"{i['code']} 已落实。"}
                   for i in assessment["items"]]
        return self.client.put(f"/api/v1/assessments/{assessment['id']}/self", json={"items": entries},
                               headers=self.h[who])

    def submit(self, assessment_id: int, who: str = "buaa") -> object:
        return self.client.post(f"/api/v1/assessments/{assessment_id}/self/submit", json={}, headers=self.h[who])

    def score_all(self, assessment: dict, score: int | dict[str, int], **extra: object) -> object:
        entries = [{"code": i["code"], "score": score if isinstance(score, int) else score[i["code"]], **extra}
                   for i in assessment["items"]]
        return self.client.put(f"/api/v1/assessments/{assessment['id']}/scores", json={"items": entries},
                               headers=self.h["moe1"])

    def decide(self, assessment_id: int, **data: object) -> object:
        return self.client.post(f"/api/v1/assessments/{assessment_id}/decision", json=data, headers=self.h["moe1"])


def web(app, who: str) -> FlaskClient:
    """A test client of its own (its own cookie jar, like a browser of its own), logged in as `who`."""
    client = app.test_client()
    assert login(client, who).status_code == 302
    return client


def pages_env(app, client: FlaskClient, world: World, monkeypatch) -> Env:
    """Where the 数据库 page tests start: the clock at NOW, the Env's people, and a student, who may open none of it."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    world.user("stu", "student")
    return Env(app, client, world)
