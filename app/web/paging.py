"""The page number a list page is asked for (`?page=N`), read the same way by every list page.

Whatever the query string holds, the answer is a page that can be shown: the number comes from a
person's address bar or a crawler, and a page number that Python cannot parse (`²` passes
`str.isdigit()` but not `int()`; a 5,000-digit number passes neither) or that no database offset can
hold ended in a 500. Anything but a plain decimal number (app/web/numbers.py) is page 1, so is 0; a
number past the list page's `limit` is `limit` (an empty page, with the pager to go back)."""

from __future__ import annotations

from flask import request

from app.web.numbers import is_digits, number

# The default last page: 20–50 rows a page keep the offset far inside a 32-bit integer.
MAX_PAGE = 999_999


def page_number(limit: int = MAX_PAGE) -> int:
    """The 1-based page the request asks for, between 1 and `limit`."""
    text = request.args.get("page", "")
    if not is_digits(text):
        return 1
    value = number(text, high=limit)
    return limit if value is None else max(value, 1)  # digits but None: past the limit
