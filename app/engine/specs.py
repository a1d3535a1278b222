"""Parse and validate BPMN process definitions; cache parsed specs by (key, version).

BPMN authoring convention (what a process file must follow to deploy):
- Exactly one `bpmn:process` with `isExecutable="true"`; its `id` is the process key (e.g. `demo_approval`).
- Lanes name roles: the lane `name` is a role code (`moe_reviewer`, `operator`, `dispatcher`,
  `department_handler`, `university_admin`, `student`, `process_admin`). Every user task sits in a lane.
- A user task carries `spiffworkflow:properties` (Spiff's own extension, exposed as
  `task_spec.extensions['properties']`):
    formKey   required. The form id; the file is `forms/<formKey>.json`.
    org       name of the instance-data field holding the id of the organisation whose members (with the
              lane's role) may act, e.g. `university_id`, `department_id`. Required for the org-scoped roles
              (`org_roles`, the caller's rule) unless `assignee` is set; optional (= every holder of the role)
              otherwise.
    assignee  name of the data field holding the one user id who may act (e.g. the complaint's student).
    due       expression giving the deadline, e.g. `working_days(3)`; evaluated when the task becomes ready.
    title     inbox title: literal text with `{expression}` placeholders, e.g. `审核：{get('name', '')}`.
              Default: the task's name.
  ```xml
  <bpmn:userTask id="Task_review" name="审核">
    <bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formKey" value="demo_review" />
      <spiffworkflow:property name="due" value="working_days(3)" />
    </spiffworkflow:properties></bpmn:extensionElements> ...
  ```
- Service tasks name a registered Python function: `<spiffworkflow:serviceTaskOperator id="notify"
  resultVariable="x">` with `<spiffworkflow:parameter id="..." type="str" value="expression"/>`.
- No script tasks, no pre/post scripts, no plain `bpmn:task`, no DMN, no `timeCycle`. Conditions, timer
  dates/durations (`working_days(3)`, `"PT72H"`) and parameters are expressions of expressions.py.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from app.engine import lint, timers
from app.errors import BpmnInvalid

MAX_BPMN_BYTES = 2 * 1024 * 1024
_SCHEMA_LOCK = threading.Lock()  # an lxml XMLSchema keeps one error_log: validate one document at a time


@dataclass(frozen=True)
class UserTaskInfo:
    bpmn_id: str
    name: str
    role: str
    form_key: str
    org_field: str | None = None
    assignee_field: str | None = None
    due: str | None = None
    title: str | None = None


@dataclass(frozen=True, eq=False)
class ProcessDef:
    key: str
    name: str
    content_hash: str
    xml: str
    user_tasks: Mapping[str, UserTaskInfo]
    services: frozenset[str]
    # Spiff objects: shared read-only by every workflow of this version (that is how Spiff uses specs).
    spec: Any = field(repr=False)
    subprocess_specs: Mapping[str, Any] = field(repr=False)


def normalize(xml: bytes | str) -> str:
    """The text we hash and store: UTF-8 without BOM, LF line endings, no surrounding whitespace."""
    if isinstance(xml, bytes):
        xml = xml.decode("utf-8-sig")
    return xml.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").strip() + "\n"


def content_hash(xml: bytes | str) -> str:
    return hashlib.sha256(normalize(xml).encode("utf-8")).hexdigest()


def _read_tree(text: str) -> Any:
    # No DTDs, no entity expansion, no network: a BPMN file is plain XML.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(text.encode("utf-8"), parser=parser)
    except etree.XMLSyntaxError as exc:
        raise BpmnInvalid([{"line": exc.lineno, "message": f"XML 格式错误：{exc.msg}"}]) from None
    if root.getroottree().docinfo.doctype:
        raise BpmnInvalid([{"line": 1, "message": "不允许 DOCTYPE 声明"}])
    if etree.QName(root).localname != "definitions" or etree.QName(root).namespace != lint.BPMN_NS:
        raise BpmnInvalid([{"line": root.sourceline, "message": "根元素必须是 bpmn:definitions"}])
    return root


def _schema_problems(root: Any) -> lint.Problems:
    problems = lint.Problems()
    with _SCHEMA_LOCK:
        VALIDATOR.preprocess(root)
        if not VALIDATOR.validator.validate(root):
            for err in VALIDATOR.validator.error_log:
                problems.add(err.line, f"不符合 BPMN 规范：{err.message}")
    return problems


def _line_of(root: Any, element_id: str | None) -> int | None:
    if not element_id:
        return None
    found = root.xpath("//*[@id=$id]", id=element_id)
    return found[0].sourceline if found else None


def _spiff_parse(root: Any, key: str) -> tuple[Any, dict[str, Any]]:
    # The schema was validated above with all errors collected, so Spiff's parser runs without it.
    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(etree.ElementTree(root), filename=f"{key}.bpmn")
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except ValidationException as exc:
        line = (
            exc.line_number if isinstance(exc.line_number, int) else _line_of(root, getattr(exc, "id", None))
        )
        raise BpmnInvalid([{"line": line, "message": f"流程无法解析：{exc}"}]) from None
    except Exception as exc:  # noqa: BLE001 - any parser failure is a bad file, reported, never a 500
        raise BpmnInvalid([{"line": None, "message": f"流程无法解析：{exc}"}]) from None
    timers.install([spec, *subprocess_specs.values()])
    return spec, subprocess_specs


def _user_tasks(specs: list[Any]) -> dict[str, UserTaskInfo]:
    infos: dict[str, UserTaskInfo] = {}
    for process_spec in specs:
        for task_spec in process_spec.task_specs.values():
            if not getattr(task_spec, "manual", False) or task_spec.bpmn_id is None:
                continue
            props = (getattr(task_spec, "extensions", None) or {}).get("properties", {})

            def prop(name: str, props: dict[str, str] = props) -> str | None:
                value = (props.get(name) or "").strip()
                return value or None

            infos[task_spec.bpmn_id] = UserTaskInfo(
                bpmn_id=task_spec.bpmn_id,
                name=task_spec.bpmn_name or task_spec.bpmn_id,
                role=task_spec.lane or "",
                form_key=prop("formKey") or "",
                org_field=prop("org"),
                assignee_field=prop("assignee"),
                due=prop("due"),
                title=prop("title"),
            )
    return infos


def _services(specs: list[Any]) -> frozenset[str]:
    return frozenset(
        ts.operation_name
        for s in specs
        for ts in s.task_specs.values()
        if getattr(ts, "operation_name", None)
    )


def parse_process(
    xml: bytes | str,
    *,
    known_roles: Collection[str],
    form_exists: Callable[[str], bool],
    service_exists: Callable[[str], bool],
    org_roles: Collection[str],
) -> ProcessDef:
    """Validate and parse one BPMN file. Raises BpmnInvalid listing every problem found (with lines)."""
    try:
        text = normalize(xml)
    except UnicodeDecodeError:
        raise BpmnInvalid([{"line": None, "message": "文件不是 UTF-8 编码"}]) from None
    if len(text.encode("utf-8")) > MAX_BPMN_BYTES:
        raise BpmnInvalid([{"line": None, "message": f"文件过大（上限 {MAX_BPMN_BYTES // 1024} KB）"}])
    root = _read_tree(text)
    problems = _schema_problems(root)
    problems += lint.lint(
        root,
        known_roles=set(known_roles),
        form_exists=form_exists,
        service_exists=service_exists,
        org_roles=set(org_roles),
    )
    if problems:
        raise BpmnInvalid(sorted(problems, key=lambda p: (p["line"] or 0, p["message"])))
    process = root.find(f"{{{lint.BPMN_NS}}}process[@isExecutable='true']")
    key = process.get("id")
    spec, subprocess_specs = _spiff_parse(root, key)
    all_specs = [spec, *subprocess_specs.values()]
    return ProcessDef(
        key=key,
        name=process.get("name") or key,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        xml=text,
        user_tasks=_user_tasks(all_specs),
        services=_services(all_specs),
        spec=spec,
        subprocess_specs=subprocess_specs,
    )


class SpecCache:
    """Parsed ProcessDefs by (key, version): parsing costs milliseconds, a cache hit nanoseconds.

    Thread-safe, least-recently-used eviction. Versions are immutable once deployed, so entries never go
    stale; `clear()` exists for tests and for a process admin's "reload".
    """

    def __init__(self, max_size: int = 256):
        self.max_size = max_size
        self._items: OrderedDict[tuple[str, Any], ProcessDef] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, version: Any) -> ProcessDef | None:
        with self._lock:
            proc = self._items.get((key, version))
            if proc is not None:
                self._items.move_to_end((key, version))
            return proc

    def put(self, key: str, version: Any, proc: ProcessDef) -> None:
        with self._lock:
            self._items[(key, version)] = proc
            self._items.move_to_end((key, version))
            while len(self._items) > self.max_size:
                self._items.popitem(last=False)

    def get_or_load(self, key: str, version: Any, load: Callable[[], ProcessDef]) -> ProcessDef:
        """Return the cached spec or call `load()` (typically parse_process on the stored XML) and keep it."""
        proc = self.get(key, version)
        if proc is None:
            proc = load()  # parsed outside the lock: two threads may parse once each, both results are equal
            self.put(key, version, proc)
        return proc

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
