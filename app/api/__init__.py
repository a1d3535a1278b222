"""The JSON API under /api/v1 (flask-smorest): token auth, media types, OpenAPI document."""

from __future__ import annotations

from flask import Flask, request
from flask_smorest import Api

from app.api import (
    assessments,
    auth,
    complaints,
    dashboard,
    indicators,
    orgs,
    pilot,
    posts,
    posts_public,
    processes,
    reports,
    tasks,
    users,
)
from app.api.auth_context import allowed_mimetypes, authenticate_request
from app.errors import DomainError
from app.extensions import csrf
from app.schemas.common import ErrorSchema

PREFIX = "/api/v1"
BLUEPRINT_MODULES = (auth, orgs, users, processes, tasks, pilot, reports, complaints, posts, posts_public,
                     indicators, assessments, dashboard)


class PlatformApi(Api):
    """flask-smorest with our error envelope; errors are handled by the app-wide handlers."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        pass


class UnsupportedMediaType(DomainError):
    """不支持的内容类型"""

    status = 415
    code = "unsupported_media_type"


def _before_api_request() -> None:
    if not request.path.startswith(PREFIX + "/") or request.path == f"{PREFIX}/openapi.json":
        return
    if request.method in {"POST", "PUT", "PATCH"} and (request.content_length or request.data):
        if request.mimetype not in allowed_mimetypes():
            raise UnsupportedMediaType(
                f"不支持的内容类型 {request.mimetype or '（未指定）'}，请使用 application/json"
            )
    authenticate_request()


def init_api(app: Flask) -> None:
    api = PlatformApi(
        app,
        spec_kwargs={
            "info": {"description": "一站式学生社区云平台公开接口。除标注为公开的接口外均需 Bearer 令牌。"},
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}
            },
            "security": [{"bearerAuth": []}],
        },
    )
    for module in BLUEPRINT_MODULES:
        api.register_blueprint(module.blp)
        # The API authenticates with bearer tokens, not cookies, so cookie CSRF does not apply.
        csrf.exempt(module.blp)
    app.before_request(_before_api_request)
