"""Images that carry what a student's phone or an editor's tool puts in them (EXIF GPS, a camera make, XMP,
IPTC, comments, PNG text chunks, bytes after the end), made byte by byte, and the check that none of it is
left: for the metadata tests (tests/security/test_image_metadata.py) and the back-fill's (tests/core)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

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
