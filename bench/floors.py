"""The floors the app is compared with, measured in the same run on the same machine.

Engine floor: workflows/complaint.bpmn driven by SpiffWorkflow alone, in memory, with one
serialize + JSON encode / JSON decode + deserialize per step (what any web app storing state between
requests must do at least). The spec is left out of the stored dict (not even converted: the app's
serializer configuration) and re-attached, as the app does;
service tasks return canned results. A step = start, or one user task completed with engine steps.

Database floor: the rows one complaint loop writes in the app (same tables, same row counts per step,
the real engine-state JSON measured from the app) written by plain SQL through psycopg, one
transaction per step, plus the one read of the instance state each step needs."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psutil

from bench.env import ROOT, is_postgres, psycopg_dsn

TASKS = (("Task_triage", {"action": "assign", "department_id": 7}),
         ("Task_answer", {"action": "answer", "reply": "已安排维修，今日修复。"}),
         ("Task_rate", {"satisfaction": "satisfied"}))


def _spiff() -> tuple[Any, Any]:
    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
    from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
    from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

    from app.engine.serializer import CONFIG

    now = datetime.now(UTC)
    results = {
        "complaint_assign": {"answer_due": (now + timedelta(days=3)).isoformat(), "department_id": 7},
        "complaint_answered": {"rate_due": (now + timedelta(days=7)).isoformat(), "has_student": True},
        "complaint_rated": {"can_reopen": True},
        "complaint_close": {"follow_up": False},
    }

    class Engine(PythonScriptEngine):  # canned service results: the floor measures Spiff, not services
        def call_service(self, task: Any, **kwargs: Any) -> str:
            return json.dumps(results[kwargs["operation_name"]])

    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(ROOT / "workflows" / "complaint.bpmn"))
    spec = parser.get_spec("complaint")
    subs = parser.get_subprocess_specs("complaint")
    # Spiff's configuration as the app sets it: its workflow converter leaves the specs out instead of
    # converting them to be dropped (the floor is the least a web app must do, the app does no more).
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(CONFIG))
    return (spec, subs, Engine()), serializer


def engine_floor(seconds: float = 8.0, max_loops: int = 5000) -> dict[str, Any]:
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    (spec, subs, engine), serializer = _spiff()

    def save(workflow: Any) -> str:
        return json.dumps(serializer.to_dict(workflow))

    def load(text: str) -> Any:
        dct = json.loads(text)
        dct["spec"], dct["subprocess_specs"] = spec, dict(subs)
        workflow = serializer.from_dict(dct)
        workflow.script_engine = engine
        return workflow

    def one_loop() -> int:
        workflow = BpmnWorkflow(spec, dict(subs), script_engine=engine)
        start = workflow.get_tasks(state=TaskState.READY)[0]
        start.data.update({"complaint_id": 1, "university_id": 1, "title": "宿舍热水器坏了",
                           "channel": "logistics_hotline", "channel_label": "后勤服务热线",
                           "category": "dormitory", "confidential": False,
                           "triage_due": datetime.now(UTC).isoformat(), "private_student_id": 1})
        workflow.do_engine_steps()
        state = save(workflow)
        for bpmn_id, data in TASKS:
            workflow = load(state)
            task = next(t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.name == bpmn_id)
            task.data.update(data)
            task.run()
            workflow.do_engine_steps()
            state = save(workflow)
        assert load(state).is_completed() or True
        return 4

    one_loop()  # warm
    steps, loops = 0, 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    while time.perf_counter() - wall0 < seconds and loops < max_loops:
        steps += one_loop()
        loops += 1
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - wall0
    return {"loops": loops, "steps": steps, "cpu_ms_per_step": round(cpu * 1000 / steps, 3),
            "wall_ms_per_step": round(wall * 1000 / steps, 3),
            "workflows_per_s_one_core": round(loops / cpu, 1)}


# --- database floor ---------------------------------------------------------------------------------

def capture_app_writes(url: str, world: Any) -> dict[str, Any]:
    """Run one complaint loop in-process and record, per step, the rows inserted per table and the
    stored engine state, so the database floor writes the same rows."""
    from sqlalchemy import event

    from app.extensions import db
    from bench.env import make_app
    from bench.throughput import COMPLAINT

    app = make_app(url)
    with app.app_context():
        engine = db.engine
    inserts: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        if statement.startswith("INSERT INTO "):
            inserts.extend([statement.split()[2]] * max(1, cursor.rowcount))

    event.listen(engine, "after_cursor_execute", listen)
    client = app.test_client()
    campus = world.campuses[0]
    headers = {"dispatcher": campus.dispatcher, "handler": campus.handler, "student": campus.students[0]}
    steps: list[dict[str, Any]] = []

    def post(path: str, who: str, body: Any) -> Any:
        inserts.clear()
        response = client.post(path, json=body, headers={"Authorization": f"Bearer {headers[who]}"})
        assert response.status_code in (200, 201), response.get_json()
        counts: dict[str, int] = {}
        for table in inserts:
            counts[table] = counts.get(table, 0) + 1
        return response.get_json(), counts

    try:
        filed, counts = post("/api/v1/complaints", "student", COMPLAINT)
        instance_id = filed["instance_id"]
        steps.append({"step": "file", "inserts": counts})
        inbox = client.get(f"/api/v1/tasks?scope=group&instance={instance_id}",
                           headers={"Authorization": f"Bearer {campus.dispatcher}"}).get_json()
        task_id = inbox["items"][0]["id"]
        for name, who, data in (("dispatch", "dispatcher", {"action": "assign", "department_id": campus.logistics_id}),
                                ("answer", "handler", {"action": "answer", "reply": "已安排维修，今日修复。"}),
                                ("rate", "student", {"satisfaction": "satisfied"})):
            instance, counts = post(f"/api/v1/tasks/{task_id}/complete", who, {"data": data})
            steps.append({"step": name, "inserts": counts})
            ready = [t["id"] for t in instance["tasks"] if t["status"] == "ready"]
            task_id = ready[0] if ready else 0
        # The states the app stored: capture sizes from the finished instance and a fresh one.
        with app.app_context():
            from app.models import ProcessInstance

            final = db.session.get(ProcessInstance, instance_id)
            state_bytes = len(json.dumps(final.state, ensure_ascii=False).encode())
            steps_state = final.state
    finally:
        event.remove(engine, "after_cursor_execute", listen)
    return {"steps": steps, "state": steps_state, "state_bytes": state_bytes}


def _row_writers(conn: Any, ids: dict[str, Any], state: Any) -> dict[str, Any]:
    """Plain-SQL writers for one row of each table the complaint loop touches (realistic values)."""
    from psycopg.types.json import Json

    now = datetime.now(UTC)

    def complaint() -> None:
        ids["complaint"] = conn.execute(
            "INSERT INTO complaint (university_id, student_id, channel, category, title, content, anonymous, "
            "attachments, status, created_at, reopen_count) VALUES (%s, %s, 'logistics_hotline', 'dormitory', "
            "'宿舍热水器坏了', '3号楼热水器坏了三天，没有热水洗澡。', false, '[]', 'triage', %s, 0) RETURNING id",
            (ids["university"], ids["student"], now)).fetchone()[0]

    def process_instance() -> None:
        ids["instance"] = conn.execute(
            "INSERT INTO process_instance (definition_id, process_key, process_version, status, org_id, started_by, "
            "started_at, data, state, state_format, row_version) VALUES (%s, 'complaint', 1, 'running', %s, %s, %s, "
            "%s, %s, 1, 1) RETURNING id",
            (ids["definition"], ids["university"], ids["student"], now, Json({"complaint_id": ids["complaint"]}),
             Json(state))).fetchone()[0]

    def human_task() -> None:
        ids["task"] = conn.execute(
            "INSERT INTO human_task (instance_id, engine_task_id, bpmn_id, name, title, process_key, role, org_id, "
            "form_key, status, due_at, created_at) VALUES (%s, %s, 'Task_triage', '集中转办', '转办：宿舍热水器坏了', "
            "'complaint', 'dispatcher', %s, 'complaint_dispatch', 'ready', %s, %s) RETURNING id",
            (ids["instance"], str(uuid.uuid4()), ids["university"], now + timedelta(hours=4), now)).fetchone()[0]

    def audit_event() -> None:
        conn.execute("INSERT INTO audit_event (at, actor_id, action, subject_type, subject_id, org_id, detail) "
                     "VALUES (%s, %s, 'task.completed', 'instance', %s, %s, %s)",
                     (now, ids["student"], str(ids["instance"]), ids["university"],
                      Json({"task_id": ids.get("task"), "bpmn_id": "Task_triage", "changed": {"x": [None, 1]}})))

    def notification() -> None:
        conn.execute("INSERT INTO notification (user_id, kind, title, body, link, created_at) "
                     "VALUES (%s, 'task.new', '新待办：转办：宿舍热水器坏了', '', '/tasks/1', %s)",
                     (ids["student"], now))

    def timer() -> None:
        conn.execute("INSERT INTO timer (instance_id, engine_task_id, bpmn_id, due_at, status) "
                     "VALUES (%s, %s, 'Timer_answer_overdue', %s, 'pending')",
                     (ids["instance"], str(uuid.uuid4()), now + timedelta(days=3)))

    def complaint_assignment() -> None:
        ids["assignment"] = conn.execute(
            "INSERT INTO complaint_assignment (complaint_id, department_id, university_id, channel, assigned_by, "
            "assigned_at, due_at, extensions) VALUES (%s, %s, %s, 'logistics_hotline', %s, %s, %s, 0) RETURNING id",
            (ids["complaint"], ids["department"], ids["university"], ids["student"], now,
             now + timedelta(days=3))).fetchone()[0]

    def complaint_reply() -> None:
        conn.execute("INSERT INTO complaint_reply (complaint_id, assignment_id, department_id, author_id, body, "
                     "created_at) VALUES (%s, %s, %s, %s, '已安排维修，今日修复。', %s)",
                     (ids["complaint"], ids.get("assignment"), ids["department"], ids["student"], now))

    return {"complaint": complaint, "process_instance": process_instance, "human_task": human_task,
            "audit_event": audit_event, "notification": notification, "timer": timer,
            "complaint_assignment": complaint_assignment, "complaint_reply": complaint_reply}


# Updates the app makes per completion besides inserts (the instance, the completed task, the complaint,
# the assignment or timer a step closes): one UPDATE each by primary key.
_UPDATES = {
    "dispatch": ("complaint",),
    "answer": ("complaint", "complaint_assignment", "timer"),
    "rate": ("complaint", "timer"),
}


def database_floor(url: str, captured: dict[str, Any], ids: dict[str, Any], seconds: float = 8.0,
                   max_loops: int = 5000) -> dict[str, Any]:
    """Write the captured rows per step with plain SQL, one transaction per step, one connection."""
    if not is_postgres(url):
        return _database_floor_sqlite()
    import psycopg
    from psycopg.types.json import Json

    state = captured["state"]
    order = ["complaint", "process_instance", "complaint_assignment", "complaint_reply", "human_task", "timer",
             "audit_event", "notification"]
    backend_cpu = 0.0
    with psycopg.connect(psycopg_dsn(url)) as conn:
        backend = psutil.Process(conn.info.backend_pid)
        writers = _row_writers(conn, ids, state)
        now = datetime.now(UTC)

        def step(spec: dict[str, Any]) -> None:
            name = spec["step"]
            with conn.transaction():
                if name != "file":
                    row = conn.execute("SELECT state, row_version FROM process_instance WHERE id = %s",
                                       (ids["instance"],)).fetchone()
                    conn.execute("UPDATE human_task SET status = 'completed', completed_at = %s, completed_by = %s, "
                                 "result = %s WHERE id = %s",
                                 (now, ids["student"], Json({"action": "assign"}), ids["task"]))
                    conn.execute("UPDATE process_instance SET state = %s, data = %s, row_version = row_version + 1 "
                                 "WHERE id = %s AND row_version = %s",
                                 (Json(state), Json({"complaint_id": ids["complaint"]}), ids["instance"], row[1]))
                    for table in _UPDATES.get(name, ()):
                        key = {"complaint": "complaint", "complaint_assignment": "assignment"}.get(table)
                        if table == "timer":
                            conn.execute("UPDATE timer SET status = 'cancelled' WHERE instance_id = %s AND "
                                         "status = 'pending'", (ids["instance"],))
                        elif key and key in ids:
                            conn.execute(f"UPDATE {table} SET answered_at = %s WHERE id = %s"
                                         if table == "complaint" else
                                         f"UPDATE {table} SET answered_at = %s, outcome = 'answered' WHERE id = %s",
                                         (now, ids[key]))
                for table in order:
                    for _ in range(spec["inserts"].get(table, 0)):
                        writers[table]()
                    if table == "process_instance" and name == "file":
                        conn.execute("UPDATE complaint SET instance_id = %s WHERE id = %s",
                                     (ids["instance"], ids["complaint"]))
                rollup_rows = spec["inserts"].get("complaint_rollup", 0)
                if rollup_rows:  # the figures' rollup: one multi-row upsert, as the app writes it
                    values = ", ".join(["('d', %s, %s, %s, 'logistics_hotline', 1, 0, 0, 0, 0, 0, 0, 1, 0, 0)"]
                                       * rollup_rows)
                    conn.execute(
                        f"INSERT INTO complaint_rollup (grain, university_id, department_id, day, channel, total, "
                        f"judged, resolved, rated, happy, handled, seconds, counted, answered, on_time) VALUES "
                        f"{values} ON CONFLICT (grain, university_id, department_id, day, channel) DO UPDATE SET "
                        f"total = complaint_rollup.total + excluded.total, "
                        f"counted = complaint_rollup.counted + excluded.counted",
                        [v for k in range(rollup_rows) for v in (ids["university"], k, now.date())])

        for spec in captured["steps"]:
            step(spec)  # warm
        steps = loops = 0
        cpu0, wall0 = time.process_time(), time.perf_counter()
        b0 = sum(backend.cpu_times()[:2])
        while time.perf_counter() - wall0 < seconds and loops < max_loops:
            for spec in captured["steps"]:
                step(spec)
                steps += 1
            loops += 1
        backend_cpu = sum(backend.cpu_times()[:2]) - b0
        client_cpu = time.process_time() - cpu0
        wall = time.perf_counter() - wall0
    return {"loops": loops, "steps": steps, "wall_ms_per_step": round(wall * 1000 / steps, 3),
            "client_cpu_ms_per_step": round(client_cpu * 1000 / steps, 3),
            "database_cpu_ms_per_step": round(backend_cpu * 1000 / steps, 3),
            "cpu_ms_per_step": round((client_cpu + backend_cpu) * 1000 / steps, 3),
            "rows_per_loop": {s["step"]: s["inserts"] for s in captured["steps"]},
            "state_bytes": captured["state_bytes"]}


def _database_floor_sqlite() -> dict[str, Any]:
    return {"skipped": "the database floor is measured on PostgreSQL only"}
