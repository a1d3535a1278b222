"""Numbers typed into a query string or a form (ids, years, day counts, scores), read the same way by
every page.

What arrives is whatever an address bar, a crawler or a hand-made POST holds. `str.isdigit()` is no test
for a number: `²` and `①` pass it and `int()` refuses them (a ValueError, a 500), `١٢` (Arabic-Indic) and
`１２` (full-width) pass both and become 12 although no form of ours sends them; and a number of 30
digits, or 5,000, passes it too and then overflows the 32-bit id columns (a database error, a 500 on
PostgreSQL) or `int()` itself. So a number here is plain ASCII decimal digits (leading zeros allowed; no
sign, space, `_` or `0x`) inside the bounds the caller names; anything else is None, and each page does
with None what it does with any other text that is not a number: ignore the filter, or say which field
is wrong."""

from __future__ import annotations

from collections.abc import Iterable

from flask import request

MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL


def is_digits(text: str) -> bool:
    """Plain ASCII decimal digits, at least one."""
    return text.isascii() and text.isdigit()


def number(text: str | None, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """`text` as an integer when it is plain digits between `low` and `high` (inclusive), else None."""
    if text is None or not is_digits(text):
        return None
    if len(text.lstrip("0")) > len(str(high)):  # too long to be in range: never parse a huge number
        return None
    value = int(text)
    return value if low <= value <= high else None


def id_from(text: str | None) -> int | None:
    """A row id (1 … 2**31-1) from a form or query value, else None."""
    return number(text, low=1)


def id_arg(name: str) -> int | None:
    """The row id in the query string's `name`, else None."""
    return id_from(request.args.get(name))


def ids_from(values: Iterable[str]) -> list[int]:
    """The row ids among several values of one field (checkboxes), in order; the rest are dropped."""
    return [i for i in (id_from(v) for v in values) if i is not None]
