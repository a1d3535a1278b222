"""The task inbox and the task page: see, claim, unclaim, complete (one or several at once), comment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.core import clock, deadlines, lookups
from app.errors import Conflict, NotVisible, ValidationFailed
from app.models import HumanTask, User
from app.web.numbers import ids_from
from app.web.paging import page_number
from app.web.redirects import same_site_path
from app.workflow import forms, instances, processes, summary, tasks
from app.workflow.web import labels as workflow_labels
from app.workflow.web.labels import DECISIONS

bp = Blueprint("tasks", __name__)
PER_PAGE = 20
TABS = {"mine": "我的待办", "group": "可认领", "completed": "已办"}
TAKEN = "该任务已被他人办理"


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _can_act(user: User, task: HumanTask) -> bool:
    # The tasks service has no public "may this person act" check; its private rule is the one the
    # service enforces on complete, so the page asks the same rule rather than a copy of it.
    return task.status == "ready" and tasks.may_act(user, task)


def _tabs(user: User) -> dict[str, str]:
    return {**TABS, "all": "全部"} if user.has_role("process_admin") else TABS


# ---------------------------------------------------------------- inbox

@dataclass
class Row:
    task: HumanTask
    process: str
    assignee: str
    completed_by: str
    overdue: bool
    due_soon: bool
    claimable: bool
    selectable: bool
    note: str = ""


def _decidable(form_key: str | None, cache: dict[str | None, bool]) -> bool:
    """A task can join a bulk decision when its form has a `decision` field."""
    if form_key not in cache:
        try:
            cache[form_key] = bool(form_key) and "decision" in forms.load(form_key or "")["properties"]
        except (forms.UnknownForm, forms.FormDefinitionError):
            cache[form_key] = False
    return cache[form_key]


def _rows(user: User, items: list[HumanTask], scope: str, note: str = "") -> list[Row]:
    names = processes.names()
    people = lookups.user_names([t.assignee_id for t in items] + [t.completed_by for t in items])
    now = clock.now()
    cache: dict[str | None, bool] = {}
    rows = []
    for t in items:
        overdue, soon = tasks.deadline_flags(t, now)
        can_act = _can_act(user, t)
        rows.append(Row(
            task=t, process=names.get(t.process_key, t.process_key),
            assignee=people.get(t.assignee_id, "") if t.assignee_id else "",
            completed_by=people.get(t.completed_by, "") if t.completed_by else "",
            overdue=overdue, due_soon=soon, claimable=can_act and t.assignee_id is None,
            selectable=scope in ("mine", "group") and can_act and _decidable(t.form_key, cache),
            note=note))
    return rows


def _end_of_day(text: str) -> datetime | None:
    """A date typed in the filter means "due by the end of that day, Beijing time"."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return deadlines.end_of_day(day)


def _count(user: User, scope: str) -> int:
    return tasks.inbox(user, tasks.InboxQuery(scope=scope, limit=0))[1]


