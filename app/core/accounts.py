"""Organisations and user accounts: creation, lookup and who may see which organisation."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from app.config import ROOT
from app.core import audit, paging, roles
from app.core.passwords import hash_password, password_problems
from app.core.unit_of_work import use_case
from app.errors import NotVisible, ValidationFailed
from app.extensions import db
from app.models import ORG_KINDS, PILOT_STATUSES, ROLES, SCHOOL_TYPES, Org, User, UserRole

# Which parent kind each org kind needs (None: top level).
_PARENT_KIND = {"ministry": None, "operator": None, "university": None, "department": "university"}
# Roles that only make sense inside a university (its own staff and students).
UNIVERSITY_ROLES = roles.ORG_SCOPED_ROLES  # an account holding one must belong to a university
ORG_READERS = roles.NATIONAL


@use_case
def create_org(
    *,
    name: str,
    kind: str,
    parent_id: int | None = None,
    province: str | None = None,
    code: str | None = None,
    school_type: str | None = None,
    pilot_status: str | None = None,
    pilot_batch: int | None = None,
    actor_id: int | None = None,
) -> Org:
    fields: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        fields["name"] = ["名称不能为空"]
    if kind not in ORG_KINDS:
        fields["kind"] = [f"类型须为 {', '.join(ORG_KINDS)} 之一"]
    if school_type is not None and school_type not in SCHOOL_TYPES:
        fields["school_type"] = [f"办学类型须为 {', '.join(SCHOOL_TYPES)} 之一"]
    if pilot_status is not None and pilot_status not in PILOT_STATUSES:
        fields["pilot_status"] = [f"试点状态须为 {', '.join(PILOT_STATUSES)} 之一"]
    parent = db.session.get(Org, parent_id) if parent_id is not None else None
    if parent_id is not None and parent is None:
        fields["parent_id"] = ["上级单位不存在"]
    elif kind in _PARENT_KIND:
        wanted = _PARENT_KIND[kind]
        if wanted and (parent is None or parent.kind != wanted):
            fields["parent_id"] = ["院系/部门必须隶属于一所高校"]
        if wanted is None and parent is not None:
            fields["parent_id"] = ["该类型单位不能有上级单位"]
    if not fields and _name_taken(name, parent_id):
        fields["name"] = ["同一上级下已有同名单位"]
    if fields:
        raise ValidationFailed("单位信息有误", fields)
    org = Org(
        name=name,
        kind=kind,
        parent_id=parent_id,
        province=province or (parent.province if parent else None),
        code=code,
        school_type=school_type,
        pilot_status=pilot_status,
        pilot_batch=pilot_batch,
    )
    db.session.add(org)
    db.session.flush()
    audit.record("org.created", "org", org.id, actor_id=actor_id, org_id=org.id, name=name, kind=kind)
    return org


def _name_taken(name: str, parent_id: int | None) -> bool:
    parent_clause = Org.parent_id.is_(None) if parent_id is None else Org.parent_id == parent_id
    return (db.session.scalar(select(func.count()).where(Org.name == name, parent_clause)) or 0) > 0


def list_orgs(
    *, kind: str | None = None, parent_id: int | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[Org], int]:
    query = select(Org)
    if kind:
        query = query.where(Org.kind == kind)
    if parent_id is not None:
        query = query.where(Org.parent_id == parent_id)
    return paging.page(query, Org.id, limit=limit, offset=offset)


def pilot_universities(*, by_batch: bool = False) -> list[Org]:
    """The counted pilots (designated and self-declared), by province and name (first by batch)."""
    order = (Org.pilot_batch, Org.province, Org.name) if by_batch else (Org.province, Org.name)
    return list(db.session.scalars(select(Org).where(
        Org.kind == "university", Org.pilot_status.in_(roles.COUNTED_PILOT_STATUSES)).order_by(*order)))


def get_org_for(viewer: User, org_id: int) -> Org:
    """An org the viewer may see: national roles see all; others their own university's tree."""
    org = db.session.get(Org, org_id)
    if org is None:
        raise NotVisible()
    if viewer.has_role(*ORG_READERS):
        return org
    if org.university_id() is not None and org.university_id() == viewer.org.university_id():
        return org
    if org.id == viewer.org_id:
        return org
    raise NotVisible()


@use_case
def create_user(
    *,
    username: str,
    password: str,
    display_name: str | None,
    org_id: int | None,
    roles: list[str],
    email: str | None = None,
    actor_id: int | None = None,
) -> User:
    fields: dict[str, list[str]] = {}
    username = (username or "").strip()
    if not username:
        fields["username"] = ["用户名不能为空"]
    elif db.session.scalar(select(func.count()).where(User.username == username)):
        fields["username"] = ["用户名已被使用"]
    problems = password_problems(password or "")
    if problems:
        fields["password"] = problems
    org = db.session.get(Org, org_id) if org_id is not None else None
    if org is None:
        fields["org_id"] = ["所属单位不存在"]
    unknown = [r for r in roles if r not in ROLES]
    if not roles:
        fields["roles"] = ["至少需要一个角色"]
    elif unknown:
        fields["roles"] = [f"未知角色：{', '.join(unknown)}"]
    elif org is not None and (UNIVERSITY_ROLES & set(roles)) and org.university_id() is None:
        fields["roles"] = ["高校角色的账号必须属于高校或其院系部门"]
    if fields:
        raise ValidationFailed("账号信息有误", fields)
    assert org is not None
    user = User(
        username=username,
        password_hash=hash_password(password),
        display_name=(display_name or username).strip(),
        email=email,
        org_id=org.id,
        role_rows=[UserRole(role=r) for r in dict.fromkeys(roles)],
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.created", "user", user.id, actor_id=actor_id, org_id=org.id, username=username, roles=roles
    )
    return user


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def list_users(*, limit: int = 50, offset: int = 0, query: str = "") -> tuple[list[User], int]:
    stmt = select(User)
    if query:
        like = f"%{query}%"
        stmt = stmt.where(User.username.ilike(like) | User.display_name.ilike(like))
    return paging.page(stmt, User.id, limit=limit, offset=offset)


def standard_departments() -> list[dict[str, str]]:
    """The departments every pilot university gets (data/departments.json)."""
    path = ROOT / "data" / "departments.json"
    return list(json.loads(path.read_text(encoding="utf-8"))["departments"])


@use_case
def add_standard_departments(university: Org, *, actor_id: int | None = None) -> list[Org]:
    """Create the standard departments a university lacks (by code); returns all of them."""
    existing = {o.code: o for o in db.session.scalars(select(Org).where(Org.parent_id == university.id))}
    result = []
    for dept in standard_departments():
        org = existing.get(dept["code"]) or create_org(name=dept["name"], kind="department",
                                                       parent_id=university.id, code=dept["code"],
                                                       actor_id=actor_id)
        result.append(org)
    return result
