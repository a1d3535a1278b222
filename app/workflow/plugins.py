"""What a domain plugs into the workflow core, and the registry the factory fills.

The core never names a domain: `create_app` installs each domain's `plugin.Plugin` record, and the core
asks this registry for a service task by name, the extra checks of a form, the periodic scans, the rule
that decides who sees a case, the pages and the API endpoints. A domain lists all of that in one
`plugin.py`, so a reader sees in one file everything the domain hooks into."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Blueprint, Flask

    from app.models import HumanTask, ProcessInstance, User
    from app.workflow.service_tasks import StepContext

ServiceTask = Callable[["StepContext", dict[str, Any], dict[str, Any]], "dict[str, Any] | None"]
# Raises ValidationFailed (with field messages) when a task's cleaned data does not fit the case.
FormCheck = Callable[["HumanTask", dict[str, Any]], None]
# A periodic check run after the timers on every scheduler round: counts of what it did.
Scanner = Callable[[datetime], "dict[str, int] | int"]
# Whether a user may see an instance of a process whose cases decide that themselves.
CaseRule = Callable[["User", "ProcessInstance"], bool]
# The case summary a task page shows: (label, text) rows written for people (app/workflow/summary.py).
CaseSummary = Callable[["ProcessInstance"], list[tuple[str, str]]]


@dataclass(frozen=True)
class Plugin:
    name: str
    service_tasks: Mapping[str, ServiceTask] = field(default_factory=dict)
    form_checks: Mapping[str, FormCheck] = field(default_factory=dict)  # form key → check
    scanners: Sequence[Scanner] = ()
    case_rules: Mapping[str, CaseRule] = field(default_factory=dict)  # process key → rule
    case_summaries: Mapping[str, CaseSummary] = field(default_factory=dict)  # process key → summary
    pages: Sequence[Blueprint] = ()  # Flask blueprints of server-rendered pages
    api: Sequence[Blueprint] = ()  # flask-smorest blueprints under /api/v1
    init_app: Callable[[Flask], None] | None = None  # template filters, session hooks


_installed: dict[str, Plugin] = {}


def install(plugin: Plugin) -> None:
    """Idempotent (the tests build many apps in one process): a plugin replaces its namesake."""
    for other in _installed.values():
        if other.name == plugin.name:
            continue
        for kind in ("service_tasks", "form_checks", "case_rules", "case_summaries"):
            taken = set(getattr(other, kind)) & set(getattr(plugin, kind))
            if taken:
                raise ValueError(f"{plugin.name} and {other.name} both register {kind} {sorted(taken)}")
    _installed[plugin.name] = plugin


def installed() -> list[Plugin]:
    return list(_installed.values())


def service_tasks() -> dict[str, ServiceTask]:
    return {name: func for p in _installed.values() for name, func in p.service_tasks.items()}


def form_check(form_key: str) -> FormCheck | None:
    for plugin in _installed.values():
        if form_key in plugin.form_checks:
            return plugin.form_checks[form_key]
    return None


def scanners() -> list[Scanner]:
    return [scan for p in _installed.values() for scan in p.scanners]


def case_rule(process_key: str) -> CaseRule | None:
    for plugin in _installed.values():
        if process_key in plugin.case_rules:
            return plugin.case_rules[process_key]
    return None


def case_summary(process_key: str) -> CaseSummary | None:
    for plugin in _installed.values():
        if process_key in plugin.case_summaries:
            return plugin.case_summaries[process_key]
    return None
