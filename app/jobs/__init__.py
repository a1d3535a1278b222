"""Scheduler wiring: each job opens an app context and calls a service."""

from __future__ import annotations

from flask import Flask

from app.extensions import scheduler
from app.services import housekeeping


def _housekeeping(app: Flask) -> None:
    with app.app_context():
        housekeeping.purge_expired()


def register_jobs(app: Flask) -> None:
    scheduler.add_job(_housekeeping, "interval", minutes=10, args=[app], id="housekeeping",
                      replace_existing=True, coalesce=True, max_instances=1)


def start_scheduler(app: Flask) -> None:
    """In-process scheduler (development, `make run`); production runs one `flask scheduler` process."""
    if scheduler.running:
        return
    register_jobs(app)
    scheduler.start()
