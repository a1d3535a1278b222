"""接诉即办 endpoints (API.md: POST /complaints, GET /metrics/complaints) and the case views."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from flask_smorest import Blueprint

from app.api.auth_context import current_user
from app.complaints import access as complaint_access
from app.complaints import cases as complaints
from app.complaints import hot_topics
from app.complaints import metrics as complaint_metrics
from app.complaints.schemas import (
    CallInSchema,
    ComplaintCreatedSchema,
    ComplaintInSchema,
    ComplaintListArgs,
    ComplaintPageSchema,
    ComplaintSchema,
    ComplaintSettingsSchema,
    MetricsArgs,
    MetricsSchema,
    TopicArgs,
    TopicSchema,
)
from app.core import clock

blp = Blueprint("api_complaints", __name__, url_prefix="/api/v1", description="接诉即办")


@blp.route("/complaints", methods=["POST"])
@blp.arguments(ComplaintInSchema)
@blp.response(201, ComplaintCreatedSchema)
def file_complaint(body: dict[str, Any]) -> dict[str, Any]:
    """A student files a complaint (channel, category, title, content, anonymous)."""
    complaint = complaints.file(current_user(), body)
    return {"id": complaint.id, "instance_id": complaint.instance_id}


@blp.route("/complaints/settings", methods=["GET"])
@blp.response(200, ComplaintSettingsSchema)
def filing_settings() -> dict[str, Any]:
    """诉求的反映渠道与问题类别（代码、中文名称、转办时限、默认答复期限）：POST /complaints 所接受的取值。"""
    current_user()
    return complaints.filing_options()


@blp.route("/complaints/calls", methods=["POST"])
@blp.arguments(CallInSchema)
@blp.response(201, ComplaintCreatedSchema)
def register_call(body: dict[str, Any]) -> dict[str, Any]:
    """Hotline staff (dispatcher) register a call for a student (`student_username`) or a caller."""
    complaint = complaints.file(current_user(), body, on_behalf=True)
    return {"id": complaint.id, "instance_id": complaint.instance_id}


@blp.route("/complaints", methods=["GET"])
@blp.arguments(ComplaintListArgs, location="query")
@blp.response(200, ComplaintPageSchema)
def list_complaints(args: dict[str, Any]) -> dict[str, Any]:
    """The complaints the caller may see: a student's own, a dispatcher's university's, a department's."""
    user = current_user()
    items, total = complaints.search(user, **args)
    return {"items": [complaints.view(user, c) for c in items], "total": total}


@blp.route("/complaints/<int:complaint_id>", methods=["GET"])
@blp.response(200, ComplaintSchema)
def get_complaint(complaint_id: int) -> dict[str, Any]:
    user = current_user()
    return complaints.view(user, complaints.complaint_for(user, complaint_id))


@blp.route("/complaints/<int:complaint_id>/similar", methods=["GET"])
@blp.response(200, ComplaintSchema(many=True))
def similar(complaint_id: int) -> list[dict[str, Any]]:
    """Open tickets of the same category sharing words with this one (for the dispatcher)."""
    user = current_user()
    complaint = complaints.complaint_for(user, complaint_id)
    return [complaints.view(user, c) for c in complaints.similar(user, complaint)]


def _bound(day: Any) -> datetime | None:
    return datetime.combine(day, time(0, 0), tzinfo=clock.SHANGHAI) if day else None


@blp.route("/metrics/complaints", methods=["GET"])
@blp.arguments(MetricsArgs, location="query")
@blp.response(200, MetricsSchema)
def metrics(args: dict[str, Any]) -> dict[str, Any]:
    """三率 for a university or a department (`org_id`), or nationally; `from`/`to` are dates
    (complaints filed from `from` up to, not including, `to`)."""
    scope = complaint_access.metrics_scope(current_user(), args.get("org_id"))
    result = complaint_metrics.compute(**scope, start=_bound(args.get("from_")), end=_bound(args.get("to")))
    return {**result, "definitions": complaint_metrics.DEFINITIONS}


@blp.route("/complaints/topics", methods=["GET"])
@blp.arguments(TopicArgs, location="query")
@blp.response(200, TopicSchema(many=True))
def topics(args: dict[str, Any]) -> list[dict[str, Any]]:
    """Hot topics of the last 8 weeks with weekly counts and a spike flag (university or national)."""
    scope = complaint_access.metrics_scope(current_user(), args.get("org_id"))
    if scope["department_id"] is not None:
        scope["university_id"] = complaint_access.university_of(scope["department_id"])
    return hot_topics.top(scope["university_id"])
