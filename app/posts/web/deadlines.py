"""育人号 deadlines for the ministry and the operator: set one per cohort, see who is behind."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.core import clock
from app.errors import ValidationFailed
from app.models import DEFAULT_REQUIRED_MODULES, User
from app.posts import deadlines as posts_deadlines
from app.web.numbers import number

bp = Blueprint("post_deadlines", __name__, url_prefix="/yurenhao/deadlines")


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.form.get(name, ""))
    except ValueError:
        return None  # the service says so


def _page(user: User, errors: dict[str, list[str]] | None = None, status: int = 200) -> ResponseReturnValue:
    rows = posts_deadlines.overview(user)
    return render_template("posts/deadlines.html", rows=rows, errors=errors or {}, values=request.form,
                           can_create=posts_deadlines.may_create(user), defaults=DEFAULT_REQUIRED_MODULES,
                           now=clock.now()), status


@bp.route("", methods=["GET", "POST"])
@login_required
def index() -> ResponseReturnValue:
    user = _user()
    if request.method == "GET":
        return _page(user)
    try:
        posts_deadlines.create(user, name=request.form.get("name", ""), due_designated=_date("due_designated"),
                               due_self_pilot=_date("due_self_pilot"),
                               required_modules=request.form.getlist("required_modules"),
                               grace_days=number(request.form.get("grace_days", "21")))  # the service checks
    except ValidationFailed as exc:
        return _page(user, exc.fields, 422)
    flash("已设置育人号建设截止要求，到期前将提醒各试点高校", "success")
    return redirect(url_for(".index"))


@bp.route("/<int(max=2147483647):deadline_id>")
@login_required
def detail(deadline_id: int) -> ResponseReturnValue:
    deadline = posts_deadlines.deadline_for(_user(), deadline_id)
    rows = posts_deadlines.progress(deadline)
    return render_template("posts/deadline.html", deadline=deadline, rows=rows, now=clock.now(),
                           behind=sum(1 for r in rows if not r.complete))
