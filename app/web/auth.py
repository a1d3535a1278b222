"""Login and logout pages."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user

from app.core import auth
from app.errors import TooManyAttempts, Unauthenticated
from app.web.redirects import same_site_path

bp = Blueprint("auth", __name__)
# Pages an account that must change its one-time password may still open.
PASSWORD_CHANGE_ALLOWED = {"pages.account", "pages.change_password", "auth.logout", "auth.login", "static"}
MUST_CHANGE = "您正在使用初始密码。为保障账号安全，请先设置新密码后再继续使用平台。"


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("pages.home"))
    username = request.form.get("username", "").strip()
    error = None
    status = 200
    if request.method == "POST":
        try:
            user = auth.authenticate(username, request.form.get("password", ""),
                                     request.remote_addr or "-")
        except Unauthenticated as exc:
            error, status = exc.message, 401
        except TooManyAttempts as exc:
            error, status = exc.message, 429
        else:
            # A fresh session at login: nothing from before (e.g. a planted session) carries over.
            next_url = same_site_path(request.args.get("next"), url_for("pages.home"))
            session.clear()
            login_user(user)
            if next_url != url_for("pages.home"):  # the home page greets by itself
                flash(f"欢迎，{user.display_name}", "success")
            return redirect(next_url)
    return render_template("login.html", username=username, error=error), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> ResponseReturnValue:
    auth.end_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("您已安全退出", "info")
    return redirect(url_for("pages.home"))


@bp.before_app_request
def force_password_change() -> ResponseReturnValue | None:
    """An account opened with a one-time password goes to 我的账号 on every page until it has set
    its own (the API, which authenticates by token, is left to its own rules)."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in PASSWORD_CHANGE_ALLOWED or (request.blueprint or "").startswith("api"):
        return None
    if not current_user.is_authenticated or not current_user.must_change_password:
        return None
    flash(MUST_CHANGE, "warning")
    target = url_for("pages.account")
    if request.headers.get("HX-Request") == "true":  # htmx would swap the page into a fragment
        return Response("", headers={"HX-Redirect": target})
    return redirect(target, 303 if request.method != "GET" else 302)
