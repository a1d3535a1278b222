"""Checking posted data against a form: the JSON Schema, HTML values coerced, messages in Chinese."""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match

from app.errors import ValidationFailed
from app.workflow.forms.definitions import (
    FALSE,
    FORM_ERROR_KEY,
    MESSAGE,
    TRUE,
    field_type,
    for_api,
    is_multiple,
    widget,
)
from app.workflow.forms.files import Access, check_files, file_ids

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
    Otherwise a top-level property left out (or null) takes its `default`, if the form gives one.

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
                kept = cleaned.get(name, []) if is_multiple(props[name]) else []
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
    check_files(props, cleaned, Access(actor_id, actor_org_id, file_ids(files)), fields)
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


def strings(data: Any, name: str) -> list[str]:
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
        raw = [s.replace("\r\n", "\n").strip() for s in strings(data, name)]
        if widget(prop) == "checkbox" and field_type(prop) == "boolean":
            cleaned[name] = any(s.lower() in TRUE for s in raw)  # an unticked box sends nothing
        elif is_multiple(prop):
            items = [_coerce(s, field_type(prop.get("items") or {})) for s in raw if s]
            if items:
                cleaned[name] = items
        elif raw and raw[0]:
            cleaned[name] = _coerce(raw[0], field_type(prop))
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
