"""接诉即办 figures (SPEC §5): the 三率, handling time and overdue count as cards, the ranking of the
departments (of the nation: of the universities; CSV/XLSX), the channels, charts, the written
definitions, and hot topics. Who reads which scope is `complaint_access.metrics_scope`: a department
its own, a university's dispatchers and leadership their university (and its departments), national
roles the nation or any university."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from app.complaints import access as complaint_access
from app.complaints import cases as complaints
from app.complaints import hot_topics
from app.complaints import metrics as complaint_metrics
from app.complaints.web.common import user
from app.core import accounts, clock, exports
from app.models import Org, User
from app.web.numbers import id_arg

bp = Blueprint("complaints_stats", __name__)
MAX_WEEKS = 26
RANKING_COLUMNS = [("dispatched", "交办件数"), ("response_rate", "响应率"),
                      ("resolution_rate", "解决率"), ("satisfaction_rate", "满意率"),
                      ("avg_handling_hours", "平均办理时长（小时）"), ("overdue", "逾期数")]
CARDS = (("response_rate", "响应率", "rate"), ("resolution_rate", "解决率", "rate"),
         ("satisfaction_rate", "满意率", "rate"), ("avg_handling_hours", "平均办理时长", "hours"),
         ("overdue", "逾期数", "count"))


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def hours(value: float | None) -> str:
    return "—" if value is None else f"{value:g} 小时"


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _query() -> dict[str, Any]:
    """What the page was asked for: scope (checked), period (dates; the end date is included)."""
    viewer = user()
    org_id = id_arg("org_id")
    scope = complaint_access.metrics_scope(viewer, org_id)
    start, end = _date("from"), _date("to")
    if start and end and end < start:
        start, end = end, start
    return {"viewer": viewer, "org_id": org_id, "scope": scope, "from": start, "to": end,
            "start": datetime.combine(start, time(0, 0), tzinfo=clock.SHANGHAI) if start else None,
            "end": datetime.combine(end + timedelta(days=1), time(0, 0), tzinfo=clock.SHANGHAI) if end else None}


def _scope_name(scope: dict[str, int | None]) -> str:
    org_id = scope["department_id"] or scope["university_id"]
    if org_id is None:
        return "全国"
    names: list[str] = []
    org: Org | None = accounts.get_org_for(user(), org_id)
    while org is not None and org.kind in ("department", "university"):
        names.insert(0, org.name)
        org = org.parent if org.kind == "department" else None
    return " · ".join(names)


def _org_choices(viewer: User) -> tuple[str, list[tuple[int, str]]]:
    """(label, options) of the organisation selector: universities for national roles, departments
    for a university's dispatchers and leadership, nothing for a department."""
    if viewer.has_role(*complaint_access.NATIONAL):
        items, _ = accounts.list_orgs(kind="university", limit=2000)
        return "高校", [(o.id, o.name) for o in sorted(items, key=lambda o: (o.province or "", o.name))]
    university_id = viewer.org.university_id()
    if viewer.has_role(*complaint_access.UNIVERSITY_WIDE) and university_id is not None:
        items, _ = accounts.list_orgs(kind="department", parent_id=university_id, limit=500)
        return "部门", [(o.id, o.name) for o in sorted(items, key=lambda o: o.name)]
    return "", []


def _args(q: dict[str, Any], **extra: Any) -> dict[str, Any]:
    args = {"org_id": q["org_id"], "from": q["from"].isoformat() if q["from"] else None,
            "to": q["to"].isoformat() if q["to"] else None, **extra}
    return {k: v for k, v in args.items() if v not in (None, "")}


PAGE_RANKING = 100  # rows of the ranking a page lists (a nation has ~3,000 universities; the export has all)
CHART_RANKING = 30


