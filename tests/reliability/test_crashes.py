"""Processes killed with SIGKILL at the worst moment, on the suite's database (SQLite or PostgreSQL):
a web worker in the middle of a task completion, a scheduler in the middle of a batch of timers.
Nothing committed is lost, nothing half-done is kept, and what was interrupted can be done again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Notification, Timer
from tests.conftest import ROOT
from tests.reliability.helpers import (
    BIN,
    child_env,
    clone_instance,
    flask_cli,
    free_port,
    http,
    snapshot,
    timer_fired_events,
    wait_until,
)
from tests.support.workflow import SUBMIT, Actors


@pytest.fixture
def actors(client, world) -> Actors:
    return Actors(client, world)


def _token(actors: Actors, who: str) -> str:
    return actors[who]["Authorization"].removeprefix("Bearer ")


def _paused_pid(marker: Path) -> int:
    return int(marker.read_text(encoding="utf-8").split()[0])


def test_a_web_worker_killed_mid_request_loses_nothing_committed(app, actors, tmp_path) -> None:
    instance, review = actors.submitted()
    marker = tmp_path / "paused"
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}", "--timeout", "120",
         "tests.reliability.faulty_app:app"],
        cwd=ROOT, env=child_env(app, YZS_PAUSE_MARKER=str(marker), YZS_PAUSE_AFTER="2"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: _up(f"{base}/openapi.json"), 60, "gunicorn to serve")
        # Two steps committed by the worker that is about to die: a second case started and submitted.
        status, body = http("POST", f"{base}/processes/demo_approval/instances", _token(actors, "buaa"),
                            json.dumps({"data": {}}).encode())
        assert status == 201, body
        second = json.loads(body)
        submit = second["tasks"][0]["id"]
        status, body = http("POST", f"{base}/tasks/{submit}/complete", _token(actors, "buaa"),
                            json.dumps({"data": SUBMIT}).encode())
        assert status == 200, body
        committed = snapshot(app, second["id"])
        before = snapshot(app, instance["id"])

        # The third step pauses after the engine ran and its rows were written, before the commit.
        outcome: list[object] = []

        def complete_review() -> None:
            try:
                outcome.append(http("POST", f"{base}/tasks/{review['id']}/complete", _token(actors, "op1"),
                                    json.dumps({"data": {"decision": "approve"}}).encode(), timeout=60))
            except Exception as exc:  # noqa: BLE001 - the connection dies with the worker
                outcome.append(exc)

        in_flight = threading.Thread(target=complete_review)
        in_flight.start()
        wait_until(marker.exists, 30, "the completion to reach its commit")
        os.kill(_paused_pid(marker), signal.SIGKILL)
        in_flight.join(30)
        assert outcome and not (isinstance(outcome[0], tuple) and outcome[0][0] == 200), outcome

        assert snapshot(app, second["id"]) == committed  # what the dead worker committed is all there
        assert snapshot(app, instance["id"]) == before  # what it had not committed left no trace
        # gunicorn replaced the worker; the interrupted completion simply succeeds when sent again
        wait_until(lambda: _up(f"{base}/openapi.json"), 60, "a new worker")
        status, body = http("POST", f"{base}/tasks/{review['id']}/complete", _token(actors, "op1"),
                            json.dumps({"data": {"decision": "approve"}}).encode())
        assert status == 200 and json.loads(body)["status"] == "completed", body
        assert snapshot(app, instance["id"])["instance"][0] == before["instance"][0] + 1
    finally:
        server.terminate()
        server.wait(30)


def _up(url: str) -> bool:
    try:
        return http("GET", url, timeout=2)[0] == 200
    except OSError:
        return False


def test_a_scheduler_killed_mid_batch_leaves_every_due_timer_to_fire_exactly_once(app, actors, tmp_path) -> None:
    instance, review = actors.submitted()
    ids = [instance["id"], *clone_instance(app, instance["id"], 19)]
    at = (datetime.fromisoformat(review["due_at"]) + timedelta(minutes=1)).isoformat()
    marker = tmp_path / "paused"
    scheduler = flask_cli(app, "timers", "fire", "--at", at, module="tests.reliability.faulty_app",
                          YZS_PAUSE_MARKER=str(marker), YZS_PAUSE_AFTER="7")
    try:
        wait_until(marker.exists, 60, "the scheduler to pause in its 8th timer")
        paused_instance = int(marker.read_text(encoding="utf-8").split()[1])
        os.kill(_paused_pid(marker), signal.SIGKILL)
    finally:
        scheduler.wait(30)
    assert scheduler.returncode == -signal.SIGKILL
    with app.app_context():
        statuses = dict(db.session.execute(select(Timer.instance_id, Timer.status)).all())
    assert sorted(statuses.values()).count("fired") == 7
    assert statuses[paused_instance] == "pending"  # the step in flight was rolled back, not half-kept

    again = app.test_cli_runner().invoke(args=["timers", "fire", "--at", at])
    assert again.exit_code == 0 and "fired 13 timer(s)" in again.output, again.output
    assert timer_fired_events(app) == {str(i): 1 for i in ids}
    with app.app_context():
        assert set(db.session.scalars(select(Timer.status))) == {"fired"}
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "process")) == 2 * len(ids)  # op1 and op2, once per instance
