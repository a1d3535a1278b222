"""Flow A endpoints: the public application entry and status, lists for the ministry and operator,
review windows (API.md: POST /pilot-applications, GET /pilot-applications/{tracking_code})."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, request
from flask_smorest import Blueprint

from app.api.auth_context import accepts, current_user, public, require_roles, roles
from app.core import exports
from app.core.roles import NATIONAL
from app.errors import NotVisible
from app.pilot import applications as pilot_applications
from app.pilot import info_reports, pilots, review_windows
from app.pilot.schemas import (
    ApplicationCreatedSchema,
    ApplicationExportArgs,
    ApplicationInSchema,
    ApplicationListArgs,
    ApplicationPageSchema,
    ApplicationStatusSchema,
    MissingSchema,
    PeriodInSchema,
    PeriodSchema,
    PilotExportArgs,
    PilotListArgs,
    PilotPageSchema,
    ReportDataSchema,
    ReportDetailSchema,
    ReportListArgs,
    ReportPageSchema,
    ReportSchema,
    WindowInSchema,
    WindowSchema,
)

blp = Blueprint("api_pilot", __name__, url_prefix="/api/v1", description="自主试点申报与认定")
READERS = NATIONAL


def _body() -> tuple[dict[str, Any], Any]:
    """JSON, or a multipart form whose `plan_file` is the 工作计划书."""
    if request.mimetype == "multipart/form-data":
        return ApplicationInSchema().load(request.form.to_dict()), request.files.get("plan_file")
    return ApplicationInSchema().load(request.get_json(silent=False) or {}), None


def _status(application: Any) -> dict[str, Any]:
    return {
        "tracking_code": application.tracking_code, "status": application.status,
        "university_name": application.university_name, "submitted_at": application.submitted_at,
        "window_start": application.window_start, "window_end": application.window_end,
        "submissions": application.submissions,
        "decision_comment": application.decision_comment if application.status in ("returned", "rejected")
        else None,
        "history": [{"at": e.at, "action": e.action} for e in pilot_applications.history(application)],
    }


@blp.route("/pilot-applications", methods=["POST"])
@blp.doc(requestBody={"content": {
    "application/json": {"schema": ApplicationInSchema},
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "plan_file": {"type": "string", "format": "binary"}}}}}})
@blp.response(201, ApplicationCreatedSchema)
@blp.alt_response(429, description="同一网络地址提交过于频繁（默认每小时 5 次），Retry-After 给出等待秒数")
@accepts("multipart/form-data")
@public
def apply() -> dict[str, Any]:
    """Apply to become a 自主试点 (public): the 基础信息表 and a 工作计划书 (text or PDF/DOCX file)."""
    raw, plan_upload = _body()
    pilot_applications.admit(request.remote_addr or "-")
    plan_file = pilot_applications.save_plan_file(plan_upload)
    application = pilot_applications.submit(raw, plan_file)
    return {"id": application.id, "instance_id": application.instance_id,
            "tracking_code": application.tracking_code, "window_start": application.window_start,
            "window_end": application.window_end}


@blp.route("/pilot-applications/<string:tracking_code>", methods=["GET"])
@blp.response(200, ApplicationStatusSchema)
@public
def status(tracking_code: str) -> dict[str, Any]:
    """An application's status by its tracking code (public)."""
    return _status(pilot_applications.by_code(tracking_code))


@blp.route("/pilot-applications/<string:tracking_code>", methods=["PUT"])
@blp.response(200, ApplicationStatusSchema)
@accepts("multipart/form-data")
@public
def resubmit(tracking_code: str) -> dict[str, Any]:
    """Amend a returned application and submit it again into the next review window (public)."""
    raw, plan_upload = _body()
    plan_file = pilot_applications.save_plan_file(plan_upload)
    return _status(pilot_applications.resubmit(tracking_code, raw, plan_file))


@blp.route("/pilot-applications", methods=["GET"])
@blp.arguments(ApplicationListArgs, location="query")
@blp.response(200, ApplicationPageSchema)
@roles(*READERS)
def list_applications(args: dict[str, Any]) -> dict[str, Any]:
    """Applications by status, province, type and window (ministry, operator, process_admin)."""
    items, total = pilot_applications.search(**args)
    return {"items": items, "total": total}


@blp.route("/review-windows", methods=["GET"])
@blp.response(200, WindowSchema(many=True))
def list_windows() -> list[Any]:
    """The next review windows (explicit and the monthly default)."""
    require_roles(*READERS)
    return review_windows.upcoming()


@blp.route("/review-windows", methods=["POST"])
@blp.arguments(WindowInSchema)
@blp.response(201, WindowSchema)
@roles("process_admin")
def add_window(body: dict[str, Any]) -> dict[str, Any]:
    """Add a review window with explicit dates (process_admin)."""
    actor = current_user()
    window = review_windows.add(body["starts_on"], body["ends_on"], body["note"], actor_id=actor.id)
    return {"start": window.starts_on, "end": window.ends_on, "explicit": True}


APPLICATION_COLUMNS = pilot_applications.EXPORT_COLUMNS  # shared with the pages' exports
PILOT_COLUMNS = pilot_applications.PILOT_EXPORT_COLUMNS


