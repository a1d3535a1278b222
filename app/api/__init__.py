"""The JSON API under /api/v1 (flask-smorest): token auth, media types, OpenAPI document."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask, request
from flask_smorest import Api, Blueprint

from app.api import auth, orgs, users
from app.api.auth_context import allowed_mimetypes, authenticate_request, requires_body
from app.errors import DomainError
from app.extensions import csrf
from app.schemas.common import ErrorSchema

PREFIX = "/api/v1"
SHELL_BLUEPRINTS = (auth.blp, orgs.blp, users.blp)


class PlatformApi(Api):
    """flask-smorest with our error envelope; errors are handled by the app-wide handlers."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        pass


class UnsupportedMediaType(DomainError):
    """不支持的内容类型"""

    status = 415
    code = "unsupported_media_type"


class MissingBody(DomainError):
    """请求体不能为空"""

    status = 422
    code = "validation_failed"


def _before_api_request() -> None:
    if not request.path.startswith(PREFIX + "/") or request.path == f"{PREFIX}/openapi.json":
        return
    has_body = request.method in {"POST", "PUT", "PATCH"} and bool(request.content_length or request.data)
    if has_body and request.mimetype not in allowed_mimetypes():
        taken = "、".join(sorted(allowed_mimetypes(), key=lambda m: (m != "application/json", m)))
        raise UnsupportedMediaType(f"不支持的内容类型 {request.mimetype or '（未指定）'}，请使用 {taken}")
    authenticate_request()  # and the endpoint's roles: a 403 comes before any complaint about the body
    if request.method in {"POST", "PUT", "PATCH"} and not has_body and requires_body():
        raise MissingBody("请求体不能为空，请发送 JSON 对象", fields={"_body": ["请求体不能为空"]})


def init_api(app: Flask, domain_blueprints: Sequence[Blueprint]) -> None:
    """The shell's endpoints (tokens, organisations, users), then those the domains' plugins bring."""
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
    for blueprint in (*SHELL_BLUEPRINTS, *domain_blueprints):
        api.register_blueprint(blueprint)
        # The API authenticates with bearer tokens, not cookies, so cookie CSRF does not apply.
        csrf.exempt(blueprint)
    app.before_request(_before_api_request)
