"""Periodic clean-up: old login failures (and throttled public submissions) and expired API tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Delete, delete

from app.core import clock, throttle
from app.core.unit_of_work import use_case
from app.extensions import db
from app.models import ApiToken, LoginFailure


@use_case
def purge_expired() -> dict[str, int]:
    now = clock.now()
    window = throttle.longest_window()
    failures = _deleted(delete(LoginFailure).where(LoginFailure.at < now - window))
    # Keep expired tokens a week, so "why was I logged out" can still be answered.
    tokens = _deleted(delete(ApiToken).where(ApiToken.expires_at < now - timedelta(days=7)))
    return {"login_failures": failures, "tokens": tokens}


def _deleted(statement: Delete) -> int:
    """Run a DELETE; the rows it removed (a DML statement's result is a CursorResult)."""
    result = cast(CursorResult[Any], db.session.execute(statement))
    return result.rowcount or 0
