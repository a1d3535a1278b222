"""The complaint figures' rollup: kept exact by every real operation (random sequences through the API),
equal to a fresh rebuild, and compute() equal to the row-by-row definitions of complaint_metrics."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.complaints import metrics as complaint_metrics
from app.complaints import rollup as complaint_rollup
from app.core import clock
from app.extensions import db
from app.models import Complaint, ComplaintAssignment, ComplaintRollup, HumanTask, Org
from tests.support.complaints import BJ, Campus

FIGURES = ("total", "dispatched", "response_rate", "overdue", "resolution_rate", "satisfaction_rate",
           "avg_handling_hours")


@pytest.fixture
def campus(app, client, world, monkeypatch) -> Campus:
    return Campus(app, client, world, monkeypatch)


# --- the reference: complaint_metrics' functions on rows ------------------------------------------------

def _day(moment: datetime) -> date:
    return clock.as_utc(moment).astimezone(BJ).date()


def _within(moment: datetime, first: date | None, last: date | None) -> bool:
    day = _day(moment)
    return (first is None or day >= first) and (last is None or day < last)


def _counted(a: ComplaintAssignment) -> bool:
    return a.outcome != "sent_back_upheld"


def _figures(complaints: list[Complaint], dispatches: list[ComplaintAssignment], now: datetime) -> dict[str, Any]:
    return {**complaint_metrics._complaint_figures(complaints),  # noqa: SLF001
            **complaint_metrics._assignment_figures(dispatches, now)}  # noqa: SLF001


def reference(*, university_id: int | None = None, department_id: int | None = None, first: date | None = None,
              last: date | None = None, now: datetime) -> dict[str, Any]:
    complaints = {c.id: c for c in db.session.scalars(select(Complaint))}
    dispatches = list(db.session.scalars(select(ComplaintAssignment)))
    in_scope = [c for c in complaints.values() if _within(c.created_at, first, last)
                and (university_id is None or c.university_id == university_id)]
    assigned = [a for a in dispatches if _within(a.assigned_at, first, last)
                and (university_id is None or complaints[a.complaint_id].university_id == university_id)]

    def of_department(dept: int) -> tuple[list[Complaint], list[ComplaintAssignment]]:
        ids = {a.complaint_id for a in dispatches if a.department_id == dept and _counted(a)}
        return [c for c in in_scope if c.id in ids], [a for a in assigned if a.department_id == dept]

    if department_id is not None:
        in_scope, assigned = of_department(department_id)
    result = _figures(in_scope, assigned, now)
    channels = sorted({c.channel for c in in_scope})
    result["by_channel"] = {ch: _figures([c for c in in_scope if c.channel == ch],
                                         [a for a in assigned if complaints[a.complaint_id].channel == ch], now)
                            for ch in channels}
    measured = sorted({a.department_id for a in assigned if _counted(a)})
    result["by_department"] = {} if university_id is None and department_id is None else {
        dept: _figures(*of_department(dept), now) for dept in measured}
    if university_id is None and department_id is None:
        universities = {c.university_id for c in in_scope} | {complaints[a.complaint_id].university_id
                                                               for a in assigned if _counted(a)}
        result["by_university"] = {u: _figures([c for c in in_scope if c.university_id == u],
                                               [a for a in assigned if complaints[a.complaint_id].university_id == u],
                                               now) for u in sorted(universities)}
    return result


def _assert_same(got: dict[str, Any], want: dict[str, Any], where: str) -> None:
    assert {k: got[k] for k in FIGURES} == {k: want[k] for k in FIGURES}, where
    assert {ch: {k: row[k] for k in FIGURES} for ch, row in got["by_channel"].items()} == want["by_channel"], where
    departments = {r["department_id"]: {k: r[k] for k in FIGURES if k != "total"} for r in got["by_department"]}
    assert departments == {d: {k: v for k, v in row.items() if k != "total"} for d, row in want["by_department"].items()
                           }, where
    if "by_university" in want:
        universities = {r["university_id"]: {k: r[k] for k in FIGURES} for r in got["by_university"]}
        assert universities == want["by_university"], where


def check(campus: Campus, rng: random.Random) -> None:
    """The incremental rollup equals a rebuild, and compute() the reference, for every scope."""
    now = clock.now()
    with campus.app.app_context():
        incremental = complaint_rollup.table(db.session.connection())
        complaint_rollup.rebuild(db.session.connection())
        assert complaint_rollup.table(db.session.connection()) == incremental
        db.session.rollback()  # keep the incremental table: the next steps build on it
        today = _day(now)
        some_day = today - timedelta(days=rng.randrange(0, 12))
        periods = [(None, None), (today, today + timedelta(days=1)), (some_day, None),
                   (some_day.replace(day=1), today + timedelta(days=rng.randrange(1, 40))), (None, some_day)]
        departments = list(db.session.scalars(select(Org.id).where(Org.kind == "department")))
        for first, last in periods:
            scopes = [{}, {"university_id": campus.world.uni.id}, {"university_id": campus.world.other_uni.id},
                      *({"university_id": campus.world.uni.id, "department_id": d} for d in departments),
                      {"department_id": rng.choice(departments)}]
            for scope in scopes:
                got = complaint_metrics.compute(**scope, start=first, end=last, now=now)
                _assert_same(got, reference(**scope, first=first, last=last, now=now), f"{scope} {first}..{last}")


# --- driving real operations ----------------------------------------------------------------------------

def _payload(form_key: str, rng: random.Random, campus: Campus, complaint_id: int) -> dict[str, Any] | None:
    if form_key == "complaint_dispatch":
        action = rng.choices(["assign", "merge", "close"], [6, 1, 1])[0]
        if action == "assign":
            return {"action": "assign", "department_id": rng.choice(
                [campus.logistics_id, campus.academic_id, campus.psych_id]),
                **({"deadline_days": rng.randint(1, 4)} if rng.random() < 0.5 else {})}
        if action == "merge":
            with campus.app.app_context():
                others = list(db.session.scalars(select(Complaint.id).where(
                    Complaint.status != "closed", Complaint.id != complaint_id,
                    Complaint.university_id == campus.world.uni.id)))
            return {"action": "merge", "merge_into": rng.choice(others), "reason": "同一问题"} if others else None
        return {"action": "close", "reason": "不属于受理范围"}
    if form_key == "complaint_answer":
        action = rng.choices(["answer", "extend", "send_back"], [5, 1, 2])[0]
        return {"answer": {"action": "answer", "reply": "已安排维修，今日修复。"},
                "extend": {"action": "extend", "extension_days": rng.randint(1, 3), "reason": "需采购配件"},
                "send_back": {"action": "send_back", "reason": "属于其他部门职责"}}[action]
    if form_key == "complaint_extension":
        return {"decision": rng.choice(["approve", "refuse"])}
    if form_key == "complaint_rate":
        satisfaction = rng.choice(["satisfied", "basically_satisfied", "unsatisfied", "unsatisfied"])
        return {"satisfaction": satisfaction, **({"comment": "不满意"} if satisfaction == "unsatisfied" else {})}
    if form_key == "complaint_leadership":
        return {"decision": rng.choice(["close", "reopen"]), "comment": "决定"}
    if form_key == "complaint_supervise":
        return {"note": "请尽快答复"}
    if form_key == "complaint_follow_up":
        return {"reached": True, "outcome": "satisfied", "note": "已回访"}
    return None


def _actor(campus: Campus, task: HumanTask) -> str:
    if task.role == "department_handler":
        return {campus.logistics_id: "logi", campus.academic_id: "aca", campus.psych_id: "psy"}[task.org_id]
    if task.role == "student":
        return "stu" if task.assignee_id == campus.student_ids["stu"] else "stu2"
    return {"dispatcher": "disp", "university_admin": "lead"}[task.role]


def step(campus: Campus, rng: random.Random, clock_at: list[datetime]) -> str:
    with campus.app.app_context():
        ready = [(t.id, t.form_key, t.role, t.org_id, t.assignee_id, t.instance.data.get("complaint_id"))
                 for t in db.session.scalars(select(HumanTask).where(HumanTask.status == "ready",
                                                                     HumanTask.process_key == "complaint")
                                             .order_by(HumanTask.id))]
    roll = rng.random()
    if not ready or roll < 0.2:
        channel = rng.choice(["principal_mailbox", "psych_hotline", "logistics_hotline", "general"])
        campus.file(rng.choice(["stu", "stu2"]), channel=channel)
        return "file"
    if roll < 0.35:
        clock_at[0] += timedelta(hours=rng.choice([2, 7, 20, 50, 100]))
        campus.fire(clock_at[0].isoformat())
        campus.at(clock_at[0].replace(tzinfo=None).isoformat())
        return "time"
    task_id, form_key, role, org_id, assignee_id, complaint_id = rng.choice(ready)
    payload = _payload(form_key, rng, campus, complaint_id)
    if payload is None:
        return "skip"
    task = HumanTask(role=role, org_id=org_id, assignee_id=assignee_id)
    who = _actor(campus, task)
    response = campus.client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": payload}, headers=campus.h[who])
    assert response.status_code in (200, 422), (form_key, payload, response.get_json())
    what = payload.get("action") or payload.get("decision") or payload.get("satisfaction")
    return f"{form_key}:{what}" + ("" if response.status_code == 200 else ":refused")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_operations_keep_the_rollup_exact(campus, seed: int) -> None:
    rng = random.Random(seed)
    with campus.app.app_context():
        from app.models import User

        campus.student_ids = {u.username: u.id for u in db.session.scalars(
            select(User).where(User.username.in_(["stu", "stu2"])))}
    clock_at = [clock.now()]
    done = []
    for _ in range(45):
        done.append(step(campus, rng, clock_at))
        check(campus, rng)
    # the sequence reached the interesting states
    kinds = {d.split(":")[0] for d in done}
    assert {"file", "time", "complaint_dispatch", "complaint_answer", "complaint_rate"} <= kinds, " ".join(done)
    with campus.app.app_context():
        assert db.session.scalar(select(ComplaintRollup).limit(1)) is not None


def test_an_open_dispatch_counts_as_overdue_once_its_deadline_passes(campus) -> None:
    cid = campus.file()
    campus.assign(cid)  # dormitory: due Thursday 2026-11-26 17:30
    campus.at("2026-11-26T17:29")
    scope = f"?org_id={campus.logistics_id}"
    before = campus.client.get(f"/api/v1/metrics/complaints{scope}", headers=campus.h["disp"]).get_json()
    assert (before["dispatched"], before["overdue"], before["response_rate"]) == (1, 0, None)
    campus.at("2026-11-26T17:31")  # no timer fired: the figures read the clock, not the escalation
    after = campus.client.get(f"/api/v1/metrics/complaints{scope}", headers=campus.h["disp"]).get_json()
    assert (after["dispatched"], after["overdue"], after["response_rate"]) == (1, 1, 0.0)
    national = campus.client.get("/api/v1/metrics/complaints", headers=campus.h["moe1"]).get_json()
    assert national["overdue"] == 1 and national["by_department"] == []
    [uni] = national["by_university"]
    assert (uni["university_id"], uni["overdue"], uni["total"]) == (campus.world.uni.id, 1, 1)
    campus.answer(cid)  # late
    late = campus.client.get(f"/api/v1/metrics/complaints{scope}", headers=campus.h["disp"]).get_json()
    assert (late["overdue"], late["response_rate"]) == (1, 0.0)


def test_rebuild_command_restores_the_table_after_a_bulk_write(app, campus) -> None:
    cid = campus.file()
    campus.assign(cid)
    campus.answer(cid)
    campus.rate(cid, "satisfied")
    with app.app_context():
        expected = complaint_rollup.table(db.session.connection())
        assert expected
        db.session.execute(ComplaintRollup.__table__.delete())  # what a bulk loader or a restore leaves
        db.session.commit()
        assert complaint_metrics.compute(university_id=campus.world.uni.id)["total"] == 0
    result = app.test_cli_runner().invoke(args=["metrics", "rebuild"])
    assert result.exit_code == 0 and "rebuilt" in result.output, result.output
    with app.app_context():
        assert complaint_rollup.table(db.session.connection()) == expected
        m = complaint_metrics.compute(university_id=campus.world.uni.id)
        assert (m["total"], m["dispatched"], m["response_rate"], m["satisfaction_rate"]) == (1, 1, 1.0, 1.0)


def test_deleting_rows_through_the_orm_takes_their_share_out(app, world) -> None:
    t = datetime(2026, 11, 2, 23, 59, 59, 999_999, tzinfo=BJ)  # the last instant of a Beijing day
    with app.app_context():
        c = Complaint(university_id=world.uni.id, channel="general", category="dormitory", title="漏水",
                      content="宿舍漏水，请处理。", created_at=t, status="closed", resolution="resolved",
                      satisfaction="satisfied", closed_at=t + timedelta(hours=5, microseconds=1))
        db.session.add(c)
        db.session.flush()
        a = ComplaintAssignment(complaint_id=c.id, department_id=world.logistics.id, assigned_at=t,
                                university_id=c.university_id, channel=c.channel,
                                due_at=t + timedelta(days=3), answered_at=t + timedelta(hours=1), outcome="answered")
        db.session.add(a)
        db.session.commit()
        rows = complaint_rollup.table(db.session.connection())
        assert {k[3] for k in rows} == {date(2026, 11, 2), date(2026, 11, 1)}  # the day and its month
        complaint_rollup.rebuild(db.session.connection())
        assert complaint_rollup.table(db.session.connection()) == rows
        db.session.commit()
        m = complaint_metrics.compute(department_id=world.logistics.id, start=date(2026, 11, 2),
                                      end=date(2026, 11, 3))
        assert (m["total"], m["avg_handling_hours"], m["response_rate"]) == (1, 5.0, 1.0)
        db.session.delete(a)
        db.session.commit()
        assert complaint_metrics.compute(department_id=world.logistics.id)["total"] == 0
        db.session.delete(c)
        db.session.commit()
        assert complaint_rollup.table(db.session.connection()) == {}


def test_period_bounds_must_be_beijing_days(app, world) -> None:
    with app.app_context():
        with pytest.raises(ValueError):
            complaint_metrics.compute(start=datetime(2026, 11, 2, 9, 0, tzinfo=BJ))
        midnight = datetime(2026, 11, 2, tzinfo=BJ)
        assert complaint_metrics.compute(start=midnight)["total"] == 0


def test_concurrent_changes_of_shared_rollup_rows_all_count_once(app, campus, monkeypatch) -> None:
    """Four transactions reach the rollup write together (a barrier), all adding to the same day rows
    of the nation and the university: none is lost, none deadlocks, the table equals a rebuild."""
    import threading

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: transactions cannot meet at the rollup write; the "
                    "PostgreSQL run of the suite covers this")
    cids = [campus.file(who) for who in ("stu", "stu2", "stu", "stu2")]
    tasks_ = [campus.task("disp", cid) for cid in cids]
    barrier = threading.Barrier(len(cids), timeout=30)
    original = complaint_rollup.apply

    def apply_together(conn, delta):
        if any(k[0] == "d" and k[1] == 0 and v.get("counted") for k, v in delta.items()):
            barrier.wait()  # every dispatch has computed its share and waits to write it
        return original(conn, delta)

    monkeypatch.setattr(complaint_rollup, "apply", apply_together)
    statuses: list[int] = []

    def dispatch(task_id: int) -> None:
        client = app.test_client()
        response = client.post(f"/api/v1/tasks/{task_id}/complete", headers=campus.h["disp"],
                               json={"data": {"action": "assign", "department_id": campus.logistics_id}})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=dispatch, args=(t["id"],)) for t in tasks_]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [200] * len(cids)
    with app.app_context():
        incremental = complaint_rollup.table(db.session.connection())
        complaint_rollup.rebuild(db.session.connection())
        assert complaint_rollup.table(db.session.connection()) == incremental
        db.session.rollback()
        m = complaint_metrics.compute(university_id=campus.world.uni.id)
        assert (m["total"], m["dispatched"]) == (4, 4)
