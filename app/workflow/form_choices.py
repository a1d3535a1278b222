"""Choices a form takes from data: `x-ui: {"choices": "<name>"}` on a property names a resolver here.

A resolver gets the form's context (``university_id``, ``user_id``, ``org_id`` …) and returns
``[(value, label), ...]``. The values become the property's ``enum``, so validation refuses anything
the caller could not have picked (e.g. a department of another university).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from app.core import transaction_scope
from app.extensions import db
from app.models import Org

Choice = tuple[Any, str]
Resolver = Callable[[dict[str, Any]], list[Choice]]

_RESOLVERS: dict[str, Resolver] = {}


def register(name: str) -> Callable[[Resolver], Resolver]:
    """Decorator: make `fn` the resolver of `x-ui.choices == name`."""

    def decorate(fn: Resolver) -> Resolver:
        if name in _RESOLVERS and _RESOLVERS[name] is not fn:
            raise ValueError(f"choices resolver {name!r} is already registered")
        _RESOLVERS[name] = fn
        return fn

    return decorate


def known(name: str) -> bool:
    return name in _RESOLVERS


def resolve(name: str, context: dict[str, Any] | None) -> list[Choice]:
    """The choices of `name` for this context; an unknown name is a bug in a form file."""
    try:
        resolver = _RESOLVERS[name]
    except KeyError:
        raise LookupError(f"no choices resolver named {name!r}") from None
    return [(value, str(label)) for value, label in resolver(dict(context or {}))]


# A page of a dispatcher's inbox holds 50 dispatch forms of one university: its departments are read once
# per transaction (issue #8: it was one query per task), and again in the next one.
_DEPARTMENTS = transaction_scope.key("form_choices.departments")


@register("departments")
def departments(context: dict[str, Any]) -> list[Choice]:
    """The departments of the context's university; none without one (nothing to pick, nothing valid)."""
    university_id = context.get("university_id")
    if not isinstance(university_id, int) or isinstance(university_id, bool):
        return []
    known_: dict[int, list[Choice]] = db.session.info.setdefault(_DEPARTMENTS, {})
    if university_id not in known_:
        rows = db.session.execute(
            select(Org.id, Org.name)
            .where(Org.kind == "department", Org.parent_id == university_id)
            .order_by(Org.name, Org.id)
        )
        known_[university_id] = [(row.id, row.name) for row in rows]
    return list(known_[university_id])


@register("complaint_departments")
def complaint_departments(context: dict[str, Any]) -> list[Choice]:
    """Where a complaint may be dispatched: the university's departments; a psychological-hotline
    ticket only to the 心理中心 (nobody else may ever see it)."""
    choices = departments(context)
    if not context.get("confidential"):
        return choices
    psych = db.session.scalars(select(Org.id).where(Org.kind == "department", Org.code == "psych",
                                                    Org.parent_id == context.get("university_id"))).all()
    return [c for c in choices if c[0] in psych]
