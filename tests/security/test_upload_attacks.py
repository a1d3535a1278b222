"""Uploads attacked over HTTP, where nobody needs an account: the public pilot application page
(工作计划书) and a student's complaint photos. tests/core/test_uploads.py and
tests/posts/test_uploads.py cover the upload service and the 育人号 API case by case; this checks
that the same refusals hold at the anonymous front door and that a hostile name never picks the path."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import StoredFile
from tests.conftest import csrf_from, login
from tests.support.files import office
from tests.support.matrix_world import png
from tests.support.pilot import FORM

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


BOMB = office({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * (40 * 1024 * 1024)})


def _apply(client, content: bytes, name: str) -> object:
    page = client.get("/apply").get_data(as_text=True)
    data = {**FORM, "plan_text": "", "csrf_token": csrf_from(page), "plan_file": (io.BytesIO(content), name)}
    return client.post("/apply", data=data, content_type="multipart/form-data")


def _stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(StoredFile)) or 0


@pytest.mark.parametrize(("content", "name"), [
    (BOMB, "计划书.docx"),  # 40 MB of zeros in a few dozen KB
    (b"<html><script>alert(1)</script></html>", "计划书.pdf"),  # HTML named like a PDF
    (b"MZ\x90\x00" + b"\x00" * 200, "计划书.docx"),  # an executable named like a document
    (png(), "计划书.pdf"),  # right bytes, wrong name: the content decides
])
def test_the_public_application_page_refuses_hostile_files(app, client, world, content, name) -> None:
    response = _apply(client, content, name)
    assert response.status_code == 422, response.status_code
    assert _stored(app) == 0


def test_a_hostile_file_name_never_chooses_where_the_file_goes(app, client, world) -> None:
    assert app.test_cli_runner().invoke(args=["processes", "deploy"]).exit_code == 0
    response = _apply(client, PDF, "../../../../tmp/evil\x00.pdf")
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    upload_dir = Path(app.config["UPLOAD_DIR"]).resolve()
    with app.app_context():
        stored = db.session.scalar(select(StoredFile))
        assert stored.filename == "evil.pdf"
        path = (upload_dir / stored.sha256[:2] / stored.sha256).resolve()
    assert path.is_file() and upload_dir in path.parents
    assert not Path("/tmp/evil.pdf").exists()


def test_a_students_photo_is_checked_by_content_and_size(app, client, world) -> None:
    world.user("stu", "student")
    assert app.test_cli_runner().invoke(args=["processes", "deploy"]).exit_code == 0
    login(client, "stu")
    page = client.get("/complaints/new").get_data(as_text=True)

    def file(content: bytes, name: str) -> object:
        return client.post("/complaints/new", content_type="multipart/form-data", data={
            "csrf_token": csrf_from(page), "channel": "logistics_hotline", "category": "dormitory",
            "title": "热水器坏了", "content": "三号楼热水器坏了三天。", "photos": (io.BytesIO(content), name)})

    assert file(b"<svg onload=alert(1)></svg>", "x.png").status_code == 422
    assert file(PDF, "photo.jpg").status_code == 422
    too_big = file(png() + b"\0" * (11 * 1024 * 1024), "big.png")
    assert too_big.status_code == 422 and "10 MB" in too_big.get_data(as_text=True)
    assert _stored(app) == 0
    assert file(png(), "../../../宿舍.png").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(StoredFile.filename)) == "宿舍.png"
