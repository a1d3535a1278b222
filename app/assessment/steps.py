"""What the `assessment` BPMN's service tasks do, the checks on its forms beyond their schemas, and the
deadline reminders of the self-assessment and the rectification (SCANNERS in `timers`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from app.assessment import assessments
from app.assessment import scoring as assessment_scoring
from app.core import audit, clock, deadlines, notifications
from app.core.unit_of_work import use_case
from app.errors import ValidationFailed
from app.extensions import db
from app.models import Assessment, AssessmentSnapshot, HumanTask, ProcessInstance
from app.workflow.service_tasks import StepContext


def _assessment(data: dict[str, Any]) -> Assessment:
    assessment = db.session.get(Assessment, int(data["assessment_id"]))
    if assessment is None:
        raise LookupError(f"assessment {data.get('assessment_id')} not found")
    return assessment


def _assessment_of(task: HumanTask) -> Assessment:
    # The instance row's data, written by our own steps: never what a client sent with this form.
    return _assessment(task.instance.data or {})


def _snapshot(assessment: Assessment, kind: str, data: dict[str, Any], actor_id: int | None) -> None:
    number = (db.session.scalar(select(func.count()).where(AssessmentSnapshot.assessment_id == assessment.id,
                                                           AssessmentSnapshot.kind == kind)) or 0) + 1
    db.session.add(AssessmentSnapshot(assessment_id=assessment.id, kind=kind, number=number, data=data,
                                      actor_id=actor_id, created_at=clock.now()))


def _self_data(assessment: Assessment) -> dict[str, Any]:
    return {"items": {line.item.code: {"rating": line.entry.rating, "statement": line.entry.statement,
                                       "evidence_file_ids": list(line.entry.evidence_file_ids or []),
                                       "post_ids": list(line.entry.post_ids or [])}
                      for line in assessments.lines(assessment)}}


def check_self_submission(task: HumanTask, cleaned: dict[str, Any]) -> None:
    assessment = _assessment_of(task)
    if assessments.has_control(str(cleaned.get("note") or "")):
        raise ValidationFailed("提交说明有误", {"note": [assessments.CONTROL_MESSAGE]})
    missing = assessments.incomplete(assessment)
    if missing:
        raise ValidationFailed(f"还有 {len(missing)} 项指标未完成自评", missing)


def check_review(task: HumanTask, cleaned: dict[str, Any]) -> None:
    assessment = _assessment_of(task)
    if assessments.has_control(str(cleaned.get("opinion") or "")):
        raise ValidationFailed("评审意见有误", {"opinion": [assessments.CONTROL_MESSAGE]})
    unscored = [line.item.code for line in assessments.lines(assessment) if line.entry.score is None]
    if unscored:
        raise ValidationFailed(f"还有 {len(unscored)} 项指标未评分",
                               {"decision": [f"请先为全部指标评分（未评分：{'、'.join(unscored[:10])}"
                                             f"{'等' if len(unscored) > 10 else ''}）"]})
    score = assessments.current_score(assessment)
    assert score is not None
    rules = assessment.round.framework.scoring
    allowed = assessment_scoring.allowed_results(score.suggested, assessment.rectifications, rules)
    decision = cleaned.get("decision")
    if decision not in allowed:
        labels = "、".join(assessment_scoring.RESULT_LABELS[r] for r in allowed)
        suggested = assessment_scoring.RESULT_LABELS[score.suggested]
        reason = ("整改次数已用尽" if decision == "rectify" and score.suggested != "fail"
                  else f"按评分规则建议结论为“{suggested}”（总分 {score.total}）")
        raise ValidationFailed("评审结论不符合评分规则", {"decision": [f"{reason}，可选：{labels}"]})
    if decision == "rectify":
        due = date.fromisoformat(str(cleaned.get("rectify_due")))
        if due <= deadlines.today():
            raise ValidationFailed("整改截止日期有误", {"rectify_due": ["整改截止日期须晚于今天"]})
        scores = {line.item.id: int(line.entry.score or 0) for line in assessments.lines(assessment)}
        marked = {line.item.id for line in assessments.lines(assessment) if line.entry.needs_fix}
        if not assessment_scoring.items_to_fix(scores, marked, rules):
            raise ValidationFailed("没有需整改的指标", {"decision": ["请标记至少一项需整改的指标"]})


def submitted(ctx: StepContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The university submitted its self-assessment (first time or after 整改): on to the review."""
    assessment = _assessment(data)
    now = ctx.now or clock.now()
    assessment.status, assessment.submitted_at, assessment.updated_at = "reviewing", now, now
    assessment.submissions += 1
    _snapshot(assessment, "self", {**_self_data(assessment), "note": data.get("note") or ""}, ctx.actor_id)
    audit.record("assessment.submitted", "assessment", assessment.id, actor_id=ctx.actor_id,
                 org_id=assessment.university_id, submission=assessment.submissions)
    return {"submission": assessment.submissions}


