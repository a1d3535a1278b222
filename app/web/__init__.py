"""Server-rendered pages (Jinja + Bootstrap + htmx), in Simplified Chinese."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, Response, request, url_for
from flask_login import current_user

from app.extensions import login_manager
from app.services import auth as auth_service
from app.services import clock
from app.web import labels, posts_labels, workflow_labels
from app.web.admin import bp as admin_bp
from app.web.auth import bp as auth_bp
from app.web.calendar import bp as calendar_bp
from app.web.complaints import bp as complaints_bp
from app.web.complaints_stats import bp as complaints_stats_bp
from app.web.complaints_work import bp as complaints_work_bp
from app.web.dashboard import bp as dashboard_bp
from app.web.data_platform import bp as data_platform_bp
from app.web.data_platform_assessment import bp as assessment_page_bp
from app.web.instances import bp as instances_bp
from app.web.nav import nav_for
from app.web.notifications import bp as notifications_bp
from app.web.notifications import unread_badge
from app.web.one_time import bp as one_time_bp
from app.web.pages import bp as pages_bp
from app.web.pilot_lists import bp as pilot_lists_bp
from app.web.pilot_public import bp as pilot_public_bp
from app.web.pilot_review import bp as pilot_review_bp
from app.web.posts import bp as posts_bp
from app.web.posts_deadlines import bp as post_deadlines_bp
from app.web.posts_review import bp as posts_review_bp
from app.web.process_admin import bp as process_admin_bp
from app.web.public import bp as public_bp
from app.web.reports import bp as reports_bp
from app.web.tasks import bp as tasks_bp

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


def _page_url(page: int) -> str:
    args: dict[str, Any] = {**request.args.to_dict(), "page": page}
    return url_for(request.endpoint or "pages.home", **(request.view_args or {}), **args)


def init_web(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"
    login_manager.user_loader(auth_service.load_session_user)

    for blueprint in (pages_bp, auth_bp, admin_bp, tasks_bp, instances_bp, process_admin_bp,
                      notifications_bp, calendar_bp, pilot_public_bp, pilot_review_bp, pilot_lists_bp,
                      reports_bp, one_time_bp, complaints_bp, complaints_work_bp, complaints_stats_bp,
                      posts_bp, posts_review_bp, post_deadlines_bp, public_bp, data_platform_bp,
                      assessment_page_bp, dashboard_bp):
        app.register_blueprint(blueprint)
    app.after_request(_security_headers)
    labels.register(app)
    workflow_labels.register(app)
    posts_labels.register(app)
    app.jinja_env.filters["shanghai"] = _shanghai
    app.jinja_env.globals["page_url"] = _page_url
    app.context_processor(lambda: {"nav_items": nav_for(current_user)})
    app.context_processor(unread_badge)
