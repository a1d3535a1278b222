"""`flask files strip-metadata`: images stored before uploads were stripped lose their metadata too. The
stripped bytes replace the old ones under their own hash, every row of that content is updated (sha256,
size) and audited, the downloads serve the clean bytes; other files, clean images and a dry run change
nothing; a file that cannot be read or stripped, or a write or commit that fails, loses nothing."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from werkzeug.datastructures import FileStorage

from app.core import image_backfill, image_metadata, uploads
from app.extensions import db
from app.models import AuditEvent, StoredFile
from tests.conftest import login
from tests.support.files import PDF
from tests.support.images import (
    GPS_MARK,
    assert_no_metadata,
    jpeg_with_gps,
    picture,
    pixels,
    png_with_gps,
)

GIF = picture("GIF")
ACTION = "stored_file.metadata_stripped"


@pytest.fixture(autouse=True)
def own_upload_dir(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An upload folder of this test's own: what is on disk is what the test put there."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))


def store_the_old_way(app: Flask, data: bytes, content_type: str, filename: str, org_id: int | None = None) -> int:
    """A file as uploads stored it before they were stripped: the bytes as received, under their hash."""
    sha = hashlib.sha256(data).hexdigest()
    path = Path(app.config["UPLOAD_DIR"]) / sha[:2] / sha
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    with app.app_context():
        row = StoredFile(owner_id=None, org_id=org_id, filename=filename, content_type=content_type,
                         size=len(data), sha256=sha)
        db.session.add(row)
        db.session.commit()
        return row.id


def rows(app: Flask) -> dict[int, tuple[str, int]]:
    with app.app_context():
        return {r.id: (r.sha256, r.size) for r in db.session.scalars(select(StoredFile))}


def stored_bytes(app: Flask, sha: str) -> bytes | None:
    path = Path(app.config["UPLOAD_DIR"]) / sha[:2] / sha
    return path.read_bytes() if path.exists() else None


def audited(app: Flask) -> list[dict[str, Any]]:
    with app.app_context():
        return [{"id": int(e.subject_id), "org_id": e.org_id, **e.detail} for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == ACTION).order_by(AuditEvent.id))]


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["files", "strip-metadata", *args])


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_old_images_lose_their_gps_rows_follow_and_the_download_is_clean(app: Flask, client, world) -> None:
    world.user("buaa", "university_admin")
    dirty_jpeg, dirty_png = jpeg_with_gps(orientation=6), png_with_gps()
    photo = store_the_old_way(app, dirty_jpeg, "image/jpeg", "宿舍.jpg", world.uni.id)
    same_photo = store_the_old_way(app, dirty_jpeg, "image/jpeg", "again.jpg", world.other_uni.id)
    drawing = store_the_old_way(app, dirty_png, "image/png", "图.png", world.uni.id)
    pdf = store_the_old_way(app, PDF, "application/pdf", "plan.pdf", world.uni.id)
    gif = store_the_old_way(app, GIF, "image/gif", "a.gif", world.uni.id)
    with app.app_context():  # stored since: already clean
        fresh = uploads.save(FileStorage(io.BytesIO(jpeg_with_gps()), "new.jpg"), owner_id=None,
                             org_id=world.uni.id, accept=["jpeg"]).id
        db.session.commit()
    before = rows(app)

    result = run(app)
    assert result.exit_code == 0, result.output
    assert "checked 4 stored image(s): changed 3, failed 0" in result.output

    clean_jpeg, clean_png = image_metadata.strip("jpeg", dirty_jpeg), image_metadata.strip("png", dirty_png)
    after = rows(app)
    assert after[photo] == after[same_photo] == (sha(clean_jpeg), len(clean_jpeg))
    assert after[drawing] == (sha(clean_png), len(clean_png))
    assert {i: after[i] for i in (pdf, gif, fresh)} == {i: before[i] for i in (pdf, gif, fresh)}
    assert stored_bytes(app, sha(clean_jpeg)) == clean_jpeg and stored_bytes(app, sha(clean_png)) == clean_png
    assert stored_bytes(app, sha(dirty_jpeg)) is None and stored_bytes(app, sha(dirty_png)) is None  # GPS gone
    assert stored_bytes(app, sha(PDF)) == PDF and stored_bytes(app, sha(GIF)) == GIF

    login(client, "buaa")
    served = client.get(f"/media/posts/{photo}")
    assert served.status_code == 200 and served.data == clean_jpeg and GPS_MARK not in served.data
    assert_no_metadata(served.data)
    assert pixels(served.data) == pixels(dirty_jpeg)
    with Image.open(io.BytesIO(served.data)) as image:
        assert dict(image.getexif()) == {0x0112: 6}  # still shown upright

    events = audited(app)
    assert sorted((e["id"], e["org_id"]) for e in events) == sorted(
        [(photo, world.uni.id), (same_photo, world.other_uni.id), (drawing, world.uni.id)])
    photo_event = next(e for e in events if e["id"] == photo)
    assert photo_event | {"id": 0} == {"id": 0, "org_id": world.uni.id, "sha256_before": sha(dirty_jpeg),
                                       "sha256_after": sha(clean_jpeg), "size_before": len(dirty_jpeg),
                                       "size_after": len(clean_jpeg)}

    again = run(app)  # idempotent: nothing left to do
    assert again.exit_code == 0 and "checked 4 stored image(s): changed 0, failed 0" in again.output
    assert rows(app) == after and len(audited(app)) == 3


def test_a_dry_run_counts_and_changes_nothing(app: Flask, world) -> None:
    dirty = jpeg_with_gps()
    store_the_old_way(app, dirty, "image/jpeg", "a.jpg", world.uni.id)
    store_the_old_way(app, PDF, "application/pdf", "plan.pdf", world.uni.id)
    before = rows(app)
    result = run(app, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "checked 1 stored image(s): would change 1, failed 0 (dry run: nothing written)" in result.output
    assert rows(app) == before and audited(app) == []
    assert stored_bytes(app, sha(dirty)) == dirty
    assert stored_bytes(app, sha(image_metadata.strip("jpeg", dirty))) is None


def test_unreadable_images_are_reported_and_left_as_they_are(app: Flask, world) -> None:
    broken = jpeg_with_gps()[:400]  # cut inside its EXIF block: cannot be parsed, so not rewritten
    cut = store_the_old_way(app, broken, "image/jpeg", "cut.jpg", world.uni.id)
    gone = store_the_old_way(app, png_with_gps() + b"gone", "image/png", "gone.png", world.uni.id)
    (Path(app.config["UPLOAD_DIR"]) / rows(app)[gone][0][:2] / rows(app)[gone][0]).unlink()
    good = store_the_old_way(app, jpeg_with_gps(orientation=3), "image/jpeg", "ok.jpg", world.uni.id)
    before = rows(app)

    result = run(app)
    assert result.exit_code == 1  # a script notices
    assert "checked 3 stored image(s): changed 1, failed 2" in result.output
    assert f"failed: stored_file {cut}: not a readable jpeg image" in result.output
    assert f"failed: stored_file {gone}: cannot read the stored file" in result.output
    after = rows(app)
    assert after[cut] == before[cut] and after[gone] == before[gone] and after[good] != before[good]
    assert stored_bytes(app, sha(broken)) == broken


@pytest.mark.parametrize("failing", ["write", "commit"])
def test_a_failed_write_or_commit_loses_nothing(app: Flask, client, world, monkeypatch, failing: str) -> None:
    world.user("buaa", "university_admin")
    dirty = jpeg_with_gps()
    photo = store_the_old_way(app, dirty, "image/jpeg", "宿舍.jpg", world.uni.id)
    before = rows(app)
    tmp_dir = Path(app.config["UPLOAD_DIR"]) / "tmp"

    with monkeypatch.context() as patched:
        if failing == "write":
            def full_disk(*args: Any) -> None:
                raise OSError(28, "No space left on device")
            patched.setattr(image_backfill.os, "replace", full_disk)
        else:
            def lost_connection() -> None:
                raise OperationalError("COMMIT", {}, Exception("server closed the connection"))
            patched.setattr(db.session, "commit", lost_connection)
        result = run(app)
    assert result.exit_code == 1 and "changed 0, failed 1" in result.output
    assert rows(app) == before and audited(app) == []
    assert stored_bytes(app, sha(dirty)) == dirty  # the old file is still there and still served
    assert not tmp_dir.exists() or not any(tmp_dir.iterdir())  # no half-written temporary file left behind
    login(client, "buaa")
    assert client.get(f"/media/posts/{photo}").data == dirty

    repaired = run(app)  # once the disk or the database is back, the run completes
    assert repaired.exit_code == 0 and "changed 1, failed 0" in repaired.output
    assert client.get(f"/media/posts/{photo}").data == image_metadata.strip("jpeg", dirty)
