"""The working-day calendar (process_admin): single dates that differ from the statutory calendar."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.core import clock
from app.web.access import roles_required
from app.workflow import work_calendar

bp = Blueprint("calendar", __name__, url_prefix="/admin/calendar")
WEEKDAYS = "一二三四五六日"
KINDS = {"workday": "工作日", "holiday": "休息日"}


def _page(errors: dict[str, list[str]] | None = None, form: dict[str, str] | None = None) -> ResponseReturnValue:
    calendar = work_calendar.current()
    rows = [{"row": r, "weekday": f"周{WEEKDAYS[r.day.weekday()]}"} for r in work_calendar.overrides()]
    today = clock.now().astimezone(clock.SHANGHAI).date()
    return render_template("calendar/index.html", rows=rows, kinds=KINDS, errors=errors or {},
                           form=form or {}, today=today, today_is_workday=calendar.is_workday(today)), \
        422 if errors else 200


@bp.route("", methods=["GET"])
@roles_required("process_admin")
def index() -> ResponseReturnValue:
    return _page()


@bp.route("", methods=["POST"])
@roles_required("process_admin")
def add() -> ResponseReturnValue:
    form = {k: request.form.get(k, "").strip() for k in ("day", "kind", "note")}
    errors: dict[str, list[str]] = {}
    day = None
    try:
        day = date.fromisoformat(form["day"])
    except ValueError:
        errors["day"] = ["请填写有效日期 (YYYY-MM-DD)"]
    if form["kind"] not in KINDS:
        errors["kind"] = ["请选择工作日或休息日"]
    if len(form["note"]) > 200:
        errors["note"] = ["备注最多 200 字"]
    if errors or day is None:
        return _page(errors, form)
    work_calendar.set_override(day, form["kind"] == "workday", form["note"], actor_id=current_user.id)
    flash(f"已设置：{day.isoformat()} 为{KINDS[form['kind']]}", "success")
    return redirect(url_for(".index"))


@bp.route("/<day>/remove", methods=["POST"])
@roles_required("process_admin")
def remove(day: str) -> ResponseReturnValue:
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        flash("日期无效", "warning")
        return redirect(url_for(".index"))
    work_calendar.remove_override(parsed, actor_id=current_user.id)
    flash(f"已删除 {parsed.isoformat()} 的调整，恢复法定日历", "info")
    return redirect(url_for(".index"))
