"""Backup and restore of everything the platform keeps: the database and the uploaded files.

A backup is one tar file:
    manifest.json       format, when, which database kind, schema revision, row count per table, files
    database.sqlite3    SQLite: an online backup (sqlite3's backup API: consistent while the app runs)
    database.pgdump     PostgreSQL: `pg_dump --format=custom` (consistent: one snapshot)
    uploads/...         the upload folder (content-addressed files, so copying is safe while running)

Restore replaces the database with the backup's (SQLite: the backup API in reverse; PostgreSQL:
`pg_restore --clean --if-exists --single-transaction`, all or nothing) and puts the backup's files back
into the upload folder (files added since stay: nothing refers to them). Run `flask db upgrade` after
restoring a backup taken before a migration. The archive is checked before anything is touched: only the
members above, no links, no absolute or `..` paths, and the manifest must match the database kind."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404 # pg_dump/pg_restore, with fixed argument lists and no shell
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import URL, make_url

from app.core import clock
from app.extensions import db
from app.workflow import work_calendar

FORMAT = 1
SQLITE_MEMBER, PG_MEMBER, MANIFEST = "database.sqlite3", "database.pgdump", "manifest.json"


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why (for the command line)."""


@dataclass(frozen=True)
class Summary:
    path: Path
    database: str
    tables: dict[str, int]
    files: int


def _url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _kind(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return "sqlite"
    if url.get_backend_name() == "postgresql":
        return "postgresql"
    raise BackupError(f"unsupported database: {url.get_backend_name()}")


def _upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def _counts() -> dict[str, int]:
    names = sorted(inspect(db.engine).get_table_names())
    return {name: int(db.session.execute(select(func.count()).select_from(text(f'"{name}"'))).scalar() or 0)
            for name in names}


def _revision() -> str | None:
    try:
        return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - a database without Alembic's table is still backed up
        db.session.rollback()
        return None


def _pg_env_and_target(url: URL) -> tuple[dict[str, str], str]:
    """libpq's environment (the password never goes on the command line) and a connection URI."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    target = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return env, target


def _run(args: list[str], env: dict[str, str]) -> None:
    if shutil.which(args[0]) is None:
        raise BackupError(f"{args[0]} not found: install the PostgreSQL client (e.g. postgresql-client)")
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # nosec B603
    if result.returncode != 0:
        raise BackupError(f"{args[0]} failed: {result.stderr.strip()[:2000]}")


def backup(path: Path) -> Summary:
    """Write a backup of the database and the uploaded files to `path` (a new tar file)."""
    url = _url()
    kind = _kind(url)
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} exists: choose a new file name")
    uploads = _upload_dir()
    files = sorted(p for p in uploads.rglob("*") if p.is_file()) if uploads.is_dir() else []
    manifest: dict[str, Any] = {"format": FORMAT, "created_at": clock.now().isoformat(), "database": kind,
                                "revision": _revision(), "tables": _counts(), "files": len(files)}
    db.session.rollback()
    with tempfile.TemporaryDirectory() as work:
        dump = Path(work) / (SQLITE_MEMBER if kind == "sqlite" else PG_MEMBER)
        if kind == "sqlite":
            source = sqlite3.connect(url.database or "")
            target = sqlite3.connect(dump)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            env, target_uri = _pg_env_and_target(url)
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}", target_uri], env)
        (Path(work) / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w") as archive:
            archive.add(Path(work) / MANIFEST, arcname=MANIFEST)
            archive.add(dump, arcname=dump.name)
            for file in files:
                archive.add(file, arcname=f"uploads/{file.relative_to(uploads).as_posix()}")
        partial.replace(path)  # a crash mid-way never leaves something that looks like a backup
    return Summary(path, kind, manifest["tables"], len(files))


def _checked_members(archive: tarfile.TarFile, kind: str) -> list[tarfile.TarInfo]:
    expected_dump = SQLITE_MEMBER if kind == "sqlite" else PG_MEMBER
    members = archive.getmembers()
    names = {m.name for m in members}
    if MANIFEST not in names or expected_dump not in names:
        other = PG_MEMBER if kind == "sqlite" else SQLITE_MEMBER
        hint = f" (it is a backup of a {'PostgreSQL' if other == PG_MEMBER else 'SQLite'} database)" \
            if other in names else ""
        raise BackupError(f"not a backup of a {kind} database{hint}")
    for member in members:
        name = member.name
        allowed = name in (MANIFEST, expected_dump) or name.startswith("uploads/")
        if not allowed or not member.isfile() or name.startswith("/") or ".." in Path(name).parts:
            raise BackupError(f"unexpected member in the backup: {name!r}")
    return members


def read_manifest(path: Path) -> dict[str, Any]:
    with tarfile.open(path, "r") as archive:
        member = archive.extractfile(MANIFEST)
        if member is None:
            raise BackupError("the backup has no manifest")
        manifest: dict[str, Any] = json.loads(member.read().decode("utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def restore(path: Path) -> Summary:
    """Replace the database and put the uploaded files back from the backup at `path`."""
    url = _url()
    kind = _kind(url)
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} not found")
    try:
        manifest = read_manifest(path)
    except (tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(f"{path} is not a backup of this platform: {exc}") from None
    if manifest.get("database") != kind:
        raise BackupError(f"the backup is of a {manifest.get('database')} database, this one is {kind}")
    with tempfile.TemporaryDirectory() as work, tarfile.open(path, "r") as archive:
        members = _checked_members(archive, kind)
        archive.extractall(work, members=members, filter="data")  # members checked above, and the data filter
        db.session.remove()
        db.engine.dispose()  # no pooled connection may keep the old database open
        if kind == "sqlite":
            source = sqlite3.connect(Path(work) / SQLITE_MEMBER)
            target = sqlite3.connect(url.database or "")
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            env, target_uri = _pg_env_and_target(url)
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                  "--exit-on-error", f"--dbname={target_uri}", str(Path(work) / PG_MEMBER)], env)
        work_calendar.forget()  # the restored overrides, not the cached ones
        uploads = _upload_dir()
        restored = 0
        for file in sorted((Path(work) / "uploads").rglob("*")):
            if file.is_file():
                destination = uploads / file.relative_to(Path(work) / "uploads")
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, destination)
                restored += 1
    return Summary(path, kind, _counts(), restored)
