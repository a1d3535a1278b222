"""Demo data: the Ministry, the operator, the 31 designated pilots with departments, demo accounts.

Everything comes from files under data/; running it twice changes nothing.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.config import ROOT
from app.extensions import db
from app.models import Org
from app.services import accounts

DATA = ROOT / "data"


def _load(name: str) -> dict[str, Any]:
    return json.loads(Path(DATA / name).read_text(encoding="utf-8"))


def _org(name: str, kind: str, parent_id: int | None = None, **extra: Any) -> Org:
    parent_clause = Org.parent_id.is_(None) if parent_id is None else Org.parent_id == parent_id
    found = db.session.scalar(select(Org).where(Org.name == name, Org.kind == kind, parent_clause))
    return found or accounts.create_org(name=name, kind=kind, parent_id=parent_id, commit=False, **extra)


def ensure_top_org(name: str, kind: str) -> Org:
    org = _org(name, kind)
    db.session.commit()
    return org


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
            commit=False,
        )
        created += 1
    db.session.commit()
    _load_demo_flows()
    return {"universities": len(named) - 2, "users_created": created}


def _load_demo_flows() -> None:
    """Deployed processes, a reporting period and two applications waiting for review, so that every
    role has something to look at on first start. Skipped where any of them exists already."""
    from app.services import info_reports, pilot_applications, processes

    for report in processes.deploy_path(processes.WORKFLOWS_DIR):
        if report.problems:
            raise RuntimeError(f"{report.path} does not deploy: {report.problems}")
    demo = _load("demo_flows.json")
    if not info_reports.periods():
        info_reports.create_period(**{k: date.fromisoformat(v) if k.endswith(("_on", "designated", "pilot"))
                                      else v for k, v in demo["report_period"].items()})
    if not pilot_applications.search(limit=1)[1]:
        for application in demo["applications"]:
            pilot_applications.submit(application)
