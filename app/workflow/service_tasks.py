"""The Python functions BPMN service tasks may call, by name (the workflow's own, `notify` and `escalate`,
and those the domains' plugins register). BPMN can call nothing else.

Each function gets the step's context (which instance), the task's evaluated parameters and a copy of
its data, runs inside the step's transaction, and returns a small JSON-able result (or None)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.core import audit, notifications, roles
from app.engine.script_engine import Service, ServiceRegistry
from app.workflow import plugins


@dataclass(frozen=True)
class StepContext:
    instance_id: int
    process_key: str
    org_id: int | None
    actor_id: int | None = None  # who made this step happen (None: a timer)
    now: datetime | None = None  # the step's clock (a timer fired "at" an instant uses that instant)


def exists(name: str) -> bool:
    return name in plugins.service_tasks()


def names() -> list[str]:
    return sorted(plugins.service_tasks())


def registry_for(ctx: StepContext) -> ServiceRegistry:
    registry = ServiceRegistry()
    for name, func in plugins.service_tasks().items():
        registry.register(name, _bound(func, ctx))
    return registry


def _bound(func: plugins.ServiceTask, ctx: StepContext) -> Service:
    """`func` with this step's context: what the engine calls with (parameters, task data)."""
    def call(params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any] | None:
        return func(ctx, params, data)
    return call


def notify(ctx: StepContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Notify everyone holding `role` (in `org_id`; for roles inside a university the default is the
    instance's university) with `message` (and an optional `title`)."""
    role = str(params.get("role") or "")
    message = str(params.get("message") or "")
    org_id = params.get("org_id")
    if org_id is None and role in roles.ORG_SCOPED_ROLES:
        org_id = ctx.org_id
    sent = notifications.notify_role(
        role, org_id, kind="process",
        title=str(params.get("title") or message[:100] or "流程通知"), body=message,
        link=f"/instances/{ctx.instance_id}")
    return {"notified": sent}


def escalate(ctx: StepContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """督办: notify every role in `roles` and record an escalation the dashboards flag."""
    targets = params.get("roles") or []
    if isinstance(targets, str):
        targets = [targets]
    message = str(params.get("message") or "流程已逾期")
    sent = 0
    for role in targets:
        org_id = ctx.org_id if role in roles.ORG_SCOPED_ROLES else None
        sent += notifications.notify_role(str(role), org_id, kind="escalation", title=message[:100],
                                          body=message, link=f"/instances/{ctx.instance_id}")
    audit.record("instance.escalated", "instance", ctx.instance_id, org_id=ctx.org_id, message=message,
                 roles=list(targets))
    return {"notified": sent}
