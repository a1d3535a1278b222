"""Shared steps for the workflow-core API tests (the demo_approval process)."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import ROOT, World, bearer

DEMO = (ROOT / "workflows" / "demo_approval.bpmn").read_bytes()
SUBMIT = {"project_name": "书院制学生社区建设", "description": "建设书院制学生社区，推动管理服务下沉。"}


class Actors:
    """Bearer headers for one person per role of the demo process."""

    def __init__(self, client: FlaskClient, world: World) -> None:
        world.user("root", "process_admin")
        world.user("buaa", "university_admin")
        world.user("zju", "university_admin", world.other_uni)
        world.user("op1", "operator")
        world.user("op2", "operator")
        world.user("stu", "student")
        self.client = client
        self.headers = {name: bearer(client, name) for name in ("root", "buaa", "zju", "op1", "op2", "stu")}

    def __getitem__(self, name: str) -> dict[str, str]:
        return self.headers[name]

    def deploy(self, xml: bytes = DEMO) -> dict:
        response = self.client.post("/api/v1/processes", data=xml, content_type="application/xml",
                                    headers=self["root"])
        assert response.status_code in (200, 201), response.get_json()
        return response.get_json()

    def start(self, who: str = "buaa") -> dict:
        response = self.client.post("/api/v1/processes/demo_approval/instances", json={"data": {}},
                                    headers=self[who])
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def inbox(self, who: str, scope: str = "group", **params: str) -> list[dict]:
        query = "&".join(f"{k}={v}" for k, v in {"scope": scope, **params}.items())
        response = self.client.get(f"/api/v1/tasks?{query}", headers=self[who])
        assert response.status_code == 200, response.get_json()
        return response.get_json()["items"]

    def complete(self, who: str, task_id: int, data: dict) -> object:
        return self.client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": data}, headers=self[who])

    def submitted(self) -> tuple[dict, dict]:
        """Deploy, start as the university, submit: returns (instance, the operator's review task)."""
        self.deploy()
        instance = self.start()
        submit = self.inbox("buaa")[0]
        assert self.complete("buaa", submit["id"], SUBMIT).status_code == 200
        review = [t for t in self.inbox("op1") if t["instance_id"] == instance["id"]][0]
        return instance, review
