"""Domain checks on a task's form data beyond its JSON Schema (e.g. "the ticket to merge into must be
an open ticket of the same university"). A flow module registers one per form key with @form_check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.models import HumanTask

Check = Callable[[HumanTask, dict[str, Any]], None]
_CHECKS: dict[str, Check] = {}


def form_check(form_key: str) -> Callable[[Check], Check]:
    def register(func: Check) -> Check:
        _CHECKS[form_key] = func
        return func

    return register


def run(task: HumanTask, cleaned: dict[str, Any]) -> None:
    """Raise ValidationFailed (with field messages) when the data does not fit the case."""
    from app.services.service_tasks import load_domain_modules

    load_domain_modules()
    check = _CHECKS.get(task.form_key or "")
    if check is not None:
        check(task, cleaned)
