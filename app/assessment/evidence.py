"""Evidence of a self-assessment: uploaded files (佐证材料) and links to the university's own published
育人号 posts. A file is readable by whoever may read an assessment that cites it, and only files the
university's 经办人 uploaded can be cited (assessments.citable_files)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.assessment import assessments
from app.core import audit, uploads
from app.core.unit_of_work import use_case
from app.errors import Forbidden, NotVisible, ValidationFailed
from app.extensions import db
from app.models import Assessment, AssessmentItem, Post, PostRevision, StoredFile, User

EVIDENCE_KINDS = ("pdf", "docx", "xlsx", "png", "jpeg")
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


@use_case
def upload(user: User, storage: Any, *, field: str = "file") -> StoredFile:
    """Store one evidence file for the caller's university (university_admin); `field` names the form
    field in the messages. Within the saving of a self-assessment it joins that unit of work."""
    university_id = user.org.university_id() if user.has_role("university_admin") else None
    if university_id is None:
        raise Forbidden("只有高校经办人可以上传佐证材料")
    if storage is None or not getattr(storage, "filename", ""):
        raise ValidationFailed("请选择文件", {field: ["请选择要上传的文件"]})
    stored = uploads.save(storage, owner_id=user.id, org_id=university_id, accept=EVIDENCE_KINDS,
                          max_bytes=EVIDENCE_MAX_BYTES, field=field)
    audit.record("assessment.evidence_uploaded", "stored_file", stored.id, actor_id=user.id, org_id=university_id)
    return stored


@use_case
def save_self_with_files(user: User, assessment_id: int, entries: list[dict[str, Any]],
                         new_files: dict[str, list[tuple[str, Any]]]) -> Assessment:
    """The self-assessment page: the files uploaded per item code, (form field, file), are added to
    the entries' evidence and stored with them, or not at all when the entries are refused."""
    by_code = {entry["code"]: entry for entry in entries}
    for code, files in new_files.items():
        ids = [upload(user, storage, field=field).id for field, storage in files]
        entry = by_code.get(code)
        if entry is not None:
            entry["evidence_file_ids"] = list(dict.fromkeys([*entry.get("evidence_file_ids", []), *ids]))
    return assessments.save_self(user, assessment_id, entries)


def files_of(assessment: Assessment) -> dict[int, StoredFile]:
    ids = {i for entry in db.session.scalars(select(AssessmentItem).where(AssessmentItem.assessment_id
                                                                          == assessment.id))
           for i in entry.evidence_file_ids or []}
    if not ids:
        return {}
    # Only what may be cited is read back: a citation stored before that rule held gives nothing away.
    return {f.id: f for f in db.session.scalars(select(StoredFile).where(
        StoredFile.id.in_(ids), assessments.citable_files(assessment.university_id)))}


def file_for(user: User, assessment_id: int, file_id: int) -> StoredFile:
    """An evidence file cited by an assessment the user may read (else NotVisible)."""
    assessment = assessments.assessment_for(user, assessment_id)
    stored = files_of(assessment).get(file_id)
    if stored is None:
        raise NotVisible("文件不存在")
    return stored


def post_choices(university_id: int) -> list[tuple[int, str]]:
    """The university's published posts: (id, title of the published revision), newest first."""
    rows = db.session.execute(select(Post.id, PostRevision.title).join(
        PostRevision, PostRevision.post_id == Post.id).where(
        Post.university_id == university_id, PostRevision.status == "published")
        .order_by(Post.published_at.desc())).all()
    return [(post_id, title) for post_id, title in rows]
