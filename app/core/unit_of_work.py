"""One use case, one transaction: what a service writes commits together when it ends, or not at all.

A service wraps its work in `unit_of_work()` (or decorates itself with `@use_case`). The outermost unit
commits when it ends and rolls back when it raises, so a refused request leaves nothing behind (not even a
flushed upload row) and no surface has to roll back. A service called by another joins the caller's unit
instead of committing half of it: that is what replaced the `commit=False` flags."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from sqlalchemy.orm.exc import StaleDataError

from app.errors import Conflict
from app.extensions import db

_DEPTH = "unit_of_work_depth"  # not a transaction_scope key: it must outlive the commit it triggers

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def unit_of_work() -> Iterator[None]:
    session = db.session  # the scoped proxy: what the request's code (and a test's fault) sees
    depth = session.info.get(_DEPTH, 0)
    session.info[_DEPTH] = depth + 1
    try:
        yield
        if depth == 0:
            session.commit()
    except StaleDataError:
        session.rollback()
        # A versioned row (only process instances are) moved between our read and our write.
        raise Conflict("该流程刚被他人更新，请刷新后重试") from None
    except BaseException:
        if depth == 0:
            session.rollback()
        raise
    finally:
        session.info[_DEPTH] = depth


def use_case(func: Callable[P, R]) -> Callable[P, R]:
    """`func` runs as one unit of work (see the module docstring)."""

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with unit_of_work():
            return func(*args, **kwargs)

    return run

