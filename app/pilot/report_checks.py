"""信息表 checks beyond its JSON Schema (forms/info_report.json): figures that contradict each other, and
dates outside the reporting period. Counts below zero are the schema's (`minimum: 0` on every figure).

A draft may be incomplete but never contradictory: each rule is applied to drafts and submissions alike as
soon as the fields it compares are given; a rule missing one of its fields waits (submitting requires
them). Each refusal is a Chinese message on the field concerned."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.errors import ValidationFailed
from app.models import ReportPeriod
from app.workflow import forms

# (field, the field it may not exceed): both are counts of the same people.
NOT_ABOVE = (
    ("basic_community_students", "basic_students_total"),  # covered by the community ≤ enrolled
    ("students_participants", "basic_students_total"),  # students taking part ≤ enrolled
)


def contradictions(form_key: str, cleaned: dict[str, Any], period: ReportPeriod) -> dict[str, list[str]]:
    """Field messages for what the (schema-valid) data contradicts; empty when nothing does."""
    props: dict[str, Any] = forms.load(form_key)["properties"]
    fields: dict[str, list[str]] = {}
    for name, limit in NOT_ABOVE:
        value, bound = _number(cleaned.get(name)), _number(cleaned.get(limit))
        if name in props and limit in props and value is not None and bound is not None and value > bound:
            fields.setdefault(name, []).append(
                f"{props[name].get('title', name)}不能超过{props[limit].get('title', limit)}（{cleaned[limit]}）")
    for name, prop in props.items():
        if prop.get("format") != "date" or not isinstance(cleaned.get(name), str):
            continue
        day = date.fromisoformat(cleaned[name])  # the schema's format check passed: a real date
        if not period.starts_on <= day <= period.ends_on:
            fields.setdefault(name, []).append(
                f"日期须在报送周期内（{period.starts_on.isoformat()} 至 {period.ends_on.isoformat()}）")
    return fields


def check(form_key: str, cleaned: dict[str, Any], period: ReportPeriod) -> None:
    fields = contradictions(form_key, cleaned, period)
    if fields:
        raise ValidationFailed("填写内容前后矛盾，请按提示修改", fields)


def _number(value: Any) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
