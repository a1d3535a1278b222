"""Application factory: config → extensions → each domain's plugin → API and pages → CLI → scheduler.
Wiring only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from app.config import load_config, validate
from app.extensions import csrf, db, login_manager, migrate

if TYPE_CHECKING:
    from app.workflow.plugins import Plugin


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(load_config())
    if config:
        app.config.update(config)
    validate(app.config)
    assert isinstance(app.json, DefaultJSONProvider)
    app.json.ensure_ascii = False  # Chinese stays readable in JSON
    if app.config["TRUSTED_PROXIES"] > 0:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    from app import models  # noqa: F401  (registers the tables with the metadata)

    # Ids beyond a 32-bit INTEGER would make PostgreSQL raise: such a URL simply matches nothing (404).
    app.url_map.converters["int"] = _Int32

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.config.get("MIGRATIONS_DIR", _migrations_dir())))
    csrf.init_app(app)
    login_manager.init_app(app)

    domains = _install_plugins(app)
    from app.api import init_api
    from app.web import init_web

    init_api(app, [bp for plugin in domains for bp in plugin.api])
    init_web(app, [bp for plugin in domains for bp in plugin.pages])
    app.before_request(_refuse_nul_characters)
    _register_error_handlers(app)

    from app.cli import register_cli

    register_cli(app)

    if app.config["SCHEDULER_AUTOSTART"]:
        from app.jobs import start_scheduler

        start_scheduler(app)
    return app


def _install_plugins(app: Flask) -> list[Plugin]:
    """Each domain plugs into the core here, and only here: the core never names a domain. The order is
    that of the pages, the API document's sections and the scheduler's scans."""
    from app.assessment.plugin import plugin as assessment
    from app.complaints.plugin import plugin as complaints
    from app.dashboard.plugin import plugin as dashboard
    from app.pilot.plugin import plugin as pilot
    from app.posts.plugin import plugin as posts
    from app.workflow import plugins
    from app.workflow.plugin import plugin as workflow

    domains = [workflow, pilot, posts, complaints, assessment, dashboard]
    for plugin in domains:
        plugins.install(plugin)
        if plugin.init_app is not None:
            plugin.init_app(app)
    return domains


class _Int32(IntegerConverter):
    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains_nul(v) for v in value)
    return False


def _refuse_nul_characters() -> None:
    """No input of this platform legitimately contains a NUL character, and PostgreSQL cannot store one
    in text: it raised, and the request ended in a 500 (issue #9, found by schemathesis). Refuse it up
    front, in the path, the query, form fields (not uploaded files) and JSON bodies."""
    from flask import request

    from app.errors import ValidationFailed

    fields: list[Any] = [request.path, *(x for k, vs in request.args.lists() for x in (k, *vs))]
    if request.method in {"POST", "PUT", "PATCH"}:
        fields += [x for k, vs in request.form.lists() for x in (k, *vs)]
        if request.is_json:
            fields.append(request.get_json(silent=True))
    if any(_contains_nul(f) for f in fields):
        raise ValidationFailed("输入含有不允许的控制字符", {"_body": ["输入含有不允许的控制字符（NUL）"]})


def _register_error_handlers(app: Flask) -> None:
    """One place maps every error to the API's JSON envelope or a Chinese error page."""
    from flask import make_response, request
    from flask_wtf.csrf import CSRFError
    from marshmallow import ValidationError as MarshmallowValidationError
    from werkzeug.exceptions import HTTPException

    from app.api import errors as api_errors
    from app.errors import DomainError, Forbidden, NotVisible, TooManyAttempts
    from app.web.errors import render_error

    def _audit_refusal(error: DomainError) -> None:
        """A 403, or a service's 404 for an object the caller may not see, goes to the audit log (not an
        unknown URL: that is werkzeug's NotFound, not a DomainError). Issue #9, ASVS 7.2."""
        from flask import g
        from flask_login import current_user

        from app.core import security_audit

        user = g.get("api_user") if wants_json() else (current_user if current_user.is_authenticated else None)
        security_audit.record_refusal(security_audit.Refusal(
            status=error.status, code=error.code, method=request.method, path=request.path,
            endpoint=request.endpoint, actor_id=getattr(user, "id", None), org_id=getattr(user, "org_id", None),
            address=request.remote_addr or "-"))

    def wants_json() -> bool:
        return request.path.startswith("/api/")

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):  # type: ignore[no-untyped-def]
        if isinstance(error, Forbidden | NotVisible):
            _audit_refusal(error)
        response = make_response(api_errors.from_domain_error(error) if wants_json()
                                 else render_error(error.status, error.message))
        if isinstance(error, TooManyAttempts) and error.retry_after:
            response.headers["Retry-After"] = str(error.retry_after)
        return response

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
