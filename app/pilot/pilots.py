"""The pilot universities (designated and self-pilot): search for lists and exports."""

from __future__ import annotations

from sqlalchemy import select

from app.core import paging, roles
from app.models import Org

PILOT_STATUSES = roles.COUNTED_PILOT_STATUSES


def search(*, province: str | None = None, school_type: str | None = None, batch: int | None = None,
           status: str | None = None, q: str | None = None, limit: int = 100,
           offset: int = 0) -> tuple[list[Org], int]:
    query = select(Org).where(Org.kind == "university", Org.pilot_status.in_(PILOT_STATUSES))
    if province:
        query = query.where(Org.province == province)
    if school_type:
        query = query.where(Org.school_type == school_type)
    if batch:
        query = query.where(Org.pilot_batch == batch)
    if status:
        query = query.where(Org.pilot_status == status)
    if q:
        query = query.where(Org.name.ilike(f"%{q}%"))
    return paging.page(query, Org.pilot_batch, Org.province, Org.name, limit=limit, offset=offset)
