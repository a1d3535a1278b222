"""The world the authorization matrix runs in: one person per role at "our" university (A), the same
roles at another university (B), and for each side the objects a URL can name: a workflow instance and
its task, a complaint (plus, at A, a psych-hotline ticket and an anonymous one), a 育人号 post and its
image, a 成果展示 entry, an info report, assessments and the evidence file one cites, API tokens.
Factories make fresh objects for the cells that change them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from io import BytesIO
from types import SimpleNamespace
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.core import accounts, auth, uploads
from app.extensions import db
from app.models import ApiToken, Complaint, HumanTask, PilotApplication, User
from tests.conftest import World, bearer, csrf_from, login
from tests.support.complaints import DORM
from tests.support.files import PDF
from tests.support.workflow import SUBMIT

# The matrix's columns: who asks. Each role's person belongs to university A (its departments for
# department_handler); national roles to the ministry / operator.
ROLES = ("anon", "process_admin", "moe_reviewer", "operator", "university_admin", "dispatcher",
         "department_handler", "student")
PSYCH = {"channel": "psych_hotline", "category": "mental_health", "title": "最近失眠焦虑",
         "content": "考试临近，最近一直失眠，情绪很低落。", "anonymous": False}


def png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


@dataclass
class Side:
    """One university's people and objects."""

    uni: SimpleNamespace
    people: dict[str, str] = field(default_factory=dict)  # role -> username
    ids: dict[str, Any] = field(default_factory=dict)


