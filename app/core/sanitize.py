"""Rich text from the 育人号 editor, cleaned on the server with an allow-list (nh3 / ammonia).

Whatever a browser or an API client sends, what we store and show is only: paragraphs, headings
h2–h4, emphasis, lists, quotes, tables, links (http, https, mailto or a same-site path) and images
whose source is one of our own uploaded files (`/media/posts/<id>`). No attribute can carry script
(no `on*`, no `style`, no `class`), no SVG or MathML survives, and `<script>`/`<style>` lose their
content too. The result is then safe to render with `|safe`, and the CSP forbids inline script anyway.
"""

from __future__ import annotations

import html
import re

import nh3

TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "sub", "sup", "blockquote",
    "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "hr", "figure", "figcaption", "pre", "code",
}
ATTRIBUTES = {
    "*": set(),  # no generic attributes (ammonia's default keeps lang and title everywhere)
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
MEDIA_PREFIX = "/media/posts/"
MEDIA_SRC = re.compile(r"^/media/posts/([0-9]{1,10})$")  # ASCII: \d is any script's digit
MAX_ID = 2**31 - 1  # file ids are 32-bit: a larger one is no file, and the database refuses to look
MAX_INPUT_CHARS = 400_000  # what we agree to parse at all
MAX_HTML_CHARS = 200_000  # what we agree to store
_NUMERIC = {"width", "height", "colspan", "rowspan", "start"}


def _attribute(tag: str, name: str, value: str) -> str | None:
    # No angle brackets inside attribute values: the regular expressions below may then rely on `>`
    # ending a tag (html5ever does not escape them in attributes).
    value = value.strip().replace("<", "").replace(">", "")
    if tag == "img" and name == "src":
        media = MEDIA_SRC.match(value)
        return value if media and 0 < int(media.group(1)) <= MAX_ID else None
    if tag == "a" and name == "href":
        if value.startswith("//") or "\\" in value or any(ord(ch) < 32 for ch in value):
            return None  # protocol-relative or obfuscated: not a same-site path
        if value.startswith(("/", "#", "http://", "https://", "mailto:")):
            return value
        return None
    if name in _NUMERIC:
        return value if value.isascii() and value.isdigit() and len(value) <= 10 and 0 < int(value) <= 5000 else None
    if name == "scope":
        return value if value in {"row", "col"} else None
    return value[:300]


_CLEANER = nh3.Cleaner(
    tags=TAGS,
    clean_content_tags={"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math"},
    attributes=ATTRIBUTES,
    attribute_filter=_attribute,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
_EMPTY_P = re.compile(r"<p>\s*</p>")
# Editors and pasted pages use tags we do not keep but whose blocks we want: rename before cleaning.
_RENAME = [(re.compile(r"<(/?)h1\b", re.I), r"<\1h2"), (re.compile(r"<(/?)h[56]\b", re.I), r"<\1h4"),
           (re.compile(r"<(/?)div\b", re.I), r"<\1p")]
_IMG = re.compile(r'<img\b[^>]*?\ssrc="/media/posts/([0-9]+)"[^>]*>')


def clean(raw: str) -> str:
    """The allow-listed HTML of `raw` (an image left without a usable source is dropped)."""
    raw = raw or ""
    for pattern, replacement in _RENAME:
        raw = pattern.sub(replacement, raw)
    cleaned = _CLEANER.clean(raw)
    return _EMPTY_P.sub("", _IMG_WITHOUT_SRC.sub("", cleaned)).strip()


def image_ids(cleaned: str) -> list[int]:
    """The uploaded files a cleaned text shows, in order, each once."""
    return list(dict.fromkeys(int(m.group(1)) for m in _IMG.finditer(cleaned)))


def drop_images(cleaned: str, keep: set[int]) -> str:
    """Remove images whose file id is not in `keep` (e.g. another university's upload)."""
    return _IMG.sub(lambda m: m.group(0) if int(m.group(1)) in keep else "", cleaned)


_BLOCK_END = re.compile(r"</(?:p|h2|h3|h4|li|tr|blockquote|pre|figcaption|caption|table)>|<br\s*/?>|<hr\s*/?>")
_CELL_END = re.compile(r"</t[dh]>")
_IMG_TAG = re.compile(r"<img\b[^>]*>")
_ALT = re.compile(r'\salt="([^"]*)"')
_TAG = re.compile(r"<[^>]+>")


def text_blocks(cleaned: str, *, images: bool = False) -> list[str]:
    """The text of a cleaned fragment, one string per block (paragraph, heading, list item, table
    row); with `images`, each image is a block `[图片：alt]` so that diffs show image changes."""
    text = _BLOCK_END.sub("\n", cleaned)
    text = _CELL_END.sub(" ", text)
    if images:
        text = _IMG_TAG.sub(lambda m: f"\n[图片{_alt(m.group(0))}]\n", text)
    text = html.unescape(_TAG.sub("", text))
    return [line for line in (re.sub(r"\s+", " ", part).strip() for part in text.split("\n")) if line]


def _alt(tag: str) -> str:
    found = _ALT.search(tag)
    return f"：{found.group(1)}" if found and found.group(1) else ""


def to_text(cleaned: str) -> str:
    return "\n".join(text_blocks(cleaned))


def summary(text: str, limit: int = 120) -> str:
    flat = re.sub(r"\s+", " ", text or "").strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
