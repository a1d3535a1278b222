"""The ministry's side of 考核验收: per-item scores (0–100, a comment, "needs fixing") and the decision,
which completes the review task of the `assessment` process (checked by `assessment_steps`)."""

from __future__ import annotations

from typing import Any

from app.assessment import assessments
from app.assessment.assessments import MAX_COMMENT, assessment_for, ready_task
from app.errors import Conflict, Forbidden, ValidationFailed
from app.extensions import db
from app.models import Assessment, AssessmentItem, User
from app.workflow import tasks


def save_scores(user: User, assessment_id: int, raw_entries: Any) -> Assessment:
    """Save (part of) the reviewer's scores: [{"code", "score"?, "comment"?, "needs_fix"?}]."""
    assessment = assessment_for(user, assessment_id)
    if not user.has_role("moe_reviewer"):
        raise Forbidden("只有思政司评审人可以评分")
    if assessment.status != "reviewing":
        raise Conflict("当前不在评审阶段")
    top = int(assessment.round.framework.scoring["item_max"])
    fields: dict[str, list[str]] = {}
    changes: list[tuple[AssessmentItem, dict[str, Any]]] = []
    for key, line, entry in assessments.known_entries(assessment, raw_entries, fields):
        change: dict[str, Any] = {}
        if "score" in entry:
            value = entry["score"]
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                fields[f"{key}.score"] = ["请填写整数分"]
            elif value is not None and not 0 <= value <= top:
                fields[f"{key}.score"] = [f"得分须在 0–{top} 之间"]
            else:
                change["score"] = value
        if "comment" in entry:
            text = entry["comment"]
            if not isinstance(text, str) or len(text.strip()) > MAX_COMMENT:
                fields[f"{key}.comment"] = [f"评语须为不超过 {MAX_COMMENT} 字的文字"]
            elif assessments.has_control(text):
                fields[f"{key}.comment"] = [assessments.CONTROL_MESSAGE]
            else:
                change["review_comment"] = text.strip()
        if "needs_fix" in entry:
            if not isinstance(entry["needs_fix"], bool):
                fields[f"{key}.needs_fix"] = ["须为 true 或 false"]
            else:
                change["needs_fix"] = entry["needs_fix"]
        changes.append((line.entry, change))
    if fields:
        raise ValidationFailed("评分有误", fields)
    return assessments.save_item_changes(user, assessment, changes, "assessment.scores_saved")


def decide(user: User, assessment_id: int, data: dict[str, Any]) -> Assessment:
    """Complete the review task with {"decision", "opinion", "rectify_due"?} (checked by its form and
    the scoring rules)."""
    assessment = assessment_for(user, assessment_id)
    task = ready_task(assessment, "Task_review")
    if task is None:
        raise Conflict("当前没有待评审的任务")
    tasks.complete(user, task.id, data)
    db.session.refresh(assessment)
    return assessment
