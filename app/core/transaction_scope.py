"""What a service keeps on the session for one transaction (audit events to write at commit, the complaint
rollup's old shares, choices read once): named here, and dropped when the outer transaction ends,
committed or rolled back, so nothing carries over into the next one."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

_KEYS: set[str] = set()


def key(name: str) -> str:
    """`name` as a `session.info` key that lives for one transaction."""
    _KEYS.add(name)
    return name


@event.listens_for(Session, "after_transaction_end")
def _drop(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        for name in _KEYS:
            session.info.pop(name, None)
