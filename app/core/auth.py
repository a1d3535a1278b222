"""Logging in: password checks with throttling, API tokens, logout and password change."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from app.core import audit, clock
from app.core.accounts import find_user
from app.core.passwords import hash_password, password_problems, verify_password
from app.core.unit_of_work import use_case
from app.errors import TooManyAttempts, Unauthenticated, ValidationFailed
from app.extensions import db
from app.models import ApiToken, LoginFailure, User
from app.models.user import new_session_nonce


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


def _setting(name: str) -> int:
    return int(current_app.config[name])


def _check_throttle(username: str, address: str) -> None:
    since = clock.now() - timedelta(seconds=_setting("LOGIN_WINDOW_SECONDS"))
    per_account = db.session.scalar(
        select(func.count()).where(LoginFailure.username == username, LoginFailure.at >= since)
    )
    per_address = db.session.scalar(
        select(func.count()).where(LoginFailure.address == address, LoginFailure.at >= since)
    )
    if (per_account or 0) >= _setting("LOGIN_MAX_FAILURES_PER_ACCOUNT") or (
        per_address or 0
    ) >= _setting("LOGIN_MAX_FAILURES_PER_ADDRESS"):
        raise TooManyAttempts("登录失败次数过多，请 15 分钟后再试")


def authenticate(username: str, password: str, address: str) -> User:
    """The user for these credentials, or Unauthenticated; throttled per account and address."""
    username = (username or "").strip()
    _check_throttle(username, address)
    user = find_user(username)
    ok = verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.active:
        db.session.add(LoginFailure(username=username[:80], address=address[:64], at=clock.now()))
        audit.record("auth.login_failed", "user", username[:64], address=address)
        db.session.commit()
        raise Unauthenticated("用户名或密码错误")
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    audit.record("auth.login", "user", user.id, actor_id=user.id, org_id=user.org_id, address=address)
    db.session.commit()
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@use_case
def issue_token(user: User) -> IssuedToken:
    token = secrets.token_urlsafe(32)
    expires_at = clock.now() + timedelta(seconds=_setting("API_TOKEN_TTL_SECONDS"))
    db.session.add(ApiToken(token_hash=_digest(token), user_id=user.id, expires_at=expires_at))
    return IssuedToken(token=token, expires_at=expires_at)


def user_for_token(token: str) -> User | None:
    # One round trip for the token, its user, the user's roles and organisation: every API call pays it.
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)).options(
        joinedload(ApiToken.user).joinedload(User.role_rows), joinedload(ApiToken.user).joinedload(User.org)))
    if row is None or row.revoked_at is not None or clock.as_utc(row.expires_at) <= clock.now():
        return None
    if not row.user.active:
        return None
    return row.user


@use_case
def revoke_token(token: str) -> bool:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = clock.now()
    audit.record("auth.token_revoked", "user", row.user_id, actor_id=row.user_id)
    return True


def active_tokens(user: User) -> list[ApiToken]:
    rows = db.session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc())
    ).all()
    return [t for t in rows if clock.as_utc(t.expires_at) > clock.now()]


def revoke_token_id(user: User, token_id: int) -> None:
    row = db.session.get(ApiToken, token_id)
    if row is not None and row.user_id == user.id and row.revoked_at is None:
        row.revoked_at = clock.now()
        audit.record("auth.token_revoked", "user", user.id, actor_id=user.id)
        db.session.commit()


@use_case
def end_sessions(user: User) -> None:
    """Invalidate every browser session of the account (logout everywhere)."""
    user.session_nonce = new_session_nonce()
    audit.record("auth.logout", "user", user.id, actor_id=user.id, org_id=user.org_id)


@use_case
def change_password(user: User, current: str, new: str) -> None:
    fields: dict[str, list[str]] = {}
    if not verify_password(user.password_hash, current or ""):
        fields["current_password"] = ["当前密码不正确"]
    problems = password_problems(new or "")
    if not problems and new == current:
        problems = ["新密码不能与当前密码相同"]
    if problems:
        fields["new_password"] = problems
    if fields:
        raise ValidationFailed("修改密码失败", fields)
    user.password_hash = hash_password(new)
    user.password_changed_at = clock.now()
    user.must_change_password = False  # the one-time password is gone
    # A new password ends every other session and every API token of the account.
    user.session_nonce = new_session_nonce()
    for token in active_tokens(user):
        token.revoked_at = clock.now()
    audit.record("auth.password_changed", "user", user.id, actor_id=user.id, org_id=user.org_id)


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's user loader: the id is `<user id>:<nonce>`; a rotated nonce means logged out."""
    user_id, _, nonce = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not secrets.compare_digest(user.session_nonce, nonce):
        return None
    return user
