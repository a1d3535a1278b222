"""Strip the metadata of images stored before uploads were stripped (`flask files strip-metadata`).

Uploads lose their EXIF/XMP/text metadata on the way in (`uploads.save`, `image_metadata`); files stored
before that still carry where a phone photo was taken. This goes through the stored JPEG, PNG and WebP
files, one content at a time (rows of the same bytes share one file), and for each that still carries
metadata: writes the stripped bytes under their own hash (a temporary file, then an atomic rename),
points every row of the old content at them (sha256 and size) and audits it in one transaction, and
only after that commit removes the old file. An error at any step leaves the old file and its rows as
they were (at worst a clean file no row uses yet). A content already clean is left alone, so a second
run changes nothing; one that cannot be read or parsed is reported, not touched."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError

from app.core import audit, image_metadata, uploads
from app.errors import NotVisible
from app.extensions import db
from app.models import StoredFile

# The content types whose metadata uploads strip (uploads.STRIPPED), each with its kind.
STRIPPED_TYPES = {kind.content_type: kind.name for kind in uploads.KINDS.values() if kind.name in uploads.STRIPPED}


@dataclass
class Report:
    """Counted in stored_file rows (several rows may share one stored content)."""

    checked: int = 0
    changed: int = 0  # with dry_run: would change
    failed: list[tuple[list[int], str]] = field(default_factory=list)  # (row ids, why)

    @property
    def failed_rows(self) -> int:
        return sum(len(ids) for ids, _ in self.failed)


class _Skip(Exception):
    """This content is left as it is, for the reason given."""


def strip_stored(*, dry_run: bool = False) -> Report:
    """Strip every stored image that still carries metadata (or, with dry_run, only count them)."""
    report = Report()
    contents = db.session.execute(
        select(StoredFile.sha256, StoredFile.content_type).where(StoredFile.content_type.in_(STRIPPED_TYPES))
        .group_by(StoredFile.sha256, StoredFile.content_type).order_by(StoredFile.sha256)).all()
    for sha, content_type in contents:
        rows = [(row.id, row.org_id) for row in db.session.execute(
            select(StoredFile.id, StoredFile.org_id).where(StoredFile.sha256 == sha).order_by(StoredFile.id))]
        db.session.rollback()  # no transaction held open while a file is read and written
        report.checked += len(rows)
        try:
            if _strip_one(sha, STRIPPED_TYPES[content_type], rows, dry_run=dry_run):
                report.changed += len(rows)
        except _Skip as exc:
            report.failed.append(([row_id for row_id, _ in rows], str(exc)))
    db.session.rollback()
    return report


def _strip_one(sha: str, kind: str, rows: list[tuple[int, int | None]], *, dry_run: bool) -> bool:
    """Strip the content `sha` that these (row id, org id) share; False when it is already clean."""
    try:
        old_path = uploads.path_for(StoredFile(sha256=sha))  # a transient row: the path checks the hash
        data = old_path.read_bytes()
    except NotVisible:
        raise _Skip("the row's hash is not a SHA-256") from None
    except OSError as exc:
        raise _Skip(f"cannot read the stored file: {exc.strerror or exc}") from None
    if hashlib.sha256(data).hexdigest() != sha:
        raise _Skip("the stored bytes do not match the row's hash")
    try:
        clean = image_metadata.strip(kind, data)
    except image_metadata.MalformedImage as exc:
        raise _Skip(f"not a readable {kind} image ({exc})") from None
    if clean == data:
        return False
    if dry_run:
        return True
    new_sha = hashlib.sha256(clean).hexdigest()
    try:
        _store(clean, new_sha)
    except OSError as exc:
        raise _Skip(f"cannot write the stripped file: {exc.strerror or exc}") from None
    try:
        db.session.execute(update(StoredFile).where(StoredFile.id.in_([row_id for row_id, _ in rows]),
                                                    StoredFile.sha256 == sha)
                           .values(sha256=new_sha, size=len(clean)).execution_options(synchronize_session=False))
        for row_id, org_id in rows:
            audit.record("stored_file.metadata_stripped", "stored_file", row_id, org_id=org_id, sha256_before=sha,
                         sha256_after=new_sha, size_before=len(data), size_after=len(clean))
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()  # the rows keep the old file, which is still there
        raise _Skip(f"database: {type(exc).__name__}") from None
    _remove_if_unused(old_path, sha)
    return True


def _store(data: bytes, sha: str) -> None:
    """Put `data` at its content path, whole or not at all (written to a temporary file, then renamed)."""
    root = Path(current_app.config["UPLOAD_DIR"])
    target = root / sha[:2] / sha
    if target.exists():
        return  # the same clean content is already stored (an upload of the same photo since)
    tmp_dir = root / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=tmp_dir, delete=False)
    tmp = Path(handle.name)
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _remove_if_unused(path: Path, sha: str) -> None:
    """Remove the old content once no row points at it (after the commit that moved its rows away)."""
    still_used = db.session.scalar(select(func.count()).select_from(StoredFile).where(StoredFile.sha256 == sha))
    db.session.rollback()
    if not still_used:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            current_app.logger.warning("could not remove %s after stripping its metadata", path)
