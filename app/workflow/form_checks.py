"""Domain checks on a task's form data beyond its JSON Schema (e.g. "the ticket to merge into must be
an open ticket of the same university"). A domain's plugin registers one per form key."""

from __future__ import annotations

from typing import Any

from app.models import HumanTask
from app.workflow import plugins


def run(task: HumanTask, cleaned: dict[str, Any]) -> None:
    """Raise ValidationFailed (with field messages) when the data does not fit the case."""
    check = plugins.form_check(task.form_key or "")
    if check is not None:
        check(task, cleaned)
