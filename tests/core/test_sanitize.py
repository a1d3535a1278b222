"""The 育人号 allow-list sanitiser against XSS payloads (no app needed), and the revision diff."""

from __future__ import annotations

import re

import pytest

from app.core import sanitize
from app.posts.diff import blocks, inline

PAYLOADS = [
    '<script>alert(1)</script>',
    '<SCRIPT SRC=//evil.example/x.js></SCRIPT>',
    '<img src=x onerror=alert(1)>',
    '<img src="/media/posts/3" onerror="alert(1)" onload="alert(2)">',
    '<p onclick="alert(1)" onmouseover="alert(2)">点我</p>',
    '<a href="javascript:alert(1)">链接</a>',
    '<a href="JaVaScRiPt:alert(1)">链接</a>',
    '<a href="java&#x09;script:alert(1)">链接</a>',
    '<a href="&#106;avascript:alert(1)">链接</a>',
    '<a href="vbscript:msgbox(1)">链接</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">链接</a>',
    '<a href="//evil.example/">链接</a>',
    '<svg onload=alert(1)><circle r="10"/></svg>',
    '<svg><script>alert(1)</script></svg>',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="javascript:alert(1)"></object><embed src="x.swf">',
    '<form action="javascript:alert(1)"><input type="submit"></form>',
    '<style>body{background:url(javascript:alert(1))}</style>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div style="width: expression(alert(1))">x</div>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<img src="https://evil.example/track.png">',
    '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">',
    '<details open ontoggle=alert(1)>',
    '<<script>alert(1)//<</script>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<!--<img src=x onerror=alert(1)>-->',
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
]
DANGER = re.compile(r"<\s*(script|svg|math|iframe|object|embed|form|input|style|meta|base|details|noscript)\b"
                    r"|\son\w+\s*=|javascript:|vbscript:|data:|\sstyle\s*=|//evil", re.I)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_payload_survives(payload: str) -> None:
    cleaned = sanitize.clean(payload)
    assert not DANGER.search(cleaned), cleaned


def test_allowed_formatting_is_kept() -> None:
    html = ('<h2>做法</h2><p>学生事务<strong>一站办结</strong>，<em>全时</em>服务。</p><ul><li>党建</li></ul>'
            '<ol><li>一</li></ol><blockquote>引用</blockquote><a href="https://www.moe.gov.cn/">教育部</a>'
            '<a href="/yurenhao">育人号</a><img src="/media/posts/12" alt="大厅">'
            '<table><thead><tr><th>年份</th></tr></thead><tbody><tr><td colspan="2">2021</td></tr></tbody></table>')
    cleaned = sanitize.clean(html)
    for kept in ("<h2>做法</h2>", "<strong>一站办结</strong>", "<em>全时</em>", "<li>党建</li>", "<blockquote>",
                 'href="https://www.moe.gov.cn/"', 'href="/yurenhao"', 'src="/media/posts/12"', 'alt="大厅"',
                 "<th>年份</th>", 'colspan="2"'):
        assert kept in cleaned, kept
    assert 'rel="noopener noreferrer nofollow"' in cleaned


def test_pasted_markup_keeps_its_blocks() -> None:
    assert sanitize.clean("<h1>标题</h1><div>一</div><div>二</div>") == "<h2>标题</h2><p>一</p><p>二</p>"
    assert sanitize.clean('<p class="MsoNormal" id="x" lang="zh">文字</p>') == "<p>文字</p>"


def test_images_of_other_files_are_dropped_and_text_is_extracted() -> None:
    cleaned = sanitize.clean('<p>甲&amp;乙</p><img src="/media/posts/5" alt="a>b"><img src="/media/posts/7">')
    assert sanitize.image_ids(cleaned) == [5, 7]
    assert sanitize.drop_images(cleaned, {7}) == '<p>甲&amp;乙</p><img src="/media/posts/7">'
    assert sanitize.to_text(cleaned) == "甲&乙"
    assert sanitize.text_blocks(cleaned, images=True) == ["甲&乙", "[图片：ab]", "[图片]"]


def test_diff_marks_changes_character_by_character_and_escapes() -> None:
    assert str(inline("年办件 10 万件", "年办件 12 万件")) == "年办件 1<del>0</del><ins>2</ins> 万件"
    rows = blocks(["同", "<旧>", "删去的段落"], ["同", "<新>", "插入", "末尾"])
    assert [r.kind for r in rows] == ["same", "changed", "changed", "added"]
    assert str(rows[1].html) == "&lt;<del>旧</del><ins>新</ins>&gt;"  # text is escaped, never markup
    assert [r.kind for r in blocks(["一", "二"], ["一"])] == ["same", "removed"]
