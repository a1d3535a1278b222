"""Metadata stripped from uploaded images before they are stored: a student's phone photo carries the
GPS position where it was taken (EXIF), and editors' files carry names, software and comments (XMP,
IPTC, text chunks). Pure byte surgery on JPEG segments, PNG chunks and WebP chunks: the pixel data is
copied unchanged, nothing is re-encoded, and a file whose structure does not hold together is refused
(`MalformedImage`) instead of being stored half-understood.

One exception to "all EXIF goes": a JPEG's Orientation tag. Phones store portrait photos sideways and
say so only there; without it the photo would show rotated, so a minimal EXIF block holding only that
tag replaces the original.
"""

from __future__ import annotations

import struct
import zlib

JPEG_SOI = b"\xff\xd8"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# JPEG markers removed: APP1 (Exif, XMP), APP13 (IPTC / Photoshop), COM (free-text comment).
JPEG_DROPPED = {0xE1, 0xED, 0xFE}
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM and RST0–7 carry no length
_JPEG_SOS, _JPEG_EOI = 0xDA, 0xD9
_ORIENTATION_TAG = 0x0112

PNG_DROPPED = {b"eXIf", b"tEXt", b"iTXt", b"zTXt"}

WEBP_DROPPED = {b"EXIF", b"XMP "}
_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04


class MalformedImage(ValueError):
    """The bytes claim to be an image but their structure is broken or truncated."""


def strip(kind: str, data: bytes) -> bytes:
    """`data` without its metadata, for the upload kinds that carry any ("jpeg", "png", "webp");
    other kinds come back unchanged."""
    if kind == "jpeg":
        return strip_jpeg(data)
    if kind == "png":
        return strip_png(data)
    if kind == "webp":
        return strip_webp(data)
    return data


def strip_jpeg(data: bytes) -> bytes:
    """Copy every segment but APP1, APP13 and COM; the entropy-coded scans verbatim; stop at EOI."""
    if not data.startswith(JPEG_SOI):
        raise MalformedImage("not a JPEG")
    out = bytearray(JPEG_SOI)
    pos, end = 2, len(data)
    while True:
        if pos >= end or data[pos] != 0xFF:
            raise MalformedImage("expected a JPEG marker")
        while pos < end and data[pos] == 0xFF:  # fill bytes before a marker
            pos += 1
        if pos >= end:
            raise MalformedImage("truncated JPEG")
        marker = data[pos]
        pos += 1
        if marker == _JPEG_EOI:
            out += b"\xff\xd9"
            return bytes(out)  # anything after EOI is not part of the picture: dropped
        if marker in _JPEG_STANDALONE:
            out += bytes((0xFF, marker))
            continue
        if marker == 0x00 or pos + 2 > end:
            raise MalformedImage("bad JPEG segment")
        length = int.from_bytes(data[pos:pos + 2], "big")
        if length < 2 or pos + length > end:
            raise MalformedImage("JPEG segment runs past the end")
        segment = data[pos - 2:pos + length]
        pos += length
        if marker == 0xE1:
            orientation = _exif_orientation(segment[4:])
            if orientation not in (None, 1):
                out += _orientation_only_app1(orientation)
        elif marker not in JPEG_DROPPED:
            out += segment
        if marker == _JPEG_SOS:
            scan_end = _scan_end(data, pos)
            out += data[pos:scan_end]
            pos = scan_end


def _scan_end(data: bytes, pos: int) -> int:
    """Where the entropy-coded data after an SOS header ends: the first 0xFF not followed by a stuffed
    zero, a restart marker or another fill byte."""
    end = len(data)
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= end:
            raise MalformedImage("JPEG scan data has no end")
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            pos += 2
        elif following == 0xFF:
            pos += 1
        else:
            return pos


def _exif_orientation(payload: bytes) -> int | None:
    """The Orientation tag (1–8) of an APP1 Exif payload, or None (not Exif, no tag, unreadable)."""
    if not payload.startswith(b"Exif\x00\x00"):
        return None
    tiff = payload[6:]
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None or len(tiff) < 8:
        return None
    try:
        (ifd,) = struct.unpack_from(order + "I", tiff, 4)
        (count,) = struct.unpack_from(order + "H", tiff, ifd)
        for index in range(min(count, 1000)):
            tag, kind, _, value = struct.unpack_from(order + "HHI2s", tiff, ifd + 2 + 12 * index)
            if tag == _ORIENTATION_TAG and kind == 3:  # SHORT, stored in the entry itself
                (orientation,) = struct.unpack(order + "H", value)
                return orientation if 1 <= orientation <= 8 else None
    except struct.error:
        return None
    return None


def _orientation_only_app1(orientation: int) -> bytes:
    """A big-endian Exif block whose IFD0 holds one entry: Orientation."""
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1) + \
        struct.pack(">HHIH2x", _ORIENTATION_TAG, 3, 1, orientation) + struct.pack(">I", 0)
    payload = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def strip_png(data: bytes) -> bytes:
    """Copy every chunk (with its own CRC, checked) but eXIf, tEXt, iTXt and zTXt; stop at IEND."""
    if not data.startswith(PNG_SIGNATURE):
        raise MalformedImage("not a PNG")
    out = bytearray(PNG_SIGNATURE)
    pos, end, first = len(PNG_SIGNATURE), len(data), True
    while True:
        if pos + 12 > end:
            raise MalformedImage("truncated PNG")
        (length,) = struct.unpack_from(">I", data, pos)
        kind = data[pos + 4:pos + 8]
        chunk_end = pos + 12 + length
        if length > 0x7FFFFFFF or chunk_end > end or not kind.isalpha():
            raise MalformedImage("PNG chunk runs past the end")
        if first and kind != b"IHDR":
            raise MalformedImage("PNG does not start with IHDR")
        first = False
        (crc,) = struct.unpack_from(">I", data, chunk_end - 4)
        if zlib.crc32(data[pos + 4:chunk_end - 4]) != crc:
            raise MalformedImage("PNG chunk CRC mismatch")
        if kind not in PNG_DROPPED:
            out += data[pos:chunk_end]
        pos = chunk_end
        if kind == b"IEND":
            return bytes(out)  # trailing bytes after IEND are not part of the picture: dropped


def strip_webp(data: bytes) -> bytes:
    """Drop the EXIF and XMP chunks of a RIFF/WebP file, clear their flags in VP8X, fix the RIFF size."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise MalformedImage("not a WebP")
    (riff_size,) = struct.unpack_from("<I", data, 4)
    end = 8 + riff_size
    if end > len(data) or riff_size < 4:
        raise MalformedImage("truncated WebP")
    chunks: list[bytes] = []
    pos = 12
    while pos < end:
        if pos + 8 > end:
            raise MalformedImage("truncated WebP chunk")
        kind = data[pos:pos + 4]
        (length,) = struct.unpack_from("<I", data, pos + 4)
        chunk_end = pos + 8 + length + (length & 1)  # chunks are padded to an even size
        if chunk_end > end and pos + 8 + length == end:
            chunk_end = end  # a missing final pad byte is tolerated by every decoder
        if chunk_end > end:
            raise MalformedImage("WebP chunk runs past the end")
        chunk = data[pos:chunk_end]
        if kind == b"VP8X" and length >= 1:
            chunk = chunk[:8] + bytes((chunk[8] & ~(_VP8X_EXIF | _VP8X_XMP) & 0xFF,)) + chunk[9:]
        if kind not in WEBP_DROPPED:
            chunks.append(chunk)
        pos = chunk_end
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body
