"""Login and logout pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user

from app.errors import TooManyAttempts, Unauthenticated
from app.services import auth

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths, so a crafted ?next= cannot send users elsewhere."""
    if not target:
        return url_for("pages.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("pages.home")
    return target


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
            next_url = _safe_next(request.args.get("next"))
            session.clear()
            login_user(user)
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