def _ranking(q: dict[str, Any], result: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """What the page ranks: a university's departments, or for the nation its universities; each row with
    its `name` and `id`."""
    if q["scope"]["university_id"] is None and q["scope"]["department_id"] is None:
        return "高校", [{**r, "name": r["university"], "id": r["university_id"]} for r in result["by_university"]]
    return "部门", [{**r, "name": r["department"], "id": r["department_id"]} for r in result["by_department"]]


def _weeks(q: dict[str, Any]) -> int:
    if q["start"] and q["end"]:
        return max(1, min(MAX_WEEKS, int((q["end"] - q["start"]).days) // 7 + 1))
    return 8


@bp.route("/complaints/metrics")
@login_required
def metrics() -> ResponseReturnValue:
    q = _query()
    scope = q["scope"]
    result = complaint_metrics.compute(**scope, start=q["start"], end=q["end"])
    weekly = complaint_metrics.weekly_counts(**scope, end=q["end"], weeks=_weeks(q))
    labels = complaints.settings()["channels"]
    channels = [{"label": labels.get(code, {}).get("label", code), **row}
                for code, row in result["by_channel"].items()]
    ranked, ranking = _ranking(q, result)
    charted = ranking[:CHART_RANKING]
    chart = {"departments": [r["name"] for r in charted],
             "response_rates": [None if r["response_rate"] is None else round(r["response_rate"] * 100, 1)
                                for r in charted],
             "weeks": [w["week"].strftime("%m-%d") for w in weekly], "counts": [w["count"] for w in weekly]}
    selector_label, selector = _org_choices(q["viewer"])
    return render_template(
        "complaints/metrics.html", m=result, cards=CARDS, channels=channels, chart=chart,
        ranked=ranked, ranking=ranking[:PAGE_RANKING], ranking_total=len(ranking), charted=len(charted),
        definitions=complaint_metrics.DEFINITIONS, scope_name=_scope_name(scope), q=q,
        selector_label=selector_label, selector=selector, percent=percent, hours=hours,
        exports={fmt: url_for(".export", fmt=fmt, **_args(q)) for fmt in ("csv", "xlsx")},
        topics_url=url_for(".topics", **({"org_id": q["org_id"]} if q["org_id"] else {})))


@bp.route("/complaints/metrics.<any(csv, xlsx):fmt>")
@login_required
def export(fmt: str) -> ResponseReturnValue:
    """The page's ranking (departments, or for the nation universities), whole, rates in per cent."""
    q = _query()
    result = complaint_metrics.compute(**q["scope"], start=q["start"], end=q["end"])
    ranked, ranking = _ranking(q, result)
    rows = [{**r, **{k: (None if r[k] is None else round(r[k] * 100, 1))
                     for k in ("response_rate", "resolution_rate", "satisfaction_rate")}}
            for r in ranking]
    columns = [("name", ranked), *((k, f"{label}（%）" if k.endswith("_rate") else label)
                                   for k, label in RANKING_COLUMNS)]
    content, mimetype = exports.render(fmt, columns, rows, sheet=f"{ranked}接诉即办统计")
    filename = f"接诉即办{ranked}统计-{clock.now().astimezone(clock.SHANGHAI).date().isoformat()}.{fmt}"
    return Response(content, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


@bp.route("/complaints/topics")
@login_required
def topics() -> ResponseReturnValue:
    """Hot topics of the last weeks with a weekly sparkline and a spike badge (a department reads its
    university's, as the API does)."""
    viewer = user()
    org_id = id_arg("org_id")
    scope = complaint_access.metrics_scope(viewer, org_id)
    university_id = scope["university_id"]
    if scope["department_id"] is not None:
        university_id = complaint_access.university_of(scope["department_id"])
    items = hot_topics.top(university_id)
    now = clock.now().astimezone(clock.SHANGHAI)
    monday = (now - timedelta(days=now.weekday())).date()
    weeks = [(monday - timedelta(weeks=i)).strftime("%m-%d") for i in reversed(range(hot_topics.WEEKS))]
    selector_label, selector = _org_choices(viewer)
    if selector_label == "部门":
        selector_label, selector = "", []  # topics are per university: nothing to choose inside it
    return render_template(
        "complaints/topics.html", items=[{**t, "series": {"weeks": weeks, "counts": t["weekly"]}}
                                         for t in items],
        scope_name=_scope_name({"university_id": university_id, "department_id": None}),
        selector_label=selector_label, selector=selector, org_id=org_id, weeks=hot_topics.WEEKS,
        spikes=sum(1 for t in items if t["spike"]))
