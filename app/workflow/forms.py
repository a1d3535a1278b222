"""Task forms: one JSON Schema file, `forms/<key>.json`, drives the HTML form, the API's `form`
field and server-side validation.

Conventions (draft 2020-12): `title` is the Chinese label; `x-ui` per property holds UI hints
{widget, labels, rows, placeholder, help, choices, accept, maxBytes}; the top-level `x-ui` holds
{order, submitLabel}. `x-ui.choices` names a resolver in `form_choices` whose values become `enum`.
A file field is an integer `StoredFile` id (or an array of them) with `x-ui.widget == "file"`.

`context` is a plain dict the choices resolvers read (`university_id` …). Which uploaded files a
file field may name is NOT taken from it (callers merge instance data into it): pass the acting
user as `actor_id` / `actor_org_id`; files they uploaded, or their organisation did, are allowed.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError, ValidationError, best_match
from sqlalchemy import select

from app import config
from app.core import uploads
from app.errors import NotVisible, ValidationFailed
from app.extensions import db
from app.models import StoredFile
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


# ---------------------------------------------------------------- loading

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

def _type(prop: Mapping[str, Any]) -> str | None:
    t = prop.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    return t


def widget(prop: Mapping[str, Any]) -> str:
    """The widget a property shows as: `x-ui.widget`, else inferred from type/format/enum."""
    ui = prop.get("x-ui") or {}
    if ui.get("widget"):
        return str(ui["widget"])
    t = _type(prop)
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


def _multiple(prop: Mapping[str, Any]) -> bool:
    return _type(prop) == "array"


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
            target = prop.setdefault("items", {}) if _multiple(prop) else prop
            target["enum"] = [value for value, _ in options]
            ui["labels"] = {str(value): label for value, label in options}
            prop["x-ui"] = ui
    return schema


# ---------------------------------------------------------------- validation

FORMATS = FormatChecker(formats=())
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


@FORMATS.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    return not isinstance(value, str) or bool(DATE_RE.match(value) and date.fromisoformat(value))


@FORMATS.checks("email")
def _is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(EMAIL_RE.match(value))


FORMAT_MESSAGES = {"date": "请填写有效日期 (YYYY-MM-DD)", "email": "请填写有效的电子邮箱地址"}
TYPE_MESSAGES = {"integer": "请填写整数", "number": "请填写数字", "string": "请填写文字",
                 "boolean": "请选择是或否", "array": "请选择一项或多项", "object": "格式不正确"}


def validate(
    key: str,
    data: Any,
    context: dict[str, Any] | None,
    *,
    from_html: bool = False,
    files: Mapping[str, int | list[int]] | None = None,
    errors: Mapping[str, list[str]] | None = None,
    actor_id: int | None = None,
    actor_org_id: int | None = None,
    partial: bool = False,
) -> dict[str, Any]:
    """The cleaned data: only declared properties, coerced from strings when `from_html`.

    `partial` checks a draft: every given field must be valid, but nothing is required yet.

    API data with an undeclared field is refused (form data becomes workflow variables, so a
    pre-set `decision` must never slip through); HTML posts just ignore unknown keys (csrf_token).
    `files`: ids `files_from_request` stored for this post; `errors`: its errors, merged in.
    File ids must belong to `actor_id` / `actor_org_id` (or be in `files`).
    Raises ValidationFailed("请按提示修改", fields={name: [消息]}).
    """
    schema = for_api(key, context)
    props: dict[str, Any] = schema["properties"]
    if from_html:
        cleaned = _from_html(props, data)
        for name, ids in (files or {}).items():
            if name in props:
                kept = cleaned.get(name, []) if _multiple(props[name]) else []
                cleaned[name] = list(dict.fromkeys([*kept, *ids])) if isinstance(ids, list) else ids
    elif isinstance(data, Mapping):
        cleaned = {k: v for k, v in data.items() if v is not None}  # null means "not given"
    else:
        raise ValidationFailed(MESSAGE, fields={FORM_ERROR_KEY: ["表单数据须为 JSON 对象"]})
    if not partial:  # a property left out takes the form's `default` (e.g. complaint_answer's action)
        cleaned = {**{n: copy.deepcopy(p["default"]) for n, p in props.items() if "default" in p}, **cleaned}
    fields: dict[str, list[str]] = {}
    mistyped: set[str] = set()  # a wrong type says it all: "请填写整数", not also "不能小于 1"
    strict = {**schema, "additionalProperties": False}
    if partial:
        strict = _without_required(strict)
    for error in Draft202012Validator(strict, format_checker=FORMATS).iter_errors(cleaned):
        for name, message in _explain(error, props):
            if error.validator == "type" and name not in mistyped:
                mistyped.add(name)
                fields[name] = []
            elif name in mistyped:
                continue
            if message not in fields.setdefault(name, []):
                fields[name].append(message)
    _check_files(props, cleaned, _Access(actor_id, actor_org_id, _ids(files)), fields)
    fields.update({name: list(msgs) for name, msgs in (errors or {}).items() if msgs})
    if fields:
        raise ValidationFailed(MESSAGE, fields=fields)
    return cleaned


def _without_required(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The schema with every `required` (also inside if/then/else) removed: a draft's rules."""
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "required":
            continue
        out[key] = _without_required(value) if isinstance(value, Mapping) and key in {
            "if", "then", "else"} else value
    return out


