"""What the workflow core itself plugs in, like any domain: its two generic service tasks, the inbox,
instance, process-administration and calendar pages, and the process and task endpoints."""

from __future__ import annotations

from flask import Flask

from app.workflow import api, service_tasks
from app.workflow.plugins import Plugin
from app.workflow.web import calendar, instances, labels, process_admin, tasks


def _init_app(app: Flask) -> None:
    labels.register(app)


plugin = Plugin(
    name="workflow",
    service_tasks={"notify": service_tasks.notify, "escalate": service_tasks.escalate},
    pages=(tasks.bp, instances.bp, process_admin.bp, calendar.bp),
    api=(api.blp, api.tasks_blp),
    init_app=_init_app,
)
