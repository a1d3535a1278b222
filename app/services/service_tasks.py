"""The Python functions BPMN service tasks may call, by name. BPMN can call nothing else.

Each function gets the step's context (which instance), the task's evaluated parameters and a copy of
its data, runs inside the step's transaction, and returns a small JSON-able result (or None)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.engine.script_engine import Service, ServiceRegistry
from app.engine.specs import ORG_SCOPED_ROLES
from app.services import audit, notifications


@dataclass(frozen=True)
class StepContext:
    instance_id: int
    process_key: str
    org_id: int | None
    actor_id: int | None = None  # who made this step happen (None: a timer)
    now: datetime | None = None  # the step's clock (a timer fired "at" an instant uses that instant)


Function = Callable[[StepContext, dict[str, Any], dict[str, Any]], dict[str, Any] | None]
_FUNCTIONS: dict[str, Function] = {}
# Flow modules that register their functions with @service when imported.
DOMAIN_MODULES = ("app.services.pilot_applications", "app.services.info_reports", "app.services.complaint_steps",
                  "app.services.posts_review", "app.services.showcase", "app.services.assessment_steps")


def load_domain_modules() -> None:
    for module in DOMAIN_MODULES:
        importlib.import_module(module)


def service(name: str) -> Callable[[Function], Function]:
    def register(func: Function) -> Function:
        _FUNCTIONS[name] = func
        return func

    return register


def exists(name: str) -> bool:
    load_domain_modules()
    return name in _FUNCTIONS


def names() -> list[str]:
    load_domain_modules()
    return sorted(_FUNCTIONS)


def registry_for(ctx: StepContext) -> ServiceRegistry:
    load_domain_modules()
    registry = ServiceRegistry()
    for name, func in _FUNCTIONS.items():
        registry.register(name, _bound(func, ctx))
    return registry


def _bound(func: Function, ctx: StepContext) -> Service:
    """`func` with this step's context: what the engine calls with (parameters, task data)."""
    def call(params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any] | None:
        return func(ctx, params, data)
    return call


@service("notify")
def notify(ctx: StepContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Notify everyone holding `role` (in `org_id`; for roles inside a university the default is the
    instance's university) with `message` (and an optional `title`)."""
    role = str(params.get("role") or "")
    message = str(params.get("message") or "")
    org_id = params.get("org_id")
    if org_id is None and role in ORG_SCOPED_ROLES:
        org_id = ctx.org_id
    sent = notifications.notify_role(
        role, org_id, kind="process",
        title=str(params.get("title") or message[:100] or "流程通知"), body=message,
        link=f"/instances/{ctx.instance_id}")
    return {"notified": sent}


@service("escalate")
def escalate(ctx: StepContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """督办: notify every role in `roles` and record an escalation the dashboards flag."""
    roles = params.get("roles") or []
    if isinstance(roles, str):
        roles = [roles]
    message = str(params.get("message") or "流程已逾期")
    sent = 0
    for role in roles:
        org_id = ctx.org_id if role in ORG_SCOPED_ROLES else None
        sent += notifications.notify_role(str(role), org_id, kind="escalation", title=message[:100],
                                          body=message, link=f"/instances/{ctx.instance_id}")
    audit.record("instance.escalated", "instance", ctx.instance_id, org_id=ctx.org_id, message=message,
                 roles=list(roles))
    return {"notified": sent}