class MatrixWorld:
    def __init__(self, app: Flask, client: FlaskClient, world: World) -> None:
        self.app, self.client, self.world = app, client, world
        assert app.test_cli_runner().invoke(args=["processes", "deploy"]).exit_code == 0
        with app.app_context():
            psych_a = accounts.create_org(name="心理健康教育与咨询中心", kind="department", parent_id=world.uni.id,
                                          code="psych").id
        self.sides = {"own": Side(world.uni), "other": Side(world.other_uni)}
        for name, side in self.sides.items():
            suffix = "" if name == "own" else "_b"
            depts = {"own": world.logistics, "other": world.other_logistics}
            for role in ("university_admin", "dispatcher", "student"):
                side.people[role] = world.user(f"{role}{suffix}", role, side.uni).username
            side.people["department_handler"] = world.user(f"department_handler{suffix}", "department_handler",
                                                           depts[name]).username
        for role in ("process_admin", "moe_reviewer", "operator"):
            world.user(role, role)
        world.user("psych_handler", "department_handler", SimpleNamespace(id=psych_a))
        self.psych_dept = psych_a
        self.last: dict[str, Any] = {}  # the URL parameters of the cell being run (bodies may refer to them)
        self.headers = {u: bearer(client, u) for side in self.sides.values() for u in side.people.values()}
        self.headers.update({r: bearer(client, r) for r in ("process_admin", "moe_reviewer", "operator",
                                                              "psych_handler")})
        self._build()

    # ---------------------------------------------------------------- people

    def username(self, role: str) -> str | None:
        """The asking person for a column: A's people, the national roles."""
        if role == "anon":
            return None
        return self.sides["own"].people.get(role, role)

    def api_headers(self, role: str) -> dict[str, str]:
        name = self.username(role)
        return dict(self.headers[name]) if name else {}

    def throwaway_token(self, role: str) -> dict[str, str]:
        name = self.username(role)
        if name is None:
            return {}
        with self.app.app_context():
            user = db.session.scalar(select(User).where(User.username == name))
            return {"Authorization": f"Bearer {auth.issue_token(user).token}"}

    def browser(self, role: str, username: str | None = None) -> tuple[FlaskClient, str]:
        """A logged-in test client for the role (its own cookie jar) and a CSRF token of its session."""
        browser = self.app.test_client()
        name = username or self.username(role)
        if name is None:
            return browser, csrf_from(browser.get("/login").get_data(as_text=True))
        assert login(browser, name).status_code == 302
        page = browser.get("/account").get_data(as_text=True)
        return browser, csrf_from(page)

    def fresh_person(self, role: str) -> str | None:
        """A new account with the role, at A: for cells that end its sessions (logout, password)."""
        if role == "anon":
            return None
        self._fresh = getattr(self, "_fresh", 0) + 1
        org = {"process_admin": self.world.operator_org, "operator": self.world.operator_org,
               "moe_reviewer": self.world.ministry, "department_handler": self.world.logistics}.get(
                   role, self.world.uni)
        return self.world.user(f"fresh{self._fresh}", role, org).username

    # ---------------------------------------------------------------- objects

    def _post(self, url: str, who: str, body: Any = None, **kwargs: Any) -> Any:
        response = self.client.post(url, json=body, headers=self.headers[who], **kwargs)
        assert response.status_code in (200, 201), (url, response.get_json())
        return response.get_json()

    def new_instance(self, side: str) -> dict[str, int]:
        """A demo_approval case of the side's university, waiting for the university's submission."""
        uni = self.sides[side].people["university_admin"]
        instance = self._post("/api/v1/processes/demo_approval/instances", uni, {"data": {}})
        return {"instance_id": instance["id"], "task_id": instance["tasks"][0]["id"]}

    def new_review(self, side: str) -> dict[str, int]:
        """A demo_approval case submitted by the side's university: the operators' review task."""
        made = self.new_instance(side)
        self._post(f"/api/v1/tasks/{made['task_id']}/complete", self.sides[side].people["university_admin"],
                   {"data": SUBMIT})
        with self.app.app_context():
            task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == made["instance_id"],
                                                             HumanTask.status == "ready"))
            return {"instance_id": made["instance_id"], "task_id": task.id}

    def new_complaint(self, side: str, **changes: Any) -> dict[str, int]:
        people = self.sides[side].people
        with self.app.app_context():
            student = db.session.scalar(select(User).where(User.username == people["student"]))
            photo = uploads.save(FileStorage(BytesIO(png()), filename="photo.png"), owner_id=student.id,
                                 org_id=student.org_id, accept=["png"])
            db.session.commit()
            photo_id = photo.id
        made = self._post("/api/v1/complaints", people["student"], {**DORM, **changes, "attachments": [photo_id]})
        with self.app.app_context():
            complaint = db.session.get(Complaint, made["id"])
            task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == complaint.instance_id,
                                                             HumanTask.status == "ready"))
            return {"complaint_id": made["id"], "instance_id": complaint.instance_id, "task_id": task.id,
                    "file_id": photo_id}

    def new_post(self, side: str) -> dict[str, int]:
        uni = self.sides[side].people["university_admin"]
        image = self.client.post("/api/v1/post-files", data={"kind": "image", "file": (BytesIO(png()), "a.png")},
                                 content_type="multipart/form-data", headers=self.headers[uni])
        assert image.status_code == 201, image.get_json()
        image_id = image.get_json()["id"]
        post = self._post("/api/v1/posts", uni, {"module": "overview", "title": "社区建设进展",
                                                 "body_html": f'<p>正文</p><img src="/media/posts/{image_id}">'})
        with self.app.app_context():
            task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == post["instance_id"],
                                                             HumanTask.status == "ready"))
            return {"post_id": post["id"], "instance_id": post["instance_id"], "task_id": task.id,
                    "file_id": image_id}

    def new_showcase_entry(self, side: str) -> int:
        """A post of the side's university, published, nominated by the operator and admitted by the
        ministry: an entry of the 成果展示 column, which an operator may withdraw."""
        made = self.new_post(side)
        self._post(f"/api/v1/tasks/{made['task_id']}/complete", "operator", {"data": {"decision": "approve"}})
        entry = self._post(f"/api/v1/posts/{made['post_id']}/showcase", "operator",
                           {"kind": "typical_experience", "reason": "可复制可推广"})
        with self.app.app_context():
            task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == entry["instance_id"],
                                                             HumanTask.status == "ready"))
            task_id = task.id
        self._post(f"/api/v1/tasks/{task_id}/complete", "moe_reviewer", {"data": {"decision": "approve"}})
        return int(entry["id"])

    def new_period(self) -> int:
        """A report period (national) in which nobody has reported yet."""
        self._periods = getattr(self, "_periods", 0) + 1
        today = date.today()
        period = self._post("/api/v1/report-periods", "moe_reviewer", {
            "code": f"2099-{self._periods + 1}", "name": f"矩阵测试学期{self._periods}",
            "starts_on": (today - timedelta(days=30)).isoformat(), "ends_on": (today + timedelta(days=90)).isoformat(),
            "due_designated": (today + timedelta(days=30)).isoformat(),
            "due_self_pilot": (today + timedelta(days=45)).isoformat()})
        return int(period["id"])

    def _build(self) -> None:
        today = date.today()
        period = self._post("/api/v1/report-periods", "moe_reviewer", {
            "code": "2099-1", "name": "矩阵测试学期", "starts_on": (today - timedelta(days=30)).isoformat(),
            "ends_on": (today + timedelta(days=90)).isoformat(),
            "due_designated": (today + timedelta(days=30)).isoformat(),
            "due_self_pilot": (today + timedelta(days=45)).isoformat()})
        self.period_id = period["id"]
        deadline = self._post("/api/v1/post-deadlines", "moe_reviewer", {
            "name": "矩阵测试期限", "due_designated": (today + timedelta(days=30)).isoformat(),
            "due_self_pilot": (today + timedelta(days=60)).isoformat()})
        self.deadline_id = deadline["id"]
        application = self.client.post("/api/v1/pilot-applications", json={
            "university_name": "江南示范大学", "province": "江苏", "school_type": "undergraduate",
            "contact_name": "王老师", "contact_phone": "025-88886666", "contact_email": "wang@jnu.example.cn",
            "plan_text": "以书院制学生社区为载体，推进党建引领、队伍入驻、学生参与。"})
        assert application.status_code == 201, application.get_json()
        self.tracking_code = application.get_json()["tracking_code"]
        self.application_id = application.get_json()["id"]
        for name, side in self.sides.items():
            side.ids.update(self.new_instance(name))
            side.ids["review"] = self.new_review(name)
            side.ids["complaint"] = self.new_complaint(name)
            side.ids["post"] = self.new_post(name)
            side.ids["showcase_entry_id"] = self.new_showcase_entry(name)
            draft = self.client.put(f"/api/v1/report-periods/{self.period_id}/my-report",
                                    json={"data": {"basic_buildings": 20}},
                                    headers=self.headers[side.people["university_admin"]])
            assert draft.status_code == 200, draft.get_json()
            side.ids["report_id"] = draft.get_json()["id"]
            with self.app.app_context():
                user = db.session.scalar(select(User).where(User.username == side.people["student"]))
                side.ids["token_id"] = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id))
        own = self.sides["own"]
        psych = self.new_complaint("own", **PSYCH)
        disp = own.people["dispatcher"]
        self._post(f"/api/v1/tasks/{psych['task_id']}/complete", disp,
                   {"data": {"action": "assign", "department_id": self.psych_dept}})
        own.ids["psych"] = psych
        own.ids["anonymous"] = self.new_complaint("own", anonymous=True)
        with self.app.app_context():
            assert db.session.get(PilotApplication, self.application_id) is not None
        self._build_assessments()

    def _build_assessments(self) -> None:
        """考核验收 (the data platform): a round for both universities; each side's assessment."""
        if "indicators" not in self.app.cli.commands:
            return
        assert self.app.test_cli_runner().invoke(args=["indicators", "load"]).exit_code == 0
        from app.models.assessment import Assessment

        today = date.today()
        rounds = []
        for name in ("矩阵测试考核（自评中）", "矩阵测试考核（评审中）"):
            rounds.append(self._post("/api/v1/assessment-rounds", "moe_reviewer", {
                "name": name, "self_due": (today + timedelta(days=20)).isoformat(), "review_days": 10,
                "university_ids": [side.uni.id for side in self.sides.values()]})["id"])
        self.round_id = rounds[0]
        with self.app.app_context():
            for side in self.sides.values():
                for key, round_id in zip(("assessment_id", "review_assessment_id"), rounds, strict=True):
                    side.ids[key] = db.session.scalar(select(Assessment.id).where(
                        Assessment.round_id == round_id, Assessment.university_id == side.uni.id))
        for side in self.sides.values():  # each side's first-round self-assessment cites an evidence file
            uni, assessment_id = side.people["university_admin"], side.ids["assessment_id"]
            evidence = self.client.post("/api/v1/assessment-files", content_type="multipart/form-data",
                                        data={"file": (BytesIO(PDF), "佐证材料.pdf")},
                                        headers=self.headers[uni])
            assert evidence.status_code == 201, evidence.get_json()
            side.ids["evidence_file_id"] = evidence.get_json()["id"]
            code = self.client.get(f"/api/v1/assessments/{assessment_id}",
                                   headers=self.headers[uni]).get_json()["items"][0]["code"]
            cited = self.client.put(f"/api/v1/assessments/{assessment_id}/self", headers=self.headers[uni], json={
                "items": [{"code": code, "evidence_file_ids": [side.ids["evidence_file_id"]]}]})
            assert cited.status_code == 200, cited.get_json()
        for side in self.sides.values():  # the second round's self-assessments are submitted: in review
            uni, assessment_id = side.people["university_admin"], side.ids["review_assessment_id"]
            items = self.client.get(f"/api/v1/assessments/{assessment_id}", headers=self.headers[uni]).get_json()
            entries = [{"code": i["code"], "rating": "met", "statement": "已落实。"} for i in items["items"]]
            self.client.put(f"/api/v1/assessments/{assessment_id}/self", json={"items": entries},
                            headers=self.headers[uni])
            self._post(f"/api/v1/assessments/{assessment_id}/self/submit", uni, {})

    def side(self, name: str) -> Side:
        return self.sides[name]

