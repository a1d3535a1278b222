"""Timer event definitions that read the injected clock instead of the wall clock.

Spiff's timers call `datetime.now()` directly (ENGINE-NOTES: nothing fires by itself, tests need time
travel). Ours read `workflow.script_engine.now`, which the runner sets to the `now` it was given, so
`fire_timers(now=...)` is deterministic and a test can step through time without sleeping or patching.
`install()` swaps the classes of the parsed definitions in place (the subclasses add behaviour, no state);
the serializer registers converters for them.

Cycle timers (timeCycle) are refused at deploy time (specs.py): Spiff's cycle code reads the wall clock in
several places and reminders are modelled with non-interrupting date/duration timers instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)

from app.engine.calendar import TZ


def clock(my_task: Any) -> datetime:
    now = getattr(my_task.workflow.script_engine, "now", None)
    return now if isinstance(now, datetime) else datetime.now(UTC)


def due_at(value: str) -> datetime:
    """Parse a stored timer value (an ISO date-time) as an aware datetime.

    A value without an offset means Asia/Shanghai time (Spiff would use the server's zone, ENGINE-NOTES).
    """
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=TZ)


class ClockedTimeDateEventDefinition(TimeDateEventDefinition):
    def has_fired(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            if isinstance(event_value, datetime):
                event_value = event_value.isoformat()
            due_at(event_value)  # fail now, on a bad value, rather than at every later refresh
            my_task._set_internal_data(event_value=event_value)
        if due_at(event_value) <= clock(my_task):
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class ClockedDurationTimerEventDefinition(DurationTimerEventDefinition):
    def has_fired(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            parsed = TimerEventDefinition.parse_iso_duration(expression)
            start = clock(my_task)
            event_value = (start + TimerEventDefinition.get_timedelta_from_start(parsed, start)).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if due_at(event_value) <= clock(my_task):
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


_SWAP = {
    TimeDateEventDefinition: ClockedTimeDateEventDefinition,
    DurationTimerEventDefinition: ClockedDurationTimerEventDefinition,
}


def _swap(definition: Any) -> None:
    if isinstance(definition, MultipleEventDefinition):
        for inner in definition.event_definitions:
            _swap(inner)
    elif type(definition) in _SWAP:
        definition.__class__ = _SWAP[type(definition)]


def install(process_specs: Iterable[Any]) -> None:
    """Make every timer in these process specs use the injected clock."""
    for process_spec in process_specs:
        for task_spec in process_spec.task_specs.values():
            definition = getattr(task_spec, "event_definition", None)
            if definition is not None:
                _swap(definition)
