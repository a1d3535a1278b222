"""The case summary a task page and an instance page show: rows written for people (labels in
Chinese, names instead of ids, Beijing times), never an internal key.

A domain's plugin provides the summary of its processes (`Plugin.case_summaries`, process key →
function); a process without one gets the generic summary: the organisation it belongs to and the
fields of its forms, each under its form title. Ids, service-task results, private fields and engine
bookkeeping are not shown. The helpers here (times, names, form fields) are what the domains' summaries
are built from."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.core import clock, lookups
from app.workflow import forms, instances, plugins

if TYPE_CHECKING:
    from app.models import ProcessInstance

Row = tuple[str, str]
Labels = dict[str, tuple[str, dict[str, str]]]  # field -> (title, {value: label})
FILE = "\x00file"  # marks a file field in Labels
# Organisation ids the processes keep in their data (routing), shown by name.
ORG_FIELDS = {"university_id": "所属高校", "department_id": "承办部门", "task_org_id": "办理单位"}
DECISIONS = {"approve": "通过", "reject": "不通过", "return": "退回修改"}
EMPTY = "—"


def field_labels(form_keys: Iterable[str | None]) -> Labels:
    """Titles and choice labels of the fields of these forms (unknown or broken forms skipped).
    File fields get the choice map {FILE: "1"}, so their stored ids show as file names."""
    out: Labels = {}
    for key in dict.fromkeys(k for k in form_keys if k):
        try:
            schema = forms.load(key)
        except (forms.UnknownForm, forms.FormDefinitionError):
            continue
        for name, prop in schema.get("properties", {}).items():
            ui = prop.get("x-ui") or {}
            choices = {FILE: "1"} if forms.widget(prop) == "file" else dict(ui.get("labels") or {})
            out.setdefault(name, (prop.get("title") or name, choices))
    return out


def file_ids(data: dict[str, Any] | None, labels: Labels) -> list[int]:
    """The stored-file ids in file fields of `data`, to look their names up in one query."""
    ids: list[int] = []
    for name, value in (data or {}).items():
        if FILE in labels.get(name, ("", {}))[1]:
            ids += [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, int)]
    return ids


def show_value(value: Any, choices: dict[str, str] | None = None) -> str:
    choices = choices or {}
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(show_value(v, choices) for v in value) or EMPTY
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if str(value) in choices:
        return choices[str(value)]
    return when(value) if _is_time(value) else str(value)


def _is_time(value: Any) -> bool:
    return isinstance(value, str) and len(value) > 10 and value[4:5] == "-" and value[10:11] == "T" \
        and _parse(value) is not None


def _parse(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def when(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time (ISO text or datetime, naive meaning UTC) in Beijing time."""
    moment = _parse(value) if value else None
    if moment is None:
        return EMPTY if not value else str(value)
    return clock.as_utc(moment).astimezone(clock.SHANGHAI).strftime(fmt)


def day(value: Any) -> str:
    return when(value, "%Y-%m-%d")


def org_name(value: Any) -> str:
    return lookups.org_names([value]).get(value, EMPTY) if value else EMPTY


def university(data: dict[str, Any]) -> str:
    """The case's university: by name from its id, else the name the case carries."""
    if data.get("university_id"):
        return org_name(data["university_id"])
    return str(data.get("university_name") or EMPTY)


def user_name(value: Any) -> str:
    if not isinstance(value, int) or isinstance(value, bool):
        return EMPTY
    return lookups.user_names([value]).get(value, EMPTY)


def labels_of(instance: ProcessInstance) -> Labels:
    return field_labels(t.form_key for t in instances.all_tasks(instance))


def form_rows(instance: ProcessInstance, labels: Labels | None = None, skip: Iterable[str] = ()) -> list[Row]:
    """The instance's fields that a form of the process filled, under the form's titles: choices by
    their labels, organisations and files by name; fields no form names (ids, bookkeeping) are left out."""
    labels = labels_of(instance) if labels is None else labels
    data = instances.visible_data(instance)
    skipped = set(skip)
    files = lookups.file_names(file_ids(data, labels))
    orgs = lookups.org_names(v for k, v in data.items() if k in ORG_FIELDS)
    rows = []
    for name, value in data.items():
        if name in skipped or name not in labels or isinstance(value, dict):
            continue
        title, choices = labels[name]
        if name in ORG_FIELDS:
            rows.append((title, orgs.get(value, EMPTY) if value else EMPTY))
            continue
        if FILE in choices:
            choices = {str(k): v for k, v in files.items()}
        elif name == "decision":
            choices = {**DECISIONS, **choices}
        rows.append((title, show_value(value, choices)))
    return rows


def rows(pairs: Iterable[tuple[str, str | None]]) -> list[Row]:
    """Summary rows, leaving out what a case does not have."""
    return [(label, text) for label, text in pairs if text not in (None, "", EMPTY)]


def generic(instance: ProcessInstance) -> list[Row]:
    """The organisations the case belongs to and its form fields: what a process without its own
    summary shows."""
    labels = labels_of(instance)
    data = instances.visible_data(instance)
    head = [(label, org_name(data.get(key))) for key, label in ORG_FIELDS.items() if key not in labels]
    return rows(head) + form_rows(instance, labels)


def case_summary(instance: ProcessInstance) -> list[Row]:
    summary = plugins.case_summary(instance.process_key)
    return summary(instance) if summary else generic(instance)
