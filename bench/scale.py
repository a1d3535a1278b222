"""National scale: a bulk loader (PostgreSQL COPY) and the calls measured against the loaded database.

What is loaded for `factor` f (f = 1 is the issue's full scale):
- 3,000 universities with the six standard departments (18,000) and 20 students each (60,000 accounts);
- f × 1,000,000 complaints, each with its process instance (a small archived-state stub: inboxes and
  metrics never read state) and, when dispatched, its assignment (~96 %); 10 % are open and hold one
  ready human task (triage → dispatcher, answer → department, rate → the student); the rest are closed
  with a resolution and, mostly, a rating;
- f × 1,000,000 finished human tasks (one per complaint), f × 2,000,000 audit events and f × 1,000,000
  notifications;
- the benchmark's own campus (built by the app, bench/world.py) gets 2 % of all complaints — a big
  university (at f = 1: 20,000 complaints, 2,000 open tasks), so its inboxes are not trivially small;
  the ministry reviewer gets f × 1,000 open and f × 10,000 finished national review tasks.

Rows are deterministic functions of their index, so a load can be done in two parts (1k, then the
rest up to 1M) and the completion cost measured at both sizes."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench.env import psycopg_dsn
from bench.world import World

FULL_COMPLAINTS = 1_000_000
UNIVERSITIES = 3000
STUDENTS_PER_UNIVERSITY = 20
DEPARTMENT_CODES = ("xuegong", "logistics", "psych", "academic", "security", "youth_league")
CHANNELS = ("principal_mailbox", "psych_hotline", "logistics_hotline", "general")
CATEGORIES = ("dormitory", "canteen", "facilities", "teaching", "safety", "mental_health", "student_affairs", "other")
SATISFACTION = ("satisfied", "basically_satisfied", "unsatisfied", None)
# What the students write, per category (the hot-topic index gets these texts' keywords).
TEXTS = {
    "dormitory": ("宿舍热水器坏了", "宿舍楼热水器坏了三天，没有热水洗澡。"),
    "canteen": ("食堂饭菜涨价", "二食堂饭菜价格上涨，分量却变少了。"),
    "facilities": ("图书馆空调不制冷", "图书馆三楼空调不制冷，自习室太热。"),
    "teaching": ("选课系统崩溃", "选课系统开放后一直崩溃，无法选课。"),
    "safety": ("校门口路灯不亮", "东门外路灯坏了很久，晚上回宿舍不安全。"),
    "mental_health": ("考试压力很大", "期末考试压力很大，睡不着觉，想找人聊聊。"),
    "student_affairs": ("奖学金评定不公开", "奖学金评定结果没有公示，希望公开评分细则。"),
    "other": ("快递点排队太久", "快递点取件排队要一个小时，希望增加窗口。"),
}
NOW = datetime.now(UTC).replace(microsecond=0)
BEIJING = ZoneInfo("Asia/Shanghai")
ARCHIVED_STATE = json.dumps({"format": 1, "archived": "bench bulk loader: state not kept"})


def _pick(i: int, salt: str, n: int) -> int:
    return int.from_bytes(hashlib.blake2b(f"{salt}{i}".encode(), digest_size=4).digest(), "big") % n


class Loader:
    """Loads the national data set in parts; ids are allocated after the rows the app already wrote."""

    def __init__(self, url: str, world: World):
        import psycopg

        self.conn = psycopg.connect(psycopg_dsn(url))
        self.url = url
        self.world = world
        self.universities: list[int] = []
        self.departments: dict[int, list[int]] = {}
        self.students: dict[int, list[int]] = {}
        self.loaded = 0
        self.timings: dict[str, float] = {}

    def _next_id(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0])

    def _copy(self, table: str, columns: tuple[str, ...], rows: Any) -> int:
        count = 0
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count

    def base(self) -> None:
        """3,000 universities, their departments and students (once)."""
        started = time.perf_counter()
        org_id = self._next_id("org")
        orgs, depts = [], {}
        for u in range(UNIVERSITIES):
            uni = org_id
            orgs.append((uni, f"全国高校{u:04d}", "university", None, None, "北京", "undergraduate", "applicant", NOW))
            org_id += 1
            depts[uni] = []
            for code in DEPARTMENT_CODES:
                orgs.append((org_id, code, "department", uni, code, None, None, None, NOW))
                depts[uni].append(org_id)
                org_id += 1
        self._copy("org", ("id", "name", "kind", "parent_id", "code", "province", "school_type", "pilot_status",
                           "created_at"), orgs)
        user_id = self._next_id("user_account")
        users, roles, students = [], [], {}
        for uni in depts:
            students[uni] = []
            for s in range(STUDENTS_PER_UNIVERSITY):
                users.append((user_id, f"bulk_{uni}_{s}", "!bulk-no-login", f"学生{s}", uni, True, "n", NOW, False))
                roles.append((user_id, "student"))
                students[uni].append(user_id)
                user_id += 1
        self._copy("user_account", ("id", "username", "password_hash", "display_name", "org_id", "active",
                                    "session_nonce", "created_at", "must_change_password"), users)
        self._copy("user_role", ("user_id", "role"), roles)
        self.conn.commit()
        self.universities = list(depts)
        self.departments = depts
        self.students = students
        # The benchmark's own campus: the app built it, with the standard departments.
        campus = self.world.campuses[0]
        self.campus_departments = [r[0] for r in self.conn.execute(
            "SELECT id FROM org WHERE parent_id = %s ORDER BY id", (campus.university_id,)).fetchall()]
        self.timings["base_s"] = round(time.perf_counter() - started, 1)

    def load(self, upto: int, factor_moe: float) -> dict[str, int]:
        """Complaints [self.loaded, upto) with their instances, assignments, tasks, audit, notifications."""
        started = time.perf_counter()
        definition = self.conn.execute("SELECT id, version FROM process_definition WHERE key = 'complaint' "
                                       "ORDER BY version DESC LIMIT 1").fetchone()
        ids = {t: self._next_id(t) for t in ("complaint", "process_instance", "complaint_assignment",
                                             "human_task", "audit_event", "notification")}
        campus = self.world.campuses[0]
        from app.complaints.hot_topics import keywords

        words = {category: keywords(f"{title} {content}") for category, (title, content) in TEXTS.items()}
        complaints, instances, assignments, tasks, audits, notes = [], [], [], [], [], []
        indexed: list[tuple[Any, ...]] = []  # the hot-topic keyword index, as the hourly scan leaves it
        for i in range(self.loaded, upto):
            ours = _pick(i, "o", 50) == 0
            if ours:
                uni, depts = campus.university_id, self.campus_departments
                student = campus.student_ids[i % len(campus.student_ids)]
                dispatcher = campus.dispatcher_id
            else:
                uni = self.universities[_pick(i, "u", len(self.universities))]
                depts = self.departments[uni]
                student = self.students[uni][i % STUDENTS_PER_UNIVERSITY]
                dispatcher = None
            cid, iid = ids["complaint"], ids["process_instance"]
            ids["complaint"] += 1
            ids["process_instance"] += 1
            created = NOW - timedelta(minutes=_pick(i, "t", 60 * 24 * 120))
            channel = CHANNELS[_pick(i, "c", 4)]
            category = CATEGORIES[_pick(i, "k", 8)]
            department = depts[1] if not ours else (campus.logistics_id if i % 3 else depts[_pick(i, "d", len(depts))])
            open_ = _pick(i, "open", 10) == 0
            stage = ("triage", "assigned", "answered")[_pick(i, "st", 3)] if open_ else "closed"
            dispatched = stage != "triage" and (open_ or _pick(i, "x", 25) != 0)  # some closed ones never were
            due = created + timedelta(days=3)
            answered_at = (created + timedelta(hours=1 + _pick(i, "a", 100))
                           if stage in ("answered", "closed") and dispatched else None)
            satisfaction = SATISFACTION[_pick(i, "s", 4)] if stage == "closed" and dispatched else None
            resolution = None
            if stage == "closed":
                resolution = ("out_of_scope" if not dispatched else "unrated" if satisfaction is None
                              else "unresolved" if satisfaction == "unsatisfied" else "resolved")
            closed_at = answered_at + timedelta(hours=5) if stage == "closed" and answered_at else (
                created + timedelta(hours=2) if stage == "closed" else None)
            title, content = TEXTS[category]
            confidential = channel == "psych_hotline"  # never indexed
            complaints.append((cid, uni, student, channel, category, title, content, False, "[]",
                               stage, department if dispatched else None, due if dispatched else None, 0, satisfaction,
                               resolution, iid, created, answered_at, closed_at, None if confidential else NOW))
            if not confidential:
                local = created.astimezone(BEIJING)
                week = (local - timedelta(days=local.weekday())).date()
                indexed += [(cid, position, word, uni, week, created)
                            for position, word in enumerate(words[category])]
            instances.append((iid, definition[0], "complaint", definition[1], "running" if open_ else "completed",
                              uni, student, created, closed_at, json.dumps({"complaint_id": cid}), ARCHIVED_STATE,
                              1, 1))
            if dispatched:
                assignments.append((ids["complaint_assignment"], cid, department, uni, channel, dispatcher,
                                    created + timedelta(minutes=30), due, 0, answered_at,
                                    "answered" if answered_at else None))
                ids["complaint_assignment"] += 1
            # One finished task per complaint (the triage), completed by its university's dispatcher.
            tasks.append((ids["human_task"], iid, str(uuid.UUID(int=iid * 4 + 1)), "Task_triage", "集中转办",
                          f"转办：诉求{i}", "complaint", "dispatcher", uni, "complaint_dispatch", None, "completed",
                          created + timedelta(hours=4), created, created + timedelta(minutes=30), dispatcher,
                          '{"action": "assign"}'))
            ids["human_task"] += 1
            if open_:
                bpmn, role, org, assignee, form = {
                    "triage": ("Task_triage", "dispatcher", uni, None, "complaint_dispatch"),
                    "assigned": ("Task_answer", "department_handler", department, None, "complaint_answer"),
                    "answered": ("Task_rate", "student", None, student, "complaint_rate"),
                }[stage]
                tasks.append((ids["human_task"], iid, str(uuid.UUID(int=iid * 4 + 2)), bpmn, bpmn, f"待办：诉求{i}",
                              "complaint", role, org, form, assignee, "ready", created + timedelta(days=2 + i % 5),
                              created, None, None, None))
                ids["human_task"] += 1
            for action in ("instance.started", "task.completed"):
                audits.append((ids["audit_event"], created, student, action, "instance", str(iid), uni,
                               '{"bpmn_id": "Task_triage"}'))
                ids["audit_event"] += 1
            notes.append((ids["notification"], student, "complaint", f"您的诉求已答复：诉求{i}", "",
                          f"/complaints/{cid}", created, None))
            ids["notification"] += 1
        # National review tasks for the ministry reviewer (pilot applications), in proportion.
        moe_open, moe_done = int(1000 * factor_moe), int(10_000 * factor_moe)
        for k in range(moe_open + moe_done):
            iid = ids["process_instance"]
            ids["process_instance"] += 1
            instances.append((iid, definition[0], "pilot_application", 1, "running" if k < moe_open else "completed",
                              None, None, NOW, None, "{}", ARCHIVED_STATE, 1, 1))
            done = k >= moe_open
            tasks.append((ids["human_task"], iid, str(uuid.UUID(int=iid * 4 + 3)), "Task_moe_review", "思政司审核",
                          f"审核：申请{k}", "pilot_application", "moe_reviewer", None, "pilot_review", None,
                          "completed" if done else "ready", NOW + timedelta(days=k % 30), NOW,
                          NOW if done else None, self.world.moe_id if done else None, None))
            ids["human_task"] += 1
        self._copy("process_instance", ("id", "definition_id", "process_key", "process_version", "status", "org_id",
                                        "started_by", "started_at", "ended_at", "data", "state", "state_format",
                                        "row_version"), instances)
        self._copy("complaint", ("id", "university_id", "student_id", "channel", "category", "title", "content",
                                 "anonymous", "attachments", "status", "department_id", "answer_due", "reopen_count",
                                 "satisfaction", "resolution", "instance_id", "created_at", "answered_at", "closed_at",
                                 "keywords_indexed_at"), complaints)
        self._copy("complaint_keyword", ("complaint_id", "position", "keyword", "university_id", "week",
                                         "created_at"), indexed)
        self._copy("complaint_assignment", ("id", "complaint_id", "department_id", "university_id", "channel",
                                            "assigned_by", "assigned_at", "due_at", "extensions", "answered_at",
                                            "outcome"), assignments)
        self._copy("human_task", ("id", "instance_id", "engine_task_id", "bpmn_id", "name", "title", "process_key",
                                  "role", "org_id", "form_key", "assignee_id", "status", "due_at", "created_at",
                                  "completed_at", "completed_by", "result"), tasks)
        self._copy("audit_event", ("id", "at", "actor_id", "action", "subject_type", "subject_id", "org_id", "detail"),
                   audits)
        self._copy("notification", ("id", "user_id", "kind", "title", "body", "link", "created_at", "read_at"), notes)
        for table in ids:
            self.conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        self.conn.commit()
        rollup_started = time.perf_counter()
        self._rebuild_rollup()
        self.timings[f"rollup_rebuild_to_{upto}_s"] = round(time.perf_counter() - rollup_started, 1)
        self.conn.autocommit = True
        self.conn.execute("VACUUM ANALYZE")
        self.conn.autocommit = False
        counts = {"complaints": upto - self.loaded, "keyword_rows": len(indexed), "instances": len(instances),
                  "assignments": len(assignments),
                  "human_tasks": len(tasks), "audit_events": len(audits), "notifications": len(notes)}
        self.timings[f"load_to_{upto}_s"] = round(time.perf_counter() - started, 1)
        self.loaded = upto
        return counts

    def _rebuild_rollup(self) -> None:
        """COPY bypasses the app's flush hook that keeps the complaint figures' rollup: rebuild it the way
        `flask metrics rebuild` does (INSERT … SELECT … GROUP BY over the base tables)."""
        from sqlalchemy import create_engine

        from app.complaints.rollup import rebuild

        engine = create_engine(self.url)
        try:
            with engine.begin() as conn:
                rebuild(conn)
        finally:
            engine.dispose()

    def table_rows(self) -> dict[str, int]:
        return {t: int(self.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
                for t in ("complaint", "process_instance", "human_task", "complaint_assignment", "audit_event",
                          "notification", "org", "user_account", "complaint_rollup", "complaint_keyword")}

    def close(self) -> None:
        self.conn.close()


def measure_reads(port: int, world: World, repeats: int) -> dict[str, Any]:
    """p50/p95 of the inbox calls (handler, dispatcher, ministry reviewer), the metrics calls and the
    dashboard's complaint datasets."""
    from bench.throughput import call, percentiles

    campus = world.campuses[0]
    calls = {
        "inbox_handler_group": ("/api/v1/tasks?scope=group", campus.handler),
        "inbox_handler_all": ("/api/v1/tasks?scope=all", campus.handler),
        "inbox_dispatcher_group": ("/api/v1/tasks?scope=group", campus.dispatcher),
        "inbox_dispatcher_all": ("/api/v1/tasks?scope=all", campus.dispatcher),
        "inbox_dispatcher_completed": ("/api/v1/tasks?scope=completed", campus.dispatcher),
        "inbox_moe_group": ("/api/v1/tasks?scope=group", world.moe),
        "inbox_moe_all": ("/api/v1/tasks?scope=all", world.moe),
        "inbox_student_mine": ("/api/v1/tasks?scope=mine", campus.students[0]),
        "metrics_national": ("/api/v1/metrics/complaints", world.moe),
        "metrics_university": ("/api/v1/metrics/complaints", campus.dispatcher),
        "metrics_department": ("/api/v1/metrics/complaints", campus.handler),
        # the dashboard's complaint datasets (issue #8 point 4), national and for the bench campus
        "dashboard_departments_national": ("/api/v1/dashboard/complaint_departments", world.moe),
        "dashboard_channels_national": ("/api/v1/dashboard/complaint_channels", world.moe),
        "dashboard_departments_university": (
            f"/api/v1/dashboard/complaint_departments?university_id={campus.university_id}", world.moe),
        "dashboard_channels_university": (
            f"/api/v1/dashboard/complaint_channels?university_id={campus.university_id}", world.moe),
        # hot topics of the last 8 weeks from the keyword index (no target in the issue; was seconds)
        "hot_topics_national": ("/api/v1/complaints/topics", world.moe),
        "hot_topics_university": ("/api/v1/complaints/topics", campus.dispatcher),
    }
    results: dict[str, Any] = {}
    for name, (path, token) in calls.items():
        for _ in range(4):  # warm every worker (each loads e.g. jieba's dictionary on first use) and the cache
            status, data, _ = call(port, "GET", path, token)
        times = []
        for _ in range(repeats):
            status, data, seconds = call(port, "GET", path, token)
            if status != 200:
                results[name] = {"error": f"HTTP {status}: {str(data)[:200]}"}
                break
            times.append(seconds)
        else:
            total = data.get("total") if isinstance(data, dict) else None
            results[name] = {**percentiles(times), "total": total}
    inbox = [v["p95_ms"] for k, v in results.items() if k.startswith("inbox") and v.get("p95_ms") is not None]
    metrics = [v["p95_ms"] for k, v in results.items() if k.startswith("metrics") and v.get("p95_ms") is not None]
    dashboard = [v["p95_ms"] for k, v in results.items() if k.startswith("dashboard") and v.get("p95_ms") is not None]
    topics = [v["p95_ms"] for k, v in results.items() if k.startswith("hot_topics") and v.get("p95_ms") is not None]
    return {"calls": results, "inbox_p95_ms": max(inbox) if inbox else None,
            "hot_topics_p95_ms": max(topics) if topics else None,
            "metrics_p95_ms": max(metrics) if metrics else None,
            "dashboard_p95_ms": max(dashboard) if dashboard else None}
