"""`flask backup PATH` and `flask restore PATH` on the suite's database (SQLite or PostgreSQL, the suite
runs on both): after a restore every table holds exactly the rows of the backup, and every uploaded file
is back, byte for byte, whatever happened in between. A damaged or hostile archive is refused untouched."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select, text

from app.core import backup
from app.extensions import db
from tests.conftest import bearer
from tests.support.matrix_world import png
from tests.support.workflow import SUBMIT, Actors


def _everything(app) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    with app.app_context():
        inspector = inspect(db.engine)
        out = {}
        for name in sorted(inspector.get_table_names()):
            keys = inspector.get_pk_constraint(name)["constrained_columns"] or [
                c["name"] for c in inspector.get_columns(name)]
            order = ", ".join(f'"{k}"' for k in keys)
            out[name] = [tuple(row) for row in db.session.execute(text(f'SELECT * FROM "{name}" ORDER BY {order}'))]
        db.session.rollback()
        return out


def _files(app) -> dict[str, bytes]:
    root = Path(app.config["UPLOAD_DIR"])
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _cli(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def actors(client, world) -> Actors:
    return Actors(client, world)


def test_a_restore_gives_back_exactly_the_backed_up_data(app, client, actors, tmp_path) -> None:
    instance, review = actors.submitted()
    upload = client.post("/api/v1/post-files", data={"kind": "image", "file": (io.BytesIO(png()), "a.png")},
                         content_type="multipart/form-data", headers=actors["buaa"])
    assert upload.status_code == 201, upload.get_json()
    before, files = _everything(app), _files(app)
    assert files and before["process_instance"] and before["audit_event"]

    archive = tmp_path / "yzs.backup"
    assert "backed up" in _cli(app, "backup", str(archive))
    # Life goes on: the review is decided, a new case starts, someone deletes an uploaded file.
    assert actors.complete("op1", review["id"], {"decision": "approve"}).status_code == 200
    second = actors.start()
    submit = [t for t in actors.inbox("buaa") if t["instance_id"] == second["id"]][0]
    assert actors.complete("buaa", submit["id"], SUBMIT).status_code == 200
    lost = next(iter(files))
    (Path(app.config["UPLOAD_DIR"]) / lost).unlink()
    assert _everything(app) != before

    assert "restored" in _cli(app, "restore", str(archive), "--yes")
    assert _everything(app) == before
    assert {k: v for k, v in _files(app).items() if k in files} == files
    # and the restored platform works: the review is open again and can be decided
    assert actors.complete("op1", review["id"], {"decision": "reject", "comment": "重新审核"}).status_code == 200


def test_the_backup_is_consistent_and_describes_itself(app, actors, tmp_path) -> None:
    actors.submitted()
    archive = tmp_path / "b.tar"
    _cli(app, "backup", str(archive))
    with app.app_context():
        manifest = backup.read_manifest(archive)
        revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert manifest["database"] in ("sqlite", "postgresql") and manifest["revision"] == revision
    assert manifest["tables"]["process_instance"] == 1 and manifest["tables"]["user_account"] >= 6
    refused = app.test_cli_runner().invoke(args=["backup", str(archive)])
    assert refused.exit_code != 0 and "exists" in refused.output  # never overwrites an older backup


def _tar(tmp_path: Path, members: dict[str, bytes], name: str = "evil.tar") -> Path:
    path = tmp_path / name
    with tarfile.open(path, "w") as archive:
        for member, data in members.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_a_damaged_or_hostile_archive_is_refused_and_nothing_changes(app, actors, tmp_path) -> None:
    actors.submitted()
    before = _everything(app)
    with app.app_context():
        kind = backup._kind(backup._url())
    dump = backup.SQLITE_MEMBER if kind == "sqlite" else backup.PG_MEMBER
    other = backup.PG_MEMBER if kind == "sqlite" else backup.SQLITE_MEMBER
    manifest = f'{{"format": 1, "database": "{kind}"}}'.encode()
    cases = {
        "not a tar": tmp_path / "junk.tar",
        "traversal": _tar(tmp_path, {"manifest.json": manifest, dump: b"x", "uploads/../../../tmp/evil": b"x"}, "a"),
        "absolute": _tar(tmp_path, {"manifest.json": manifest, dump: b"x", "/etc/cron.d/evil": b"x"}, "b"),
        "stranger": _tar(tmp_path, {"manifest.json": manifest, dump: b"x", "run.sh": b"x"}, "c"),
        "other kind": _tar(tmp_path, {"manifest.json": manifest.replace(kind.encode(), b"other"),
                                      other: b"x"}, "d"),
        "no manifest": _tar(tmp_path, {dump: b"x"}, "e"),
    }
    cases["not a tar"].write_bytes(b"this is not an archive")
    for case, path in cases.items():
        result = app.test_cli_runner().invoke(args=["restore", str(path), "--yes"])
        assert result.exit_code != 0, (case, result.output)
        assert _everything(app) == before, case
    assert not Path("/tmp/evil").exists()


def test_restore_asks_before_replacing_the_database(app, actors, tmp_path, client) -> None:
    actors.submitted()
    archive = tmp_path / "b.tar"
    _cli(app, "backup", str(archive))
    refused = app.test_cli_runner().invoke(args=["restore", str(archive)], input="n\n")
    assert refused.exit_code != 0 and "Aborted" in refused.output
    assert client.get("/api/v1/me", headers=bearer(client, "buaa")).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(text("count(*)")).select_from(text("process_instance"))) == 1
