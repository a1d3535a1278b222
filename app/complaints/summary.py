"""The complaint case summary on the task and instance pages: channel and category by their labels
(data/complaint_settings.json), the departments by name, the deadlines in Beijing time."""

from __future__ import annotations

from typing import Any

from app.complaints.cases import settings
from app.models import ProcessInstance
from app.workflow import instances
from app.workflow import summary as s


def _label(kind: str, key: Any) -> str:
    entry = settings().get(kind, {}).get(str(key)) if key else None
    return str(entry.get("label")) if isinstance(entry, dict) and entry.get("label") else s.EMPTY


def complaint(instance: ProcessInstance) -> list[s.Row]:
    data = instances.visible_data(instance)
    assignment: dict[str, Any] = data["assignment"] if isinstance(data.get("assignment"), dict) else {}
    head = s.rows([
        ("所属高校", s.org_name(data.get("university_id"))),
        ("诉求标题", data.get("title")),
        ("反映渠道", _label("channels", data.get("channel"))),
        ("诉求类别", _label("categories", data.get("category"))),
        ("保密件", s.show_value(data["confidential"]) if "confidential" in data else None),
        ("分办期限", s.when(data.get("triage_due"))),
        ("答复期限", s.when(assignment.get("answer_due"))),
    ])
    return head + s.form_rows(instance, skip=("university_id",))