def _download(fmt: str, name: str, columns: list[tuple[str, str]], items: list[Any]) -> Response:
    content, mimetype = exports.render(fmt, columns, pilot_applications.export_rows(items, columns),
                                       sheet=name)
    filename = f"{name}-{review_windows.today().isoformat()}.{fmt}"
    return Response(content, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


@blp.route("/pilot-applications/export", methods=["GET"])
@blp.arguments(ApplicationExportArgs, location="query")
@blp.doc(responses={200: {"description": "CSV or XLSX file"}})
@roles(*READERS)
def export_applications(args: dict[str, Any]) -> Response:
    """The application list as CSV or XLSX (same filters as the list)."""
    fmt = args.pop("format")
    items, _ = pilot_applications.search(**{**args, "limit": 100_000, "offset": 0})
    return _download(fmt, "自主试点申报", APPLICATION_COLUMNS, items)


@blp.route("/pilots", methods=["GET"])
@blp.arguments(PilotListArgs, location="query")
@blp.response(200, PilotPageSchema)
@roles(*READERS)
def list_pilots(args: dict[str, Any]) -> dict[str, Any]:
    """Pilot universities by province, type, batch and status (ministry, operator, process_admin)."""
    items, total = pilots.search(**args)
    return {"items": items, "total": total}


@blp.route("/pilots/export", methods=["GET"])
@blp.arguments(PilotExportArgs, location="query")
@blp.doc(responses={200: {"description": "CSV or XLSX file"}})
def export_pilots(args: dict[str, Any]) -> Response:
    require_roles(*READERS)
    fmt = args.pop("format")
    items, _ = pilots.search(**{**args, "limit": 100_000, "offset": 0})
    return _download(fmt, "试点高校", PILOT_COLUMNS, items)


# --- 信息表 endpoints: periods, the university's own report (draft, submit), lists and who is missing.

reports_blp = Blueprint("api_reports", __name__, url_prefix="/api/v1", description="信息表报送")


@reports_blp.route("/report-periods", methods=["GET"])
@reports_blp.response(200, PeriodSchema(many=True))
def list_periods() -> list[Any]:
    current_user()
    return info_reports.periods()


@reports_blp.route("/report-periods", methods=["POST"])
@reports_blp.arguments(PeriodInSchema)
@reports_blp.response(201, PeriodSchema)
def create_period(body: dict[str, Any]) -> Any:
    """Open a reporting period with a deadline per cohort (moe_reviewer, process_admin)."""
    return info_reports.create_period(current_user(), **body)


@reports_blp.route("/report-periods/<int:period_id>/missing", methods=["GET"])
@reports_blp.response(200, MissingSchema(many=True))
def missing(period_id: int) -> list[dict[str, Any]]:
    """Pilots that have not (successfully) reported for the period."""
    require_roles(*info_reports.READERS)
    period = info_reports.period_or_404(period_id)
    return [{"university_id": u.id, "university_name": u.name, "province": u.province,
             "pilot_status": u.pilot_status, "due": due, "status": status}
            for u, due, status in info_reports.missing(period)]


@reports_blp.route("/report-periods/<int:period_id>/my-report", methods=["GET"])
@reports_blp.response(200, ReportDetailSchema)
def my_report(period_id: int) -> dict[str, Any]:
    """The caller's university's report for the period (university_admin)."""
    report = info_reports.my_report(current_user(), period_id)
    if report is None:
        raise NotVisible("尚未填报")
    return _detail(report)


@reports_blp.route("/report-periods/<int:period_id>/my-report", methods=["PUT"])
@reports_blp.arguments(ReportDataSchema)
@reports_blp.response(200, ReportSchema)
def save_draft(body: dict[str, Any], period_id: int) -> Any:
    """Save a draft: fields are checked, none is required yet."""
    return info_reports.save_draft(current_user(), period_id, body.get("data") or {})


@reports_blp.route("/report-periods/<int:period_id>/my-report/submit", methods=["POST"])
@reports_blp.arguments(ReportDataSchema)
@reports_blp.response(200, ReportSchema)
def submit(body: dict[str, Any], period_id: int) -> Any:
    """Submit (the given data, or the saved draft) for the operator's check."""
    return info_reports.submit(current_user(), period_id, body.get("data"))


@reports_blp.route("/info-reports", methods=["GET"])
@reports_blp.arguments(ReportListArgs, location="query")
@reports_blp.response(200, ReportPageSchema)
def list_reports(args: dict[str, Any]) -> dict[str, Any]:
    """Reports the caller may see (national roles: all; a university: its own)."""
    items, total = info_reports.search(current_user(), **args)
    return {"items": items, "total": total}


@reports_blp.route("/info-reports/<int:report_id>", methods=["GET"])
@reports_blp.response(200, ReportDetailSchema)
def get_report(report_id: int) -> dict[str, Any]:
    return _detail(info_reports.report_for(current_user(), report_id))


def _detail(report: Any) -> dict[str, Any]:
    body = {name: getattr(report, name) for name in ReportSchema().fields}
    body["revisions"] = info_reports.revisions(report)
    return body
