"""接诉即办 (SPEC §5) for students, phone first: file a complaint (with photos, optionally anonymous),
follow one's complaints, and the detail page every permitted viewer shares — timeline, replies, and the
viewer's own open step (rating, triage, answer, 督办…) embedded as its task form."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from werkzeug.datastructures import FileStorage

from app.complaints import cases as complaints
from app.complaints.web.common import (
    SATISFACTION,
    Step,
    choice_rules,
    done_message,
    open_steps,
    status_of,
    task_form,
    user,
)
from app.core import uploads
from app.errors import Conflict, NotVisible, ValidationFailed
from app.models import User
from app.models.complaint import CHANNELS, Complaint
from app.web.access import roles_required
from app.web.paging import page_number
from app.web.redirects import same_site_path
from app.workflow import tasks

bp = Blueprint("complaints", __name__)
PER_PAGE = 20
FIELDS = ("channel", "category", "title", "content")


def choices() -> dict[str, Any]:
    """Channels and categories with their labels (the settings file decides both)."""
    config = complaints.settings()
    return {"channels": {code: config["channels"][code] for code in CHANNELS},
            "categories": config["categories"]}


def submitted(form: Any) -> dict[str, Any]:
    """A filing form's fields as `complaints.file` takes them."""
    raw: dict[str, Any] = {name: form.get(name, "") for name in FIELDS}
    raw["anonymous"] = form.get("anonymous") == "on"
    return raw


def _photos() -> list[FileStorage]:
    return [f for f in request.files.getlist("photos") if f and f.filename]


def _render_new(values: dict[str, Any], errors: dict[str, list[str]], *, photos_lost: bool = False,
                status: int = 200) -> ResponseReturnValue:
    return render_template("complaints/new.html", values=values, errors=errors, photos_lost=photos_lost,
                           max_photos=complaints.MAX_PHOTOS,
                           photo_hint=uploads.describe_accept(complaints.PHOTO_KINDS),
                           **choices()), status


@bp.route("/complaints/new", methods=["GET", "POST"])
@roles_required("student")
def new() -> ResponseReturnValue:
    if request.method == "GET":
        return _render_new({"channel": request.args.get("channel", "")}, {})
    student = user()
    raw, photos = submitted(request.form), _photos()
    try:
        complaint = complaints.file_with_photos(student, raw, photos)
    except ValidationFailed as exc:
        return _render_new(raw, exc.fields, photos_lost=bool(photos) and "photos" not in exc.fields,
                           status=422)
    flash(f"已提交，编号 #{complaint.id}。处理进展会通知您，也可在“我的反映”中查看。", "success")
    return redirect(url_for(".detail", complaint_id=complaint.id))


@bp.route("/complaints/mine")
@roles_required("student")
def mine() -> ResponseReturnValue:
    student = user()
    page = page_number()
    items, total = complaints.search(student, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    views = [complaints.view(student, c) for c in items]
    rating = {c.id for c, steps in ((c, open_steps(student, c)) for c in items if c.status == "answered")
              if any(s.can_act for s in steps)}
    return render_template("complaints/mine.html", items=[(v, status_of(v), v["id"] in rating) for v in views],
                           total=total, page=page, pages=max((total + PER_PAGE - 1) // PER_PAGE, 1))


# ---------------------------------------------------------------- the detail page

def _similar(viewer: User, complaint: Complaint, steps: list[Step]) -> list[dict[str, Any]]:
    if not any(s.can_act and s.task.form_key == "complaint_dispatch" for s in steps):
        return []
    views = [complaints.view(viewer, other) for other in complaints.similar(viewer, complaint)]
    return [{**v, "badge": status_of(v)} for v in views]


def _back(viewer: User) -> str:
    if viewer.has_role("dispatcher"):
        return url_for("complaints_work.dispatch")
    if viewer.has_role("department_handler"):
        return url_for("complaints_work.department")
    if viewer.has_role("student"):
        return url_for(".mine")
    return url_for("tasks.inbox")


def render_detail(viewer: User, complaint: Complaint, *, failed: tuple[int, Any, Any] | None = None,
                  status: int = 200) -> ResponseReturnValue:
    """The page; `failed` = (task id, posted values, field errors) re-shows a refused step form."""
    view = complaints.view(viewer, complaint)
    steps = open_steps(viewer, complaint)
    for step in steps:
        if step.can_act:
            values, errors = (failed[1], failed[2]) if failed and failed[0] == step.task.id else (None, None)
            step.form = task_form(viewer, complaint, step.task, values, errors)
            step.rules = choice_rules(step.task.form_key)
    merged_into = None
    if view["merged_into_id"]:  # linked for whoever may follow it (a department may not)
        try:
            target = complaints.complaint_for(viewer, view["merged_into_id"])
            merged_into = {"id": target.id, "title": target.title}
        except NotVisible:
            merged_into = {"id": view["merged_into_id"], "title": None}
    photos = [(i, n + 1) for n, i in enumerate(view["attachments"])]
    return render_template(
        "complaints/detail.html", c=view, badge=status_of(view), steps=steps, photos=photos,
        merged_into=merged_into, similar=_similar(viewer, complaint, steps), satisfaction=SATISFACTION,
        back=_back(viewer), staff=not viewer.has_role("student"),
        registered_call=complaint.registered_by is not None), status


@bp.route("/complaints/<int:complaint_id>")
@login_required
def detail(complaint_id: int) -> ResponseReturnValue:
    viewer = user()
    return render_detail(viewer, complaints.complaint_for(viewer, complaint_id))


@bp.route("/complaints/<int:complaint_id>/steps/<int:task_id>", methods=["POST"])
@login_required
def complete_step(complaint_id: int, task_id: int) -> ResponseReturnValue:
    """Submit the embedded form of one of the complaint's steps (same rules as the task page)."""
    viewer = user()
    complaint = complaints.complaint_for(viewer, complaint_id)
    task = tasks.task_for(viewer, task_id)
    if task.instance_id != complaint.instance_id:
        raise NotVisible("任务不存在或无权查看")
    try:
        tasks.complete(viewer, task_id, request.form, from_html=True)
    except ValidationFailed as exc:
        return render_detail(viewer, complaint, failed=(task_id, request.form, exc.fields), status=422)
    except Conflict:
        flash("该事项已被他人办理或已发生变化，请查看最新状态", "warning")
        return redirect(url_for(".detail", complaint_id=complaint_id))
    flash(done_message(task), "success")
    return redirect(same_site_path(request.form.get("next"), url_for(".detail", complaint_id=complaint_id)))


@bp.route("/complaints/<int:complaint_id>/photos/<int:file_id>")
@login_required
def photo(complaint_id: int, file_id: int) -> ResponseReturnValue:
    """A photo of a complaint, to whoever may see the complaint (never by file id alone)."""
    complaint, stored, kind = complaints.photo_for(user(), complaint_id, file_id)
    response = send_file(uploads.open_stream(stored), mimetype=kind.content_type, max_age=0,
                         download_name=f"complaint-{complaint.id}-{file_id}{kind.extensions[0]}")
    response.headers["Cache-Control"] = "private, no-store"
    return response
