"""Run a BPMN process without Flask or a database: for flow tests.

    flow = ProcessRunner("workflows/demo_approval.bpmn", now=datetime(2024, 9, 27, 10, tzinfo=TZ))
    flow.start({"university_id": 7})
    flow.complete("Task_submit", {"project_name": "X"})
    flow.advance(to=datetime(2024, 10, 8, 17, 30, tzinfo=TZ))   # fires due timers
    assert flow.calls == [("notify", {...})]

Every step goes through JSON and back, as a web request does with the stored state, so a flow test also
proves the state survives serialization. Services default to recorders for every service the BPMN names.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from app.engine import runner
from app.engine.calendar import TZ, WorkCalendar
from app.engine.runner import ReadyTask, StepResult
from app.engine.script_engine import Service, ServiceRegistry
from app.engine.specs import ProcessDef, parse_process

# The platform's roles and org-scoped roles (core.roles; the engine imports no app code), for BPMN files
# checked outside the app. tests/engine/test_specs.py holds the two equal.
DEFAULT_ORG_ROLES = frozenset({"university_admin", "dispatcher", "department_handler", "student"})
DEFAULT_ROLES = frozenset(
    {
        "moe_reviewer",
        "operator",
        "dispatcher",
        "department_handler",
        "university_admin",
        "student",
        "process_admin",
    }
)


class ProcessRunner:
    def __init__(
        self,
        path: str | Path,
        *,
        now: datetime | None = None,
        calendar: WorkCalendar | None = None,
        services: Mapping[str, Service] | None = None,
        known_roles: Collection[str] = DEFAULT_ROLES,
        org_roles: Collection[str] = DEFAULT_ORG_ROLES,
        forms_dir: str | Path | None = None,
    ):
        path = Path(path)
        forms = Path(forms_dir) if forms_dir else path.resolve().parent.parent / "forms"
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.proc: ProcessDef = parse_process(
            path.read_bytes(),
            known_roles=set(known_roles),
            org_roles=set(org_roles),
            form_exists=lambda key: not forms.is_dir() or (forms / f"{key}.json").is_file(),
            service_exists=lambda name: services is None or name in services,
        )
        self.services = ServiceRegistry()
        for name in self.proc.services:
            self.services.register(name, self._recorder(name, (services or {}).get(name)))
        self.now = now or datetime.now(TZ)
        self.calendar = calendar or WorkCalendar()
        self.state: dict[str, Any] | None = None
        self.result: StepResult | None = None
        self.events: list[dict[str, Any]] = []

    def _recorder(self, name: str, func: Service | None) -> Service:
        def call(params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any] | None:
            self.calls.append((name, params))
            return func(params, data) if func else None

        return call

    def _keep(self, result: StepResult) -> StepResult:
        self.state = json.loads(json.dumps(result.state, ensure_ascii=False))  # what the DB would hold
        self.result = result
        self.events.extend(result.events)
        return result

    @property
    def _kw(self) -> dict[str, Any]:
        return {"now": self.now, "calendar": self.calendar, "services": self.services}

    @property
    def status(self) -> str:
        return self.result.status if self.result else "new"

    @property
    def data(self) -> dict[str, Any]:
        return self.result.data if self.result else {}

    def start(self, data: Mapping[str, Any] | None = None) -> StepResult:
        return self._keep(runner.start(self.proc, dict(data or {}), **self._kw))

    def ready(self, bpmn_id: str | None = None) -> list[ReadyTask]:
        tasks = self.result.ready_tasks if self.result else []
        return [t for t in tasks if bpmn_id is None or t.bpmn_id == bpmn_id]

    def complete(
        self, bpmn_id: str, data: Mapping[str, Any] | None = None, *, now: datetime | None = None
    ) -> StepResult:
        """Complete the one ready task with this bpmn id (AssertionError if there is none or several)."""
        if now is not None:
            self.now = now
        matches = self.ready(bpmn_id)
        ready_ids = [t.bpmn_id for t in self.ready()]
        assert len(matches) == 1, f"expected one ready {bpmn_id}, ready: {ready_ids}"
        assert self.state is not None
        return self._keep(
            runner.complete_task(self.proc, self.state, matches[0].task_id, dict(data or {}), **self._kw)
        )

    def advance(self, to: datetime) -> StepResult:
        """Move the clock to `to` and fire every timer due by then."""
        assert self.state is not None
        self.now = to
        return self._keep(runner.fire_timers(self.proc, self.state, **self._kw))

    def cancel(self) -> StepResult:
        assert self.state is not None
        return self._keep(runner.cancel(self.proc, self.state, now=self.now))

    def highlight(self) -> dict[str, list[str]]:
        assert self.state is not None
        return runner.highlight(self.proc, self.state)
