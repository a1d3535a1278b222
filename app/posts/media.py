"""Images and attachments of 育人号 posts: checked by content (type, size, image dimensions), stored
outside the web root by `uploads`, and readable by whoever may see a revision that uses them."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, UnidentifiedImageError
from sqlalchemy import exists, select

from app.core import roles, uploads
from app.core.unit_of_work import use_case
from app.errors import Forbidden, NotVisible, ValidationFailed
from app.extensions import db
from app.models import Org, PostRevision, PostRevisionFile, StoredFile, User

IMAGE_ACCEPT = ("png", "jpeg", "gif", "webp")
IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_MAX_SIDE = 8000
IMAGE_MIN_SIDE = 16
IMAGE_MAX_PIXELS = 40_000_000  # decoded size guard: a small file may still claim 60000×60000 pixels
COVER_MIN = (400, 200)
ATTACHMENT_ACCEPT = ("pdf", "docx", "xlsx")
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10
READERS = roles.NATIONAL
_FORMATS = {"png": "PNG", "jpeg": "JPEG", "gif": "GIF", "webp": "WEBP"}


@dataclass(frozen=True)
class Upload:
    file: StoredFile
    width: int | None = None
    height: int | None = None

    @property
    def url(self) -> str:
        return media_url(self.file.id)


def media_url(file_id: int) -> str:
    return f"/media/posts/{file_id}"


def university_of(user: User) -> Org:
    """The university whose 育人号 this user maintains (university_admin only)."""
    org = user.org
    if not user.has_role("university_admin") or org is None or org.kind != "university":
        raise Forbidden("只有高校经办人可以编辑育人号")
    return org


def _refuse(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("请按提示修改", {field: [message]})


def _check_image(stored: StoredFile, field: str, cover: bool) -> tuple[int, int]:
    kind = uploads.CONTENT_TYPES[stored.content_type].name
    path = uploads.path_for(stored)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if image.format != _FORMATS.get(kind):
                    raise _refuse(field, "图片内容与类型不符")
                if width * height > IMAGE_MAX_PIXELS:
                    raise _refuse(field, f"图片像素过多（上限 {IMAGE_MAX_PIXELS // 1_000_000} 百万像素）")
                image.verify()  # a truncated or corrupt file fails here, before anyone is shown it
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(field, f"图片像素过多（上限 {IMAGE_MAX_PIXELS // 1_000_000} 百万像素）") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _refuse(field, "图片已损坏或无法识别") from None
    if max(width, height) > IMAGE_MAX_SIDE:
        raise _refuse(field, f"图片尺寸过大（最长边不超过 {IMAGE_MAX_SIDE} 像素），当前 {width}×{height}")
    if min(width, height) < IMAGE_MIN_SIDE:
        raise _refuse(field, f"图片尺寸过小（至少 {IMAGE_MIN_SIDE}×{IMAGE_MIN_SIDE} 像素）")
    if cover and (width < COVER_MIN[0] or height < COVER_MIN[1]):
        raise _refuse(field, f"封面图片至少 {COVER_MIN[0]}×{COVER_MIN[1]} 像素，当前 {width}×{height}")
    return width, height


def save_image(user: User, storage: Any, *, field: str = "file", cover: bool = False) -> Upload:
    """An image for a post (PNG, JPEG, GIF or WebP, ≤ 5 MB, sensible dimensions). Only flushed."""
    university = university_of(user)
    if storage is None or not getattr(storage, "filename", ""):
        raise _refuse(field, "请选择图片")
    stored = uploads.save(storage, owner_id=user.id, org_id=university.id, accept=IMAGE_ACCEPT,
                          max_bytes=IMAGE_MAX_BYTES, field=field)
    width, height = _check_image(stored, field, cover)
    return Upload(stored, width, height)


def save_attachment(user: User, storage: Any, *, field: str = "file") -> Upload:
    """A document attached to a post (PDF, DOCX or XLSX, ≤ 10 MB). Only flushed."""
    university = university_of(user)
    if storage is None or not getattr(storage, "filename", ""):
        raise _refuse(field, "请选择附件")
    return Upload(uploads.save(storage, owner_id=user.id, org_id=university.id, accept=ATTACHMENT_ACCEPT,
                               max_bytes=ATTACHMENT_MAX_BYTES, field=field))


def is_image(file: StoredFile) -> bool:
    kind = uploads.CONTENT_TYPES.get(file.content_type)
    return kind is not None and kind.name in IMAGE_ACCEPT


def owned_files(university_id: int, ids: list[int]) -> dict[int, StoredFile]:
    """Those of `ids` that are files of this university."""
    if not ids:
        return {}
    rows = db.session.scalars(select(StoredFile).where(StoredFile.id.in_(ids), StoredFile.org_id == university_id))
    return {f.id: f for f in rows}


def is_public(file_id: int) -> bool:
    """A file is public exactly when a published revision uses it."""
    return bool(db.session.scalar(select(exists().where(
        PostRevisionFile.file_id == file_id, PostRevisionFile.revision_id == PostRevision.id,
        PostRevision.status == "published"))))


def file_for(viewer: User | None, file_id: int) -> tuple[StoredFile, bool]:
    """The file and whether it is public; NotVisible unless public, the viewer's university's own,
    or the viewer is a national reviewer."""
    file = db.session.get(StoredFile, file_id)
    if file is None or uploads.CONTENT_TYPES.get(file.content_type) is None:
        raise NotVisible("文件不存在")
    if is_public(file_id):
        return file, True
    if viewer is None:
        raise NotVisible("文件不存在")
    if viewer.has_role("university_admin") and file.org_id is not None \
            and file.org_id == viewer.org.university_id():
        return file, False
    if viewer.has_role(*READERS) and db.session.scalar(select(exists().where(PostRevisionFile.file_id == file_id))):
        return file, False  # reviewers see what was put in a post, not a university's loose uploads
    raise NotVisible("文件不存在")


def files_of(revision_id: int) -> list[tuple[PostRevisionFile, StoredFile]]:
    rows = db.session.execute(select(PostRevisionFile, StoredFile).join(
        StoredFile, StoredFile.id == PostRevisionFile.file_id).where(PostRevisionFile.revision_id == revision_id)
        .order_by(PostRevisionFile.role, PostRevisionFile.position))
    return [(link, file) for link, file in rows]


UPLOAD_KINDS = {"image": "正文图片", "cover": "封面图片", "attachment": "附件"}


@use_case
def upload(user: User, storage: Any, kind: str) -> Upload:
    """One file for a post, stored and committed (the API's POST /post-files)."""
    if kind not in UPLOAD_KINDS:
        raise _refuse("kind", "请选择文件用途：image（正文图片）、cover（封面）或 attachment（附件）")
    if kind == "attachment":
        result = save_attachment(user, storage)
    else:
        result = save_image(user, storage, cover=kind == "cover")
    return result
