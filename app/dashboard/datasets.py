"""驾驶舱 (SPEC §6): what a dataset is, whose scope it covers, and the helpers every dataset builder uses.

A dataset is one chart's data: a table (`columns`, `rows`) that the page shows as a table and exports
as CSV/XLSX, plus a `chart` block the browser draws with ECharts. The same dataset feeds the JSON
endpoint, the table view and the export, so the three never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.core import clock, roles
from app.models import Org, User

NATIONAL = roles.NATIONAL
# With fewer scored pilots than this in a group, a university does not see the group's average: with two,
# the average would give away the other university's score.
MIN_GROUP = 3


@dataclass
class Scope:
    viewer: User
    university: Org | None  # None: the nation
    round_id: int | None = None
    university_ids: list[int] = field(default_factory=list)  # comparison

    @property
    def national(self) -> bool:
        return self.university is None

    @property
    def sees_everyone(self) -> bool:
        return self.viewer.has_role(*NATIONAL)

    @property
    def name(self) -> str:
        return "全国" if self.university is None else self.university.name


@dataclass
class Dataset:
    key: str
    title: str
    columns: list[tuple[str, str]]  # (key, 中文表头)
    rows: list[dict[str, Any]]
    chart: dict[str, Any]  # {"type": bar|line|radar|pie|table, ...}; see static/js/charts.js
    notes: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)  # row key → link column (warnings)

    def as_json(self, scope: Scope) -> dict[str, Any]:
        return {"key": self.key, "title": self.title,
                "scope": {"university_id": scope.university.id if scope.university else None, "name": scope.name},
                "columns": [{"key": k, "label": label} for k, label in self.columns],
                "rows": [{k: _plain(v) for k, v in row.items()} for row in self.rows],
                "chart": self.chart, "notes": self.notes}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return clock.as_utc(value).astimezone(clock.SHANGHAI).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def rate(value: float | None) -> float | None:
    """A 0–1 rate as a percentage with one decimal (how every table shows rates)."""
    return None if value is None else round(value * 100, 1)


def month_key(moment: datetime) -> str:
    return clock.as_utc(moment).astimezone(clock.SHANGHAI).strftime("%Y-%m")


def last_months(n: int = 12, at: datetime | None = None) -> list[str]:
    local = clock.as_utc(at or clock.now()).astimezone(clock.SHANGHAI)
    year, month = local.year, local.month
    out = []
    for _ in range(n):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(out))
