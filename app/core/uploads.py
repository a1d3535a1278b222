"""Uploaded files: type decided by content, images stripped of their metadata (GPS positions in EXIF,
see `image_metadata`), bytes stored once per content under UPLOAD_DIR.

Bytes live at ``UPLOAD_DIR/<sha256[:2]>/<sha256>`` (outside the web root, never served by path);
each upload still gets its own `StoredFile` row (owner, organisation, sanitised name). `save` only
flushes: the caller's transaction commits the row.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from flask import current_app
from werkzeug.datastructures import FileStorage

from app.core import image_metadata
from app.errors import NotVisible, ValidationFailed
from app.extensions import db
from app.models import StoredFile

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    content_type: str
    extensions: tuple[str, ...]  # the first is the canonical one


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("pdf", "PDF", "application/pdf", (".pdf",)),
        Kind("docx", "DOCX",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
        Kind("xlsx", "XLSX",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
        Kind("png", "PNG", "image/png", (".png",)),
        Kind("jpeg", "JPEG", "image/jpeg", (".jpg", ".jpeg")),
        Kind("gif", "GIF", "image/gif", (".gif",)),
        Kind("webp", "WebP", "image/webp", (".webp",)),
    )
}
ALIASES = {"jpg": "jpeg"}
CONTENT_TYPES = {kind.content_type: kind for kind in KINDS.values()}
STRIPPED = ("jpeg", "png", "webp")  # kinds whose metadata (EXIF GPS, XMP, text) is removed before storing

# Office files are ZIP archives: refuse archives that would expand far beyond what a document needs.
ZIP_MAX_ENTRIES = 5000
ZIP_MAX_UNCOMPRESSED = 200 * 1024 * 1024
ZIP_MAX_RATIO = 100  # total uncompressed / compressed, checked once the content passes ZIP_RATIO_FLOOR
ZIP_RATIO_FLOOR = 10 * 1024 * 1024

_UNSAFE = re.compile(r'[<>:"|?*]')
_SHA = re.compile(r"^[0-9a-f]{64}$")


def kinds_for(accept: list[str] | tuple[str, ...]) -> list[Kind]:
    """The known kinds an `accept` list names (`jpg` is `jpeg`); unknown names are a form-file bug."""
    out: list[Kind] = []
    for name in accept:
        key = ALIASES.get(name.lower().lstrip("."), name.lower().lstrip("."))
        if key not in KINDS:
            raise ValueError(f"unknown file kind {name!r}; known: {', '.join(KINDS)}")
        if KINDS[key] not in out:
            out.append(KINDS[key])
    return out


def describe_accept(accept: list[str] | tuple[str, ...]) -> str:
    return "、".join(kind.label for kind in kinds_for(accept))


def megabytes(n: int) -> str:
    value = n / (1024 * 1024)
    return f"{value:.1f}".rstrip("0").rstrip(".") if value < 10 else str(round(value))


def save(
    storage: FileStorage,
    *,
    owner_id: int | None,
    org_id: int | None,
    accept: list[str] | tuple[str, ...],
    max_bytes: int | None = None,
    field: str = "file",
) -> StoredFile:
    """Store an uploaded werkzeug `FileStorage` whose content is one of `accept` and at most
    `max_bytes` (default MAX_CONTENT_LENGTH). Raises ValidationFailed naming `field`."""
    kinds = kinds_for(accept)
    limit = int(max_bytes or current_app.config["MAX_CONTENT_LENGTH"])
    stream: IO[bytes] = storage.stream
    raw_name = storage.filename or ""

    def refuse(message: str) -> ValidationFailed:
        return ValidationFailed("请按提示修改", fields={field: [message]})

    root = Path(current_app.config["UPLOAD_DIR"])
    tmp_dir = root / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=tmp_dir, delete=False)
    tmp = Path(handle.name)
    try:
        digest, size = hashlib.sha256(), 0
        with handle:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:  # stop reading at once: never more than the limit plus one chunk
                    raise refuse(f"文件过大（上限 {megabytes(limit)} MB）")
                digest.update(chunk)
                handle.write(chunk)
        if size == 0:
            raise refuse("文件为空")
        detected = sniff(tmp)
        if detected == "zip_bomb":
            raise refuse("压缩内容解压后过大，疑似恶意文件，已拒绝")
        kind = KINDS.get(detected or "")
        if kind is None or kind not in kinds:
            claimed = _extension(raw_name)
            if any(claimed in k.extensions for k in kinds):
                raise refuse("文件内容与类型不符")
            raise refuse(f"不支持的文件类型：仅限 {describe_accept(accept)}")
        if kind.name in STRIPPED:
            try:
                clean = image_metadata.strip(kind.name, tmp.read_bytes())
            except image_metadata.MalformedImage:
                raise refuse("图片已损坏或无法识别") from None
            tmp.write_bytes(clean)
            digest, size = hashlib.sha256(clean), len(clean)
        sha = digest.hexdigest()
        target = root / sha[:2] / sha
        if target.exists():
            tmp.unlink()  # same content already stored: keep one copy
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    stored = StoredFile(owner_id=owner_id, org_id=org_id, filename=safe_filename(raw_name, kind),
                        content_type=kind.content_type, size=size, sha256=sha)
    db.session.add(stored)
    db.session.flush()
    return stored


def sniff(path: Path) -> str | None:
    """The kind the bytes are (a `KINDS` key), "zip_bomb", or None when not one we know."""
    with path.open("rb") as fh:
        head = fh.read(12)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"PK\x03\x04"):
        return _sniff_office(path)
    return None


def _sniff_office(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > ZIP_MAX_ENTRIES:
                return "zip_bomb"
            declared = sum(info.file_size for info in infos)
            packed = sum(info.compress_size for info in infos) or 1
            if declared > ZIP_MAX_UNCOMPRESSED or (
                declared > ZIP_RATIO_FLOOR and declared / packed > ZIP_MAX_RATIO
            ):
                return "zip_bomb"
            # Headers can lie: expand every entry within a budget (CRC checked by zipfile).
            budget = ZIP_MAX_UNCOMPRESSED
            for info in infos:
                with archive.open(info) as member:
                    while chunk := member.read(CHUNK):
                        budget -= len(chunk)
                        if budget < 0:
                            return "zip_bomb"
            names = {info.filename for info in infos}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError, OSError, EOFError):
        return None  # corrupt, encrypted or exotic: not a document we accept
    if "[Content_Types].xml" not in names:
        return None
    if any(name.startswith("word/") for name in names):
        return "docx"
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    return None


def _extension(name: str) -> str:
    base = re.split(r"[\\/]", name)[-1]
    return os.path.splitext(base)[1].lower()


def safe_filename(name: str, kind: Kind) -> str:
    """The last path part, without control or format characters (no RTL tricks), Windows-unsafe
    characters or leading dots; Chinese kept; the extension made to match the content."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, ext = os.path.splitext(name)
    if ext.lower() not in kind.extensions:
        # "photo.pdf" holding a PNG becomes "photo.png"; an unknown suffix stays part of the name
        known = any(ext.lower() in k.extensions for k in KINDS.values())
        stem, ext = (stem if known else name), kind.extensions[0]
    stem = stem.strip(" .") or "未命名"
    return stem[: 200] + ext.lower()


def path_for(file: StoredFile) -> Path:
    sha = file.sha256 or ""
    if not _SHA.match(sha):  # never build a path from anything but a hash
        raise NotVisible("文件不存在")
    return Path(current_app.config["UPLOAD_DIR"]) / sha[:2] / sha


def open_stream(file: StoredFile) -> BinaryIO:
    """The stored bytes, for the caller to stream (e.g. `send_file`) and close."""
    try:
        return path_for(file).open("rb")
    except FileNotFoundError:
        raise NotVisible("文件不存在") from None
