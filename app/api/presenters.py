"""Turning rows into the API's JSON shapes (one place, so every endpoint answers alike)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import HumanTask, ProcessInstance, User
from app.services import forms, instances, tasks


def task_view(task: HumanTask, *, with_form: bool = True, viewer: User | None = None) -> dict[str, Any]:
    assignee = db.session.get(User, task.assignee_id) if task.assignee_id else None
    if assignee is not None and viewer is not None and instances.hidden_people(viewer, [assignee.id]):
        assignee = None
    form = None
    if with_form and task.form_key and task.status == "ready":
        form = forms.for_api(task.form_key, tasks.form_context(task))
    return {
        "id": task.id, "instance_id": task.instance_id, "process_key": task.process_key,
        "name": task.name, "title": task.title, "role": task.role, "org_id": task.org_id,
        "assignee": assignee.username if assignee else None,
        "assignee_id": assignee.id if assignee else None,
        "status": task.status, "due_at": task.due_at, "overdue": tasks.is_overdue(task),
        "form_key": task.form_key, "form": form, "completed_at": task.completed_at,
    }


def instance_view(viewer: User, instance: ProcessInstance) -> dict[str, Any]:
    events = instances.history(instance)
    actor_ids = {e.actor_id for e in events if e.actor_id}
    hidden = instances.hidden_people(viewer, actor_ids)
    usernames = dict(db.session.execute(select(User.id, User.username).where(User.id.in_(actor_ids))).all())
    history = [{"at": e.at, "action": e.action,
                "actor": None if not e.actor_id else "学生" if e.actor_id in hidden else usernames.get(e.actor_id),
                "detail": e.detail} for e in events]
    return {
        "id": instance.id, "process_key": instance.process_key,
        "process_version": instance.process_version, "status": instance.status,
        "org_id": instance.org_id, "started_at": instance.started_at, "ended_at": instance.ended_at,
        "data": instances.visible_data(instance),
        "tasks": [task_view(t, with_form=False, viewer=viewer) for t in instances.all_tasks(instance)],
        "history": history,
        "highlight": instances.highlight(instance),
    }
