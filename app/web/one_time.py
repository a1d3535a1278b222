"""Initial passwords shown once (SPEC §3.3): after a POST that leaves secrets waiting for the person
who made it (the operator's 开通账号 task), the redirect goes to /secrets first, which shows them once
and deletes them, then leads on to where the redirect was going."""

from __future__ import annotations

from flask import Blueprint, Response, make_response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.core import one_time_secrets
from app.web.redirects import same_site_path

bp = Blueprint("one_time", __name__)


def _local(target: str | None) -> str:
    return same_site_path(target, url_for("tasks.inbox"))


@bp.route("/secrets")
@login_required
def show() -> ResponseReturnValue:
    secrets = one_time_secrets.take_for(current_user._get_current_object())
    response = make_response(render_template("one_time/secrets.html", secrets=secrets,
                                             next_url=_local(request.args.get("next"))))
    response.headers["Cache-Control"] = "no-store"  # never from a cache or the back button
    return response


@bp.after_app_request
def show_secrets_next(response: Response) -> Response:
    """Page POSTs only (not the API, not htmx), and only when the answer is a redirect."""
    if (request.method != "POST" or response.status_code not in (302, 303)
            or request.headers.get("HX-Request") == "true" or (request.blueprint or "").startswith("api")
            or not current_user.is_authenticated):
        return response
    if one_time_secrets.pending(current_user._get_current_object()):
        response.location = url_for("one_time.show", next=_local(response.location))
    return response
