"""A form as the page draws it: fields with labels, choices, values and messages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.core import uploads
from app.extensions import db
from app.models import StoredFile
from app.workflow.forms.definitions import TRUE, field_type, for_api, is_multiple, ordered, widget
from app.workflow.forms.files import Access, file_ids
from app.workflow.forms.validation import strings


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
        values = {n: strings(values, n) for n in props}
        for n, ids in files.items():  # a new single file replaces the kept one; multiple add up
            values[n] = [*values.get(n, []), *map(str, ids)] if isinstance(ids, list) else [str(ids)]
    fields = [_html_field(name, props[name], name in required, values, errors.get(name, []),
                          Access(actor_id, actor_org_id, file_ids(files))) for name in ordered(schema)]
    ui = schema.get("x-ui") or {}
    return HtmlForm(
        title=schema.get("title", ""), description=schema.get("description", ""),
        submit_label=ui.get("submitLabel") or "提交", fields=fields,
        multipart=any(f.widget == "file" for f in fields),
        errors=[m for n, msgs in errors.items() if n not in props for m in msgs],
    )


def _html_field(name: str, prop: Mapping[str, Any], required: bool, values: Any, errors: list[str],
                access: Access) -> HtmlField:
    ui, w, raw = prop.get("x-ui") or {}, widget(prop), strings(values, name)
    f = HtmlField(name=name, id=f"f-{name}", widget=w, label=prop.get("title") or name, required=required,
                  help=ui.get("help") or prop.get("description") or "", placeholder=ui.get("placeholder", ""),
                  value=raw[0] if raw else "", multiple=is_multiple(prop), rows=int(ui.get("rows") or 4),
                  errors=list(errors))
    enum = (prop.get("items") or {}).get("enum") if f.multiple else prop.get("enum")
    labels = ui.get("labels") or {}
    f.options = [Option(str(v), labels.get(str(v), str(v)), str(v) in raw, f"{f.id}-{i}")
                 for i, v in enumerate(enum or [])]
    f.checked = any(s.lower() in TRUE for s in raw)
    t = field_type(prop)
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
