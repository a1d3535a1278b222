"""Shared steps of the reliability tests: snapshots of everything a step writes, many due timers at
once, and child processes (a web server, a scheduler) running the real app on the suite's database."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, insert, select

from app.extensions import db
from app.models import AuditEvent, HumanTask, Notification, ProcessInstance, Timer
from tests.conftest import ROOT

BIN = Path(sys.executable).parent


def snapshot(app: Flask, instance_id: int) -> dict[str, Any]:
    """Everything a workflow step of this instance may write: the instance row, its tasks, its timers,
    its audit trail, and the notifications (of anyone)."""
    with app.app_context():
        instance = db.session.get(ProcessInstance, instance_id)
        return {
            "instance": (instance.row_version, instance.status, instance.data, instance.state, instance.error),
            "tasks": [(t.id, t.status, t.assignee_id, t.completed_by) for t in db.session.scalars(
                select(HumanTask).where(HumanTask.instance_id == instance_id).order_by(HumanTask.id))],
            "timers": [(t.id, t.status, t.fired_at) for t in db.session.scalars(
                select(Timer).where(Timer.instance_id == instance_id).order_by(Timer.id))],
            "audit": [(e.id, e.action) for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.subject_id == str(instance_id)).order_by(AuditEvent.id))],
            "notifications": db.session.scalar(select(func.count()).select_from(Notification)),
        }


UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _renumbered(rows: dict[str, Any]) -> dict[str, Any]:
    """The rows of one instance with every engine task id replaced by a new one, consistently."""
    fresh: dict[str, str] = {}
    text = UUID_RE.sub(lambda m: fresh.setdefault(m.group(0), str(uuid.uuid4())), json.dumps(rows, default=str))
    return json.loads(text)  # type: ignore[no-any-return]


def clone_instance(app: Flask, instance_id: int, copies: int, batch: int = 1000) -> list[int]:
    """`copies` more instances in exactly this one's state (engine task ids renumbered), with its tasks
    and pending timers: a fast way to have thousands of due timers that each still fire through the
    full engine step."""
    with app.app_context():
        source = db.session.get(ProcessInstance, instance_id)
        dates = ("started_at", "ended_at", "created_at", "completed_at", "due_at", "fired_at", "reminded_at",
                 "overdue_notified_at")

        def plain(row: Any, table: Any) -> dict[str, Any]:
            return {c.key: getattr(row, c.key) for c in table.columns if c.key not in ("id", "instance_id")}

        template = {
            "instance": plain(source, ProcessInstance.__table__),
            "tasks": [plain(t, HumanTask.__table__) for t in db.session.scalars(
                select(HumanTask).where(HumanTask.instance_id == instance_id))],
            "timers": [plain(t, Timer.__table__) for t in db.session.scalars(
                select(Timer).where(Timer.instance_id == instance_id))],
        }

        def restore(row: dict[str, Any], original: dict[str, Any]) -> dict[str, Any]:
            return {**row, **{k: original[k] for k in dates if k in original}}  # keep real datetimes

        ids: list[int] = []
        for start in range(0, copies, batch):
            clones = [_renumbered(template) for _ in range(min(batch, copies - start))]
            new_ids = list(db.session.scalars(insert(ProcessInstance).returning(ProcessInstance.id),
                                              [restore(c["instance"], template["instance"]) for c in clones]))
            tasks = [{**restore(t, o), "instance_id": i} for i, c in zip(new_ids, clones, strict=True)
                     for t, o in zip(c["tasks"], template["tasks"], strict=True)]
            timers = [{**restore(t, o), "instance_id": i} for i, c in zip(new_ids, clones, strict=True)
                      for t, o in zip(c["timers"], template["timers"], strict=True)]
            if tasks:
                db.session.execute(insert(HumanTask), tasks)
            if timers:
                db.session.execute(insert(Timer), timers)
            db.session.commit()
            ids.extend(new_ids)
        return ids


def timer_fired_events(app: Flask) -> Counter[str]:
    """How often the engine reported a fired timer, per instance id."""
    with app.app_context():
        return Counter(db.session.scalars(select(AuditEvent.subject_id).where(
            AuditEvent.action == "engine.timer_fired")))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(app: Flask, **extra: str) -> dict[str, str]:
    """The environment of a child process running the app on the suite's database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YZS_", "FLASK_"))}
    env.update({
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "UPLOAD_DIR": app.config["UPLOAD_DIR"],
        "MAIL_BACKEND": "log",
        "SCHEDULER_AUTOSTART": "0",
        "PYTHONPATH": str(ROOT),
    })
    env.update(extra)
    return env


def flask_cli(app: Flask, *args: str, module: str = "wsgi", **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen([str(BIN / "flask"), "--app", module, *args], cwd=ROOT, env=child_env(app, **env),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_until(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def http(method: str, url: str, token: str | None = None, body: bytes | None = None,
         timeout: float = 30) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback only
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def iso(moment: datetime) -> str:
    return moment.isoformat()
