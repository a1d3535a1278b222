"""The script engine every workflow runs with: safe expressions, no scripts, registered services only.

SpiffWorkflow calls `script_engine.evaluate` for conditions, timers and service parameters,
`script_engine.execute` for script tasks and pre/post scripts, `script_engine.call_service` for service
tasks, and in a few places `script_engine.environment.evaluate` directly; all four are covered here.
The engine also carries the injected clock (`now`) and calendar, which timers.py and the date functions
read, and collects `events` for the audit log during one step.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from copy import deepcopy
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from app.engine import expressions
from app.engine.calendar import WorkCalendar

# A service gets its evaluated parameters and a copy of the task data; what it returns (JSON-able dict or
# None) is stored in the task data under the operator's resultVariable.
Service = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any] | None]


class ServiceRegistry:
    """name -> Python function that a BPMN service task may call. BPMN can call nothing else."""

    def __init__(self, services: dict[str, Service] | None = None):
        self._services: dict[str, Service] = dict(services or {})

    def register(self, name: str, func: Service | None = None) -> Any:
        """`registry.register("notify", notify)` or as a decorator `@registry.register("notify")`."""
        if func is None:
            return lambda f: self.register(name, f)
        self._services[name] = func
        return func

    def get(self, name: str) -> Service | None:
        return self._services.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._services

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._services))


def all_tasks(workflow: Any) -> Iterator[Any]:
    """Every task of the workflow and its subprocesses (the dicts, not Spiff's depth-limited iterator)."""
    top = workflow.top_workflow
    yield from top.tasks.values()
    for sub in top.subprocesses.values():
        yield from sub.tasks.values()


class _SafeEnvironment(BasePythonScriptEngineEnvironment):
    """Used where Spiff bypasses the engine (process completion conditions, message correlation)."""

    def __init__(self, engine: SafeScriptEngine):
        super().__init__()
        self.engine = engine

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        names = {**(external_context or {}), **context}
        try:
            return expressions.evaluate(expression, names, self.engine.base_functions)
        except expressions.ExpressionError as exc:
            raise WorkflowException(f"表达式错误：{exc}") from None

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        raise WorkflowException("本平台不执行脚本")

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise WorkflowException("服务只能由服务任务调用")


class SafeScriptEngine(PythonScriptEngine):
    def __init__(self, *, now: datetime, calendar: WorkCalendar, services: ServiceRegistry):
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        super().__init__(environment=_SafeEnvironment(self))
        self.now = now
        self.calendar = calendar
        self.services = services
        self.events: list[dict[str, Any]] = []
        self.base_functions = expressions.standard_functions(now, calendar)

    def functions_for(self, task: Any) -> dict[str, Callable[..., Any]]:
        funcs = dict(self.base_functions)

        def visits(bpmn_id: str) -> int:
            # How many times a task has completed in this instance: lets a gateway bound a loop, e.g.
            # `decision == 'return' and visits('Task_review') <= 3` (ENGINE-NOTES: unbounded loops stall).
            return sum(
                1
                for t in all_tasks(task.workflow)
                if t.task_spec.name == bpmn_id and t.state == TaskState.COMPLETED
            )

        funcs["visits"] = visits
        return funcs

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        names = {**(external_context or {}), **task.data}
        try:
            return expressions.evaluate(expression, names, self.functions_for(task))
        except expressions.ExpressionError as exc:
            raise WorkflowTaskException(f"表达式错误：{exc}", task=task, exception=exc) from None

    def execute(self, task: Any, script: str, external_context: Any = None) -> bool:
        # Deploy-time validation refuses scripts; this is the second wall if one slips through.
        raise WorkflowTaskException("本平台不执行脚本（请改用服务任务）", task=task)

    def call_service(self, task: Any, **kwargs: Any) -> str:
        name = kwargs.get("operation_name", "")
        params = {key: p.get("value") for key, p in (kwargs.get("operation_params") or {}).items()}
        func = self.services.get(name)
        bpmn_id = task.task_spec.bpmn_id
        if func is None:
            raise WorkflowTaskException(f"服务“{name}”未注册", task=task)
        try:
            result = func(params, deepcopy(task.data))
            encoded = json.dumps(result, ensure_ascii=False)
        except Exception as exc:  # noqa: BLE001 - a failing service puts the task in ERROR, reported as such
            self.events.append(
                {"type": "service_failed", "name": name, "bpmn_id": bpmn_id, "error": repr(exc)}
            )
            raise WorkflowTaskException(f"服务“{name}”调用失败：{exc}", task=task, exception=exc) from None
        self.events.append(
            {
                "type": "service_called",
                "name": name,
                "bpmn_id": bpmn_id,
                "task_id": str(task.id),
                "params": params,
            }
        )
        return encoded
