"""File fields: which stored files a form may name, and storing the files a page posted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.core import uploads
from app.errors import ValidationFailed
from app.extensions import db
from app.models import StoredFile
from app.workflow.forms.definitions import MESSAGE, is_multiple, load, widget


def file_ids(files: Mapping[str, int | list[int]] | None) -> frozenset[int]:
    return frozenset(i for v in (files or {}).values() for i in (v if isinstance(v, list) else [v]))


@dataclass(frozen=True)
class Access:
    """Which stored files the one filling the form may name."""

    actor_id: int | None
    actor_org_id: int | None
    vouched: frozenset[int]  # uploaded in this very post

    def allows(self, file: StoredFile) -> bool:
        return (file.id in self.vouched
                or (self.actor_id is not None and file.owner_id == self.actor_id)
                or (self.actor_org_id is not None and file.org_id == self.actor_org_id))


def check_files(props: Mapping[str, Any], cleaned: Mapping[str, Any], access: Access,
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
        for storage in posted if is_multiple(prop) else posted[:1]:
            try:
                ids.append(uploads.save(storage, owner_id=owner_id, org_id=org_id, accept=ui["accept"],
                                        max_bytes=ui.get("maxBytes"), field=name).id)
            except ValidationFailed as exc:
                fields.setdefault(name, []).extend(exc.fields.get(name, []))
        if ids:
            out[name] = ids if is_multiple(prop) else ids[0]
    if fields:
        raise ValidationFailed(MESSAGE, fields=fields)
    return out
