"""Shared steps for the Flow A and 信息表 page tests: people, a clock to move, timers to fire, and
browsers (test clients with their own cookie jars) that log in and post forms with their CSRF token."""

from __future__ import annotations

import re
from datetime import datetime
from io import BytesIO
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.core import clock
from tests.conftest import ROOT, World, bearer, csrf_from, login
from tests.support.files import PDF

BJ = clock.SHANGHAI
FORM = {
    "university_name": "江南示范大学", "province": "江苏", "school_type": "undergraduate",
    "contact_name": "王老师", "contact_phone": "025-88886666", "contact_email": "wang@jnu.example.cn",
    "lead_department": "党委学生工作部", "community_students": "12000", "community_buildings": "18",
    "existing_work": "建成书院制社区 4 个。", "plan_text": "以书院制学生社区为载体，推进党建引领、队伍入驻、学生参与。",
}
PROCESSES = ("pilot_application.bpmn", "info_report.bpmn")
PEOPLE = {"root": "process_admin", "moe1": "moe_reviewer", "op1": "operator", "op2": "operator",
          "stu": "student", "buaa": "university_admin"}


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def flashes(html: str) -> list[str]:
    found = re.findall(r'<div class="alert alert-[a-z]+" role="alert">(.*?)</div>', html, re.S)
    return [re.sub(r"\s+", " ", m).strip() for m in found]


class Pilot:
    def __init__(self, app: Flask, world: World, monkeypatch: Any) -> None:
        self.app, self.world, self.monkeypatch = app, world, monkeypatch
        for name, role in PEOPLE.items():
            world.user(name, role)
        world.user("zju", "university_admin", world.other_uni)
        for process in PROCESSES:  # just these: the flows under test, not every file in workflows/
            result = app.test_cli_runner().invoke(args=["processes", "deploy", str(ROOT / "workflows" / process)])
            assert result.exit_code == 0, result.output
        self.anon = app.test_client()
        self.applicants = 0  # each application comes from its own address: /apply allows 5 an hour per address

    def at(self, moment: str) -> None:
        when = datetime.fromisoformat(moment).replace(tzinfo=BJ)
        self.monkeypatch.setattr(clock, "now", lambda: when)

    def fire(self, moment: str) -> str:
        result = self.app.test_cli_runner().invoke(args=["timers", "fire", "--at", moment])
        assert result.exit_code == 0, result.output
        return result.output

    def web(self, username: str, password: str | None = None) -> FlaskClient:
        client = self.app.test_client()
        response = login(client, username, password) if password else login(client, username)
        assert response.status_code == 302, text(response)
        return client

    def api(self, username: str) -> dict[str, str]:
        return bearer(self.app.test_client(), username)

    @staticmethod
    def post(client: FlaskClient, url: str, data: dict[str, Any], *, page: str | None = None,
             **kwargs: Any) -> Any:
        token = csrf_from(text(client.get(page or url)))
        return client.post(url, data={**data, "csrf_token": token}, **kwargs)

    def apply(self, client: FlaskClient | None = None, *, plan_pdf: bool = False, **changes: str) -> Any:
        client = client or self.anon
        data: dict[str, Any] = {**FORM, **changes}
        if plan_pdf:
            data["plan_file"] = (BytesIO(PDF), "工作计划书.pdf")
        self.applicants += 1
        address = f"10.9.{self.applicants // 250}.{self.applicants % 250 + 1}"
        return self.post(client, "/apply", data, content_type="multipart/form-data",
                         environ_base={"REMOTE_ADDR": address})

    def code_of(self, response: Any) -> str:
        assert response.status_code == 303, text(response)
        match = re.search(r"/apply/submitted/(SP[A-Z0-9]+)$", response.headers["Location"])
        assert match, response.headers["Location"]
        return match.group(1)

    def review_tasks(self, username: str = "moe1") -> list[dict[str, Any]]:
        client = self.app.test_client()
        body = client.get("/api/v1/tasks?scope=group&process=pilot_application", headers=self.api(username))
        return body.get_json()["items"]
