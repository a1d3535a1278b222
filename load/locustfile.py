"""Load test: students, dispatchers, department handlers, university admins and reviewers at once, over
the real API of a gunicorn server on loopback (`make load`).

    python load/locustfile.py            # the whole run: fresh database, server, locust, report
    LOAD_USERS=40 LOAD_SECONDS=120 python load/locustfile.py

What each kind of user does (think time 1–3 s between actions):
- student (12 of 24): files a 接诉即办 complaint, lists their complaints, rates answered ones;
- dispatcher (4): takes a waiting complaint from the group inbox (claim, then assign to the logistics office);
- department handler (4): claims an assigned complaint and answers it;
- university admin (2): writes a 育人号 post, lists posts;
- reviewer (2, operators): claims a post in review and approves it; browses the public 育人号 pages.
Two people taking the same task is normal: the loser's 409 is counted as "lost race", not as an error.
Anything else that is not the expected answer (a 5xx, an unexpected 4xx) is an error. The run fails
when there is any error, and prints requests, errors and the 95th percentile per request type.

Database: PostgreSQL database `yzs_load` on 127.0.0.1 (created fresh) when a server answers there,
as in production; otherwise a SQLite file (expect lower throughput: one writer at a time)."""

from __future__ import annotations

import csv
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "yzs-demo-2026"
MIX = {"student": 12, "dispatcher": 4, "department_handler": 4, "university_admin": 2, "operator": 2}

if os.environ.get("LOCUST_RUNNING") == "1":  # imported by locust: the user classes
    from locust import HttpUser, between, task

    def _token(user: HttpUser, username: str) -> None:
        response = user.client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD},
                                    name="login")
        user.client.headers["Authorization"] = f"Bearer {response.json()['token']}"

    class Platform(HttpUser):
        abstract = True
        wait_time = between(1, 3)
        role = ""

        def on_start(self) -> None:
            count = MIX[self.role]
            _token(self, f"load_{self.role}_{random.randrange(count)}")

        def take(self, process: str, name: str) -> dict | None:
            """Claim one task of the group inbox (another user may win it: a lost race, not an error)."""
            inbox = self.client.get(f"/api/v1/tasks?scope=group&process={process}&limit=20",
                                    name=f"inbox {name}").json()["items"]
            random.shuffle(inbox)
            for item in inbox[:3]:
                with self.client.post(f"/api/v1/tasks/{item['id']}/claim", name=f"claim {name}",
                                      catch_response=True) as response:
                    if response.status_code == 409:
                        response.success()
                        self.environment.events.request.fire(
                            request_type="RACE", name=f"lost race: claim {name}", response_time=0,
                            response_length=0, exception=None, context={})
                        continue
                    if response.status_code == 200:
                        return item
                    response.failure(f"claim answered {response.status_code}")
                    return None
            return None

    class Student(Platform):
        weight, role = MIX["student"], "student"

        @task(3)
        def file_complaint(self) -> None:
            self.client.post("/api/v1/complaints", name="file complaint", json={
                "channel": random.choice(["logistics_hotline", "general", "principal_mailbox"]),
                "category": "dormitory", "title": "宿舍热水器坏了", "anonymous": random.random() < 0.2,
                "content": f"{random.randint(1, 30)}号楼热水器坏了，没有热水洗澡。"})

        @task(3)
        def my_complaints(self) -> None:
            self.client.get("/api/v1/complaints?limit=20", name="list my complaints")

        @task(2)
        def rate(self) -> None:
            mine = self.client.get("/api/v1/tasks?scope=mine&process=complaint", name="inbox rate").json()["items"]
            if mine:
                self.client.post(f"/api/v1/tasks/{mine[0]['id']}/complete", name="rate answer",
                                 json={"data": {"satisfaction": "satisfied"}})

    class Dispatcher(Platform):
        weight, role = MIX["dispatcher"], "dispatcher"

        @task
        def dispatch(self) -> None:
            item = self.take("complaint", "triage")
            if item is None:
                return
            field = item["form"]["properties"]["department_id"]
            labels = {str(k): v for k, v in ((field.get("x-ui") or {}).get("labels") or {}).items()}
            department = next((d for d in field["enum"] if "后勤" in str(labels.get(str(d), ""))), field["enum"][0])
            self.client.post(f"/api/v1/tasks/{item['id']}/complete", name="assign complaint",
                             json={"data": {"action": "assign", "department_id": department, "deadline_days": 3}})

    class Handler(Platform):
        weight, role = MIX["department_handler"], "department_handler"

        @task
        def answer(self) -> None:
            item = self.take("complaint", "answer")
            if item is not None:
                self.client.post(f"/api/v1/tasks/{item['id']}/complete", name="answer complaint",
                                 json={"data": {"action": "answer", "reply": "已安排维修，今日修复，请留意。"}})

    class UniversityAdmin(Platform):
        weight, role = MIX["university_admin"], "university_admin"

        @task(1)
        def write(self) -> None:
            self.client.post("/api/v1/posts", name="write post", json={
                "module": "progress", "title": f"社区建设进展 {random.randint(1, 9999)}",
                "body_html": "<p>书院制学生社区建设稳步推进。</p>"})

        @task(2)
        def list_posts(self) -> None:
            self.client.get("/api/v1/posts?limit=20", name="list posts")

    class Reviewer(Platform):
        weight, role = MIX["operator"], "operator"

        @task(2)
        def review(self) -> None:
            item = self.take("post_review", "review")
            if item is not None:
                self.client.post(f"/api/v1/tasks/{item['id']}/complete", name="approve post",
                                 json={"data": {"decision": "approve"}})

        @task(1)
        def public_pages(self) -> None:
            self.client.get("/api/v1/public/posts?limit=20", name="public posts")
            self.client.get("/yurenhao", name="public page")