def _strings(data: Any, name: str) -> list[str]:
    if hasattr(data, "getlist"):
        raw = data.getlist(name)
    else:
        value = data.get(name) if isinstance(data, Mapping) else None
        raw = [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]
    return [("true" if v else "false") if isinstance(v, bool) else str(v) for v in raw]


def _coerce(text: str, t: str | None) -> Any:
    """A string from an HTML form as the JSON type; left as is when it does not parse, so the
    validator reports a type error the user understands."""
    if t == "integer" and re.fullmatch(r"[+-]?\d{1,18}", text):
        return int(text)
    if t == "number" and len(text) <= 40:
        if re.fullmatch(r"[+-]?\d{1,18}", text):
            return int(text)
        try:
            number = float(text)
        except ValueError:
            return text
        return number if math.isfinite(number) else text
    if t == "boolean" and text.lower() in TRUE | FALSE:
        return text.lower() in TRUE
    return text


def _from_html(props: Mapping[str, Any], data: Any) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name, prop in props.items():
        raw = [s.replace("\r\n", "\n").strip() for s in _strings(data, name)]
        if widget(prop) == "checkbox" and _type(prop) == "boolean":
            cleaned[name] = any(s.lower() in TRUE for s in raw)  # an unticked box sends nothing
        elif _multiple(prop):
            items = [_coerce(s, _type(prop.get("items") or {})) for s in raw if s]
            if items:
                cleaned[name] = items
        elif raw and raw[0]:
            cleaned[name] = _coerce(raw[0], _type(prop))
    return cleaned


def _rule(error: ValidationError) -> Any:
    """The schema value of the keyword that failed (e.g. the `required` list, the `maxLength` number).
    jsonschema types it `Any | Unset`; `Unset` is only what an error built by hand, not by validating, holds."""
    value: Any = error.validator_value
    return value


