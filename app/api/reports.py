"""信息表 endpoints: periods, the university's own report (draft, submit), lists and who is missing."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from app.api.auth_context import current_user, require_roles
from app.errors import NotVisible
from app.schemas.reports import (
    MissingSchema,
    PeriodInSchema,
    PeriodSchema,
    ReportDataSchema,
    ReportDetailSchema,
    ReportListArgs,
    ReportPageSchema,
    ReportSchema,
)
from app.services import info_reports

blp = Blueprint("api_reports", __name__, url_prefix="/api/v1", description="信息表报送")


@blp.route("/report-periods", methods=["GET"])
@blp.response(200, PeriodSchema(many=True))
def list_periods() -> list[Any]:
    current_user()
    return info_reports.periods()


@blp.route("/report-periods", methods=["POST"])
@blp.arguments(PeriodInSchema)
@blp.response(201, PeriodSchema)
def create_period(body: dict[str, Any]) -> Any:
    """Open a reporting period with a deadline per cohort (moe_reviewer, process_admin)."""
    actor = require_roles("moe_reviewer", "process_admin")
    return info_reports.create_period(**body, actor_id=actor.id)


@blp.route("/report-periods/<int:period_id>/missing", methods=["GET"])
@blp.response(200, MissingSchema(many=True))
def missing(period_id: int) -> list[dict[str, Any]]:
    """Pilots that have not (successfully) reported for the period."""
    require_roles(*info_reports.READERS)
    period = info_reports.period_or_404(period_id)
    return [{"university_id": u.id, "university_name": u.name, "province": u.province,
             "pilot_status": u.pilot_status, "due": due, "status": status}
            for u, due, status in info_reports.missing(period)]


@blp.route("/report-periods/<int:period_id>/my-report", methods=["GET"])
@blp.response(200, ReportDetailSchema)
def my_report(period_id: int) -> dict[str, Any]:
    """The caller's university's report for the period (university_admin)."""
    report = info_reports.my_report(current_user(), period_id)
    if report is None:
        raise NotVisible("尚未填报")
    return _detail(report)


@blp.route("/report-periods/<int:period_id>/my-report", methods=["PUT"])
@blp.arguments(ReportDataSchema)
@blp.response(200, ReportSchema)
def save_draft(body: dict[str, Any], period_id: int) -> Any:
    """Save a draft: fields are checked, none is required yet."""
    return info_reports.save_draft(current_user(), period_id, body.get("data") or {})


@blp.route("/report-periods/<int:period_id>/my-report/submit", methods=["POST"])
@blp.arguments(ReportDataSchema)
@blp.response(200, ReportSchema)
def submit(body: dict[str, Any], period_id: int) -> Any:
    """Submit (the given data, or the saved draft) for the operator's check."""
    return info_reports.submit(current_user(), period_id, body.get("data"))


@blp.route("/info-reports", methods=["GET"])
@blp.arguments(ReportListArgs, location="query")
@blp.response(200, ReportPageSchema)
def list_reports(args: dict[str, Any]) -> dict[str, Any]:
    """Reports the caller may see (national roles: all; a university: its own)."""
    items, total = info_reports.search(current_user(), **args)
    return {"items": items, "total": total}


@blp.route("/info-reports/<int:report_id>", methods=["GET"])
@blp.response(200, ReportDetailSchema)
def get_report(report_id: int) -> dict[str, Any]:
    return _detail(info_reports.report_for(current_user(), report_id))


def _detail(report: Any) -> dict[str, Any]:
    body = {name: getattr(report, name) for name in ReportSchema().fields}
    body["revisions"] = info_reports.revisions(report)
    return body
