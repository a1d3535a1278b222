"""What a form is: the file `forms/<key>.json`, loading and checking it, and reading its fields."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from app import config
from app.core import uploads
from app.errors import NotVisible
from app.workflow import form_choices

KEY_RE = re.compile(r"^[a-z0-9_]{1,100}$")
FORM_ERROR_KEY = "data"  # errors about the form as a whole (the API's `data` object)
WIDGETS = {"text", "textarea", "number", "date", "select", "radio", "multiselect", "checkbox", "file",
           "email", "tel"}
TRUE = {"on", "true", "1", "yes", "y"}
FALSE = {"off", "false", "0", "no", "n"}
MESSAGE = "请按提示修改"


class UnknownForm(NotVisible):
    """表单不存在"""


class FormDefinitionError(ValueError):
    """A form file is broken: a bug in the deployment, not in the caller's input."""


_cache: dict[Path, tuple[int, int, dict[str, Any]]] = {}


def forms_dir() -> Path:
    configured = current_app.config.get("FORMS_DIR") if has_app_context() else None
    return Path(configured) if configured else config.ROOT / "forms"


def _path(key: str) -> Path | None:
    if not isinstance(key, str) or not KEY_RE.fullmatch(key):
        return None
    return forms_dir() / f"{key}.json"


def exists(key: str) -> bool:
    path = _path(key)
    return path is not None and path.is_file()


def load(key: str) -> dict[str, Any]:
    """The form's schema (a fresh copy), re-read when the file changes."""
    path = _path(key)
    try:
        stat = path.stat() if path else None
    except OSError:
        stat = None
    if path is None or stat is None:
        raise UnknownForm(f"表单 {key} 不存在")
    cached = _cache.get(path)
    if cached is None or cached[:2] != (stat.st_mtime_ns, stat.st_size):
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise FormDefinitionError(f"forms/{key}.json: {exc}") from exc
        found = problems(schema)
        if found:
            raise FormDefinitionError(f"forms/{key}.json: " + "; ".join(found))
        cached = (stat.st_mtime_ns, stat.st_size, schema)
        _cache[path] = cached
    return copy.deepcopy(cached[2])


def problems(schema: Any) -> list[str]:
    """What is wrong with a form definition (empty when usable); for deploy-time checks."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return [f"not a valid JSON Schema: {exc.message}"]
    if not isinstance(schema, dict) or schema.get("type") != "object" \
            or not isinstance(schema.get("properties"), dict):
        return ['a form is {"type": "object", "properties": {...}}']
    found: list[str] = []
    props = schema["properties"]
    for name, prop in props.items():
        ui = prop.get("x-ui", {}) if isinstance(prop, dict) else {}
        if not isinstance(prop, dict) or not isinstance(ui, dict):
            found.append(f"{name}: property and its x-ui must be objects")
            continue
        if widget(prop) not in WIDGETS:
            found.append(f"{name}: unknown widget {ui.get('widget')!r}")
        if ui.get("choices") and not form_choices.known(ui["choices"]):
            found.append(f"{name}: no choices resolver named {ui['choices']!r}")
        if widget(prop) == "file":
            try:
                if not uploads.kinds_for(ui.get("accept") or []):
                    found.append(f"{name}: a file field needs x-ui.accept")
            except ValueError as exc:
                found.append(f"{name}: {exc}")
    order = schema.get("x-ui", {}).get("order", [])
    found += [f"x-ui.order names {n!r}, which is not a property" for n in order if n not in props]
    return found


def check(key: str) -> list[str]:
    """Problems of `forms/<key>.json` for the BPMN deploy check (a missing file is one)."""
    try:
        load(key)
    except UnknownForm:
        return [f"forms/{key}.json 不存在"]
    except FormDefinitionError as exc:
        return [str(exc)]
    return []


# ---------------------------------------------------------------- schema helpers

def field_type(prop: Mapping[str, Any]) -> str | None:
    t = prop.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    return t


def widget(prop: Mapping[str, Any]) -> str:
    """The widget a property shows as: `x-ui.widget`, else inferred from type/format/enum."""
    ui = prop.get("x-ui") or {}
    if ui.get("widget"):
        return str(ui["widget"])
    t = field_type(prop)
    if t == "boolean":
        return "checkbox"
    if t == "array":
        return "multiselect"
    if "enum" in prop or ui.get("choices"):
        return "select"
    if t in ("integer", "number"):
        return "number"
    if prop.get("format") in ("date", "email"):
        return str(prop["format"])
    return "textarea" if int(prop.get("maxLength") or 0) > 500 else "text"


def is_multiple(prop: Mapping[str, Any]) -> bool:
    return field_type(prop) == "array"


def ordered(schema: Mapping[str, Any]) -> list[str]:
    """Property names in `x-ui.order`, then any the order leaves out, in file order."""
    props = schema.get("properties", {})
    order = [n for n in schema.get("x-ui", {}).get("order", []) if n in props]
    return order + [n for n in props if n not in order]


def for_api(key: str, context: dict[str, Any] | None) -> dict[str, Any]:
    """The JSON Schema a task's `form` shows, with choices from data filled into `enum` and
    `x-ui.labels` (label keys are the values as strings)."""
    schema = load(key)
    for prop in schema["properties"].values():
        ui = prop.get("x-ui") or {}
        if ui.get("choices"):
            options = form_choices.resolve(ui["choices"], context)
            target = prop.setdefault("items", {}) if is_multiple(prop) else prop
            target["enum"] = [value for value, _ in options]
            ui["labels"] = {str(value): label for value, label in options}
            prop["x-ui"] = ui
    return schema
