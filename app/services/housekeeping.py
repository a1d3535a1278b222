"""Periodic clean-up: old login failures (and throttled public submissions) and expired API tokens."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from app.extensions import db
from app.models import ApiToken, LoginFailure
from app.services import clock, throttle


def purge_expired() -> dict[str, int]:
    now = clock.now()
    window = throttle.longest_window()
    failures = db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - window))
    # Keep expired tokens a week, so "why was I logged out" can still be answered.
    tokens = db.session.execute(delete(ApiToken).where(ApiToken.expires_at < now - timedelta(days=7)))
    db.session.commit()
    return {"login_failures": failures.rowcount or 0, "tokens": tokens.rowcount or 0}
