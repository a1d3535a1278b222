"""What the `complaint` BPMN's service tasks do, and the checks on its forms beyond their schemas.

Each function gets the step context (instance, actor, the step's clock) and the task data; it writes
the complaint's own tables in the step's transaction and returns what the BPMN reads next (e.g. the
answer deadline under `assignment['answer_due']`)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.util import identity_key

from app.complaints import rollup as complaint_rollup
from app.complaints.cases import settings
from app.core import audit, clock, notifications, transaction_scope
from app.errors import ValidationFailed
from app.extensions import db
from app.models import HumanTask
from app.models.complaint import Complaint, ComplaintAssignment, ComplaintFollowUp, ComplaintReply
from app.workflow import work_calendar
from app.workflow.service_tasks import StepContext

# The session forgets an unchanged row nobody holds on to: keep the complaints of this transaction so that
# a step's form check and its service tasks read the complaint once (issue #8), not once each.
_KEPT = transaction_scope.key("complaint_steps.complaints")
# … and its current dispatch, which the answer's form check and service task both need.
_DISPATCHES = transaction_scope.key("complaint_steps.current_dispatches")


def _complaint(data: dict[str, Any]) -> Complaint:
    complaint_id = int(data["complaint_id"])
    kept: dict[int, Complaint] = db.session.info.setdefault(_KEPT, {})
    complaint = kept.get(complaint_id)
    if complaint is None or complaint not in db.session:  # never a row the session let go of
        complaint = _read(complaint_id)
    if complaint is None:
        raise LookupError(f"complaint {data.get('complaint_id')} not found")
    kept[complaint_id] = complaint
    return complaint


def _read(complaint_id: int) -> Complaint | None:
    """The complaint with its dispatches in one statement, its row locked for the step (PostgreSQL): it
    serves the step's checks and services, its current dispatch, and the rollup's share of the complaint
    before the step (complaint_rollup.note_loaded), which the rollup would otherwise read again."""
    fresh = db.session.identity_map.get(identity_key(Complaint, complaint_id)) is None
    rows = db.session.execute(
        select(Complaint, ComplaintAssignment)
        .outerjoin(ComplaintAssignment, ComplaintAssignment.complaint_id == Complaint.id)
        .where(Complaint.id == complaint_id).order_by(ComplaintAssignment.id)
        .with_for_update(of=Complaint)).all()
    if not rows:
        return None
    complaint = rows[0][0]
    dispatches = [dispatch for _, dispatch in rows if dispatch is not None]
    db.session.info.setdefault(_DISPATCHES, {}).setdefault(complaint_id, dispatches[-1] if dispatches else None)
    if fresh:
        complaint_rollup.note_loaded(db.session(), complaint, dispatches)
    return complaint


def _now(ctx: StepContext) -> datetime:
    return ctx.now or clock.now()


def _current_assignment(complaint: Complaint) -> ComplaintAssignment | None:
    kept: dict[int, ComplaintAssignment | None] = db.session.info.setdefault(_DISPATCHES, {})
    if complaint.id not in kept:
        kept[complaint.id] = db.session.scalar(
            select(ComplaintAssignment).where(ComplaintAssignment.complaint_id == complaint.id)
            .order_by(ComplaintAssignment.id.desc()).limit(1))
    return kept[complaint.id]


def _event(action: str, complaint: Complaint, ctx: StepContext, **detail: Any) -> None:
    audit.record(action, "complaint", complaint.id, actor_id=ctx.actor_id, org_id=complaint.university_id,
                 **detail)


def _tell_student(complaint: Complaint, title: str) -> None:
    if complaint.student_id is not None:  # a foreign key: the account exists
        notifications.notify_ids([complaint.student_id], kind="complaint", title=title,
                                 link=f"/complaints/{complaint.id}")


def assign(ctx: StepContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    complaint = _complaint(data)
    department_id = int(data["department_id"])
    days = int(data.get("deadline_days") or settings()["categories"][complaint.category]["deadline_days"])
    due = work_calendar.current().add_working_days(_now(ctx), days)
    previous = _current_assignment(complaint)
    if previous is not None and previous.outcome == "sent_back" and previous.department_id != department_id:
        previous.outcome = "sent_back_upheld"  # it really was misrouted: not the department's failure
    current = ComplaintAssignment(complaint_id=complaint.id, department_id=department_id,
                                  university_id=complaint.university_id, channel=complaint.channel,
                                  assigned_by=ctx.actor_id, assigned_at=_now(ctx), due_at=due)
    db.session.add(current)
    db.session.info.setdefault(_DISPATCHES, {})[complaint.id] = current
    complaint.status, complaint.department_id, complaint.answer_due = "assigned", department_id, due
    _event("complaint.assigned", complaint, ctx, department_id=department_id, deadline_days=days)
    # The department's handlers are told by the answer task's own 新待办 (its title names the complaint).
    return {"answer_due": due.isoformat(), "department_id": department_id}


def merge(ctx: StepContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    complaint = _complaint(data)
    target = int(data["merge_into"])
    complaint.merged_into_id = target
    _event("complaint.merged", complaint, ctx, merged_into=target)  # the timeline reads: merged, then closed
    _close(complaint, "merged", data.get("reason"), ctx)
    _tell_student(complaint, f"您的诉求已并入 #{target} 一并办理，请在该工单查看进展")
    return {"merged_into": target}


def _close(complaint: Complaint, resolution: str, reason: str | None, ctx: StepContext) -> None:
    complaint.status, complaint.resolution, complaint.closed_at = "closed", resolution, _now(ctx)
    complaint.close_reason = reason or complaint.close_reason
    _event("complaint.closed", complaint, ctx, resolution=resolution)


def _sampled(complaint: Complaint) -> bool:
    """回访 sample: a stable share of closed complaints (same answer however often it is asked)."""
    digest = int(hashlib.sha256(f"follow-up:{complaint.id}".encode()).hexdigest(), 16)
    return digest % 1000 < int(float(settings()["follow_up_rate"]) * 1000)


def close(ctx: StepContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    complaint = _complaint(data)
    resolution = str(params["resolution"])
    _close(complaint, resolution, data.get("reason") or data.get("comment"), ctx)
    messages = {"out_of_scope": "您的诉求不属于受理范围，已关闭", "resolved": "您的诉求已办结",
                "unresolved": "您的诉求已办结", "unrated": "您的诉求已办结（未评价）"}
    _tell_student(complaint, messages[resolution])
    follow_up = resolution in {"resolved", "unresolved", "unrated"} and _sampled(complaint)
    return {"follow_up": follow_up}


def answered(ctx: StepContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    complaint = _complaint(data)
    assignment = _current_assignment(complaint)
    assert assignment is not None
    now = _now(ctx)
    assignment.answered_at, assignment.outcome = now, "answered"
    db.session.add(ComplaintReply(complaint_id=complaint.id, assignment_id=assignment.id,
                                  department_id=assignment.department_id, author_id=ctx.actor_id,
                                  body=str(data.get("reply") or ""), created_at=now))
    complaint.status, complaint.answered_at = "answered", now
    _event("complaint.answered", complaint, ctx, department_id=assignment.department_id,
           on_time=now <= clock.as_utc(assignment.due_at))
    # The student is told by the rating task's own 新待办 (请评价：title), which the BPMN creates exactly
    # when there is a student.
    rate_due = now + timedelta(days=int(settings()["rating_days"]))
    return {"rate_due": rate_due.isoformat(), "has_student": complaint.student_id is not None}


def extension(ctx: StepContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    complaint = _complaint(data)
    assignment = _current_assignment(complaint)
    assert assignment is not None
    if data.get("decision") == "approve":
        assignment.due_at = work_calendar.current().add_working_days(clock.as_utc(assignment.due_at),
                                                                     int(data["extension_days"]))
        assignment.extensions += 1
        complaint.answer_due = assignment.due_at
        _event("complaint.extension_approved", complaint, ctx, days=int(data["extension_days"]))
    else:
        _event("complaint.extension_refused", complaint, ctx)
    notifications.notify_role("department_handler", assignment.department_id, kind="complaint",
                              title=("延期已同意：" if data.get("decision") == "approve" else "延期未同意：")
                              + complaint.title)
    return {"answer_due": clock.as_utc(assignment.due_at).isoformat(), "department_id": assignment.department_id}


def sent_back(ctx: StepContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    complaint = _complaint(data)
    assignment = _current_assignment(complaint)
    assert assignment is not None
    assignment.outcome = "sent_back"
    complaint.status, complaint.department_id, complaint.answer_due = "triage", None, None
    _event("complaint.sent_back", complaint, ctx, department_id=assignment.department_id,
           reason=data.get("reason"))
    return {"sent_back": True}


def overdue(ctx: StepContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """督办: the answer is late. Dispatchers are told; the BPMN adds a leadership task unless the
    ticket is confidential (the leadership may not see a psychological-hotline ticket)."""
    complaint = _complaint(data)
    assignment = _current_assignment(complaint)
    if assignment is not None and assignment.answered_at is None:
        assignment.escalated_at = _now(ctx)
    _event("complaint.overdue", complaint, ctx, department_id=complaint.department_id)
    notifications.notify_role("dispatcher", complaint.university_id, kind="escalation",
                              title=f"逾期未答复：#{complaint.id}", link=f"/complaints/{complaint.id}")
    return {"escalated": True}


def rated(ctx: StepContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    complaint = _complaint(data)
    complaint.satisfaction, complaint.rated_at = data.get("satisfaction"), _now(ctx)
    complaint.rating_comment = data.get("comment") or None
    _event("complaint.rated", complaint, ctx, satisfaction=complaint.satisfaction)
    return {"can_reopen": complaint.reopen_count < int(settings()["max_reopens"])}


def reopen(ctx: StepContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    complaint = _complaint(data)
    complaint.reopen_count += 1
    complaint.status, complaint.department_id, complaint.answer_due = "triage", None, None
    complaint.satisfaction = None
    _event("complaint.reopened", complaint, ctx, round=complaint.reopen_count)
    notifications.notify_role("dispatcher", complaint.university_id, kind="complaint",
                              title=f"学生不满意，重新转办：#{complaint.id}", link=f"/complaints/{complaint.id}")
    return {"reopened": complaint.reopen_count}


# --- checks on form data that need the case -------------------------------------------------------

def _task_complaint(task: HumanTask) -> Complaint:
    return _complaint(task.instance.data or {})


def check_dispatch(task: HumanTask, data: dict[str, Any]) -> None:
    complaint = _task_complaint(task)
    if data.get("action") == "merge":
        target = db.session.get(Complaint, int(data["merge_into"]))
        if target is None or target.university_id != complaint.university_id or target.id == complaint.id \
                or target.status == "closed":
            raise ValidationFailed("请按提示修改", {"merge_into": ["只能合并到本校另一件未办结的工单"]})


def check_answer(task: HumanTask, data: dict[str, Any]) -> None:
    complaint = _task_complaint(task)
    config = settings()
    assignment = _current_assignment(complaint)
    if data.get("action") == "extend" and assignment is not None:
        if assignment.extensions >= int(config["max_extensions"]):
            raise ValidationFailed("请按提示修改", {"action": [f"每次交办最多延期 {config['max_extensions']} 次"]})
    if data.get("action") == "send_back":
        sent = db.session.scalars(select(ComplaintAssignment.outcome).where(
            ComplaintAssignment.complaint_id == complaint.id)).all()
        if sum(1 for o in sent if o and o.startswith("sent_back")) >= int(config["max_send_backs"]):
            raise ValidationFailed("请按提示修改", {"action": ["退回次数已达上限，请答复或申请延期"]})


def followed_up(ctx: StepContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The 回访 record goes to its own table: history stays out of the task data."""
    complaint = _complaint(data)
    db.session.add(ComplaintFollowUp(complaint_id=complaint.id, dispatcher_id=ctx.actor_id,
                                     reached=bool(data.get("reached")), note=str(data.get("note") or ""),
                                     detail={"outcome": data.get("outcome")}, created_at=_now(ctx)))
    _event("complaint.followed_up", complaint, ctx, reached=bool(data.get("reached")))
    return {"recorded": True}
