"""Scheduler wiring: each job opens an app context and calls a service.

Development (`make run`) runs these in the web process (SCHEDULER_AUTOSTART=1); production runs
exactly one `flask --app wsgi scheduler` process beside the stateless web workers. Firing is safe
with more than one anyway: timers are taken with row locks."""

from __future__ import annotations

import logging
import signal
import threading

from flask import Flask

from app.core import housekeeping, notifications
from app.extensions import scheduler
from app.workflow import timers

log = logging.getLogger(__name__)


def _in_app(app: Flask, func) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        try:
            func()
        except Exception:  # a failing round must not stop the scheduler; the next round retries
            log.exception("scheduled job %s failed", getattr(func, "__name__", func))


def register_jobs(app: Flask) -> None:
    interval = int(app.config["SCHEDULER_INTERVAL_SECONDS"])
    jobs = {
        "timers": (timers.tick, interval),
        "email": (notifications.send_pending_email, interval),
        "housekeeping": (housekeeping.purge_expired, 600),
    }
    for job_id, (func, seconds) in jobs.items():
        scheduler.add_job(_in_app, "interval", seconds=seconds, args=[app, func], id=job_id,
                          replace_existing=True, coalesce=True, max_instances=1)


def start_scheduler(app: Flask) -> None:
    """In-process scheduler (development, `make run`)."""
    if scheduler.running:
        return
    register_jobs(app)
    scheduler.start()


def run_blocking(app: Flask) -> None:
    """`flask scheduler`: run the jobs until SIGTERM/SIGINT; catch up on what fell due while down."""
    _in_app(app, timers.tick)
    start_scheduler(app)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("scheduler running; stop with Ctrl+C")
    stop.wait()
    scheduler.shutdown(wait=True)
