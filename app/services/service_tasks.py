"""The Python functions BPMN service tasks may call, by name. BPMN can call nothing else.

Each function gets the step's context (which instance), the task's evaluated parameters and a copy of
its data, runs inside the step's transaction, and returns a small JSON-able result (or None)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.engine.script_engine import ServiceRegistry
from app.engine.specs import ORG_SCOPED_ROLES
from app.services import notifications


@dataclass(frozen=True)
class StepContext:
    instance_id: int
    process_key: str
    org_id: int | None


Function = Callable[[StepContext, dict[str, Any], dict[str, Any]], dict[str, Any] | None]
_FUNCTIONS: dict[str, Function] = {}


def service(name: str) -> Callable[[Function], Function]:
    def register(func: Function) -> Function:
        _FUNCTIONS[name] = func
        return func

    return register


def exists(name: str) -> bool:
    return name in _FUNCTIONS


def names() -> list[str]:
    return sorted(_FUNCTIONS)


def registry_for(ctx: StepContext) -> ServiceRegistry:
    registry = ServiceRegistry()
    for name, func in _FUNCTIONS.items():
        registry.register(name, lambda params, data, func=func: func(ctx, params, data))
    return registry


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