@bp.route("/tasks")
@login_required
def inbox() -> ResponseReturnValue:
    user = _user()
    tabs = _tabs(user)
    scope = request.args.get("scope", "mine")
    scope = scope if scope in tabs else "mine"
    process = request.args.get("process") or None
    overdue = request.args.get("overdue") == "1"
    due_text = request.args.get("due_before", "")
    due_before = _end_of_day(due_text)
    page = page_number()
    items, total = tasks.inbox(user, tasks.InboxQuery(
        scope=scope, process=process, overdue=overdue, due_before=due_before,
        limit=PER_PAGE, offset=(page - 1) * PER_PAGE))
    rows = _rows(user, items, scope)
    return render_template(
        "tasks/inbox.html", tabs=tabs, scope=scope, rows=rows, total=total, page=page,
        pages=max((total + PER_PAGE - 1) // PER_PAGE, 1), processes=processes.names(),
        counts={s: _count(user, s) for s in ("mine", "group")},
        filters={"process": process or "", "overdue": overdue, "due_before": due_text if due_before else ""},
        bulk=any(r.selectable for r in rows), decisions=DECISIONS)


@bp.route("/tasks/<int:task_id>/claim", methods=["POST"])
@login_required
def claim(task_id: int) -> ResponseReturnValue:
    """From the inbox (htmx: answers with the updated row) or from the task page (a plain form)."""
    user = _user()
    htmx = request.headers.get("HX-Request") == "true"
    scope = request.form.get("scope", "group")
    try:
        task = tasks.claim(user, task_id)
    except Conflict as exc:
        if not htmx:
            flash(exc.message, "warning")
            return redirect(same_site_path(request.form.get("next"), url_for(".inbox", scope=scope)))
        # htmx swaps only 2xx answers: the row itself says what happened.
        row = _rows(user, [tasks.task_for(user, task_id)], scope, note=exc.message)[0]
        return render_template("tasks/_row.html", row=row, scope=scope, failed=True)
    if htmx:
        row = _rows(user, [task], scope, note="已认领，可在“我的待办”中办理")[0]
        return render_template("tasks/_row.html", row=row, scope=scope)
    flash(f"已认领：{task.title}", "success")
    return redirect(same_site_path(request.form.get("next"), url_for(".task_page", task_id=task.id)))


@bp.route("/tasks/<int:task_id>/unclaim", methods=["POST"])
@login_required
def unclaim(task_id: int) -> ResponseReturnValue:
    try:
        task = tasks.unclaim(_user(), task_id)
    except Conflict as exc:
        flash(exc.message, "warning")
        return redirect(url_for(".inbox"))
    flash(f"已退回认领，任务回到“可认领”列表：{task.title}", "info")
    return redirect(url_for(".task_page", task_id=task.id))


@bp.route("/tasks/bulk", methods=["POST"])
@login_required
def bulk() -> ResponseReturnValue:
    """One decision for several tasks; each succeeds or fails on its own, the flash sums it up."""
    user = _user()
    scope = request.form.get("scope", "mine")
    back = url_for(".inbox", scope=scope if scope in TABS else "mine")
    ids = ids_from(request.form.getlist("task_ids"))
    decision = request.form.get("decision", "")
    comment = request.form.get("comment", "").strip()
    if not ids:
        flash("请先勾选要办理的任务", "warning")
        return redirect(back)
    if decision not in DECISIONS:
        flash("请选择办理结论", "warning")
        return redirect(back)
    if decision != "approve" and not comment:
        flash("不通过或退回修改时须填写意见", "warning")
        return redirect(back)
    data: dict[str, Any] = {"decision": decision, **({"comment": comment} if comment else {})}
    outcomes = tasks.complete_many(user, ids, data)
    done = sum(o.ok for o in outcomes)
    failed = [o for o in outcomes if not o.ok]
    message = f"已办理 {done} 项"
    if failed:
        reasons = "；".join(f"{_title(user, o.task_id)}（{_reason(o)}）" for o in failed)
        message += f"，{len(failed)} 项未能办理：{reasons}"
    flash(message, "warning" if failed else "success")
    return redirect(back)


def _title(user: User, task_id: int) -> str:
    try:
        return tasks.task_for(user, task_id).title
    except NotVisible:
        return f"任务 #{task_id}"


def _reason(outcome: tasks.BulkOutcome) -> str:
    if outcome.status == 422:
        return "所填内容不符合该任务的表单要求，请打开任务单独办理"
    return outcome.message


# ---------------------------------------------------------------- task page

def _form(user: User, task: HumanTask, values: Any = None, errors: Any = None,
          files: Any = None) -> forms.HtmlForm | None:
    if not task.form_key or not _can_act(user, task):
        return None
    return forms.html_form(task.form_key, tasks.form_context(task), values, errors, files,
                           actor_id=user.id, actor_org_id=user.org_id)


def _render_task(user: User, task: HumanTask, form: forms.HtmlForm | None, *, status: int = 200,
                 comment_errors: list[str] | None = None, comment_body: str = "") -> ResponseReturnValue:
    instance = task.instance
    labels = workflow_labels.field_labels(t.form_key for t in instances.all_tasks(instance))
    comments = tasks.comments(task)
    people = lookups.user_names([task.assignee_id, task.completed_by])
    overdue, due_soon = tasks.deadline_flags(task, clock.now())
    return render_template(
        "tasks/task.html", task=task, instance=instance, definition=instance.definition, form=form,
        data=summary.case_summary(instance),
        result=workflow_labels.rows_for(task.result, labels) if task.result else [],
        assignee=people.get(task.assignee_id or 0, ""), completed_by=people.get(task.completed_by or 0, ""),
        overdue=overdue,
        due_soon=due_soon,
        can_act=_can_act(user, task),
        can_claim=_can_act(user, task) and task.assignee_id is None,
        can_unclaim=task.status == "ready" and task.assignee_id is not None and tasks.may_unclaim(user, task),
        comments=comments, comment_errors=comment_errors or [], comment_body=comment_body,
    ), status


@bp.route("/tasks/<int:task_id>")
@login_required
def task_page(task_id: int) -> ResponseReturnValue:
    user = _user()
    task = tasks.task_for(user, task_id)
    return _render_task(user, task, _form(user, task))


@bp.route("/tasks/<int:task_id>/complete", methods=["POST"])
@login_required
def complete(task_id: int) -> ResponseReturnValue:
    user = _user()
    task = tasks.task_for(user, task_id)
    files: dict[str, int | list[int]] = {}
    try:
        if task.form_key and request.files:
            files = forms.files_from_request(task.form_key, request.files, user.id, user.org_id)
        tasks.complete(user, task_id, request.form, from_html=True, files=files)
    except ValidationFailed as exc:
        # The uploads of a refused post are only flushed and roll back with it: the page asks for
        # them again instead of offering ids that will not exist.
        form = _form(user, task, request.form, exc.fields)
        return _render_task(user, task, form, status=422)
    except Conflict:
        flash(TAKEN, "warning")
        return redirect(url_for(".inbox"))
    flash(f"已办理：{task.title}", "success")
    return redirect(url_for(".inbox"))


@bp.route("/tasks/<int:task_id>/comments", methods=["POST"])
@login_required
def comment(task_id: int) -> ResponseReturnValue:
    user = _user()
    body = request.form.get("body", "")
    try:
        tasks.add_comment(user, task_id, body)
    except ValidationFailed as exc:
        task = tasks.task_for(user, task_id)
        return _render_task(user, task, _form(user, task), status=422,
                            comment_errors=exc.fields.get("body", [exc.message]), comment_body=body)
    flash("评论已发表", "success")
    return redirect(url_for(".task_page", task_id=task_id, _anchor="comments"))
