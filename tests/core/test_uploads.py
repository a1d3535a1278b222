"""Uploads: the type comes from the bytes, the name is made safe, each content is stored once."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.config import ROOT
from app.core import uploads
from app.errors import ValidationFailed
from app.extensions import db
from app.models import StoredFile
from tests.support.files import PNG, office

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Real (tiny) images: image uploads are parsed to strip their metadata, and a broken one is refused.
JPEG = b"\xff\xd8" + b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + \
    b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + b"\x12\x34\xff\x00\x56" + b"\xff\xd9"
GIF = b"GIF89a" + b"\x00" * 32
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


DOCX = office({"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<Relationships/>",
               "word/document.xml": "<w:document>一站式学生社区</w:document>".encode()})
XLSX = office({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})


def storage(data: bytes, filename: str = "file.pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type="application/pdf")


@pytest.fixture
def actx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


def save(data: bytes, filename: str = "file.pdf", accept: tuple[str, ...] = ("pdf", "docx"),
         max_bytes: int = 1024 * 1024, **kw: Any) -> StoredFile:
    return uploads.save(storage(data, filename), owner_id=kw.get("owner_id"), org_id=kw.get("org_id"),
                        accept=list(accept), max_bytes=max_bytes, field=kw.get("field", "plan"))


def refusal(data: bytes, filename: str = "file.pdf", **kw: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        save(data, filename, **kw)
    return caught.value.fields


def stored_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(StoredFile)) or 0


def test_a_pdf_is_stored_outside_the_web_root_with_its_metadata(app: Flask, actx: None, world: Any) -> None:
    alice = world.user("alice", "university_admin")
    row = save(PDF, "工作计划书.pdf", owner_id=alice.id, org_id=world.uni.id)
    db.session.commit()
    again = db.session.get(StoredFile, row.id)
    assert again is not None
    assert (again.owner_id, again.org_id, again.filename) == (alice.id, world.uni.id, "工作计划书.pdf")
    assert (again.content_type, again.size) == ("application/pdf", len(PDF))
    path = uploads.path_for(again)
    assert path == Path(app.config["UPLOAD_DIR"]) / again.sha256[:2] / again.sha256
    assert path.read_bytes() == PDF and ROOT / "app" not in path.parents
    with uploads.open_stream(again) as fh:
        assert fh.read() == PDF


@pytest.mark.parametrize(("data", "accept", "content_type", "filename", "stored_as"), [
    (DOCX, ("pdf", "docx"), DOCX_TYPE, "申请书.docx", "申请书.docx"),
    (XLSX, ("xlsx",), XLSX_TYPE, "表.xlsx", "表.xlsx"),
    (PNG, ("png", "jpeg"), "image/png", "照片.png", "照片.png"),
    (JPEG, ("jpg",), "image/jpeg", "照片.JPEG", "照片.jpeg"),
    (GIF, ("gif",), "image/gif", "动图", "动图.gif"),
    (PNG, ("pdf", "png"), "image/png", "scan.pdf", "scan.png"),  # recorded as what it is
])
def test_type_comes_from_content(actx: None, data: bytes, accept: tuple[str, ...], content_type: str,
                                 filename: str, stored_as: str) -> None:
    row = save(data, filename, accept=accept)
    assert (row.content_type, row.filename) == (content_type, stored_as)


@pytest.mark.parametrize(("data", "filename", "accept", "message"), [
    (PNG, "scan.pdf", ("pdf", "docx"), "文件内容与类型不符"),
    (b"MZ\x90\x00 not a document", "report.docx", ("pdf", "docx"), "文件内容与类型不符"),
    (office({"readme.txt": b"hello"}), "fake.docx", ("pdf", "docx"), "文件内容与类型不符"),
    (XLSX, "table.docx", ("pdf", "docx"), "文件内容与类型不符"),
    (b"MZ\x90\x00 program", "setup.exe", ("pdf", "docx"), "不支持的文件类型：仅限 PDF、DOCX"),
    (PNG, "photo.png", ("pdf", "docx"), "不支持的文件类型：仅限 PDF、DOCX"),
    (b"<html><script>alert(1)</script>", "page.html", ("png", "jpeg"), "不支持的文件类型：仅限 PNG、JPEG"),
    (b"", "empty.pdf", ("pdf",), "文件为空"),
])
def test_wrong_content_is_refused(actx: None, data: bytes, filename: str, accept: tuple[str, ...],
                                  message: str) -> None:
    assert refusal(data, filename, accept=accept) == {"plan": [message]}
    assert stored_rows() == 0


class Endless(io.RawIOBase):
    """A client that keeps sending: counts what the server reads."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        buffer[:] = b"%" * len(buffer)
        self.served += len(buffer)
        return len(buffer)


