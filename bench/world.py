"""The accounts the benchmark drives: per university a dispatcher (接诉即办中心), a handler of the
logistics department and students; a ministry reviewer and an operator. Built through the app's own
services (orgs, accounts, tokens) so that they are exactly what the API expects."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from bench.env import make_app

PASSWORD = "bench-pass-2026"


@dataclass
class Campus:
    university_id: int
    logistics_id: int
    dispatcher: str  # bearer tokens
    handler: str
    students: list[str] = field(default_factory=list)
    student_ids: list[int] = field(default_factory=list)
    dispatcher_id: int = 0
    handler_id: int = 0


@dataclass
class World:
    campuses: list[Campus]
    ministry_id: int
    moe: str
    moe_id: int
    operator: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _cheap_hashing() -> None:
    """argon2id at minimal cost for benchmark accounts (logins are not what is measured)."""
    from argon2 import PasswordHasher

    from app.core import passwords

    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def build(url: str, *, universities: int, students_per_campus: int, prefix: str = "b") -> World:
    """Universities with the standard departments (data/departments.json), accounts and 24 h tokens;
    deploys the BPMN files."""
    from app.core import accounts, auth
    from app.core.unit_of_work import unit_of_work
    from app.extensions import db
    from app.install import seed_demo as seed
    from app.workflow import processes

    _cheap_hashing()
    app = make_app(url)
    app.config["API_TOKEN_TTL_SECONDS"] = 24 * 3600
    with app.app_context():
        processes.deploy_path(processes.WORKFLOWS_DIR)
        ministry = seed.ensure_top_org("教育部思想政治工作司", "ministry")
        operator_org = seed.ensure_top_org("全国高校思想政治工作网", "operator")

        def user(name: str, role: str, org_id: int) -> Any:
            return accounts.create_user(username=f"{prefix}_{name}", password=PASSWORD, display_name=name,
                                        org_id=org_id, roles=[role])

        with unit_of_work():  # one transaction for the whole world
            campuses = []
            for i in range(universities):
                uni = accounts.create_org(name=f"基准大学{prefix}{i:04d}", kind="university", province="北京",
                                          school_type="undergraduate", pilot_status="self_pilot")
                depts = {d.code: d for d in accounts.add_standard_departments(uni)}
                disp = user(f"disp{i}", "dispatcher", uni.id)
                handler = user(f"logi{i}", "department_handler", depts["logistics"].id)
                students = [user(f"stu{i}_{j}", "student", uni.id) for j in range(students_per_campus)]
                db.session.flush()
                campuses.append((uni, depts["logistics"], disp, handler, students))
            moe = user("moe", "moe_reviewer", ministry.id)
            op = user("operator", "operator", operator_org.id)

        def token(u: Any) -> str:
            return auth.issue_token(u).token

        world = World(
            campuses=[Campus(university_id=uni.id, logistics_id=dept.id, dispatcher=token(disp),
                             handler=token(handler), students=[token(s) for s in students],
                             student_ids=[s.id for s in students], dispatcher_id=disp.id, handler_id=handler.id)
                      for uni, dept, disp, handler, students in campuses],
            ministry_id=ministry.id, moe=token(moe), moe_id=moe.id, operator=token(op))
        db.session.remove()
    return world
