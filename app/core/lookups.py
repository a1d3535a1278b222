"""Names to show for ids, one query per kind: the pages of every domain show who did what, where."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from app.extensions import db
from app.models import Org, StoredFile, User


def user_names(ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of these accounts in one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = db.session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {row.id: row.display_name for row in rows}


def org_names(ids: Iterable[object]) -> dict[int, str]:
    wanted = {i for i in ids if isinstance(i, int) and not isinstance(i, bool)}
    if not wanted:
        return {}
    return {row.id: row.name for row in db.session.execute(select(Org.id, Org.name).where(Org.id.in_(wanted)))}


def orgs_by_id(ids: Iterable[int]) -> dict[int, Org]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {org.id: org for org in db.session.scalars(select(Org).where(Org.id.in_(wanted)))}


def file_names(ids: Iterable[int]) -> dict[int, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = db.session.execute(select(StoredFile.id, StoredFile.filename).where(StoredFile.id.in_(wanted)))
    return {row.id: row.filename for row in rows}
