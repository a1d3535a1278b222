"""Timestamps are stored timezone-aware (UTC); presentation converts to Asia/Shanghai."""

from datetime import UTC, datetime

from sqlalchemy import DateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


TZDateTime = DateTime(timezone=True)
