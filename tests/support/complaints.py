"""A small university with every 接诉即办 role, and steps to drive the complaint process by API."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from app.core import accounts, clock
from tests.conftest import PASSWORD, bearer

BJ = clock.SHANGHAI
DORM = {"channel": "logistics_hotline", "category": "dormitory", "title": "宿舍热水器坏了",
        "content": "3号楼热水器坏了三天，没有热水洗澡。", "anonymous": False}


class Campus:
    def __init__(self, app, client, world, monkeypatch) -> None:
        self.app, self.client, self.monkeypatch, self.world = app, client, monkeypatch, world
        with app.app_context():
            self.psych_id = accounts.create_org(name="心理健康教育与咨询中心", kind="department",
                                                parent_id=world.uni.id, code="psych").id
            self.academic_id = accounts.create_org(name="教务处", kind="department", parent_id=world.uni.id,
                                                   code="academic").id
        self.logistics_id = world.logistics.id
        world.user("stu", "student")
        world.user("stu2", "student")
        world.user("disp", "dispatcher")
        world.user("logi", "department_handler")
        world.user("aca", "department_handler", SimpleNamespace(id=self.academic_id))
        world.user("psy", "department_handler", SimpleNamespace(id=self.psych_id))
        world.user("lead", "university_admin")
        world.user("zdisp", "dispatcher", world.other_uni)
        world.user("moe1", "moe_reviewer")
        assert app.test_cli_runner().invoke(args=["processes", "deploy"]).exit_code == 0
        self.at("2026-11-23T09:00")  # a Monday

    def at(self, text: str) -> datetime:
        moment = datetime.fromisoformat(text).replace(tzinfo=BJ)
        self.monkeypatch.setattr(clock, "now", lambda: moment)
        self.h = {n: bearer(self.client, n, PASSWORD)
                  for n in ("stu", "stu2", "disp", "logi", "aca", "psy", "lead", "zdisp", "moe1")}
        return moment

    def fire(self, text: str) -> str:
        result = self.app.test_cli_runner().invoke(args=["timers", "fire", "--at", text])
        assert result.exit_code == 0, result.output
        return result.output

    def file(self, who: str = "stu", **changes: object) -> int:
        response = self.client.post("/api/v1/complaints", json={**DORM, **changes}, headers=self.h[who])
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def get(self, who: str, complaint_id: int) -> object:
        return self.client.get(f"/api/v1/complaints/{complaint_id}", headers=self.h[who])

    def task(self, who: str, complaint_id: int, scope: str = "group") -> dict:
        instance_id = self.get("disp", complaint_id).get_json()["instance_id"]
        items = self.client.get(f"/api/v1/tasks?scope={scope}&instance={instance_id}",
                                headers=self.h[who]).get_json()["items"]
        assert len(items) == 1, items
        return items[0]

    def do(self, who: str, complaint_id: int, data: dict, scope: str = "group") -> object:
        task = self.task(who, complaint_id, scope)
        return self.client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data}, headers=self.h[who])

    def assign(self, complaint_id: int, department_id: int | None = None, **extra: object) -> None:
        response = self.do("disp", complaint_id, {"action": "assign",
                                                  "department_id": department_id or self.logistics_id, **extra})
        assert response.status_code == 200, response.get_json()

    def answer(self, complaint_id: int, who: str = "logi") -> None:
        response = self.do(who, complaint_id, {"action": "answer", "reply": "已安排维修，今日修复。"})
        assert response.status_code == 200, response.get_json()

    def rate(self, complaint_id: int, satisfaction: str, who: str = "stu") -> object:
        data = {"satisfaction": satisfaction}
        if satisfaction == "unsatisfied":
            data["comment"] = "还是没有热水"
        return self.do(who, complaint_id, data, scope="mine")
