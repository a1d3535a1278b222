"""Workflow state <-> BpmnWorkflow.

The stored state is a JSON-able dict (an "envelope"):
    {"format": STATE_FORMAT, "spiff": "1.5", "process": key, "content_hash": ..., "cancelled": bool,
     "workflow": <Spiff's workflow dict without "spec"/"subprocess_specs">}
The specs are left out (ENGINE-NOTES: they are half of a small instance) and put back, as the already
parsed objects of the cached ProcessDef, on load. The content hash ties a state to the exact BPMN version
it started on; loading it with another version is refused.

Security: NEVER accept state from a client. Only this platform's own database writes it. Spiff's format
migrations evaluate fields of old-format JSON (ENGINE-NOTES: a crafted blob ran a command), so `load`
refuses any Spiff version other than the one we write and never calls the migration code; and the
script engine is not serialized, so it is re-attached on every load (else Spiff silently falls back to
plain eval/exec).
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SPIFF_VERSION
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from app.engine import timers
from app.engine.specs import ProcessDef

STATE_FORMAT = 1  # bump when the envelope changes; add an upgrade step in `load` for the old number


class _WorkflowWithoutSpecs(BpmnWorkflowConverter):
    """Spiff's workflow converter minus the specs. The stored state leaves them out anyway (they are put
    back from the cached ProcessDef on load); Spiff's own converter would convert the whole spec tree on
    every dump only for us to drop it: ~60 % of a dump (issue #8)."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct


# Spiff's configuration with our clocked timers and the spec-less workflow converter (the benchmark's
# engine floor serializes with it too: the floor is not charged for work the app does not do).
CONFIG = deepcopy(SPIFF_CONFIG)
CONFIG[timers.ClockedTimeDateEventDefinition] = TimerConditionalEventDefinitionConverter
CONFIG[timers.ClockedDurationTimerEventDefinition] = TimerConditionalEventDefinitionConverter
CONFIG[BpmnWorkflow] = _WorkflowWithoutSpecs
_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(CONFIG))


class StateError(ValueError):
    """Stored state cannot be loaded with this process definition (wrong version, corrupt, foreign)."""


def dump(workflow: BpmnWorkflow, proc: ProcessDef, *, cancelled: bool = False) -> dict[str, Any]:
    dct = _SERIALIZER.to_dict(workflow)
    return {
        "format": STATE_FORMAT,
        "spiff": SPIFF_VERSION,
        "process": proc.key,
        "content_hash": proc.content_hash,
        "cancelled": cancelled,
        "workflow": dct,
    }


def load(state: dict[str, Any], proc: ProcessDef, script_engine: Any) -> BpmnWorkflow:
    """Rebuild the workflow from our own stored state and attach `script_engine` (the safe one)."""
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise StateError("unknown state format")
    if state.get("spiff") != SPIFF_VERSION:
        raise StateError(
            f"state written by Spiff serializer {state.get('spiff')!r}, expected {SPIFF_VERSION}"
        )
    if state.get("process") != proc.key or state.get("content_hash") != proc.content_hash:
        raise StateError("state belongs to another process version")
    # Copy what Spiff's converters pop from, so the caller's dict is left as it was.
    dct = dict(state["workflow"])
    dct["subprocesses"] = dict(dct.get("subprocesses", {}))
    dct["spec"] = proc.spec  # already-parsed objects pass through the registry's restore untouched
    dct["subprocess_specs"] = dict(proc.subprocess_specs)
    try:
        workflow = _SERIALIZER.from_dict(dct)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StateError(f"corrupt workflow state: {exc!r}") from None
    workflow.script_engine = script_engine
    return workflow


def is_cancelled(state: dict[str, Any]) -> bool:
    return bool(state.get("cancelled"))
