"""考核验收 endpoints: rounds (the ministry opens one for a set of pilots), the university's
self-assessment (items, evidence, submission), the reviewer's scores and decision. The decisions also
go through the generic task endpoints (`POST /tasks/{id}/complete`) with the same checks."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from app.api.auth_context import accepts, current_user, require_roles, roles
from app.api.errors import require_multipart
from app.assessment import assessments, indicators
from app.assessment import evidence as assessment_evidence
from app.assessment import review as assessment_review
from app.assessment.schemas import (
    AssessmentDetailSchema,
    AssessmentListArgs,
    AssessmentPageSchema,
    DecisionInSchema,
    EvidenceFileSchema,
    FrameworkSchema,
    IndicatorArgs,
    RoundDetailSchema,
    RoundInSchema,
    RoundSchema,
    ScoresInSchema,
    SelfInSchema,
    SubmitInSchema,
    VersionSchema,
)
from app.models import Assessment

blp = Blueprint("api_assessments", __name__, url_prefix="/api/v1", description="考核验收")


def _detail(assessment: Assessment) -> dict[str, Any]:
    view = assessments.detail(assessment)
    body = {name: getattr(assessment, name) for name in ("id", "round_id", "university_id", "instance_id",
                                                           "status", "result", "opinion", "total_score",
                                                           "dimension_scores", "submissions", "rectifications",
                                                           "rectify_due", "submitted_at", "decided_at")}
    body.update(round=assessment.round, items=view["items"], current=view["current"], history=view["history"])
    return {**body, "round_name": assessment.round.name,
            "framework_version": assessment.round.framework.version}


@blp.route("/assessment-rounds", methods=["POST"])
@blp.arguments(RoundInSchema)
@blp.response(201, RoundSchema)
@roles(*assessments.OPENERS)
def open_round(body: dict[str, Any]) -> Any:
    """Open a round for the given pilot universities with a self-assessment deadline (moe_reviewer)."""
    return assessments.open_round(current_user(), **body)


@blp.route("/assessment-rounds", methods=["GET"])
@blp.response(200, RoundSchema(many=True))
def list_rounds() -> list[Any]:
    require_roles(*assessments.READERS)
    return assessments.rounds()


@blp.route("/assessment-rounds/<int(max=2147483647):round_id>", methods=["GET"])
@blp.response(200, RoundDetailSchema)
def get_round(round_id: int) -> dict[str, Any]:
    user = current_user()
    round_ = assessments.round_for(user, round_id)
    items, _ = assessments.search(user, round_id=round_.id, limit=10_000)
    return {**{k: getattr(round_, k) for k in ("id", "name", "self_due", "review_days", "note", "opened_at")},
            "framework": round_.framework, "assessments": items}


@blp.route("/assessments", methods=["GET"])
@blp.arguments(AssessmentListArgs, location="query")
@blp.response(200, AssessmentPageSchema)
def list_assessments(args: dict[str, Any]) -> dict[str, Any]:
    """Assessments the caller may see (national roles: all; a university's 经办人: its own)."""
    items, total = assessments.search(current_user(), **args)
    return {"items": items, "total": total}


@blp.route("/assessments/<int(max=2147483647):assessment_id>", methods=["GET"])
@blp.response(200, AssessmentDetailSchema)
def get_assessment(assessment_id: int) -> dict[str, Any]:
    return _detail(assessments.assessment_for(current_user(), assessment_id))


@blp.route("/assessments/<int(max=2147483647):assessment_id>/self", methods=["PUT"])
@blp.arguments(SelfInSchema)
@blp.response(200, AssessmentDetailSchema)
def save_self(body: dict[str, Any], assessment_id: int) -> dict[str, Any]:
    """Save self-assessment items: `rating` met|partly|not_met, `statement`, `evidence_file_ids`, `post_ids`."""
    return _detail(assessments.save_self(current_user(), assessment_id, body["items"]))


@blp.route("/assessments/<int(max=2147483647):assessment_id>/self/submit", methods=["POST"])
@blp.arguments(SubmitInSchema)
@blp.response(200, AssessmentDetailSchema)
def submit_self(body: dict[str, Any], assessment_id: int) -> dict[str, Any]:
    """Submit the self-assessment (or the rectification) for review; 422 lists the unfinished items."""
    return _detail(assessments.submit_self(current_user(), assessment_id, body.get("note") or ""))


@blp.route("/assessments/<int(max=2147483647):assessment_id>/scores", methods=["PUT"])
@blp.arguments(ScoresInSchema)
@blp.response(200, AssessmentDetailSchema)
def save_scores(body: dict[str, Any], assessment_id: int) -> dict[str, Any]:
    """Save item scores (0–100), comments and `needs_fix` marks (moe_reviewer, while reviewing)."""
    return _detail(assessment_review.save_scores(current_user(), assessment_id, body["items"]))


@blp.route("/assessments/<int(max=2147483647):assessment_id>/decision", methods=["POST"])
@blp.arguments(DecisionInSchema)
@blp.response(200, AssessmentDetailSchema)
def decide(body: dict[str, Any], assessment_id: int) -> dict[str, Any]:
    """通过 / 限期整改 (with `rectify_due`) / 不通过, with the overall opinion; only results the scoring
    rules allow (the suggested one or stricter)."""
    data = {k: v for k, v in body.items() if v is not None}
    return _detail(assessment_review.decide(current_user(), assessment_id, data))


@blp.route("/assessment-files", methods=["POST"])
@blp.doc(requestBody={"content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}}})
@blp.response(201, EvidenceFileSchema)
@accepts("multipart/form-data")
def upload_evidence() -> Any:
    """Upload a 佐证材料 (PDF/DOCX/XLSX/PNG/JPEG ≤ 10 MB) for the caller's university; cite its id in
    `evidence_file_ids`."""
    user = require_roles("university_admin")
    require_multipart()
    return assessment_evidence.upload(user, request.files.get("file"))


# --- The indicator framework (提质增效指南) as data: the tree of a version, and the versions loaded.

indicators_blp = Blueprint("api_indicators", __name__, url_prefix="/api/v1", description="指标体系")


@indicators_blp.route("/indicators", methods=["GET"])
@indicators_blp.arguments(IndicatorArgs, location="query")
@indicators_blp.response(200, FrameworkSchema)
def framework(args: dict[str, Any]) -> dict[str, Any]:
    """The framework as a tree: dimensions → 基础/高阶 groups (with 指标内涵) → items (指标内容, 观测重点)."""
    current_user()
    return indicators.tree(indicators.by_version(args.get("version")))


@indicators_blp.route("/indicators/versions", methods=["GET"])
@indicators_blp.response(200, VersionSchema(many=True))
def versions() -> list[Any]:
    """Every version loaded, newest first."""
    current_user()
    return indicators.frameworks()
