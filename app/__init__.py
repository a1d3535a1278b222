"""Application factory: config → extensions → blueprints → CLI → scheduler. Wiring only."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from app.config import load_config, validate
from app.extensions import csrf, db, login_manager, migrate


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(load_config())
    if config:
        app.config.update(config)
    validate(app.config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  (Chinese stays readable in JSON)

    from app import models  # noqa: F401  (registers the tables with the metadata)

    # Ids beyond a 32-bit INTEGER would make PostgreSQL raise: such a URL simply matches nothing (404).
    app.url_map.converters["int"] = _Int32

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.config.get("MIGRATIONS_DIR", _migrations_dir())))
    csrf.init_app(app)
    login_manager.init_app(app)

    from app.api import init_api
    from app.web import init_web

    init_api(app)
    init_web(app)
    _register_error_handlers(app)

    from app.cli import register_cli

    register_cli(app)

    if app.config["SCHEDULER_AUTOSTART"]:
        from app.jobs import start_scheduler

        start_scheduler(app)
    return app


class _Int32(IntegerConverter):
    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _register_error_handlers(app: Flask) -> None:
    """One place maps every error to the API's JSON envelope or a Chinese error page."""
    from flask import request
    from flask_wtf.csrf import CSRFError
    from marshmallow import ValidationError as MarshmallowValidationError
    from werkzeug.exceptions import HTTPException

    from app.api import errors as api_errors
    from app.errors import DomainError
    from app.web.errors import render_error

    def wants_json() -> bool:
        return request.path.startswith("/api/")

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):  # type: ignore[no-untyped-def]
        if wants_json():
            return api_errors.from_domain_error(error)
        return render_error(error.status, error.message)

    @app.errorhandler(MarshmallowValidationError)
    def schema_error(error: MarshmallowValidationError):  # type: ignore[no-untyped-def]
        # A schema loaded by hand (e.g. a multipart body) rather than through webargs.
        if wants_json():
            return api_errors.payload(422, fields=api_errors.flatten_messages(error.messages))
        return render_error(422)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):  # type: ignore[no-untyped-def]
        return render_error(400, "页面已过期或来源不明（CSRF 校验失败），请刷新页面后重新提交。")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        if wants_json():
            return api_errors.from_http_exception(error)
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        from app.extensions import db

        db.session.rollback()
        if wants_json():
            return api_errors.payload(500)
        return render_error(500)


def _migrations_dir() -> str:
    from app.config import ROOT

    return str(ROOT / "migrations")
