"""Every setting, read from the environment in one place, with development defaults.

`load_config()` is the only reader of `os.environ` for settings; `validate()` refuses unsafe
production configurations before the app serves a request.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-secret-key-change-me"  # nosec B105 # dev default; validate() refuses it in production


class ConfigError(RuntimeError):
    """The configuration cannot be used (e.g. production with the development secret)."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _database_url(env: dict[str, str]) -> str:
    url = env.get("DATABASE_URL")
    if not url:
        # The embedded default: a SQLite file in the git-ignored instance/ folder.
        (ROOT / "instance").mkdir(exist_ok=True)
        url = f"sqlite:///{ROOT / 'instance' / 'yzs.sqlite3'}"
    # Hosted PostgreSQL URLs often say postgres:// or postgresql://; we ship the psycopg 3 driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_config(env: dict[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from the environment (or the given mapping)."""
    env = dict(os.environ if env is None else env)
    app_env = env.get("APP_ENV", "development").strip().lower()
    production = app_env == "production"
    return {
        "APP_ENV": app_env,
        "SECRET_KEY": env.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": _database_url(env),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Bodies above this are refused with 413 before any view reads them.
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 16 * 1024 * 1024),
        "UPLOAD_DIR": env.get("UPLOAD_DIR", str(ROOT / "instance" / "uploads")),
        # Session cookie: never readable by scripts, not sent cross-site, HTTPS-only in production.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "PERMANENT_SESSION_LIFETIME": _int(env, "SESSION_LIFETIME_SECONDS", 8 * 3600),
        "WTF_CSRF_ENABLED": _bool(env.get("WTF_CSRF_ENABLED"), True),
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead of a clock
        "API_TOKEN_TTL_SECONDS": _int(env, "API_TOKEN_TTL_SECONDS", 12 * 3600),
        # Login throttling: failures within the window before 429, per account and per address.
        "LOGIN_WINDOW_SECONDS": _int(env, "LOGIN_WINDOW_SECONDS", 15 * 60),
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": _int(env, "LOGIN_MAX_FAILURES_PER_ACCOUNT", 5),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": _int(env, "LOGIN_MAX_FAILURES_PER_ADDRESS", 20),
        # The public application form (no account): submissions per client address within the window.
        "APPLY_WINDOW_SECONDS": _int(env, "APPLY_WINDOW_SECONDS", 3600),
        "APPLY_MAX_PER_ADDRESS": _int(env, "APPLY_MAX_PER_ADDRESS", 5),
        # Reverse proxies in front of the app (nginx: 1). Their X-Forwarded-For/-Proto are believed that
        # many hops deep, so the throttles above count each client, not the proxy; 0 believes none.
        "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", 0),
        "TIMEZONE": env.get("TIMEZONE", "Asia/Shanghai"),
        # The in-process scheduler runs only where asked (make run); production runs `flask scheduler`.
        "SCHEDULER_AUTOSTART": _bool(env.get("SCHEDULER_AUTOSTART"), False),
        "SCHEDULER_INTERVAL_SECONDS": _int(env, "SCHEDULER_INTERVAL_SECONDS", 30),
        "SMTP_HOST": env.get("SMTP_HOST", ""),
        "SMTP_PORT": _int(env, "SMTP_PORT", 25),
        "SMTP_USER": env.get("SMTP_USER", ""),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", ""),
        "MAIL_FROM": env.get("MAIL_FROM", "noreply@yzs.example.cn"),
        # log (default without SMTP_HOST) | smtp (default with it) | memory (tests)
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "smtp" if env.get("SMTP_HOST") else "log"),
        # flask-smorest / OpenAPI
        "API_TITLE": "一站式学生社区云平台 API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "JSON_SORT_KEYS": False,
    }


def validate(config: dict[str, Any]) -> None:
    """Refuse to start with settings that are unsafe for production."""
    if config.get("APP_ENV") == "production":
        key = config.get("SECRET_KEY") or ""
        if key == DEV_SECRET_KEY or len(key) < 32:
            raise ConfigError(
                "APP_ENV=production needs SECRET_KEY set to a random value of at least 32 characters"
            )
        if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
            raise ConfigError("APP_ENV=production needs DATABASE_URL pointing at PostgreSQL")
    if int(config.get("MAX_CONTENT_LENGTH") or 0) <= 0:
        raise ConfigError("MAX_CONTENT_LENGTH must be positive")
