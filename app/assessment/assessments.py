"""考核验收 (SPEC §6): rounds, who sees which assessment, the university's self-assessment per item and
the reviewer's scores. The decisions themselves are steps of the `assessment` process (its user tasks
are completed through `tasks.complete`, so the API's generic task endpoint and these pages agree);
what its service tasks do is in `assessment_steps`.

Who sees an assessment: national roles (moe_reviewer, operator, process_admin) every one; a
university's 经办人 (university_admin) its own; anyone else gets NotVisible (404)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, select

from app.assessment import indicators
from app.assessment import scoring as assessment_scoring
from app.core import audit, clock, deadlines, paging, roles
from app.core.unit_of_work import use_case
from app.errors import Conflict, Forbidden, NotVisible, ValidationFailed
from app.extensions import db
from app.models import (
    Assessment,
    AssessmentItem,
    AssessmentRound,
    AssessmentSnapshot,
    HumanTask,
    IndicatorItem,
    Org,
    Post,
    StoredFile,
    User,
    UserRole,
)
from app.workflow import steps as workflows
from app.workflow import tasks

PROCESS_KEY = "assessment"
READERS = roles.NATIONAL
OPENERS = roles.SETTERS
PILOT_STATUSES = roles.COUNTED_PILOT_STATUSES
STATUS_LABELS = {"self_assessing": "自评中", "reviewing": "待评审", "rectifying": "限期整改中", "passed": "通过",
                 "failed": "不通过", "cancelled": "已终止"}
RATING_LABELS = {"met": "达标", "partly": "部分达标", "not_met": "未达标"}
MAX_STATEMENT = 1000
MAX_COMMENT = 1000
MAX_LINKS = 10
MAX_ID = 2**31 - 1  # ids are 32-bit in PostgreSQL: larger ones are refused, not sent to the database
EDITABLE = ("self_assessing", "rectifying")


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_MESSAGE = "含有不可见的控制字符，请删除后重试"


def has_control(text: str) -> bool:
    """Control characters (NUL above all, which PostgreSQL cannot store) are refused, not stored."""
    return bool(CONTROL.search(text))


# ---------------------------------------------------------------- rounds

@use_case
def open_round(actor: User, *, name: str, university_ids: list[int], self_due: date, review_days: int = 15,
               note: str = "", framework_version: str | None = None) -> AssessmentRound:
    """Open a round for the given pilots: one assessment (and one `assessment` instance) per university."""
    if not actor.has_role(*OPENERS):
        raise Forbidden("只有思政司可以开启考核验收")
    name = (name or "").strip()
    fields: dict[str, list[str]] = {}
    if not name:
        fields["name"] = ["请填写考核轮次名称"]
    elif len(name) > 100:
        fields["name"] = ["名称最多 100 个字"]
    elif has_control(name):
        fields["name"] = [CONTROL_MESSAGE]
    elif db.session.scalar(select(func.count()).where(AssessmentRound.name == name)):
        fields["name"] = ["已有同名的考核轮次"]
    if self_due < deadlines.today():
        fields["self_due"] = ["自评截止日期不能早于今天"]
    if not 1 <= review_days <= 60:
        fields["review_days"] = ["评审期限须为 1–60 个工作日"]
    ids = list(dict.fromkeys(university_ids or []))
    if any(not 0 < i <= MAX_ID for i in ids):
        fields["university_ids"] = ["高校编号有误"]
        ids = []
    universities = {u.id: u for u in db.session.scalars(select(Org).where(
        Org.id.in_(ids), Org.kind == "university", Org.pilot_status.in_(PILOT_STATUSES)))}
    if not ids:
        fields.setdefault("university_ids", ["请至少选择一所试点高校"])
    elif len(universities) != len(ids):
        fields["university_ids"] = [f"不是试点高校：{', '.join(str(i) for i in ids if i not in universities)}"]
    if len(note or "") > 2000:
        fields["note"] = ["说明最多 2000 个字"]
    elif has_control(note or ""):
        fields["note"] = [CONTROL_MESSAGE]
    try:
        framework = indicators.by_version(framework_version)
    except NotVisible as exc:
        fields["framework_version"] = [exc.message]
    if fields:
        raise ValidationFailed("考核轮次有误", fields)
    round_ = AssessmentRound(name=name, framework_id=framework.id, self_due=self_due, review_days=review_days,
                             note=(note or "").strip(), opened_by=actor.id, opened_at=clock.now())
    db.session.add(round_)
    db.session.flush()
    item_ids = [i.id for i in indicators.items_of(framework)]
    rules = framework.scoring
    for university_id in ids:
        university = universities[university_id]
        assessment = Assessment(round_id=round_.id, university_id=university.id, status="self_assessing",
                                dimension_scores={}, updated_at=clock.now())
        db.session.add(assessment)
        db.session.flush()
        db.session.add_all([AssessmentItem(assessment_id=assessment.id, item_id=item_id, evidence_file_ids=[],
                                           post_ids=[]) for item_id in item_ids])
        instance = workflows.start(PROCESS_KEY, {
            "assessment_id": assessment.id, "university_id": university.id, "university_name": university.name,
            "round_name": round_.name, "self_due": deadlines.end_of_day(self_due).isoformat(),
            "review_days": review_days,
            "max_rectifications": int(rules["max_rectifications"]),
        }, actor=actor)
        assessment.instance_id = instance.id
    audit.record("assessment_round.opened", "assessment_round", round_.id, actor_id=actor.id, name=round_.name,
                 universities=ids, framework=framework.version)
    return round_


def rounds() -> list[AssessmentRound]:
    return list(db.session.scalars(select(AssessmentRound).order_by(AssessmentRound.self_due.desc(),
                                                                    AssessmentRound.id.desc())))


def summaries() -> list[dict[str, Any]]:
    """Each round with its number of assessments per status and its average total score."""
    rows = []
    for round_ in rounds():
        items = list(db.session.scalars(select(Assessment).where(Assessment.round_id == round_.id)))
        scores = [a.total_score for a in items if a.total_score is not None]
        rows.append({"round": round_, "total": len(items), "counts": dict(Counter(a.status for a in items)),
                     "average": round(sum(scores) / len(scores), 1) if scores else None})
    return rows


def latest_for(university_id: int) -> Assessment | None:
    return db.session.scalar(select(Assessment).where(Assessment.university_id == university_id)
                             .order_by(Assessment.round_id.desc()).limit(1))


def round_for(user: User, round_id: int) -> AssessmentRound:
    round_ = db.session.get(AssessmentRound, round_id)
    if round_ is None or not user.has_role(*READERS):
        raise NotVisible("考核轮次不存在")
    return round_


# ---------------------------------------------------------------- reading

def _is_own(user: User, assessment: Assessment) -> bool:
    return user.has_role("university_admin") and user.org.university_id() == assessment.university_id


def citable_files(university_id: int) -> ColumnElement[bool]:
    """The files an assessment of this university may cite as evidence: those its 经办人 uploaded
    (佐证材料, 育人号 images and attachments). Other files of the university, such as a student's photo of
    a complaint (perhaps a psych-hotline ticket), are not evidence: citing one would show it to everyone
    who reads the assessment."""
    admins = select(UserRole.user_id).where(UserRole.role == "university_admin")
    return (StoredFile.org_id == university_id) & StoredFile.owner_id.in_(admins)


def assessment_for(user: User, assessment_id: int) -> Assessment:
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or not (user.has_role(*READERS) or _is_own(user, assessment)):
        raise NotVisible("考核不存在")
    return assessment


def search(user: User, *, round_id: int | None = None, status: str | None = None,
           university_id: int | None = None, limit: int = 100, offset: int = 0) -> tuple[list[Assessment], int]:
    query = select(Assessment)
    if not user.has_role(*READERS):
        if not user.has_role("university_admin"):
            return [], 0
        query = query.where(Assessment.university_id == (user.org.university_id() or -1))
    if round_id is not None:
        query = query.where(Assessment.round_id == round_id)
    if status:
        query = query.where(Assessment.status == status)
    if university_id is not None:
        query = query.where(Assessment.university_id == university_id)
    return paging.page(query, Assessment.round_id.desc(), Assessment.id, limit=limit, offset=offset)


@dataclass
class Line:
    """One indicator item of an assessment, with what the framework says about it."""

    item: IndicatorItem
    entry: AssessmentItem
    level: str
    dimension_code: str


def lines(assessment: Assessment) -> list[Line]:
    framework = assessment.round.framework
    levels = {i["id"]: (i["level"], d["code"]) for d in indicators.structure(framework) for i in d["items"]}
    rows = db.session.execute(select(IndicatorItem, AssessmentItem).join(
        AssessmentItem, AssessmentItem.item_id == IndicatorItem.id).where(
        AssessmentItem.assessment_id == assessment.id).order_by(IndicatorItem.position)).all()
    return [Line(item, entry, *levels[item.id]) for item, entry in rows]


def ready_task(assessment: Assessment, *bpmn_ids: str) -> HumanTask | None:
    return db.session.scalar(select(HumanTask).where(
        HumanTask.instance_id == assessment.instance_id, HumanTask.status == "ready",
        HumanTask.bpmn_id.in_(bpmn_ids)).order_by(HumanTask.id.desc()).limit(1))


def snapshots(assessment: Assessment) -> list[AssessmentSnapshot]:
    return list(db.session.scalars(select(AssessmentSnapshot).where(
        AssessmentSnapshot.assessment_id == assessment.id).order_by(AssessmentSnapshot.id)))


def current_score(assessment: Assessment) -> assessment_scoring.Score | None:
    """The score of the current item scores, once every item is scored."""
    rows = lines(assessment)
    scores = {line.item.id: line.entry.score for line in rows}
    if not rows or any(v is None for v in scores.values()):
        return None
    return assessment_scoring.score(indicators.structure(assessment.round.framework),
                                    {k: int(v) for k, v in scores.items() if v is not None},
                                    assessment.round.framework.scoring)


# ---------------------------------------------------------------- the university's self-assessment

def lines_by_code(assessment: Assessment) -> dict[str, Line]:
    return {line.item.code: line for line in lines(assessment)}


def _ids(value: Any, key: str, fields: dict[str, list[str]]) -> list[int] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and 0 < v <= MAX_ID
                                              for v in value):
        fields[key] = ["须为编号列表"]
        return None
    if len(value) > MAX_LINKS:
        fields[key] = [f"最多 {MAX_LINKS} 项"]
        return None
    return list(dict.fromkeys(value))


def entry_list(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise ValidationFailed("items 须为对象列表", {"items": ["须为对象列表"]})
    return raw


def known_entries(assessment: Assessment, raw: Any,
                  fields: dict[str, list[str]]) -> Iterator[tuple[str, Line, dict[str, Any]]]:
    """Each entry of a save (`[{"code", …}]`, self-assessment or scores) with its field key and its line;
    an entry naming no item of the assessment is a field error and is skipped."""
    by_code = lines_by_code(assessment)
    for entry in entry_list(raw):
        code = str(entry.get("code") or "")
        key = f"items.{code or '?'}"
        line = by_code.get(code)
        if line is None:
            fields[key] = ["没有该指标"]
            continue
        yield key, line, entry


def save_self(user: User, assessment_id: int, raw_entries: Any) -> Assessment:
    """Save (part of) the self-assessment: [{"code", "rating"?, "statement"?, "evidence_file_ids"?,
    "post_ids"?}]. Given fields are checked; completeness is only required on submission. While
    rectifying, only the items to fix may change."""
    assessment = assessment_for(user, assessment_id)
    if not _is_own(user, assessment):
        raise Forbidden("只有本校经办人可以填写自评")
    if assessment.status not in EDITABLE:
        raise Conflict("当前不能修改自评（已提交评审或考核已结束）")
    fields: dict[str, list[str]] = {}
    changes: list[tuple[AssessmentItem, dict[str, Any]]] = []
    for key, line, entry in known_entries(assessment, raw_entries, fields):
        if assessment.status == "rectifying" and not line.entry.needs_fix:
            fields[key] = ["该指标不在整改范围内，不能修改"]
            continue
        change: dict[str, Any] = {}
        if "rating" in entry:
            if entry["rating"] not in (*RATING_LABELS, None):
                fields[f"{key}.rating"] = ["请选择达标、部分达标或未达标"]
            else:
                change["rating"] = entry["rating"]
        if "statement" in entry:
            text = entry["statement"]
            if not isinstance(text, str):
                fields[f"{key}.statement"] = ["须为文字"]
            elif len(text.strip()) > MAX_STATEMENT:
                fields[f"{key}.statement"] = [f"最多填写 {MAX_STATEMENT} 个字"]
            elif has_control(text):
                fields[f"{key}.statement"] = [CONTROL_MESSAGE]
            else:
                change["statement"] = text.strip()
        files = _ids(entry.get("evidence_file_ids"), f"{key}.evidence_file_ids", fields)
        if files is not None:
            found = set(db.session.scalars(select(StoredFile.id).where(
                StoredFile.id.in_(files), citable_files(assessment.university_id))))
            if set(files) - found:
                fields[f"{key}.evidence_file_ids"] = ["佐证材料不存在或不属于本校"]
            else:
                change["evidence_file_ids"] = files
        posts = _ids(entry.get("post_ids"), f"{key}.post_ids", fields)
        if posts is not None:
            found = set(db.session.scalars(select(Post.id).where(
                Post.id.in_(posts), Post.university_id == assessment.university_id, Post.published_at.is_not(None))))
            if set(posts) - found:
                fields[f"{key}.post_ids"] = ["只能关联本校已发布的育人号文章"]
            else:
                change["post_ids"] = posts
        changes.append((line.entry, change))
    if fields:
        raise ValidationFailed("自评内容有误", fields)
    return save_item_changes(user, assessment, changes, "assessment.self_saved")


@use_case
def save_item_changes(user: User, assessment: Assessment, changes: list[tuple[Any, dict[str, Any]]],
                      action: str) -> Assessment:
    """Write checked per-item changes (self-assessment or scores), stamp them and audit which items."""
    now = clock.now()
    for row, change in changes:
        for name, value in change.items():
            setattr(row, name, value)
        if change:
            row.updated_at = now
    assessment.updated_at = now
    audit.record(action, "assessment", assessment.id, actor_id=user.id, org_id=assessment.university_id,
                 items=[row.item_id for row, c in changes if c])
    return assessment


def incomplete(assessment: Assessment) -> dict[str, list[str]]:
    """Field messages for the items a submission still lacks (a rating and a statement each)."""
    missing: dict[str, list[str]] = {}
    for line in lines(assessment):
        if assessment.status == "rectifying" and not line.entry.needs_fix:
            continue
        problems = []
        if line.entry.rating is None:
            problems.append("请选择自评结果")
        if not (line.entry.statement or "").strip():
            problems.append("请填写简要说明")
        if problems:
            missing[f"items.{line.item.code}"] = problems
    return missing


def submit_self(user: User, assessment_id: int, note: str = "") -> Assessment:
    """Complete the university's ready task (自评, or 整改) — checked by the form check in
    `assessment_steps`, which refuses an incomplete self-assessment."""
    assessment = assessment_for(user, assessment_id)
    task = ready_task(assessment, "Task_self_assess", "Task_rectify")
    if task is None:
        raise Conflict("当前没有待提交的自评")
    tasks.complete(user, task.id, {"confirm": True, **({"note": note.strip()} if note and note.strip() else {})})
    db.session.refresh(assessment)
    return assessment


def detail(assessment: Assessment) -> dict[str, Any]:
    """The assessment with its items, the current score and the history (the API's detail shape)."""
    framework = assessment.round.framework
    rules = framework.scoring
    names = {d.code: d.name for d in framework.dimensions}
    score = current_score(assessment)
    current = None
    if score is not None:
        current = {"dimensions": score.dimensions, "total": score.total, "suggested": score.suggested,
                   "allowed": assessment_scoring.allowed_results(score.suggested, assessment.rectifications, rules)}
    items = []
    for line in lines(assessment):
        entry = line.entry
        items.append({"code": line.item.code, "dimension": names.get(line.dimension_code, ""), "level": line.level,
                      "content": line.item.content, "rating": entry.rating, "statement": entry.statement,
                      "evidence_file_ids": list(entry.evidence_file_ids or []), "post_ids": list(entry.post_ids or []),
                      "score": entry.score, "suggested_score": assessment_scoring.suggested_item_score(entry.rating,
                                                                                                         rules),
                      "review_comment": entry.review_comment, "needs_fix": entry.needs_fix})
    return {"assessment": assessment, "items": items, "current": current, "history": snapshots(assessment)}