def _explain(error: ValidationError, props: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, Chinese message) pairs for one jsonschema error."""
    v, path, instance = error.validator, list(error.absolute_path), error.instance
    if v in ("anyOf", "oneOf") and error.context:
        return _explain(best_match(error.context), props)
    if v == "required" and not path and isinstance(instance, dict):
        return [(n, "此项为必填") for n in _rule(error) if n not in instance]
    if v == "dependentRequired" and not path and isinstance(instance, dict):
        return [(d, "此项为必填") for k, deps in _rule(error).items() if k in instance
                for d in deps if d not in instance]
    if v in ("additionalProperties", "unevaluatedProperties") and isinstance(instance, dict):
        return [(str(k), "表单中没有此字段") for k in instance if k not in props]
    name = str(path[0]) if path else FORM_ERROR_KEY
    return [(name, _message(error, props.get(name) or {}))]


def _message(error: ValidationError, prop: Mapping[str, Any]) -> str:
    v, value = error.validator, _rule(error)
    is_file = widget(prop) == "file"
    if v == "enum" or (v == "const" and value is not True):
        return "请选择有效的选项"
    if v == "const":
        return "请勾选此项"
    if v == "required":
        return "此项为必填"
    if v == "minLength":
        return "此项为必填" if value <= 1 else f"至少填写 {value} 个字"
    if v == "type":
        wanted = value[0] if isinstance(value, list) else value
        return "请上传文件" if is_file else TYPE_MESSAGES.get(wanted, "格式不正确")
    if v == "format":
        return FORMAT_MESSAGES.get(value, "格式不正确")
    noun, unit = ("上传", "个文件") if is_file else ("选择", "项")
    simple = {
        "maxLength": f"最多填写 {value} 个字", "minimum": f"不能小于 {value}", "maximum": f"不能大于 {value}",
        "exclusiveMinimum": f"须大于 {value}", "exclusiveMaximum": f"须小于 {value}",
        "multipleOf": f"须为 {value} 的整数倍", "pattern": "格式不正确",
        "minItems": f"请至少{noun} {value} {unit}", "maxItems": f"最多{noun} {value} {unit}",
        "uniqueItems": "不能重复选择同一项",
    }
    return simple.get(str(v), "填写有误")


def _ids(files: Mapping[str, int | list[int]] | None) -> frozenset[int]:
    return frozenset(i for v in (files or {}).values() for i in (v if isinstance(v, list) else [v]))


@dataclass(frozen=True)
class _Access:
    """Which stored files the one filling the form may name."""

    actor_id: int | None
    actor_org_id: int | None
    vouched: frozenset[int]  # uploaded in this very post

    def allows(self, file: StoredFile) -> bool:
        return (file.id in self.vouched
                or (self.actor_id is not None and file.owner_id == self.actor_id)
                or (self.actor_org_id is not None and file.org_id == self.actor_org_id))


def _check_files(props: Mapping[str, Any], cleaned: Mapping[str, Any], access: _Access,
                 fields: dict[str, list[str]]) -> None:
    """A file field may only name files the filler may use, of an accepted type and size."""
    for name, prop in props.items():
        if widget(prop) != "file" or name in fields or name not in cleaned:
            continue
        ids = cleaned[name] if isinstance(cleaned[name], list) else [cleaned[name]]
        rows = {f.id: f for f in db.session.scalars(select(StoredFile).where(StoredFile.id.in_(ids)))}
        ui = prop.get("x-ui") or {}
        accepted = {kind.content_type for kind in uploads.kinds_for(ui.get("accept") or [])}
        limit = ui.get("maxBytes")
        for file_id in ids:
            file = rows.get(file_id)
            if file is None or not access.allows(file):
                fields[name] = ["文件不存在或无权使用"]
            elif file.content_type not in accepted:
                fields[name] = [f"不支持的文件类型：仅限 {uploads.describe_accept(ui['accept'])}"]
            elif limit and file.size > limit:
                fields[name] = [f"文件过大（上限 {uploads.megabytes(limit)} MB）"]
            if name in fields:
                break


def files_from_request(schema: dict[str, Any] | str, files: Any, owner_id: int | None,
                       org_id: int | None) -> dict[str, int | list[int]]:
    """Store the files posted for the schema's file fields (`files`: a MultiDict of werkzeug
    FileStorage, e.g. `request.files`) and return {field: id} ({field: [ids]} when multiple).
    Rows are flushed, not committed. Raises ValidationFailed naming every refused field."""
    schema = load(schema) if isinstance(schema, str) else schema
    out: dict[str, int | list[int]] = {}
    fields: dict[str, list[str]] = {}
    for name, prop in schema["properties"].items():
        if widget(prop) != "file":
            continue
        ui = prop.get("x-ui") or {}
        posted = [f for f in files.getlist(name) if f and f.filename]  # an empty input sends no name
        ids: list[int] = []
        for storage in posted if _multiple(prop) else posted[:1]:
            try:
                ids.append(uploads.save(storage, owner_id=owner_id, org_id=org_id, accept=ui["accept"],
                                        max_bytes=ui.get("maxBytes"), field=name).id)
            except ValidationFailed as exc:
                fields.setdefault(name, []).extend(exc.fields.get(name, []))
        if ids:
            out[name] = ids if _multiple(prop) else ids[0]
    if fields:
        raise ValidationFailed(MESSAGE, fields=fields)
    return out


# ---------------------------------------------------------------- HTML

@dataclass
class Option:
    value: str
    label: str
    selected: bool
    id: str


@dataclass
class HtmlField:
    name: str
    id: str
    widget: str
    label: str
    required: bool
    help: str = ""
    placeholder: str = ""
    value: str = ""
    checked: bool = False
    multiple: bool = False
    rows: int = 4
    accept: str = ""
    options: list[Option] = field(default_factory=list)
    files: list[tuple[int, str]] = field(default_factory=list)  # already uploaded: (id, filename)
    attrs: dict[str, Any] = field(default_factory=dict)  # min/max/step/minlength/maxlength
    errors: list[str] = field(default_factory=list)


@dataclass
class HtmlForm:
    title: str
    description: str
    submit_label: str
    fields: list[HtmlField]
    multipart: bool
    errors: list[str]  # about the form as a whole, or fields it does not show


def html_form(key: str | dict[str, Any], context: dict[str, Any] | None, values: Any = None,
              errors: Mapping[str, list[str]] | None = None,
              files: Mapping[str, int | list[int]] | None = None, *, actor_id: int | None = None,
              actor_org_id: int | None = None) -> HtmlForm:
    """What `templates/forms/_form.html` renders. `values`: the posted MultiDict after a refused
    post, or stored data; None shows the schema's defaults. `errors`: ValidationFailed.fields.
    `files`: what `files_from_request` stored in this post, shown as kept uploads."""
    schema = for_api(key, context) if isinstance(key, str) else key
    props, required = schema["properties"], set(schema.get("required", []))
    errors = errors or {}
    if values is None:
        values = {n: p["default"] for n, p in props.items() if "default" in p}
    if files:
        values = {n: _strings(values, n) for n in props}
        for n, ids in files.items():  # a new single file replaces the kept one; multiple add up
            values[n] = [*values.get(n, []), *map(str, ids)] if isinstance(ids, list) else [str(ids)]
    fields = [_html_field(name, props[name], name in required, values, errors.get(name, []),
                          _Access(actor_id, actor_org_id, _ids(files))) for name in ordered(schema)]
    ui = schema.get("x-ui") or {}
    return HtmlForm(
        title=schema.get("title", ""), description=schema.get("description", ""),
        submit_label=ui.get("submitLabel") or "提交", fields=fields,
        multipart=any(f.widget == "file" for f in fields),
        errors=[m for n, msgs in errors.items() if n not in props for m in msgs],
    )


def _html_field(name: str, prop: Mapping[str, Any], required: bool, values: Any, errors: list[str],
                access: _Access) -> HtmlField:
    ui, w, raw = prop.get("x-ui") or {}, widget(prop), _strings(values, name)
    f = HtmlField(name=name, id=f"f-{name}", widget=w, label=prop.get("title") or name, required=required,
                  help=ui.get("help") or prop.get("description") or "", placeholder=ui.get("placeholder", ""),
                  value=raw[0] if raw else "", multiple=_multiple(prop), rows=int(ui.get("rows") or 4),
                  errors=list(errors))
    enum = (prop.get("items") or {}).get("enum") if f.multiple else prop.get("enum")
    labels = ui.get("labels") or {}
    f.options = [Option(str(v), labels.get(str(v), str(v)), str(v) in raw, f"{f.id}-{i}")
                 for i, v in enumerate(enum or [])]
    f.checked = any(s.lower() in TRUE for s in raw)
    t = _type(prop)
    bounds = {"min": "minimum", "max": "maximum", "minlength": "minLength", "maxlength": "maxLength"}
    f.attrs = {attr: prop[key] for attr, key in bounds.items() if key in prop}
    if w == "number":
        f.attrs["step"] = prop.get("multipleOf", 1 if t == "integer" else "any")
        f.attrs["inputmode"] = "numeric" if t == "integer" else "decimal"
    if w == "file":
        kinds = uploads.kinds_for(ui.get("accept") or [])
        f.accept = ",".join([e for k in kinds for e in k.extensions] + [k.content_type for k in kinds])
        limit = ui.get("maxBytes") or current_app.config["MAX_CONTENT_LENGTH"]
        hint = f"支持 {'、'.join(k.label for k in kinds)}，单个文件不超过 {uploads.megabytes(limit)} MB"
        f.help = f"{f.help}（{hint}）" if f.help else hint
        ids = [int(s) for s in raw if s.isdigit() and len(s) < 19]
        if ids:
            rows = db.session.scalars(select(StoredFile).where(StoredFile.id.in_(ids)))
            f.files = [(r.id, r.filename) for r in rows if access.allows(r)]
    return f
