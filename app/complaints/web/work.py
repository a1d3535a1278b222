"""接诉即办 workbenches: the dispatcher's (tickets to triage — psychological hotline first, then by triage
deadline —, extension requests, 回访, decisions, registering a hotline call) and the department's
(tickets to answer before their deadline). The steps themselves are done on the complaint's page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.complaints import cases as complaints
from app.complaints.web.common import STATUS, status_of, step_of, user
from app.complaints.web.student import choices, submitted
from app.errors import ValidationFailed
from app.models import HumanTask, User
from app.models.complaint import COMPLAINT_STATUSES, Complaint
from app.web.access import roles_required
from app.web.paging import page_number

bp = Blueprint("complaints_work", __name__)
PER_PAGE = 20
# The dispatcher's open steps, by form, in the order the workbench shows them.
DISPATCH_SECTIONS = (
    ("complaint_dispatch", "待转办", "新反映、部门退回和学生不满意重办的工单：交办部门、合并或不予受理。"),
    ("complaint_extension", "延期申请", "部门申请延长答复期限，请审批。"),
    ("complaint_leadership", "待决定", "学生仍不满意且重办次数已满（心理热线工单由转办中心决定）。"),
    ("complaint_follow_up", "回访", "抽样回访已办结的工单。"),
)
LIST_STATUS = {**{code: STATUS[code][0] for code in STATUS}, "closed": "已办结"}


def _row(viewer: User, task: HumanTask, complaint: Complaint) -> dict[str, Any]:
    view = complaints.view(viewer, complaint)
    return {"c": view, "badge": status_of(view), "step": step_of(viewer, task),
            "urgent": complaints.settings()["channels"][complaint.channel].get("urgent", False)}


def _triage_order(row: dict[str, Any]) -> tuple[Any, ...]:
    """Psychological hotline first, then the soonest triage deadline, then the oldest."""
    due = row["step"].task.due_at
    return (not row["urgent"], due is None, due.timestamp() if due else 0, row["c"]["id"])


def _listing(viewer: User, status: str | None) -> tuple[list[dict[str, Any]], int, int]:
    page = page_number()
    items, total = complaints.search(viewer, status=status, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    rows = []
    for complaint in items:
        view = complaints.view(viewer, complaint)
        rows.append({"c": view, "badge": status_of(view)})
    return rows, total, page


@bp.route("/complaints/dispatch")
@roles_required("dispatcher")
def dispatch() -> ResponseReturnValue:
    viewer = user()
    by_form: dict[str, list[dict[str, Any]]] = {key: [] for key, _, _ in DISPATCH_SECTIONS}
    for task, complaint in complaints.open_tasks(viewer):
        if task.form_key in by_form and task.role == "dispatcher":
            by_form[task.form_key].append(_row(viewer, task, complaint))
    by_form["complaint_dispatch"].sort(key=_triage_order)
    status = request.args.get("status", "")
    status = status if status in COMPLAINT_STATUSES else ""
    rows, total, page = _listing(viewer, status or None)
    return render_template("complaints/dispatch.html", sections=DISPATCH_SECTIONS, by_form=by_form,
                           rows=rows, total=total, page=page, pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
                           status=status, statuses=LIST_STATUS)


@bp.route("/complaints/dispatch/call", methods=["GET", "POST"])
@roles_required("dispatcher")
def call() -> ResponseReturnValue:
    """Hotline staff register a call for a student (their account, or just the caller's name)."""
    if request.method == "GET":
        return render_template("complaints/call.html", values={}, errors={}, **choices())
    raw = {**submitted(request.form), "student_username": request.form.get("student_username", ""),
           "caller_name": request.form.get("caller_name", "")}
    try:
        complaint = complaints.file(user(), raw, on_behalf=True)
    except ValidationFailed as exc:
        return render_template("complaints/call.html", values=raw, errors=exc.fields, **choices()), 422
    flash(f"来电已登记，编号 #{complaint.id}，请转办。", "success")
    return redirect(url_for("complaints.detail", complaint_id=complaint.id))


@bp.route("/complaints/department")
@roles_required("department_handler")
def department() -> ResponseReturnValue:
    viewer = user()
    to_answer = [_row(viewer, task, complaint) for task, complaint in complaints.open_tasks(viewer)
                 if task.form_key == "complaint_answer"]
    waiting_ids = {row["c"]["id"] for row in to_answer}
    # Dispatched here, no answer step open: the department asked for more time and waits for the decision.
    assigned, _ = complaints.search(viewer, status="assigned", limit=200)
    pending = [complaints.view(viewer, c) for c in assigned
               if c.id not in waiting_ids and c.department_id == viewer.org_id]
    rows, total, page = _listing(viewer, None)
    return render_template("complaints/department.html", to_answer=to_answer, pending=pending, rows=rows,
                           total=total, page=page, pages=max((total + PER_PAGE - 1) // PER_PAGE, 1))