# ---------------------------------------------------------------------------------------- the run


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database(work: Path) -> str:
    """A fresh PostgreSQL database `yzs_load` when one answers on 127.0.0.1, else a SQLite file."""
    url = os.environ.get("LOAD_DATABASE_URL")
    if url:
        return url
    try:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True,
                             connect_timeout=3) as conn:
            conn.execute("DROP DATABASE IF EXISTS yzs_load WITH (FORCE)")
            conn.execute("CREATE DATABASE yzs_load")
        return "postgresql+psycopg://postgres@127.0.0.1:5432/yzs_load"
    except Exception:  # noqa: BLE001 - no PostgreSQL here: SQLite
        return f"sqlite:///{work / 'load.sqlite3'}"


def _prepare(env: dict[str, str]) -> None:
    def flask(*args: str) -> None:
        subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)

    flask("db", "upgrade")
    flask("processes", "deploy")
    flask("seed-demo")
    code = (
        "from app import create_app\n"
        "from app.core import accounts\n"
        "from app.models import Org, User\n"
        "from app.extensions import db\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    home = {u.username: u.org_id for u in db.session.scalars(db.select(User))}\n"
        f"    mix = {MIX!r}\n"
        "    demo = {'student': 'buaa_student', 'dispatcher': 'buaa_dispatch',\n"
        "            'department_handler': 'buaa_logistics', 'university_admin': 'buaa_admin',\n"
        "            'operator': 'operator'}\n"
        "    for role, count in mix.items():\n"
        "        for i in range(count):\n"
        f"            accounts.create_user(username=f'load_{{role}}_{{i}}', password={PASSWORD!r},\n"
        "                                 display_name=f'压测 {role} {i}', org_id=home[demo[role]], roles=[role])\n"
    )
    subprocess.run([str(BIN / "python"), "-c", code], cwd=ROOT, env=env, check=True)


def _report(prefix: Path) -> int:
    rows = list(csv.DictReader((prefix.parent / f"{prefix.name}_stats.csv").open(encoding="utf-8")))
    failures = list(csv.DictReader((prefix.parent / f"{prefix.name}_failures.csv").open(encoding="utf-8")))
    print(f"\n{'request':34} {'count':>7} {'errors':>6} {'median ms':>9} {'p95 ms':>7}")
    for row in rows:
        if row["Type"] == "RACE":
            print(f"{row['Name'][:34]:34} {row['Request Count']:>7} {'-':>6}")
            continue
        print(f"{row['Name'][:34]:34} {row['Request Count']:>7} {row['Failure Count']:>6} "
              f"{row['Median Response Time']:>9} {row['95%']:>7}")
    total = next(r for r in rows if r["Name"] == "Aggregated")
    errors = int(total["Failure Count"])
    for failure in failures:
        print(f"ERROR {failure['Method']} {failure['Name']}: {failure['Error']} × {failure['Occurrences']}")
    print(f"\n{total['Request Count']} requests, {errors} errors, p95 {total['95%']} ms, "
          f"{float(total['Requests/s']):.1f} requests/s")
    return 1 if errors else 0


def main() -> int:
    users = int(os.environ.get("LOAD_USERS", sum(MIX.values())))
    seconds = int(os.environ.get("LOAD_SECONDS", "60"))
    work = Path(tempfile.mkdtemp(prefix="yzs-load-"))
    database = _database(work)
    env = {**os.environ, "DATABASE_URL": database, "UPLOAD_DIR": str(work / "uploads"), "MAIL_BACKEND": "log",
           "SCHEDULER_AUTOSTART": "0", "LOCUST_RUNNING": "1"}
    print(f"database: {database.split('@')[-1]}")
    _prepare(env)
    port = _free_port()
    workers = "4" if database.startswith("postgresql") else "2"
    server = subprocess.Popen([str(BIN / "gunicorn"), "-w", workers, "-b", f"127.0.0.1:{port}", "--timeout", "60",
                               "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        prefix = work / "stats"
        subprocess.run([str(BIN / "locust"), "-f", str(Path(__file__).resolve()), "--headless", "-u", str(users),
                        "-r", str(max(1, users // 5)), "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{port}",
                        "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"], cwd=ROOT, env=env,
                       check=False)
        return _report(prefix)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
