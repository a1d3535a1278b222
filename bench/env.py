"""Where the benchmark runs: the database (PostgreSQL from DATABASE_URL, else a SQLite file), a clean
schema built by the migrations, and a description of the machine for the results file."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psutil

ROOT = Path(__file__).resolve().parent.parent
SQLITE_PATH = ROOT / "instance" / "bench.sqlite3"


class BenchRefused(SystemExit):
    pass


def database_url(explicit: str | None) -> str:
    url = explicit or os.environ.get("DATABASE_URL") or ""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]
    if not url:
        SQLITE_PATH.parent.mkdir(exist_ok=True)
        url = f"sqlite:///{SQLITE_PATH}"
    return url


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def psycopg_dsn(url: str) -> str:
    """The SQLAlchemy URL as a libpq URL (for psycopg and COPY)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _database_name(url: str) -> str:
    return urlsplit(psycopg_dsn(url)).path.lstrip("/")


def check_safe(url: str, allow_any: bool) -> None:
    """The benchmark wipes its database: refuse anything not obviously meant for it."""
    if not is_postgres(url) or allow_any:
        return
    name = _database_name(url)
    if "bench" not in name:
        raise BenchRefused(f"refusing to wipe database {name!r}: use a database whose name contains "
                           "'bench' (e.g. createdb -h 127.0.0.1 -U postgres bench) or pass --allow-any-db")


def ensure_database(url: str) -> None:
    """CREATE DATABASE if it is missing (PostgreSQL), so `make bench` needs no manual step."""
    if not is_postgres(url):
        return
    import psycopg

    dsn = psycopg_dsn(url)
    name = _database_name(url)
    parts = urlsplit(dsn)
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def reset_schema(url: str) -> None:
    """Drop everything, then build the schema with the project's own migrations."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    if is_postgres(url):
        ensure_database(url)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    app = make_app(url)
    with app.app_context():
        upgrade()


def make_app(url: str) -> Any:
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "memory",
                       "SCHEDULER_AUTOSTART": False})


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _server_version(url: str) -> str:
    if not is_postgres(url):
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    import psycopg

    with psycopg.connect(psycopg_dsn(url)) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        settings = dict(conn.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN ('shared_buffers', 'synchronous_commit', "
            "'max_parallel_workers_per_gather', 'work_mem')").fetchall())
    return f"PostgreSQL {version} {settings}"


def _git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "app"], cwd=ROOT, capture_output=True,
                               text=True, check=True).stdout.strip()
        return head + ("+dirty(app)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine(url: str) -> dict[str, Any]:
    from importlib.metadata import version

    import SpiffWorkflow  # noqa: F401

    return {
        "cpu": _cpu_model(),
        "cores": psutil.cpu_count(logical=True),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "spiffworkflow": version("SpiffWorkflow"),
        "sqlalchemy": version("SQLAlchemy"),
        "gunicorn": version("gunicorn"),
        "database": "postgresql" if is_postgres(url) else "sqlite",
        "database_server": _server_version(url),
        "git": _git_commit(),
    }
