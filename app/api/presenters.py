"""Turning rows into the API's JSON shapes (one place, so every endpoint answers alike)."""

from __future__ import annotations

from typing import Any

from app.extensions import db
from app.models import HumanTask, ProcessInstance, User
from app.services import forms, instances, tasks


def task_view(task: HumanTask, *, with_form: bool = True) -> dict[str, Any]:
    assignee = db.session.get(User, task.assignee_id) if task.assignee_id else None
    form = None
    if with_form and task.form_key and task.status == "ready":
        form = forms.for_api(task.form_key, tasks.form_context(task))
    return {
        "id": task.id, "instance_id": task.instance_id, "process_key": task.process_key,
        "name": task.name, "title": task.title, "role": task.role, "org_id": task.org_id,
        "assignee": assignee.username if assignee else None, "assignee_id": task.assignee_id,
        "status": task.status, "due_at": task.due_at, "overdue": tasks.is_overdue(task),
        "form_key": task.form_key, "form": form, "completed_at": task.completed_at,
    }


def instance_view(viewer: User, instance: ProcessInstance) -> dict[str, Any]:
    actors = {}
    history = []
    for event in instances.history(instance):
        if event.actor_id and event.actor_id not in actors:
            actor = db.session.get(User, event.actor_id)
            actors[event.actor_id] = actor.username if actor else None
        history.append({"at": event.at, "action": event.action,
                        "actor": actors.get(event.actor_id) if event.actor_id else None,
                        "detail": event.detail})
    return {
        "id": instance.id, "process_key": instance.process_key,
        "process_version": instance.process_version, "status": instance.status,
        "org_id": instance.org_id, "started_at": instance.started_at, "ended_at": instance.ended_at,
        "data": instances.visible_data(instance),
        "tasks": [task_view(t, with_form=False) for t in instances.all_tasks(instance)],
        "history": history,
        "highlight": instances.highlight(instance),
    }