def decided(ctx: StepContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The reviewer's decision: scores and opinion recorded; 限期整改 marks the items to fix and returns
    the rectification deadline (`rectify['due']` in the BPMN)."""
    assessment = _assessment(data)
    result = str(params["result"])
    now = ctx.now or clock.now()
    rules = assessment.round.framework.scoring
    rows = assessments.lines(assessment)
    score = assessments.current_score(assessment)
    assessment.result, assessment.opinion = result, data.get("opinion") or ""
    assessment.decided_at, assessment.decided_by, assessment.updated_at = now, ctx.actor_id, now
    if score is not None:
        assessment.total_score, assessment.dimension_scores = score.total, dict(score.dimensions)
    out: dict[str, Any] = {"result": result}
    if result == "rectify":
        scores = {line.item.id: int(line.entry.score or 0) for line in rows}
        fix = assessment_scoring.items_to_fix(scores, {line.item.id for line in rows if line.entry.needs_fix}, rules)
        for line in rows:
            line.entry.needs_fix = line.item.id in fix
        due = date.fromisoformat(str(data["rectify_due"]))
        assessment.status, assessment.rectify_due = "rectifying", due
        assessment.rectifications += 1
        out["due"] = deadlines.end_of_day(due).isoformat()
    else:
        assessment.status = "passed" if result == "pass" else "failed"
    _snapshot(assessment, "review", {
        "result": result, "opinion": assessment.opinion, "total": assessment.total_score,
        "dimensions": assessment.dimension_scores, "suggested": score.suggested if score else None,
        "rectify_due": data.get("rectify_due") if result == "rectify" else None,
        "items": {line.item.code: {"score": line.entry.score, "comment": line.entry.review_comment,
                                   "needs_fix": line.entry.needs_fix} for line in rows}}, ctx.actor_id)
    audit.record(f"assessment.{result}", "assessment", assessment.id, actor_id=ctx.actor_id,
                 org_id=assessment.university_id, total=assessment.total_score)
    label = assessment_scoring.RESULT_LABELS[result]
    title = f"考核验收结论：{label}（{assessment.round.name}）"
    if result == "rectify":
        title = f"考核验收：请于 {assessment.rectify_due.isoformat() if assessment.rectify_due else ''} 前完成整改"
    notifications.notify_role("university_admin", assessment.university_id, kind=f"assessment.{result}",
                              title=title, body=assessment.opinion or "", link=f"/assessments/{assessment.id}")
    return out


@use_case
def scan_deadlines(at: datetime) -> dict[str, int]:
    """Remind a university 3 days before its self-assessment or rectification deadline (once each).
    What happens after a deadline is the BPMN's: its timers escalate (督办) to the university and the
    ministry."""
    sent = 0
    open_ = db.session.execute(select(Assessment, ProcessInstance.status).outerjoin(
        ProcessInstance, ProcessInstance.id == Assessment.instance_id).where(
        Assessment.status.in_(assessments.EDITABLE))).all()
    for assessment, instance_status in open_:
        if instance_status == "cancelled":  # a process_admin stopped the case: nothing is due any more
            assessment.status = "cancelled"
            continue
        due = assessment.rectify_due if assessment.status == "rectifying" else assessment.round.self_due
        if due is None:
            continue
        kind = f"reminder{assessment.rectifications}"  # one per self-assessment and per rectification
        if deadlines.reminder_due(due, at) and deadlines.notice_once(
                f"assessment:{assessment.id}", assessment.university_id, kind):
            what = "整改" if assessment.status == "rectifying" else "考核自评"
            sent += notifications.notify_role(
                "university_admin", assessment.university_id, kind="assessment.due_soon",
                title=f"请于 {due.isoformat()} 前提交{what}（{assessment.round.name}）",
                link=f"/assessments/{assessment.id}")
    return {"assessment_reminders": sent}

