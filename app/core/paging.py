"""One page of a list query and the total it pages through (every list of the API and the pages)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from app.extensions import db


def count(query: Select[*tuple[Any, ...]]) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def page(query: Select[*tuple[Any, ...]], *order: Any, limit: int, offset: int) -> tuple[list[Any], int]:
    """(the rows of this page in `order`, how many rows the query has in all)."""
    return list(db.session.scalars(query.order_by(*order).limit(limit).offset(offset))), count(query)
