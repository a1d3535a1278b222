"""The complaint loop over HTTP: gunicorn (one sync worker per core) serving the app, and concurrent
clients each driving complaints through file → dispatch → answer → rate.

Per complaint a client makes five calls, as a real front end would: POST /complaints (a student
files), GET /tasks?scope=group&instance=… (the dispatcher finds the triage task), then three
POST /tasks/{id}/complete (dispatch by the dispatcher, answer by the logistics handler, rate by the
student); each completion answers with the instance, whose task list names the next ready task (the
client sends `Prefer: return=minimal`, so the instance comes without its history).
Only the loopback address is ever called; every loop is bounded by time or count."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import psutil

from bench.env import ROOT, is_postgres
from bench.world import World

HOST = "127.0.0.1"
COMPLETIONS = ("dispatch", "answer", "rate")
STEPS = ("file", *COMPLETIONS)  # calls that run the engine and write a step
COMPLAINT = {"channel": "logistics_hotline", "category": "dormitory", "title": "宿舍热水器坏了",
             "content": "3号楼热水器坏了三天，没有热水洗澡。", "anonymous": False}


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn wsgi:app on the loopback address; stopped (SIGTERM to the master we started) on exit."""

    def __init__(self, url: str, workers: int, port: int | None = None):
        self.url, self.workers, self.port = url, workers, port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        env = {**os.environ, "DATABASE_URL": self.url, "APP_ENV": "development", "SCHEDULER_AUTOSTART": "0",
               "MAIL_BACKEND": "memory"}
        (ROOT / "instance").mkdir(exist_ok=True)  # a fresh clone has no instance folder yet
        gunicorn = str(ROOT / ".venv" / "bin" / "gunicorn")
        if not os.path.exists(gunicorn):
            gunicorn = "gunicorn"
        self.proc = subprocess.Popen(
            [gunicorn, "-w", str(self.workers), "-b", f"{HOST}:{self.port}", "--worker-class", "sync",
             "--log-level", "warning", "--timeout", "120", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(ROOT / "instance" / "bench-gunicorn.log", "ab"))  # noqa: SIM115
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn exited; see instance/bench-gunicorn.log")
            try:
                status, _, _ = call(self.port, "GET", "/api/v1/openapi.json", None)
                if status == 200 and len(self.worker_pids()) >= self.workers:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start within 60 s")
        return self

    def worker_pids(self) -> list[int]:
        assert self.proc is not None
        try:
            return [p.pid for p in psutil.Process(self.proc.pid).children()]
        except psutil.NoSuchProcess:
            return []

    def __exit__(self, *exc: Any) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def call(port: int, method: str, path: str, token: str | None, body: Any = None,
         timeout: float = 60, prefer: str | None = None) -> tuple[int, Any, float]:
    """One HTTP call (gunicorn's sync workers close every connection): status, JSON, seconds."""
    headers = {"Accept": "application/json"}
    if prefer:
        headers["Prefer"] = prefer
    payload = None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        payload = json.dumps(body, ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json"
    start = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    elapsed = time.perf_counter() - start
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        data = raw[:200]
    return response.status, data, elapsed


def _ready_task(instance: dict[str, Any]) -> int:
    return next(t["id"] for t in instance["tasks"] if t["status"] == "ready")


@dataclass
class Samples:
    """Latencies (seconds) by call kind, for calls that finished inside the measuring window."""

    window: tuple[float, float] = (0.0, 0.0)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_examples: list[str] = field(default_factory=list)
    loops: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, finished: float, seconds: float, ok: bool, detail: str = "") -> None:
        if not self.window[0] <= finished <= self.window[1]:
            return
        with self.lock:
            if ok:
                self.latencies[kind].append(seconds)
            else:
                self.errors[kind] += 1
                if len(self.error_examples) < 5:
                    self.error_examples.append(f"{kind}: {detail}"[:300])


def run_loop(port: int, world: World, client: int, samples: Samples, stop: float,
             max_loops: int | None = None, satisfaction: str = "satisfied") -> int:
    """One client: complaints through the whole loop until `stop` (monotonic) or `max_loops`."""
    campus = world.campuses[client % len(world.campuses)]
    student_index = (client // len(world.campuses)) % len(campus.students)
    student = campus.students[student_index]
    loops = 0

    def step(kind: str, method: str, path: str, token: str, body: Any = None) -> Any:
        # A client moving on to the next task asks for the instance without its history (RFC 7240).
        prefer = "return=minimal" if kind in COMPLETIONS else None
        status, data, seconds = call(port, method, path, token, body, prefer=prefer)
        ok = 200 <= status < 300
        samples.add(kind, time.perf_counter(), seconds, ok, f"{status} {data}")
        if not ok:
            raise RuntimeError(f"{kind}: HTTP {status}")
        return data

    while time.perf_counter() < stop and (max_loops is None or loops < max_loops):
        try:
            filed = step("file", "POST", "/api/v1/complaints", student, COMPLAINT)
            inbox = step("inbox", "GET", f"/api/v1/tasks?scope=group&instance={filed['instance_id']}&limit=5",
                         campus.dispatcher)
            task_id = inbox["items"][0]["id"]
            instance = step("dispatch", "POST", f"/api/v1/tasks/{task_id}/complete", campus.dispatcher,
                            {"data": {"action": "assign", "department_id": campus.logistics_id}})
            instance = step("answer", "POST", f"/api/v1/tasks/{_ready_task(instance)}/complete", campus.handler,
                            {"data": {"action": "answer", "reply": "已安排维修，今日修复。"}})
            step("rate", "POST", f"/api/v1/tasks/{_ready_task(instance)}/complete", student,
                 {"data": {"satisfaction": satisfaction}})
            loops += 1
        except (RuntimeError, OSError, KeyError, IndexError, StopIteration, TypeError):
            time.sleep(0.05)  # counted in samples.errors; try the next complaint
    with samples.lock:
        samples.loops += loops
    return loops


def server_cpu(worker_pids: list[int], url: str) -> dict[str, dict[int, float]]:
    """CPU seconds (user + system) so far, per process: the web workers, and the PostgreSQL backends
    serving the benchmark's database (found by their process title, so that other databases' work on
    a shared machine is not counted)."""
    def cpu(proc: psutil.Process) -> float | None:
        try:
            times = proc.cpu_times()
            return float(times.user + times.system)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return None

    workers = {pid: cpu(psutil.Process(pid)) for pid in worker_pids if psutil.pid_exists(pid)}
    database: dict[int, float | None] = {}
    if is_postgres(url):
        name = url.rsplit("/", 1)[-1].split("?")[0]
        for proc in psutil.process_iter(["name", "cmdline"]):
            title = " ".join(proc.info["cmdline"] or [])
            if title.startswith("postgres: ") and f" {name} " in title:
                database[proc.pid] = cpu(proc)
    return {"workers": {k: v for k, v in workers.items() if v is not None},
            "database": {k: v for k, v in database.items() if v is not None}}


def cpu_delta(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    """Per-process differences (a process that appeared counts whole; one that vanished is lost)."""
    return {kind: sum(v - before[kind].get(pid, 0.0) for pid, v in after[kind].items()) for kind in after}


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None}
    ordered = sorted(values)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {"n": len(ordered), "p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 2)}


def measure(server: Server, url: str, world: World, *, clients: int, duration: float,
            warmup: float) -> dict[str, Any]:
    """Saturate the server with `clients` concurrent clients; measure after `warmup` for `duration`."""
    start = time.perf_counter()
    samples = Samples(window=(start + warmup, start + warmup + duration))
    stop = start + warmup + duration
    threads = [threading.Thread(target=run_loop, args=(server.port, world, i, samples, stop), daemon=True)
               for i in range(clients)]
    for t in threads:
        t.start()
    time.sleep(max(0.0, samples.window[0] - time.perf_counter()))
    pids = server.worker_pids()
    cpu_before = server_cpu(pids, url)
    client_before = sum(psutil.Process().cpu_times()[:2])
    time.sleep(max(0.0, samples.window[1] - time.perf_counter()))
    cpu_after = server_cpu(pids, url)
    client_after = sum(psutil.Process().cpu_times()[:2])
    for t in threads:
        t.join(timeout=120)
    return summarize(samples, duration, cpu_delta(cpu_before, cpu_after), client_after - client_before,
                     clients, server.workers)


def summarize(samples: Samples, duration: float, cpu: dict[str, float], client_cpu: float, clients: int,
              workers: int) -> dict[str, Any]:
    lat = samples.latencies
    completions = sum(len(lat[k]) for k in COMPLETIONS)
    steps = sum(len(lat[k]) for k in STEPS)
    calls = sum(len(v) for v in lat.values())
    all_completions = [x for k in COMPLETIONS for x in lat[k]]
    worker_cpu, db_cpu = cpu["workers"], cpu["database"]
    overall = percentiles(all_completions)
    per_step = (lambda s: round(s * 1000 / steps, 3)) if steps else (lambda s: None)
    return {
        "clients": clients, "workers": workers, "duration_s": duration,
        "completions": completions, "completions_per_s": round(completions / duration, 1),
        "calls_per_s": round(calls / duration, 1), "complaints_per_s": round(len(lat["rate"]) / duration, 1),
        "p50_ms": overall["p50_ms"], "p95_ms": overall["p95_ms"], "p99_ms": overall["p99_ms"],
        "latency_by_call": {kind: percentiles(lat[kind]) for kind in ("file", "inbox", *COMPLETIONS)},
        "errors": dict(samples.errors), "error_examples": samples.error_examples,
        "cpu_s": {"workers": round(worker_cpu, 2), "database": round(db_cpu, 2),
                  "load_generator": round(client_cpu, 2)},
        # Machine time per engine step (file + 3 completions; the inbox read is charged to them).
        "server_cpu_ms_per_step": per_step(worker_cpu + db_cpu),
        "worker_cpu_ms_per_step": per_step(worker_cpu),
        "database_cpu_ms_per_step": per_step(db_cpu),
    }


def sequential_completion_cost(server: Server, url: str, world: World, loops: int) -> dict[str, Any]:
    """One client, `loops` complaints one after another: latency of each completion on an otherwise idle
    server, and the server CPU (web worker + database) per call, which other load on a shared machine
    does not inflate the way it inflates latency."""
    start = time.perf_counter()
    samples = Samples(window=(start, start + 1e9))
    pids = server.worker_pids()
    before = server_cpu(pids, url)
    run_loop(server.port, world, 0, samples, stop=start + 600, max_loops=loops)
    cpu = cpu_delta(before, server_cpu(pids, url))
    completions = [x for k in COMPLETIONS for x in samples.latencies[k]]
    calls = sum(len(v) for v in samples.latencies.values())
    return {"loops": samples.loops, "errors": dict(samples.errors), **percentiles(completions),
            "server_cpu_ms_per_call": round((cpu["workers"] + cpu["database"]) * 1000 / calls, 3) if calls else None,
            "by_call": {k: percentiles(samples.latencies[k]) for k in STEPS}}
