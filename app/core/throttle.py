"""Public forms throttled per client address, counted in the database so every web worker sees the
same count. The rows live in `login_failure` (the login throttle's table; no table of their own): the
address column holds "<key>:<address>", so these counts and the login throttle's per-address count
never mix, and housekeeping purges them once they are older than the longest window."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from app.core import clock
from app.errors import TooManyAttempts
from app.extensions import db
from app.models import LoginFailure


@dataclass(frozen=True)
class Limit:
    key: str  # what is counted, e.g. "apply"
    most: int  # uses allowed per address within the window
    window: timedelta
    what: str  # the use, in Chinese, for the message: "提交申报"


def _per(window: timedelta) -> str:
    seconds = int(window.total_seconds())
    if seconds % 3600 == 0:
        return "每小时" if seconds == 3600 else f"每 {seconds // 3600} 小时"
    return f"每 {max(1, seconds // 60)} 分钟"


def hit(limit: Limit, address: str) -> None:
    """Count one use by `address` (added to the caller's transaction: a use that is then rolled back,
    e.g. a refused form, does not count), or raise TooManyAttempts saying when to try again."""
    now = clock.now()
    key = f"{limit.key}:{address}"[:64]
    since = now - limit.window
    used, oldest = db.session.execute(
        select(func.count(), func.min(LoginFailure.at)).where(LoginFailure.address == key, LoginFailure.at >= since)
    ).one()
    if (used or 0) >= limit.most:
        free_at = clock.as_utc(oldest) + limit.window
        wait = max(1, math.ceil((free_at - now).total_seconds()))
        local = free_at.astimezone(clock.SHANGHAI)
        raise TooManyAttempts(
            f"同一网络地址{_per(limit.window)}最多{limit.what} {limit.most} 次，已达上限。"
            f"请于 {local:%H:%M}（北京时间，约 {math.ceil(wait / 60)} 分钟后）再试。",
            retry_after=wait)
    # An empty username: no account can have it, so the login throttle's per-account count never sees these.
    db.session.add(LoginFailure(username="", address=key, at=now))
    db.session.flush()


def longest_window() -> timedelta:
    """How long housekeeping must keep the rows: the longest window of any limit in use."""
    from flask import current_app

    return timedelta(seconds=max(int(current_app.config["LOGIN_WINDOW_SECONDS"]),
                                 int(current_app.config["APPLY_WINDOW_SECONDS"])))
