"""The 育人号 rich-text sanitiser against a wider XSS corpus than tests/core/test_sanitize.py (filter
evasion: encodings, broken markup, namespace confusion, mutation XSS, attribute breakouts), plus a
hypothesis property over markup stitched together from dangerous fragments: nothing executable ever
comes out, and cleaning is idempotent (what is stored, cleaned again, is what was stored)."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core import sanitize
from tests.core.test_sanitize import PAYLOADS as BASIC

CORPUS = [
    '<IMG SRC="jav\tascript:alert(1);">', '<IMG SRC="jav&#x0A;ascript:alert(1);">',
    '<IMG SRC=" &#14;  javascript:alert(1);">', "<IMG SRC=`javascript:alert(1)`>",
    '<IMG """><SCRIPT>alert(1)</SCRIPT>">', "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    "<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116"
    "&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083"
    "&#0000039&#0000041>",
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>', '<a href="\x01javascript:alert(1)">x</a>',
    '<a href="/\\evil.example">x</a>', '<a href="/%09/evil.example">x</a>',
    '<a href="https://ok.example" onmouseover=alert(1)>x</a>', '<a href="#" style="x:expression(alert(1))">x</a>',
    '<a title="x" onfocus=alert(1) autofocus>x</a>', '<p title="&quot;onmouseover=alert(1)//">x</p>',
    '<p title=\'"><script>alert(1)</script>\'>x</p>', "<BODY ONLOAD=alert(1)>", '<BGSOUND SRC="javascript:alert(1);">',
    '<LINK REL="stylesheet" HREF="javascript:alert(1);">', '<STYLE>@import\'http://evil.example/xss.css\';</STYLE>',
    '<META HTTP-EQUIV="Set-Cookie" Content="USERID=<SCRIPT>alert(1)</SCRIPT>">',
    '<TABLE BACKGROUND="javascript:alert(1)">', '<TD BACKGROUND="javascript:alert(1)">',
    '<DIV STYLE="background-image: url(javascript:alert(1))">', '<DIV STYLE="width:expression(alert(1));">',
    '<XSS STYLE="behavior: url(xss.htc);">', '<SCRIPT/XSS SRC="http://evil.example/xss.js"></SCRIPT>',
    "<SCRIPT/SRC=\"http://evil.example/xss.js\"></SCRIPT>", "<<SCRIPT>alert(1);//\\<</SCRIPT>",
    "<SCRIPT SRC=http://evil.example/xss.js?< B >", '<iframe src=http://evil.example/scriptlet.html <',
    "<svg/onload=alert(1)>", "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<svg><use href="data:image/svg+xml,<svg id=x xmlns=http://www.w3.org/2000/svg><script>alert(1)</script>'
    '</svg>#x"/></svg>', "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x</maction></math>",
    "<input autofocus onfocus=alert(1)>", "<select onfocus=alert(1) autofocus>",
    "<textarea onfocus=alert(1) autofocus>",
    "<keygen onfocus=alert(1) autofocus>", "<video><source onerror=alert(1)>", "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>", '<object type="text/x-scriptlet" data="http://evil.example/s.html"></object>',
    '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "<isindex type=image src=1 onerror=alert(1)>",
    '<form><button formaction=javascript:alert(1)>x</button></form>',
    "<img src=1 href=1 onerror=\"javascript:alert(1)\">",
    '<noscript><img title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;/mglyph&gt;&lt;img&Tab;src=1&Tab;'
    'onerror=alert(1)&gt;">', '<form><math><mtext></form><form><mglyph><svg><mtext><style><path id="</style>'
    '<img onerror=alert(1) src>">', '<template><script>alert(1)</script></template>',
    '<img src="/media/posts/1" onerror="alert(1)">', '<img src="/media/posts/1?x=" onerror=alert(1)>',
    '<img src="/media/posts/1#"><script>alert(1)</script>', '<img src="/media/posts/1" srcset="javascript:alert(1)">',
    '<a href="/ok" target="_blank">x</a>', "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
    '<h2 id="x" class="y" onclick="alert(1)">标题</h2>', "<code><script>alert(1)</script></code>",
    "<pre>&lt;img src=x onerror=alert(1)&gt;</pre>", '<blockquote cite="javascript:alert(1)">引文</blockquote>',
    '<ol start="1 onerror=alert(1)"><li>x</li></ol>', '<td colspan="2 onmouseover=alert(1)">x</td>',
    "<\x00script>alert(1)</script>", "<scr<script>ipt>alert(1)</scr</script>ipt>", "<script\n>alert(1)</script\n>",
]
ELEMENTS = re.compile(r"<\s*/?\s*(script|svg|math|iframe|object|embed|form|input|button|textarea|select|style|"
                      r"meta|base|link|body|bgsound|video|audio|source|marquee|isindex|keygen|template|noscript|"
                      r"details|xss|frame|frameset|applet)\b", re.I)
ATTRIBUTES = re.compile(r"<[^>]*\s(on\w+|style|srcset|formaction|background|xlink:href|class|id)\s*=", re.I)
URLS = re.compile(r"""(?:href|src|cite|action|data)\s*=\s*["']?\s*(?!/(?!/)|#|https?:|mailto:)[^\s"'>]+""", re.I)


def assert_harmless(cleaned: str) -> None:
    """Text may mention anything (escaped); tags may only be allow-listed ones with harmless attributes."""
    for tag in re.findall(r"<[^>]*>", cleaned):
        assert not ELEMENTS.search(tag), (tag, cleaned)
        assert not ATTRIBUTES.search(tag), (tag, cleaned)
        assert not URLS.search(tag), (tag, cleaned)
        assert not re.search(r"(?:java|vb)script\s*:|data\s*:", html.unescape(tag), re.I), (tag, cleaned)
        name = re.match(r"</?\s*(\w+)", tag)
        assert name and name.group(1).lower() in sanitize.TAGS, (tag, cleaned)


@pytest.mark.parametrize("payload", CORPUS + BASIC)
def test_no_payload_of_the_corpus_survives(payload: str) -> None:
    cleaned = sanitize.clean(payload)
    assert_harmless(cleaned)
    assert sanitize.clean(cleaned) == cleaned


FRAGMENTS = st.sampled_from([
    "<script>", "</script>", "<img src=x onerror=alert(1)>", '<a href="javascript:alert(1)">', "</a>", "<svg>",
    "</svg>", "<math>", "<style>", "</style>", "<!--", "-->", "<![CDATA[", "]]>", '"', "'", "`", "<", ">", "&#",
    "&lt;", "<p>", "</p>", "<p title=\"", "<table>", "<td>", "<img src=\"/media/posts/7\">", "<noscript>",
    "</noscript>", "<template>", "onerror=", "javascript:", "\x00", "\t", "\n", "<h2>", "<a href=\"/x\">",
    "<iframe>", "<form>", "<mglyph>", "<mtext>", "<select>", "<textarea>", "</textarea>", "<br/>", "正文",
])


@settings(max_examples=400, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(st.one_of(FRAGMENTS, st.text(max_size=6)), max_size=25))
def test_markup_stitched_from_dangerous_fragments_comes_out_harmless(parts: list[str]) -> None:
    cleaned = sanitize.clean("".join(parts))
    assert_harmless(cleaned)
    assert sanitize.clean(cleaned) == cleaned
