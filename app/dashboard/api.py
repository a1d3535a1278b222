"""驾驶舱 endpoints: the datasets of the national dashboard and of a university's own, each as JSON
(table + chart) and as a CSV/XLSX download, and the 脉络式比较 of universities (national roles)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response
from flask_smorest import Blueprint

from app.api.auth_context import current_user
from app.dashboard import catalogue as dashboard
from app.dashboard.schemas import CompareArgs, ComparisonSchema, DashboardSchema, DatasetSchema, ExportArgs, ScopeArgs

blp = Blueprint("api_dashboard", __name__, url_prefix="/api/v1", description="驾驶舱与比较")


@blp.route("/dashboard", methods=["GET"])
@blp.arguments(ScopeArgs, location="query")
@blp.response(200, DashboardSchema)
def overview(args: dict[str, Any]) -> dict[str, Any]:
    """The datasets of the caller's dashboard (national, or the university's own)."""
    scope = dashboard.scope_for(current_user(), args.get("university_id"))
    return {"scope": {"university_id": scope.university.id if scope.university else None, "name": scope.name},
            "datasets": [{"key": k, "title": dashboard.REGISTRY[k].title} for k in dashboard.keys_for(scope)]}


@blp.route("/dashboard/<key>", methods=["GET"])
@blp.arguments(ScopeArgs, location="query")
@blp.response(200, DatasetSchema)
def dataset(args: dict[str, Any], key: str) -> dict[str, Any]:
    """One dataset: `columns` and `rows` (the table and the export) and `chart` (what the page draws)."""
    scope = dashboard.scope_for(current_user(), args.get("university_id"), round_id=args.get("round_id"))
    return dashboard.build(scope, key).as_json(scope)


@blp.route("/dashboard/<key>/export", methods=["GET"])
@blp.arguments(ExportArgs, location="query")
@blp.response(200, content_type="application/octet-stream")
def export(args: dict[str, Any], key: str) -> Response:
    """The dataset's table as CSV (UTF-8 with BOM) or XLSX."""
    scope = dashboard.scope_for(current_user(), args.get("university_id"), round_id=args.get("round_id"))
    content, mimetype, filename = dashboard.export(scope, key, args["format"])
    return Response(content, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


@blp.route("/comparison", methods=["GET"])
@blp.arguments(CompareArgs, location="query")
@blp.response(200, ComparisonSchema)
def comparison(args: dict[str, Any]) -> dict[str, Any]:
    """Two to ten universities side by side per dimension (one round) and over the rounds (national roles)."""
    scope = dashboard.scope_for(current_user(), None, round_id=args.get("round_id"),
                                university_ids=args["university_ids"])
    return {"by_dimension": dashboard.build(scope, "comparison").as_json(scope),
            "by_round": dashboard.build(scope, "comparison_trend").as_json(scope)}
