"""Small files for the upload tests: the least that passes for a PDF and for a PNG by its content, and
Office documents, which are zip archives of named parts."""

from __future__ import annotations

import base64
import io
import zipfile

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGM4YKkNAALhASX6vh3tAAAAAElFTkSuQmCC")


def office(parts: dict[str, bytes]) -> bytes:
    """A zip archive holding `parts` (name → bytes): what a .docx or .xlsx is made of."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()
