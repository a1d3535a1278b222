"""Server-rendered pages (Jinja + Bootstrap + htmx), in Simplified Chinese."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request, url_for
from flask_login import current_user

from app.core import auth as auth_service
from app.core import clock
from app.extensions import login_manager
from app.web import labels
from app.web.admin import bp as admin_bp
from app.web.auth import bp as auth_bp
from app.web.nav import nav_for
from app.web.notifications import bp as notifications_bp
from app.web.notifications import unread_badge
from app.web.one_time import bp as one_time_bp
from app.web.pages import bp as pages_bp

# No inline script anywhere: every page's JavaScript is a file under /static.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith(("/login", "/account", "/admin")):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _shanghai(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return clock.as_utc(value).astimezone(clock.SHANGHAI).strftime(fmt)


def _attr_json(value: Any) -> str:
    """JSON for a data-* attribute, `data-series="{{ value | attr_json }}"`: a plain string, so Jinja
    escapes it for the attribute; the page's script JSON.parses the attribute's value."""
    return str(current_app.json.dumps(value))


def _page_url(page: int) -> str:
    args: dict[str, Any] = {**request.args.to_dict(), "page": page}
    return url_for(request.endpoint or "pages.home", **(request.view_args or {}), **args)


def init_web(app: Flask, domain_blueprints: Sequence[Blueprint]) -> None:
    """The shell's pages (home, login, account, administration), then those the domains' plugins bring."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"
    login_manager.user_loader(auth_service.load_session_user)

    for blueprint in (pages_bp, auth_bp, admin_bp, notifications_bp, one_time_bp, *domain_blueprints):
        app.register_blueprint(blueprint)
    app.after_request(_security_headers)
    labels.register(app)
    app.jinja_env.filters["shanghai"] = _shanghai
    app.jinja_env.filters["attr_json"] = _attr_json
    app.jinja_env.globals["page_url"] = _page_url
    app.context_processor(lambda: {"nav_items": nav_for(current_user)})
    app.context_processor(unread_badge)
