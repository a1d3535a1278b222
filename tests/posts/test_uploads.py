"""育人号 images and attachments: type by content, size and dimension limits, who may fetch a file,
and the headers it is served with."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO

import pytest
from PIL import Image

from tests.conftest import bearer


def image(fmt: str = "PNG", size: tuple[int, int] = (800, 450)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, (200, 30, 40)).save(out, format=fmt)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge picture (a decompression bomb's calling card)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + \
        chunk(b"IEND", b"")


@pytest.fixture
def env(app, client, world):
    world.user("buaa", "university_admin")
    world.user("zju", "university_admin", world.other_uni)
    world.user("op1", "operator")
    assert app.test_cli_runner().invoke(args=["processes", "deploy"]).exit_code == 0
    return {n: bearer(client, n) for n in ("buaa", "zju", "op1")}


def upload(client, headers, content: bytes, name: str, kind: str = "image"):
    return client.post("/api/v1/post-files", data={"kind": kind, "file": (BytesIO(content), name)},
                       content_type="multipart/form-data", headers=headers)


def field_error(response) -> str:
    return response.get_json()["error"]["fields"]["file"][0]


@pytest.mark.parametrize("fmt,name", [("PNG", "a.png"), ("JPEG", "a.jpg"), ("GIF", "a.gif"), ("WEBP", "a.webp")])
def test_images_of_every_accepted_kind_upload_with_their_dimensions(client, env, fmt, name) -> None:
    response = upload(client, env["buaa"], image(fmt), name)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["width"], body["height"]) == (800, 450) and body["url"] == f"/media/posts/{body['id']}"


def test_refused_uploads_say_why_in_chinese(client, env) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
    cases = [
        (svg, "x.svg", "image", "不支持的文件类型"),
        (b"MZ\x90\x00" + b"\x00" * 100, "photo.png", "image", "文件内容与类型不符"),
        (image("PNG")[:200], "cut.png", "image", "图片已损坏或无法识别"),
        (image("PNG", (10, 10)), "tiny.png", "image", "图片尺寸过小"),
        (image("PNG", (9000, 20)), "wide.png", "image", "图片尺寸过大"),
        (png_claiming(60000, 60000), "bomb.png", "image", "图片像素过多"),
        (image("PNG", (300, 300)), "cover.png", "cover", "封面图片至少 400×200 像素"),
        (b"", "empty.png", "image", "文件为空"),
        (b"%PDF-1.4\n%%EOF\n", "doc.pdf", "image", "不支持的文件类型"),
        (image("PNG"), "a.png", "attachment", "不支持的文件类型：仅限 PDF、DOCX、XLSX"),
        (image("PNG"), "a.pdf", "attachment", "文件内容与类型不符"),
    ]
    for content, name, kind, message in cases:
        response = upload(client, env["buaa"], content, name, kind)
        assert response.status_code == 422, (name, response.get_json())
        assert message in field_error(response), (name, field_error(response))


def test_size_limits_are_422_per_file_and_413_for_the_request(app, client, env) -> None:
    big = image("PNG", (800, 450)) + b"\x00" * (5 * 1024 * 1024)
    response = upload(client, env["buaa"], big, "big.png")
    assert response.status_code == 422 and "文件过大（上限 5 MB）" in field_error(response)
    huge = b"%PDF-1.4\n" + b"0" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    assert upload(client, env["buaa"], huge, "huge.pdf", "attachment").status_code == 413


def test_upload_needs_a_university_admin_and_multipart(client, env) -> None:
    assert upload(client, env["op1"], image(), "a.png").status_code == 403
    assert client.post("/api/v1/post-files", json={"file": "x"}, headers=env["buaa"]).status_code == 415
    no_file = client.post("/api/v1/post-files", data={"kind": "image"}, content_type="multipart/form-data",
                          headers=env["buaa"])
    assert no_file.status_code == 422 and field_error(no_file) == "请选择图片"
    bad_kind = upload(client, env["buaa"], image(), "a.png", "video")
    assert bad_kind.status_code == 422 and "kind" in bad_kind.get_json()["error"]["fields"]


def test_files_are_private_until_a_published_revision_uses_them(app, client, env) -> None:
    picture = upload(client, env["buaa"], image(), "大厅.png").get_json()
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    doc = upload(client, env["buaa"], pdf, "制度汇编.pdf", "attachment").get_json()
    cover = upload(client, env["buaa"], image("JPEG", (1200, 600)), "cover.jpg", "cover").get_json()
    anonymous = app.test_client()
    assert anonymous.get(picture["url"]).status_code == 404
    stolen = client.post("/api/v1/posts", headers=env["zju"], json={
        "module": "rules", "title": "借用", "body_html": f'<p>x</p><img src="{picture["url"]}">',
        "cover_file_id": cover["id"]})
    assert stolen.status_code == 422 and "cover_file_id" in stolen.get_json()["error"]["fields"]
    borrowed = client.post("/api/v1/posts", headers=env["zju"], json={
        "module": "rules", "title": "借用", "body_html": f'<p>x</p><img src="{picture["url"]}">'})
    assert borrowed.status_code == 201  # another university's image is dropped from the text
    shown_to_zju = client.get(f"/api/v1/posts/{borrowed.get_json()['id']}", headers=env["zju"]).get_json()
    assert shown_to_zju["body_html"] == "<p>x</p>"
    body = f'<p>制度全文见附件。</p><img src="{picture["url"]}" alt="大厅">'
    created = client.post("/api/v1/posts", headers=env["buaa"], json={
        "module": "rules", "title": "学生社区管理制度", "body_html": body,
        "cover_file_id": cover["id"], "attachment_ids": [doc["id"]]})
    assert created.status_code == 201, created.get_json()
    assert anonymous.get(doc["url"]).status_code == 404  # in review: not public yet
    [task] = [t for t in client.get("/api/v1/tasks?scope=group&process=post_review", headers=env["op1"])
              .get_json()["items"] if t["instance_id"] == created.get_json()["instance_id"]]
    client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"decision": "approve"}}, headers=env["op1"])
    shown = anonymous.get(picture["url"])
    assert shown.status_code == 200 and shown.mimetype == "image/png"
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in shown.headers["Content-Security-Policy"]
    assert "public" in shown.headers["Cache-Control"]
    attachment = anonymous.get(doc["url"])
    assert attachment.status_code == 200 and attachment.mimetype == "application/pdf"
    assert attachment.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''" in attachment.headers["Content-Disposition"]
    public = client.get("/api/v1/public/posts").get_json()["items"][0]
    assert public["cover_url"] == cover["url"] and f'src="{picture["url"]}"' in public["body_html"]
    assert anonymous.get("/media/posts/999999").status_code == 404
