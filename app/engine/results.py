"""What the engine hands back (plain dataclasses), the errors callers catch, and input checks."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.errors import Conflict, ValidationFailed


class TaskNotReady(Conflict):
    """任务不存在、已办理或不是待办的用户任务"""


class InvalidTaskData(ValidationFailed):
    """提交的数据无效"""


@dataclass(frozen=True)
class ReadyTask:
    task_id: str
    bpmn_id: str
    name: str
    title: str
    role: str
    form_key: str
    org_field: str | None
    org_id: Any  # value of data[org_field]; None with org_field set means the data lacks it: nobody may act
    assignee_field: str | None
    assignee_id: Any
    due_at: datetime | None


@dataclass(frozen=True)
class PendingTimer:
    task_id: str
    bpmn_id: str
    due_at: datetime


@dataclass
class StepResult:
    state: dict[str, Any]
    status: str  # 'running' | 'completed' | 'cancelled' | 'error'
    data: dict[str, Any]
    ready_tasks: list[ReadyTask] = field(default_factory=list)
    timers: list[PendingTimer] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)  # bpmn ids completed by this call, in order
    events: list[dict[str, Any]] = field(default_factory=list)
    # runner.highlight() of the new state, computed from the workflow still in memory: lets the caller
    # answer with the diagram highlights without deserializing the state it just wrote.
    highlight: dict[str, list[str]] | None = None
    # What the projection held before the step (ready human tasks and pending timers of the loaded
    # state): the human tasks to cancel, the timers that fired or were dropped, found without reading
    # the human_task and timer rows back.
    previous_ready: frozenset[str] = frozenset()
    closed_tasks: list[str] = field(default_factory=list)
    previous_timers: list[PendingTimer] = field(default_factory=list)

    @property
    def task_count(self) -> int:
        return task_count(self.state)


def check_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """Incoming data must be plain JSON. A dict with a "typename" key would be turned into an object by
    Spiff's deserializer on the next load, so it is refused; `_`/`spiff__` names are engine-internal."""

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if "typename" in value:
                raise InvalidTaskData("数据中不能包含 typename 字段")
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    if not isinstance(data, Mapping):
        raise InvalidTaskData("数据必须是对象")
    for key in data:
        if not isinstance(key, str) or key.startswith(("_", "spiff__")) or key == "data_objects":
            raise InvalidTaskData(f"不允许的字段名 {key!r}")
    try:
        plain: dict[str, Any] = json.loads(json.dumps(dict(data), ensure_ascii=False))
    except (TypeError, ValueError):
        raise InvalidTaskData("数据必须可以表示为 JSON") from None
    walk(plain)
    return plain


def task_count(state: dict[str, Any]) -> int:
    """Tasks in the stored tree. Loops grow it (ENGINE-NOTES: ~246 rounds -> RecursionError); callers can
    alert or refuse to reopen above a bound without loading the workflow."""
    workflow = state.get("workflow", {})
    subprocesses = workflow.get("subprocesses", {})
    return len(workflow.get("tasks", {})) + sum(len(sp.get("tasks", {})) for sp in subprocesses.values())
