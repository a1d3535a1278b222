"""The indicator framework (提质增效指南) as data: the tree of a version, and the versions loaded."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from app.api.auth_context import current_user
from app.schemas.indicators import FrameworkSchema, IndicatorArgs, VersionSchema
from app.services import indicators

blp = Blueprint("api_indicators", __name__, url_prefix="/api/v1", description="指标体系")


@blp.route("/indicators", methods=["GET"])
@blp.arguments(IndicatorArgs, location="query")
@blp.response(200, FrameworkSchema)
def framework(args: dict[str, Any]) -> dict[str, Any]:
    """The framework as a tree: dimensions → 基础/高阶 groups (with 指标内涵) → items (指标内容, 观测重点)."""
    current_user()
    return indicators.tree(indicators.by_version(args.get("version")))


@blp.route("/indicators/versions", methods=["GET"])
@blp.response(200, VersionSchema(many=True))
def versions() -> list[Any]:
    """Every version loaded, newest first."""
    current_user()
    return indicators.frameworks()