def test_oversize_is_refused_while_reading(app: Flask, actx: None) -> None:
    assert refusal(PDF + b"\0" * (1024 * 1024), max_bytes=1024 * 1024) == {"plan": ["文件过大（上限 1 MB）"]}
    assert refusal(PDF + b"\0" * 600 * 1024, max_bytes=512 * 1024) == {"plan": ["文件过大（上限 0.5 MB）"]}
    endless = Endless()
    with pytest.raises(ValidationFailed):
        uploads.save(FileStorage(stream=endless, filename="big.pdf"), owner_id=None, org_id=None,
                     accept=["pdf"], max_bytes=2 * 1024 * 1024)
    assert endless.served <= 2 * 1024 * 1024 + uploads.CHUNK  # never read unbounded
    assert stored_rows() == 0
    assert list((Path(app.config["UPLOAD_DIR"]) / "tmp").iterdir()) == []  # no half-written leftovers
    # exactly the limit is fine
    assert save(PDF + b"\0" * 100, max_bytes=len(PDF) + 100).size == len(PDF) + 100


def test_default_limit_is_max_content_length(app: Flask, actx: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    with pytest.raises(ValidationFailed) as caught:
        uploads.save(storage(PDF + b"\0" * 3 * 1024 * 1024), owner_id=None, org_id=None, accept=["pdf"])
    assert caught.value.fields == {"file": ["文件过大（上限 2 MB）"]}


@pytest.mark.parametrize(("given", "expected"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\张三\\Desktop\\申请书.pdf", "申请书.pdf"),
    ("/var/www/static/x.pdf", "x.pdf"),
    ("..", "未命名.pdf"),
    ("", "未命名.pdf"),
    ("a\x00b\x1f\u202ec.pdf", "abc.pdf"),  # control characters and the RTL override that fakes extensions
    ('报告<1>:"?*|.pdf', "报告_1______.pdf"),
    (".hidden.pdf", "hidden.pdf"),
    ("  北航 一站式   社区 方案 .pdf", "北航 一站式 社区 方案.pdf"),
    ("evil.pdf.exe", "evil.pdf.exe.pdf"),
    ("名" * 300 + ".pdf", "名" * 200 + ".pdf"),
])
def test_filename_is_sanitised(actx: None, given: str, expected: str) -> None:
    assert save(PDF, given).filename == expected


def test_zip_bomb_is_refused(app: Flask, actx: None) -> None:
    bomb = office({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * (30 * 1024 * 1024)})
    assert len(bomb) < 100 * 1024  # tiny on the wire, 30 MB expanded
    assert refusal(bomb, "申请书.docx") == {"plan": ["压缩内容解压后过大，疑似恶意文件，已拒绝"]}
    assert stored_rows() == 0


def test_zip_whose_headers_lie_is_refused(actx: None) -> None:
    # The archive claims 1 KB for an entry that expands to 30 MB; expanding it shows the lie.
    honest = office({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * (30 * 1024 * 1024)})
    forged = bytearray(honest)
    name = b"word/document.xml"
    with zipfile.ZipFile(io.BytesIO(honest)) as archive:
        local, directory = archive.getinfo(name.decode()).header_offset, archive.start_dir
    central = forged.index(b"PK\x01\x02", forged.index(name, directory) - 46)
    assert forged[local:local + 4] == b"PK\x03\x04" and forged[central + 46:central + 46 + len(name)] == name
    forged[local + 22:local + 26] = (1024).to_bytes(4, "little")  # uncompressed size, local header
    forged[central + 24:central + 28] = (1024).to_bytes(4, "little")  # and in the central directory
    with zipfile.ZipFile(io.BytesIO(bytes(forged))) as archive:
        assert archive.getinfo("word/document.xml").file_size == 1024  # the quick check is fooled
    assert refusal(bytes(forged), "申请书.docx") == {"plan": ["文件内容与类型不符"]}
    assert stored_rows() == 0


def test_same_content_is_stored_once(app: Flask, actx: None, world: Any) -> None:
    first = save(PDF, "一.pdf", org_id=world.uni.id)
    second = save(PDF, "二.pdf", org_id=world.other_uni.id)
    db.session.commit()
    assert first.id != second.id and first.sha256 == second.sha256
    assert (first.filename, second.filename) == ("一.pdf", "二.pdf")
    folder = Path(app.config["UPLOAD_DIR"]) / first.sha256[:2]
    assert [p.name for p in folder.iterdir() if p.name.startswith(first.sha256)] == [first.sha256]
    assert uploads.path_for(first) == uploads.path_for(second)


def test_save_only_flushes(app: Flask, world: Any) -> None:
    with app.app_context():
        row = save(PDF, "草稿.pdf", org_id=world.uni.id)
        assert row.id is not None
        db.session.rollback()  # the caller's transaction failed
    with app.app_context():
        assert stored_rows() == 0


def test_missing_bytes_or_a_forged_hash_are_not_opened(actx: None) -> None:
    from app.errors import NotVisible

    with pytest.raises(NotVisible):
        uploads.open_stream(StoredFile(sha256="0" * 64, filename="x.pdf", content_type="x", size=1))
    with pytest.raises(NotVisible):
        uploads.path_for(StoredFile(sha256="../../etc/passwd", filename="x", content_type="x", size=1))
