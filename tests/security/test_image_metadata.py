"""Uploaded photos lose their metadata: a student's phone photo carries where it was taken (EXIF GPS),
an editor's file carries names and comments (XMP, IPTC, text chunks). What comes back from the download
routes has none of it and still shows the same picture; a file whose structure is broken is refused."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from app.core import image_metadata
from app.core.image_metadata import MalformedImage
from tests.conftest import bearer, csrf_from, login
from tests.support.images import (
    GPS_MARK,
    assert_no_metadata,
    exif_app1,
    jpeg_with_gps,
    picture,
    pixels,
    png_with_gps,
)

# ------------------------------------------------------------------ the byte surgery itself


@pytest.mark.parametrize("progressive", [False, True])
def test_a_jpeg_loses_exif_xmp_iptc_and_comments_and_keeps_its_pixels(progressive: bool) -> None:
    dirty = jpeg_with_gps(progressive=progressive)
    with Image.open(io.BytesIO(dirty)) as image:  # the fixture really carries a GPS position
        assert image.getexif().get_ifd(0x8825)[0x0001] == "N"
    clean = image_metadata.strip("jpeg", dirty)
    assert_no_metadata(clean)
    assert pixels(clean) == pixels(dirty)
    assert image_metadata.strip("jpeg", clean) == clean  # stripping twice changes nothing


def test_a_rotated_phone_photo_keeps_only_its_orientation() -> None:
    clean = image_metadata.strip("jpeg", jpeg_with_gps(orientation=6))
    assert_no_metadata(clean)
    with Image.open(io.BytesIO(clean)) as image:
        assert dict(image.getexif()) == {0x0112: 6}  # shown upright, and nothing else kept


def test_a_png_loses_its_text_and_exif_chunks_and_keeps_its_pixels() -> None:
    dirty = png_with_gps() + b"trailing secrets"
    with Image.open(io.BytesIO(dirty)) as image:
        image.load()
        assert image.text["Location"] == GPS_MARK.decode()
    clean = image_metadata.strip("png", dirty)
    assert_no_metadata(clean)
    assert clean == picture("PNG")  # exactly the chunks Pillow wrote, CRCs and all
    assert pixels(clean) == pixels(dirty)


def test_a_webp_loses_its_exif_and_xmp_chunks() -> None:
    dirty = picture("WEBP", exif=exif_app1()[4:], xmp=b"<x:xmpmeta>" + GPS_MARK + b"</x:xmpmeta>")
    assert GPS_MARK in dirty
    clean = image_metadata.strip("webp", dirty)
    assert GPS_MARK not in clean and b"Exif" not in clean and b"xmpmeta" not in clean
    assert pixels(clean) == pixels(dirty)


@pytest.mark.parametrize(("kind", "data"), [
    ("jpeg", jpeg_with_gps()[:300]),  # cut inside the EXIF block
    ("jpeg", picture("JPEG")[:-40]),  # cut inside the scan: no end of image
    ("jpeg", b"\xff\xd8\xff\xe0\xff\xff" + b"\0" * 40),  # a segment longer than the file
    ("png", picture("PNG")[:60]),
    ("png", picture("PNG")[:-1]),  # IEND cut
    ("png", picture("PNG")[:20] + b"X" + picture("PNG")[21:]),  # IHDR CRC no longer matches
    ("webp", picture("WEBP")[:30]),
])
def test_a_broken_image_is_refused_not_stored_half_understood(kind: str, data: bytes) -> None:
    with pytest.raises(MalformedImage):
        image_metadata.strip(kind, data)


# ------------------------------------------------------------------ over HTTP, as users upload


def test_a_post_image_is_served_without_its_gps_position(app, client, world) -> None:
    world.user("buaa", "university_admin")
    headers = bearer(client, "buaa")
    browser = app.test_client()  # the media route reads the browser session, as an editor's page does
    login(browser, "buaa")
    for dirty, name in ((jpeg_with_gps(), "宿舍.jpg"), (png_with_gps(), "宿舍.png")):
        response = client.post("/api/v1/post-files", headers=headers, content_type="multipart/form-data",
                               data={"kind": "image", "file": (io.BytesIO(dirty), name)})
        assert response.status_code == 201, response.get_json()
        served = browser.get(response.get_json()["url"])
        assert served.status_code == 200
        assert_no_metadata(served.data)
        assert pixels(served.data) == pixels(dirty)


def test_a_broken_post_image_is_refused_with_a_field_message(app, client, world) -> None:
    world.user("buaa", "university_admin")
    response = client.post("/api/v1/post-files", headers=bearer(client, "buaa"),
                           content_type="multipart/form-data",
                           data={"kind": "image", "file": (io.BytesIO(jpeg_with_gps()[:400]), "cut.jpg")})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["file"] == ["图片已损坏或无法识别"]


def test_a_students_complaint_photo_is_served_without_its_gps_position(app, client, world) -> None:
    world.user("stu", "student")
    assert app.test_cli_runner().invoke(args=["processes", "deploy"]).exit_code == 0
    login(client, "stu")
    page = client.get("/complaints/new").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "channel": "logistics_hotline", "category": "dormitory",
            "title": "热水器坏了", "content": "三号楼热水器坏了三天。"}
    broken = client.post("/complaints/new", content_type="multipart/form-data",
                         data={**form, "photos": (io.BytesIO(jpeg_with_gps()[:400]), "cut.jpg")})
    assert broken.status_code == 422 and "图片已损坏或无法识别" in broken.get_data(as_text=True)
    dirty = jpeg_with_gps(orientation=6)
    created = client.post("/complaints/new", content_type="multipart/form-data",
                          data={**form, "photos": (io.BytesIO(dirty), "热水器.jpg")})
    assert created.status_code == 302
    detail = client.get(created.headers["Location"]).get_data(as_text=True)
    links = re.findall(r"/complaints/\d+/photos/\d+", detail)
    assert links, detail[:2000]
    served = client.get(links[0])
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert_no_metadata(served.data)
    assert pixels(served.data) == pixels(dirty)
