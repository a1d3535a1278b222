"""Upgrading an old database: a database that holds complaints made at revision 0008 (before the complaint
rollup existed) is upgraded to head; migration 0009 fills the rollup with its own frozen SQL, and the
result must be exactly what `flask metrics rebuild` (today's code) and the hook's per-complaint
definition (`complaint_rollup.contribution`) make of the same complaints. Runs on the suite's database
kind: a SQLite file of its own, or a schema of its own in the suite's PostgreSQL database."""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import Column, MetaData, Table, create_engine, make_url, text

from app import create_app
from app.complaints import rollup as complaint_rollup
from app.extensions import db
from app.models._time import TZDateTime

BEFORE_ROLLUP = "0008_indexes"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def old_database(app: Flask, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of the suite's kind, dropped afterwards."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    schema = f"upgrade_test_{os.getpid()}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def old_app(app: Flask, old_database: str) -> Iterator[Flask]:
    """The app on that database, migrated up to 0008 only."""
    application = create_app({"SQLALCHEMY_DATABASE_URI": old_database, "TESTING": True,
                              "UPLOAD_DIR": app.config["UPLOAD_DIR"], "MAIL_BACKEND": "memory"})
    with application.app_context():
        upgrade(revision=BEFORE_ROLLUP)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def tables_at_0008(conn: Any) -> dict[str, Table]:
    """The tables as revision 0008 has them (reflected), timestamps stored the app's way (UTC)."""
    metadata = MetaData()
    stamps = {"org": ("created_at",), "complaint": ("created_at", "answered_at", "rated_at", "closed_at"),
              "complaint_assignment": ("assigned_at", "due_at", "answered_at")}
    return {name: Table(name, metadata, *(Column(c, TZDateTime) for c in columns), autoload_with=conn)
            for name, columns in stamps.items()}


# Complaints of two universities made at 0008, chosen to cross what the figures group by: Beijing days
# and months (16:30 UTC is the next day in Beijing, 2026-03-31T16:30Z is April there), channels, every
# resolution and rating, fractions of seconds, and dispatches answered on time, late, not yet, to the same
# department twice, and an upheld send-back (not counted).
COMPLAINTS = [
    # id, university, channel, created, closed, resolution, satisfaction
    (1, 1, "general", utc(2026, 3, 31, 16, 30, 0, 900_000), utc(2026, 4, 3, 2, 0, 0, 100_000), "resolved",
     "satisfied"),
    (2, 1, "psych_hotline", utc(2026, 3, 31, 15, 59, 59), utc(2026, 4, 1, 1, 0), "unresolved", "unsatisfied"),
    (3, 1, "general", utc(2026, 4, 2, 1, 0), utc(2026, 4, 9, 1, 0), "unrated", None),
    (4, 2, "logistics_hotline", utc(2026, 4, 2, 23, 0), utc(2026, 4, 3, 1, 0), "merged", None),
    (5, 2, "logistics_hotline", utc(2026, 4, 5, 8, 0), None, None, None),
    (6, 2, "principal_mailbox", utc(2026, 4, 6, 8, 0), utc(2026, 4, 8, 8, 0), "out_of_scope", None),
    (7, 1, "general", utc(2026, 4, 7, 8, 0), utc(2026, 4, 20, 8, 0), "resolved", "basically_satisfied"),
]
ASSIGNMENTS = [
    # complaint, department, assigned, due, answered, outcome
    (1, 11, utc(2026, 3, 31, 17, 0), utc(2026, 4, 2, 9, 0), utc(2026, 4, 1, 9, 0), "answered"),
    (2, 12, utc(2026, 3, 31, 16, 10), utc(2026, 4, 1, 9, 0), utc(2026, 4, 1, 9, 0), "answered"),
    (3, 11, utc(2026, 4, 2, 2, 0), utc(2026, 4, 4, 9, 0), None, "sent_back_upheld"),
    (3, 12, utc(2026, 4, 3, 2, 0), utc(2026, 4, 5, 9, 0), utc(2026, 4, 6, 9, 0), "answered"),
    (5, 21, utc(2026, 4, 5, 9, 0), utc(2026, 4, 7, 9, 0), None, None),
    (7, 11, utc(2026, 4, 7, 9, 0), utc(2026, 4, 9, 9, 0), utc(2026, 4, 9, 10, 0), "sent_back"),
    (7, 11, utc(2026, 4, 10, 9, 0), utc(2026, 4, 12, 9, 0), utc(2026, 4, 11, 9, 0), "answered"),
]


def fill_at_0008(old_app: Flask) -> None:
    with old_app.app_context(), db.engine.begin() as conn:
        t = tables_at_0008(conn)
        made = utc(2026, 1, 1)
        conn.execute(t["org"].insert(), [{"id": i, "name": f"大学{i}", "kind": "university", "created_at": made}
                                         for i in (1, 2)])
        conn.execute(t["org"].insert(), [{"id": i, "name": f"部门{i}", "kind": "department", "parent_id": i // 10,
                                          "created_at": made} for i in (11, 12, 21)])
        conn.execute(t["complaint"].insert(), [
            {"id": cid, "university_id": uni, "channel": channel, "category": "other", "title": f"反映{cid}",
             "content": "内容", "anonymous": False, "attachments": [], "reopen_count": 0,
             "status": "closed" if closed else "assigned", "created_at": created, "closed_at": closed,
             "resolution": resolution, "satisfaction": satisfaction}
            for cid, uni, channel, created, closed, resolution, satisfaction in COMPLAINTS])
        conn.execute(t["complaint_assignment"].insert(), [
            {"complaint_id": cid, "department_id": dept, "assigned_at": assigned, "due_at": due, "extensions": 0,
             "answered_at": answered, "outcome": outcome}
            for cid, dept, assigned, due, answered, outcome in ASSIGNMENTS])


def expected_rollup() -> dict[complaint_rollup.Key, complaint_rollup.Counts]:
    """The rollup as the hook defines it, complaint by complaint (complaint_rollup.contribution)."""
    total: dict[complaint_rollup.Key, complaint_rollup.Counts] = {}
    for cid, uni, channel, created, closed, resolution, satisfaction in COMPLAINTS:
        row = {"university_id": uni, "channel": channel, "created_at": created, "closed_at": closed,
               "resolution": resolution, "satisfaction": satisfaction}
        dispatches = [{"complaint_id": c, "department_id": d, "assigned_at": a, "due_at": due, "answered_at": ans,
                       "outcome": outcome} for c, d, a, due, ans, outcome in ASSIGNMENTS if c == cid]
        for key, counts in complaint_rollup.contribution(row, dispatches).items():
            into = total.setdefault(key, dict.fromkeys(counts, 0))
            for name, value in counts.items():
                into[name] += value
    return total


def test_an_old_database_with_complaints_upgrades_to_head_with_the_rollup_rebuild_makes(old_app: Flask) -> None:
    fill_at_0008(old_app)
    with old_app.app_context():
        upgrade()  # 0009 fills the rollup; the later revisions (assignment scope columns, …) follow
        head = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        migrated = complaint_rollup.table(db.session.connection())
        db.session.rollback()
    assert head != BEFORE_ROLLUP

    result = old_app.test_cli_runner().invoke(args=["metrics", "rebuild"])
    assert result.exit_code == 0, result.output
    with old_app.app_context():
        rebuilt = complaint_rollup.table(db.session.connection())
        db.session.rollback()

    assert migrated == rebuilt == expected_rollup()
    # and the fixture crosses what it means to: Beijing's days and months, departments, an upheld send-back
    day = date.fromisoformat
    assert migrated[("m", 1, 0, day("2026-04-01"), "")]["total"] == 3  # 16:30 UTC on 31 March is April
    assert migrated[("m", 1, 0, day("2026-03-01"), "")]["total"] == 1  # 15:59:59 UTC is still March
    assert migrated[("d", 0, 0, day("2026-04-01"), "general")]["seconds"] == 2 * 86400 + 9 * 3600 + 1800
    assert ("d", 1, 11, day("2026-04-02"), "general") not in migrated  # the upheld send-back: not counted
    assert migrated[("d", 1, 11, day("2026-04-07"), "general")] == {  # two dispatches there, one complaint
        "total": 1, "judged": 1, "resolved": 1, "rated": 1, "happy": 1, "handled": 1, "seconds": 13 * 86400,
        "counted": 1, "answered": 1, "on_time": 0}
    assert sum(v["counted"] for k, v in migrated.items() if k[:3] == ("d", 0, 0)) == 6  # 7 dispatches, 1 upheld


def test_an_old_database_without_complaints_upgrades_with_an_empty_rollup(old_app: Flask) -> None:
    with old_app.app_context():
        upgrade()
        assert complaint_rollup.table(db.session.connection()) == {}
        db.session.rollback()


def test_no_migration_imports_the_application() -> None:
    """A revision runs the same SQL for ever: code of the app it imported would change under it (0009 used to
    import the rollup's rebuild, written against today's models)."""
    versions = Path(__file__).resolve().parent.parent / "migrations" / "versions"
    offenders = []
    for path in sorted(versions.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}: {name}" for name in names if name.split(".")[0] == "app"]
    assert offenders == []
