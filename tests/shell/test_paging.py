"""Every list page reads its page number with one helper (app/web/paging.py): whatever `?page=` holds,
the answer is a page (1 for anything but a plain number, the list's last allowed page past it), never a
500. `²` passes str.isdigit() but not int(); 5,000 digits are past int()'s limit; 30 digits are past
any database integer: each used to be a 500 on some of these pages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask, template_rendered

from app.web import page_cache, paging
from tests.conftest import login

DEFAULT = paging.MAX_PAGE
PUBLIC = 10_000  # the 育人号 pages (public and the review queue) stop at page 10,000


@pytest.mark.parametrize(("text", "limit", "expected"), [
    (None, DEFAULT, 1), ("", DEFAULT, 1), ("1", DEFAULT, 1), ("7", DEFAULT, 7), ("007", DEFAULT, 7),
    ("0", DEFAULT, 1), ("000", DEFAULT, 1), ("-3", DEFAULT, 1), ("+3", DEFAULT, 1), ("2.5", DEFAULT, 1),
    ("abc", DEFAULT, 1), (" 3", DEFAULT, 1), ("²", DEFAULT, 1), ("１２", DEFAULT, 1), ("٣", DEFAULT, 1),
    ("999999", DEFAULT, 999_999), ("1000000", DEFAULT, DEFAULT), ("9" * 30, DEFAULT, DEFAULT),
    ("9" * 5000, DEFAULT, DEFAULT), ("0" * 40 + "12", DEFAULT, 12),
    ("10000", PUBLIC, PUBLIC), ("10001", PUBLIC, PUBLIC), ("123456", PUBLIC, PUBLIC), ("9999", PUBLIC, 9999),
])
def test_the_page_number_is_always_a_page_between_1_and_the_limit(app: Flask, text: str | None, limit: int,
                                                                  expected: int) -> None:
    query = {} if text is None else {"page": text}
    with app.test_request_context("/", query_string=query):
        assert paging.page_number(limit) == expected


@contextmanager
def rendered_pages(app: Flask) -> Iterator[list[int]]:
    """The `page` each template rendered in the block was given."""
    seen: list[int] = []

    def record(sender: Flask, template: Any, context: dict[str, Any], **extra: Any) -> None:
        if "page" in context and "pages" in context:
            seen.append(context["page"])

    template_rendered.connect(record, app)
    try:
        yield seen
    finally:
        template_rendered.disconnect(record, app)


# Every list page with a pager: (its URL, who may open it (None: anyone), the last page it shows).
LIST_PAGES = [
    ("/admin/orgs", "root", DEFAULT),
    ("/admin/users", "root", DEFAULT),
    ("/tasks", "stu", DEFAULT),
    ("/tasks?scope=group", "disp", DEFAULT),
    ("/complaints/mine", "stu", DEFAULT),
    ("/complaints/dispatch", "disp", DEFAULT),
    ("/complaints/department", "dept", DEFAULT),
    ("/pilot/applications", "moe", DEFAULT),
    ("/pilot/pilots", "moe", DEFAULT),
    ("/yurenhao/review", "op", PUBLIC),
    ("/yurenhao", None, PUBLIC),
    ("/yurenhao/showcase", None, PUBLIC),
    ("/yurenhao/u/{uni}", None, PUBLIC),
]
HOSTILE = {"": 1, "2": 2, "abc": 1, "0": 1, "-1": 1, "²": 1, "１２": 1, "12345678": "limit", "9" * 30: "limit",
           "9" * 5000: "limit"}


@pytest.fixture
def people(world):
    for name, role in (("root", "process_admin"), ("stu", "student"), ("disp", "dispatcher"),
                       ("dept", "department_handler"), ("moe", "moe_reviewer"), ("op", "operator")):
        world.user(name, role)
    return world


@pytest.mark.parametrize(("url", "who", "limit"), LIST_PAGES, ids=[u for u, _, _ in LIST_PAGES])
def test_every_list_page_answers_any_page_number_with_a_page(app: Flask, people, url: str, who: str | None,
                                                             limit: int) -> None:
    client = app.test_client()
    if who:
        login(client, who)
    url = url.format(uni=people.uni.id)
    joiner = "&" if "?" in url else "?"
    for text, expected in HOSTILE.items():
        page_cache.clear()  # the anonymous pages are cached per URL: render each one
        with rendered_pages(app) as seen:
            response = client.get(f"{url}{joiner}page={text}")
        assert response.status_code == 200, (url, text[:20], response.status_code)
        assert seen == [limit if expected == "limit" else expected], (url, text[:20])
