"""Uploaded photos lose their metadata: a student's phone photo carries where it was taken (EXIF GPS),
an editor's file carries names and comments (XMP, IPTC, text chunks). What comes back from the download
routes has none of it and still shows the same picture; a file whose structure is broken is refused."""

from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from PIL import Image

from app.core import image_metadata
from app.core.image_metadata import MalformedImage
from tests.conftest import bearer, csrf_from, login

GPS_MARK = b"GPS-SECRET-39.98N"  # an ASCII GPS tag value: easy to look for in the served bytes


def _ifd(entries: list[tuple[int, int, int, bytes]], start: int) -> tuple[bytes, bytes]:
    """A big-endian IFD at offset `start` and its out-of-line data (values longer than 4 bytes)."""
    table, extra = struct.pack(">H", len(entries)), b""
    data_at = start + 2 + 12 * len(entries) + 4
    for tag, kind, count, value in entries:
        if len(value) <= 4:
            table += struct.pack(">HHI", tag, kind, count) + value.ljust(4, b"\0")
        else:
            table += struct.pack(">HHII", tag, kind, count, data_at + len(extra))
            extra += value + (b"\0" if len(value) % 2 else b"")
    return table + struct.pack(">I", 0), extra


def exif_app1(orientation: int | None = None) -> bytes:
    """An APP1 Exif segment with a camera make, optionally an Orientation, and a GPS IFD holding a
    latitude (as rationals) and a processing-method string we can search for."""
    ifd0_entries = [(0x010F, 2, 7, b"Xiaomi\0")]  # Make
    if orientation is not None:
        ifd0_entries.append((0x0112, 3, 1, struct.pack(">H", orientation)))
    ifd0_entries.append((0x8825, 4, 1, b"\0\0\0\0"))  # GPSInfo offset, patched below
    ifd0_size = 2 + 12 * len(ifd0_entries) + 4 + 8  # "Xiaomi\0" + pad
    gps_at = 8 + ifd0_size
    ifd0_entries[-1] = (0x8825, 4, 1, struct.pack(">I", gps_at))
    ifd0, ifd0_extra = _ifd(ifd0_entries, 8)
    latitude = struct.pack(">6I", 39, 1, 58, 1, 4812, 100)
    gps, gps_extra = _ifd([(0x0001, 2, 2, b"N\0"), (0x0002, 5, 3, latitude),
                           (0x001B, 7, len(GPS_MARK), GPS_MARK)], gps_at)
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8) + ifd0 + ifd0_extra + gps + gps_extra
    assert len(b"MM\x00\x2a" + struct.pack(">I", 8) + ifd0 + ifd0_extra) == gps_at
    payload = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


XMP = segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>39,58N</exif:GPSLatitude>")
IPTC = segment(0xED, b"Photoshop 3.0\08BIM\x04\x04\0\0\0\0\0\x0c\x1c\x02\x5a\0\x07Haidian")
COMMENT = segment(0xFE, b"taken at dormitory 3, room 512")


def picture(fmt: str, size: tuple[int, int] = (64, 48), **save: object) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 40))
    for x in range(0, size[0], 8):  # some structure, so a broken copy would not decode the same
        for y in range(size[1]):
            image.putpixel((x, y), (x * 3 % 256, y * 5 % 256, 90))
    image.save(out, format=fmt, **save)
    return out.getvalue()


def jpeg_with_gps(orientation: int | None = None, progressive: bool = False) -> bytes:
    clean = picture("JPEG", progressive=progressive)
    return clean[:2] + exif_app1(orientation) + XMP + IPTC + COMMENT + clean[2:] + b"trailing secrets"


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with_gps() -> bytes:
    clean = picture("PNG")
    ihdr_end = 8 + 8 + 13 + 4
    text = png_chunk(b"tEXt", b"Location\0" + GPS_MARK)
    itxt = png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta>" + GPS_MARK + b"</x:xmpmeta>")
    ztxt = png_chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"dormitory 3"))
    exif = png_chunk(b"eXIf", exif_app1()[10:])  # the TIFF block without the APP1 and Exif headers
    return clean[:ihdr_end] + text + itxt + exif + clean[ihdr_end:-12] + ztxt + clean[-12:]


def pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").tobytes()


def assert_no_metadata(data: bytes) -> None:
    assert GPS_MARK not in data and b"Xiaomi" not in data and b"xmpmeta" not in data
    assert b"dormitory" not in data and b"Haidian" not in data and b"trailing secrets" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif().get_ifd(0x8825)  # no GPS IFD
        assert not image.getexif().get(0x010F)  # no camera make
        assert not getattr(image, "text", {})  # no PNG text chunks


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
