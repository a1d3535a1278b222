"""Deploying and finding BPMN process definitions, versioned by content hash."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.config import ROOT
from app.core import audit, roles
from app.core.unit_of_work import use_case
from app.engine.specs import ProcessDef, SpecCache, parse_process
from app.errors import BpmnInvalid, NotVisible
from app.extensions import db
from app.models import ROLES, ProcessDefinition
from app.workflow import forms, service_tasks

WORKFLOWS_DIR = ROOT / "workflows"
_cache = SpecCache()


def parse(xml: bytes | str) -> ProcessDef:
    """Validate a BPMN document against this installation: its roles, forms and service functions."""
    return parse_process(xml, known_roles=ROLES, org_roles=roles.ORG_SCOPED_ROLES, form_exists=_form_usable,
                         service_exists=service_tasks.exists)


def _form_usable(key: str) -> bool:
    """A form key deploys only when its file exists and is a well-formed form definition."""
    return forms.exists(key) and not forms.check(key)


@use_case
def deploy(xml: bytes | str, *, actor_id: int | None = None) -> tuple[ProcessDefinition, bool]:
    """Store the process as the next version of its key, unless this exact content is deployed already.

    Returns (definition, created). Raises BpmnInvalid with line-numbered reasons."""
    proc = parse(xml)
    existing = db.session.scalar(select(ProcessDefinition).where(
        ProcessDefinition.key == proc.key, ProcessDefinition.content_hash == proc.content_hash))
    if existing is not None:
        return existing, False
    latest = db.session.scalar(
        select(func.max(ProcessDefinition.version)).where(ProcessDefinition.key == proc.key)) or 0
    definition = ProcessDefinition(key=proc.key, version=latest + 1, name=proc.name,
                                   content_hash=proc.content_hash, bpmn_xml=proc.xml, deployed_by=actor_id)
    db.session.add(definition)
    db.session.flush()
    _cache.put(definition.key, definition.version, proc)
    audit.record("process.deployed", "process", f"{proc.key}:{definition.version}", actor_id=actor_id,
                 key=proc.key, version=definition.version, content_hash=proc.content_hash)
    return definition, True


@dataclass
class DeployReport:
    path: Path
    key: str | None = None
    version: int | None = None
    created: bool = False
    problems: list[dict] | None = None


def deploy_path(path: Path, *, actor_id: int | None = None) -> list[DeployReport]:
    """Deploy one .bpmn file or every .bpmn file of a folder. Valid files deploy even when another
    file of the folder is invalid; each report says which."""
    files = sorted(path.glob("*.bpmn")) if path.is_dir() else [path]
    reports = []
    for file in files:
        report = DeployReport(path=file)
        try:
            definition, report.created = deploy(file.read_bytes(), actor_id=actor_id)
        except BpmnInvalid as exc:
            report.problems = exc.problems
        else:
            report.key, report.version = definition.key, definition.version
        reports.append(report)
    return reports


def definition_for(key: str, version: int | None = None) -> ProcessDefinition:
    """A deployed version (the newest when `version` is None); NotVisible when there is none."""
    query = select(ProcessDefinition).where(ProcessDefinition.key == key)
    if version is not None:
        query = query.where(ProcessDefinition.version == version)
    definition = db.session.scalar(query.order_by(ProcessDefinition.version.desc()).limit(1))
    if definition is None:
        raise NotVisible("流程不存在")
    return definition


def spec_of(definition: ProcessDefinition) -> ProcessDef:
    """The parsed spec of a stored version (parsed once per process, then cached).

    A deployed version was validated when it was deployed; reloading it must not depend on today's
    forms and services, or removing a form would strand every running instance of an old version."""
    return _cache.get_or_load(definition.key, definition.version, lambda: parse_process(
        definition.bpmn_xml, known_roles=ROLES, org_roles=roles.ORG_SCOPED_ROLES, form_exists=lambda _: True,
        service_exists=lambda _: True))


def spec_of_instance(instance: Any) -> ProcessDef:
    """The parsed spec an instance runs on. Performance: a cache hit by the instance's own
    (process_key, process_version) columns avoids loading its definition row (with the whole BPMN
    XML) on every step; on a miss, as before, through the definition."""
    proc = _cache.get(instance.process_key, instance.process_version)
    return proc if proc is not None else spec_of(instance.definition)


def latest_versions() -> list[ProcessDefinition]:
    newest = (select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("version"))
              .group_by(ProcessDefinition.key).subquery())
    return list(db.session.scalars(
        select(ProcessDefinition).join(newest, (ProcessDefinition.key == newest.c.key)
                                       & (ProcessDefinition.version == newest.c.version))
        .order_by(ProcessDefinition.key)))


def names() -> dict[str, str]:
    """Process key -> the name of its newest version."""
    return {d.key: d.name for d in latest_versions()}


def versions_of(key: str) -> list[ProcessDefinition]:
    return list(db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key)
                                   .order_by(ProcessDefinition.version.desc())))
