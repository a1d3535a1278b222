"""Turning rows into the API's JSON shapes (one place, so every endpoint answers alike)."""

from __future__ import annotations

from typing import Any

from app.models import HumanTask, ProcessInstance, User
from app.workflow import forms, instances, tasks


def task_view(task: HumanTask, *, with_form: bool = True, viewer: User | None = None,
              people: dict[int, str | None] | None = None) -> dict[str, Any]:
    """`people`: instances.usernames of the caller, when it has read them for many tasks at once; without
    it the assignee is read here."""
    if people is None:
        people = instances.usernames(viewer, {task.assignee_id})
    assignee = people.get(task.assignee_id) if task.assignee_id else None
    form = None
    if with_form and task.form_key and task.status == "ready":
        form = forms.for_api(task.form_key, tasks.form_context(task))
    return {
        "id": task.id, "instance_id": task.instance_id, "process_key": task.process_key,
        "name": task.name, "title": task.title, "role": task.role, "org_id": task.org_id,
        "assignee": assignee,
        "assignee_id": task.assignee_id if assignee else None,
        "status": task.status, "due_at": task.due_at, "overdue": tasks.is_overdue(task),
        "form_key": task.form_key, "form": form, "completed_at": task.completed_at,
    }


def _actor_name(actor_id: int | None, people: dict[int, str | None]) -> str | None:
    if not actor_id or actor_id not in people:
        return None
    return people[actor_id] or "学生"  # hidden from this viewer (instances.usernames)


def instance_view(viewer: User, instance: ProcessInstance, *, with_history: bool = True) -> dict[str, Any]:
    """`with_history=False` leaves out the audit trail (a client that asked for `Prefer: return=minimal`
    after completing a task needs the next tasks, not the whole history again)."""
    events = instances.history(instance) if with_history else []
    task_rows = instances.all_tasks(instance)
    actor_ids: set[int | None] = {e.actor_id for e in events if e.actor_id}
    # One read of the people named in the history and the tasks, however many there are.
    people = instances.usernames(viewer, actor_ids | {t.assignee_id for t in task_rows})
    history = [{"at": e.at, "action": e.action,
                "actor": _actor_name(e.actor_id, people),
                "detail": e.detail} for e in events]
    return {
        "id": instance.id, "process_key": instance.process_key,
        "process_version": instance.process_version, "status": instance.status,
        "org_id": instance.org_id, "started_at": instance.started_at, "ended_at": instance.ended_at,
        "data": instances.visible_data(instance),
        "tasks": [task_view(t, with_form=False, viewer=viewer, people=people) for t in task_rows],
        **({"history": history} if with_history else {}),
        "highlight": instances.highlight(instance),
    }
