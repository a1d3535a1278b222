"""Who may read which complaint figures: national roles the nation and any organisation; a university's
dispatchers and leadership their university and its departments; a department its own figures."""

from __future__ import annotations

from typing import TypedDict

from app.core import roles
from app.errors import Forbidden, NotVisible
from app.extensions import db
from app.models import Org, User

NATIONAL = roles.NATIONAL
UNIVERSITY_WIDE = ("dispatcher", "university_admin")


class MetricsScope(TypedDict):
    """Whose figures: the keyword arguments of complaint_metrics.compute (`compute(**scope)`)."""

    university_id: int | None
    department_id: int | None


def university_of(org_id: int) -> int | None:
    org = db.session.get(Org, org_id)
    return org.university_id() if org else None


def metrics_scope(user: User, org_id: int | None) -> MetricsScope:
    """{"university_id", "department_id"} the user asked for and may read; None/None is national."""
    if org_id is None:
        if user.has_role(*NATIONAL):
            return {"university_id": None, "department_id": None}
        if user.has_role(*UNIVERSITY_WIDE) and user.org.university_id() is not None:
            return {"university_id": user.org.university_id(), "department_id": None}
        if user.has_role("department_handler") and user.org.kind == "department":
            return {"university_id": user.org.parent_id, "department_id": user.org_id}
        raise Forbidden("无权查看诉求统计")
    org = db.session.get(Org, org_id)
    if org is None or org.kind not in ("university", "department"):
        raise NotVisible("单位不存在")
    scope: MetricsScope = {"university_id": org.university_id(),
                           "department_id": org.id if org.kind == "department" else None}
    if user.has_role(*NATIONAL):
        return scope
    if user.has_role(*UNIVERSITY_WIDE) and user.org.university_id() == org.university_id():
        return scope
    if user.has_role("department_handler") and org.kind == "department" and user.org_id == org.id:
        return scope
    raise NotVisible("单位不存在")
