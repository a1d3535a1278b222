"""Home, my account and the API documentation page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user

from app.core import auth
from app.errors import ValidationFailed
from app.pilot import stats
from app.posts import public as posts_public
from app.posts import showcase
from app.web import page_cache

bp = Blueprint("pages", __name__)


@bp.route("/")
def home() -> ResponseReturnValue:
    """The public homepage: pilot figures and their map by province, the latest 育人号 posts across
    universities and the 成果展示 highlights (cached for anonymous visitors, like the 育人号 pages)."""
    def render() -> str:
        latest, _ = posts_public.search(posts_public.Filters(), limit=6)
        featured, _ = showcase.admitted(limit=5)
        return render_template("home.html", pilots=stats.pilot_summary(), latest=latest, featured=featured,
                               by_province=posts_public.pilots_by_province())
    return page_cache.cached(render, posts_public.version)


@bp.route("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """Browsers ask for /favicon.ico whatever the page says: the same icon, not a 404 on every page."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.route("/account", methods=["GET"])
@login_required
def account() -> ResponseReturnValue:
    return render_template("account.html", tokens=auth.active_tokens(current_user), errors={})


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password() -> ResponseReturnValue:
    user = current_user._get_current_object()
    try:
        auth.change_password(user, request.form.get("current_password", ""),
                             request.form.get("new_password", ""))
    except ValidationFailed as exc:
        return render_template("account.html", tokens=auth.active_tokens(user),
                               errors=exc.fields), 422
    # The password change rotated the session nonce; log this browser back in with the new one.
    login_user(user)
    flash("密码已修改，其他设备上的登录和接口令牌已全部失效", "success")
    return redirect(url_for("pages.account"))


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int) -> ResponseReturnValue:
    auth.revoke_token_id(current_user, token_id)
    flash("令牌已吊销", "info")
    return redirect(url_for("pages.account"))


@bp.route("/api-docs")
def api_docs() -> ResponseReturnValue:
    return render_template("api_docs.html")
