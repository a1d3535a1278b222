"""scope=all is answered by a UNION of index-friendly parts (issue #8): it must list exactly what
tasks.visible_clause allows, once each, in the inbox order, page by page, with the same filters."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from app.core import clock
from app.extensions import db
from app.models import HumanTask, ProcessDefinition, ProcessInstance, User
from app.workflow import tasks


def _reference(user: User, q: tasks.InboxQuery) -> list[int]:
    query = select(HumanTask.id).where(tasks.visible_clause(user), *tasks._filters(q))  # noqa: SLF001
    return list(db.session.scalars(query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)))


def test_scope_all_lists_what_the_visibility_rule_allows_once_each_in_inbox_order(app, world, monkeypatch) -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=clock.SHANGHAI)
    monkeypatch.setattr(clock, "now", lambda: now)
    people = [world.user("disp", "dispatcher"), world.user("logi", "department_handler"),
              world.user("stu", "student"), world.user("moe", "moe_reviewer"),
              world.user("zdisp", "dispatcher", world.other_uni)]
    rng = random.Random(8)
    with app.app_context():
        definition = ProcessDefinition(key="p", version=1, name="p", content_hash="0" * 64, bpmn_xml="<x/>")
        db.session.add(definition)
        db.session.flush()
        instances = []
        for key in ("complaint", "pilot_application"):
            instance = ProcessInstance(definition_id=definition.id, process_key=key, process_version=1,
                                       org_id=world.uni.id, state={})
            db.session.add(instance)
            instances.append(instance)
        db.session.flush()
        roles = ("dispatcher", "department_handler", "student", "moe_reviewer")
        orgs = (world.uni.id, world.other_uni.id, world.logistics.id, None)
        for n in range(300):
            instance = rng.choice(instances)
            status = rng.choice(("ready", "ready", "completed", "cancelled"))
            db.session.add(HumanTask(
                instance_id=instance.id, engine_task_id=f"t{n}", bpmn_id="T", name="任务", title=f"任务{n}",
                process_key=instance.process_key, role=rng.choice(roles), org_id=rng.choice(orgs),
                assignee_id=rng.choice([None, None, *[p.id for p in people]]), status=status,
                completed_by=rng.choice([None, *[p.id for p in people]]) if status == "completed" else None,
                due_at=rng.choice([None, now + timedelta(hours=rng.randint(-48, 48))])))
        db.session.commit()
        queries = [tasks.InboxQuery(scope="all", limit=500), tasks.InboxQuery(scope="all", limit=7, offset=5),
                   tasks.InboxQuery(scope="all", process="complaint", limit=500),
                   tasks.InboxQuery(scope="all", overdue=True, limit=500),
                   tasks.InboxQuery(scope="all", due_before=now, limit=500),
                   tasks.InboxQuery(scope="all", instance=instances[1].id, limit=500)]
        seen_any = False
        for person in people:
            user = db.session.get(User, person.id)
            for q in queries:
                expected = _reference(user, q)
                items, total = tasks.inbox(user, q)
                assert total == len(expected), (person.username, q)
                assert [t.id for t in items] == expected[q.offset:q.offset + q.limit], (person.username, q)
                seen_any = seen_any or bool(items)
        assert seen_any
