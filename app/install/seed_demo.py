"""Demo data: the Ministry, the operator, the 31 designated pilots with departments, demo accounts.

Everything comes from files under data/; running it twice changes nothing.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select

from app.config import ROOT
from app.core import accounts
from app.core.unit_of_work import use_case
from app.extensions import db
from app.models import Org, User, UserRole

T = TypeVar("T")
DATA = ROOT / "data"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(DATA / name).read_text(encoding="utf-8"))
    return data


def _org(name: str, kind: str, parent_id: int | None = None, **extra: Any) -> Org:
    parent_clause = Org.parent_id.is_(None) if parent_id is None else Org.parent_id == parent_id
    found = db.session.scalar(select(Org).where(Org.name == name, Org.kind == kind, parent_clause))
    return found or accounts.create_org(name=name, kind=kind, parent_id=parent_id, **extra)


def ensure_top_org(name: str, kind: str) -> Org:
    return _org(name, kind)


@use_case
def load_pilots() -> dict[str, Org]:
    """The 31 designated pilots and their departments; returns universities by name."""
    universities = {}
    for pilot in _load("designated_pilots.json")["pilots"]:
        university = _org(pilot["name"], "university", province=pilot["province"],
                          school_type=pilot["school_type"], pilot_status="designated",
                          pilot_batch=pilot["batch"])
        accounts.add_standard_departments(university)
        universities[university.name] = university
    return universities


def _resolve_org(ref: str, named: dict[str, Org]) -> Org:
    """`ministry`, `operator`, a university name, or `university/department-code`."""
    name, _, code = ref.partition("/")
    org = named[name]
    if code:
        dept = db.session.scalar(select(Org).where(Org.parent_id == org.id, Org.code == code))
        if dept is None:
            raise LookupError(f"no department {code!r} in {name}")
        return dept
    return org


def load_demo() -> dict[str, int]:
    universities, created = _load_accounts()
    _load_demo_flows()
    from app.assessment import demo as assessment_demo
    from app.assessment import indicators

    indicators.load_all()
    assessment_demo.load_demo()
    return {"universities": universities, "users_created": created}


@use_case
def _load_accounts() -> tuple[int, int]:
    """The ministry, the operator, the pilots and the demo accounts: (universities, accounts created)."""
    demo = _load("demo_accounts.json")
    named: dict[str, Org] = {
        "ministry": _org(demo["ministry"], "ministry"),
        "operator": _org(demo["operator"], "operator"),
    }
    named.update(load_pilots())
    created = 0
    for account in demo["accounts"]:
        if accounts.find_user(account["username"]) is not None:
            continue
        accounts.create_user(
            username=account["username"],
            password=demo["password"],
            display_name=account["display_name"],
            org_id=_resolve_org(account["org"], named).id,
            roles=account["roles"],
        )
        created += 1
    return len(named) - 2, created


def _load_demo_flows() -> None:
    """Deployed processes, a reporting period and two applications waiting for review, so that every
    role has something to look at on first start. Skipped where any of them exists already."""
    from app.pilot import applications as pilot_applications
    from app.pilot import info_reports, review_windows
    from app.workflow import processes

    for report in processes.deploy_path(processes.WORKFLOWS_DIR):
        if report.problems:
            raise RuntimeError(f"{report.path} does not deploy: {report.problems}")
    demo = _load("demo_flows.json")
    if not info_reports.periods():
        period: dict[str, Any] = {k: date.fromisoformat(v) if k.endswith(("_on", "designated", "pilot")) else v
                                  for k, v in demo["report_period"].items()}
        info_reports.create_period(None, **period)
    if not pilot_applications.search(limit=1)[1]:
        # In a window open today, so that the ministry can review them at once (the scheduler opens it
        # within a minute of `make run`): nobody has to move time forward to see the batch review.
        today = review_windows.today()
        open_now = review_windows.Window(today, today + timedelta(days=review_windows.DEFAULT_DAYS - 1))
        for application in demo["applications"]:
            pilot_applications.submit(application, window=open_now)
    _demo_posts(demo["posts"])
    _demo_complaints(demo["complaints"])


def _user(username: str) -> User:
    user = accounts.find_user(username)
    if user is None:
        raise LookupError(f"demo account {username} is missing")
    return user


def _found(row: T | None, what: str) -> T:
    """A row the demo data relies on (a seeded department, a started instance …)."""
    if row is None:
        raise LookupError(f"demo data: {what} is missing")
    return row


def _complete_only_task(instance_id: int | None, actor: User | None, data: dict[str, Any]) -> None:
    """Do the one open task of an instance as `actor` (demo cases are walked through their flows)."""
    from app.workflow import tasks

    actor, instance_id = _found(actor, "the demo account to act"), _found(instance_id, "the instance")
    [task] = tasks.inbox(actor, tasks.InboxQuery(scope="group", instance=instance_id))[0]
    tasks.complete(actor, task.id, data)


def _demo_posts(posts: list[dict[str, Any]]) -> None:
    from app.models import Post, PostRevision
    from app.posts import writing as post_service

    if db.session.scalar(select(Post.id).limit(1)) is not None:
        return
    operator = _user("operator")
    for item in posts:
        post = post_service.create(_user(item["author"]), item, submit=True)
        if item["publish"]:
            revision = db.session.scalar(select(PostRevision).where(PostRevision.post_id == post.id))
            revision = _found(revision, f"the revision of post {post.id}")
            _complete_only_task(revision.instance_id, operator, {"decision": "approve"})


def _demo_complaints(complaints: list[dict[str, Any]]) -> None:
    from app.complaints import cases as complaint_service
    from app.models import Complaint

    if db.session.scalar(select(Complaint.id).limit(1)) is not None:
        return
    for item in complaints:
        student = _user(item["student"])
        complaint = complaint_service.file(student, item)
        if "assign_to" not in item:
            continue
        department = _found(db.session.scalar(select(Org).where(Org.parent_id == complaint.university_id,
                                                                Org.code == item["assign_to"])),
                            f"department {item['assign_to']}")
        dispatcher = db.session.scalar(select(User).join(UserRole).where(
            UserRole.role == "dispatcher", User.org_id == complaint.university_id))
        _complete_only_task(complaint.instance_id, dispatcher, {"action": "assign", "department_id": department.id})
        handler = db.session.scalar(select(User).join(UserRole).where(
            UserRole.role == "department_handler", User.org_id == department.id))
        _complete_only_task(complaint.instance_id, handler, {"action": "answer", "reply": item["answer"]})
