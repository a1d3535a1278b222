"""育人号 deadlines for the ministry and the operator: set one per cohort, see who is behind."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.core import clock
from app.errors import Forbidden, ValidationFailed
from app.extensions import db
from app.models import DEFAULT_REQUIRED_MODULES, User
from app.posts import deadlines as posts_deadlines
from app.web.numbers import number

bp = Blueprint("post_deadlines", __name__, url_prefix="/yurenhao/deadlines")
CREATORS = ("moe_reviewer", "process_admin")


def _reader() -> User:
    user: User = current_user._get_current_object()
    if not user.has_role(*posts_deadlines.READERS):
        raise Forbidden("只有思政司、高校思政网和平台管理员可以查看育人号建设进度")
    return user


def _date(name: str, fields: dict[str, list[str]]) -> date | None:
    try:
        return date.fromisoformat(request.form.get(name, ""))
    except ValueError:
        fields[name] = ["请填写有效日期"]
        return None


def _page(user: User, errors: dict[str, list[str]] | None = None, status: int = 200) -> ResponseReturnValue:
    rows = [(d, posts_deadlines.behind(d)) for d in posts_deadlines.deadlines()]
    return render_template("posts/deadlines.html", rows=rows, errors=errors or {}, values=request.form,
                           can_create=user.has_role(*CREATORS), defaults=DEFAULT_REQUIRED_MODULES,
                           now=clock.now()), status


@bp.route("", methods=["GET", "POST"])
@login_required
def index() -> ResponseReturnValue:
    user = _reader()
    if request.method == "GET":
        return _page(user)
    if not user.has_role(*CREATORS):
        raise Forbidden("只有思政司和平台管理员可以设置截止要求")
    fields: dict[str, list[str]] = {}
    designated, self_pilot = _date("due_designated", fields), _date("due_self_pilot", fields)
    grace = number(request.form.get("grace_days", "21"))  # the service says what range it takes
    if grace is None:
        fields["grace_days"] = ["请填写整数天数"]
    try:
        if fields or designated is None or self_pilot is None or grace is None:
            raise ValidationFailed("截止要求有误", fields)
        posts_deadlines.create(name=request.form.get("name", ""), due_designated=designated,
                               due_self_pilot=self_pilot, required_modules=request.form.getlist("required_modules"),
                               grace_days=grace, actor_id=user.id)
    except ValidationFailed as exc:
        db.session.rollback()
        return _page(user, exc.fields, 422)
    flash("已设置育人号建设截止要求，到期前将提醒各试点高校", "success")
    return redirect(url_for(".index"))


@bp.route("/<int(max=2147483647):deadline_id>")
@login_required
def detail(deadline_id: int) -> ResponseReturnValue:
    _reader()
    deadline = posts_deadlines.deadline_or_404(deadline_id)
    rows = posts_deadlines.progress(deadline)
    return render_template("posts/deadline.html", deadline=deadline, rows=rows, now=clock.now(),
                           behind=sum(1 for r in rows if not r.complete))
