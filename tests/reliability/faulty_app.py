"""The real application, with one fault injected, for the crash tests that run it in a child process
(`gunicorn tests.reliability.faulty_app:app`, `flask --app tests.reliability.faulty_app timers fire`).

With `YZS_PAUSE_MARKER` set, the step after the first `YZS_PAUSE_AFTER` steps stops *after* the engine
ran and its writes were flushed to the database, but before the commit: it writes its process id and
the instance id to the marker file and sleeps, so the test can `kill -9` the process at exactly that
point. It pauses once: a process started while the marker exists (a respawned worker) runs normally."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from app import create_app
from app.extensions import db
from app.workflow import steps as workflows

app = create_app()

_marker = os.environ.get("YZS_PAUSE_MARKER")
_after = int(os.environ.get("YZS_PAUSE_AFTER", "0"))
_steps = 0

if _marker:
    _original = workflows._project_timers

    def _paused(instance: Any, result: Any, now: Any) -> None:
        global _steps
        _original(instance, result, now)
        _steps += 1
        if _steps > _after and not Path(_marker).exists():
            db.session.flush()  # the half-done step is in the database, uncommitted, its rows locked
            Path(_marker).write_text(f"{os.getpid()} {instance.id}", encoding="utf-8")
            time.sleep(600)

    workflows._project_timers = _paused
