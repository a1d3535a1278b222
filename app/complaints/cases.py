"""Flow C (SPEC §5) 接诉即办: filing, who may see a complaint, and how it is shown to each role.

Confidentiality is decided here, in one place: psychological-hotline tickets are seen only by the
university's dispatchers, the 心理中心 and the student who filed them; an anonymous ticket never shows
its student to anyone but the dispatchers and the student. National roles see metrics, not tickets."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import exists, false, or_, select

from app.config import ROOT
from app.core import audit, clock, paging, uploads
from app.core.unit_of_work import use_case
from app.errors import Forbidden, NotVisible, ValidationFailed
from app.extensions import db
from app.models import AuditEvent, HumanTask, Org, ProcessInstance, StoredFile, User
from app.models.complaint import CHANNELS, Complaint, ComplaintAssignment, ComplaintReply
from app.workflow import steps as workflows
from app.workflow import work_calendar

PROCESS_KEY = "complaint"
MAX_PHOTOS = 6
PHOTO_KINDS = ("png", "jpeg")
# Like every other upload (README: "the 10 MB upload limits"): not as large as the whole request.
PHOTO_MAX_BYTES = 10 * 1024 * 1024


@lru_cache(maxsize=1)
def settings() -> dict[str, Any]:
    return dict(json.loads((ROOT / "data" / "complaint_settings.json").read_text(encoding="utf-8")))


TRIAGE_CLOCKS = ("work", "calendar")


def triage_due(channel_config: dict[str, Any], now: datetime) -> datetime:
    """When the dispatcher must have triaged a complaint of this channel (data/complaint_settings.json):
    `triage_hours` counted on the work calendar every other deadline uses (working hours, skipping nights,
    weekends and holidays) when its `triage_clock` is "work", or round the clock when it is "calendar"
    (the psychological hotline: always urgent)."""
    hours, how = channel_config["triage_hours"], channel_config.get("triage_clock", "work")
    if how not in TRIAGE_CLOCKS:
        raise ValueError(f"triage_clock must be one of {TRIAGE_CLOCKS}, not {how!r}")
    if how == "calendar":
        return now + timedelta(hours=hours)
    return work_calendar.current().add_working_hours(now, hours)


def filing_options() -> dict[str, Any]:
    """What a complaint may be filed under (API.md: GET /complaints/settings): the channels and the
    categories with their Chinese labels, the triage hours and the default answer deadline."""
    config = settings()
    return {
        "channels": [{"code": code, "label": c["label"], "triage_hours": c["triage_hours"],
                      "triage_clock": c.get("triage_clock", "work"), "urgent": bool(c.get("urgent"))}
                     for code, c in config["channels"].items()
                     if code in CHANNELS],
        "categories": [{"code": code, "label": c["label"], "deadline_days": c["deadline_days"]}
                       for code, c in config["categories"].items()],
    }


def category_codes() -> tuple[str, ...]:
    return tuple(settings()["categories"])


def _user_university(user: User) -> int | None:
    return user.org.university_id()


@use_case
def file_with_photos(user: User, raw: dict[str, Any], photos: list[Any]) -> Complaint:
    """The student's page: the photos and the complaint they belong to are stored together or not at
    all (a refused complaint leaves no orphan photo behind)."""
    if len(photos) > MAX_PHOTOS:
        raise ValidationFailed("请按提示修改", {"photos": [f"最多上传 {MAX_PHOTOS} 张照片"]})
    ids = [uploads.save(p, owner_id=user.id, org_id=user.org_id, accept=PHOTO_KINDS, field="photos",
                        max_bytes=PHOTO_MAX_BYTES).id for p in photos]
    return file(user, {**raw, "attachments": ids})


def photo_for(viewer: User, complaint_id: int, file_id: int) -> tuple[Complaint, StoredFile, Any]:
    """A photo of a complaint, to whoever may see the complaint (never by file id alone): the
    complaint, the file and its kind (uploads.CONTENT_TYPES)."""
    complaint = complaint_for(viewer, complaint_id)
    if file_id not in (complaint.attachments or []):
        raise NotVisible("文件不存在")
    stored = db.session.get(StoredFile, file_id)
    kind = uploads.CONTENT_TYPES.get(stored.content_type) if stored else None
    if stored is None or kind is None or kind.name not in PHOTO_KINDS:
        raise NotVisible("文件不存在")
    return complaint, stored, kind


@use_case
def file(user: User, raw: dict[str, Any], *, on_behalf: bool = False) -> Complaint:
    """A student files a complaint; with `on_behalf` a dispatcher registers a hotline call
    (`student_username` optional, else `caller_name`)."""
    config = settings()
    fields: dict[str, list[str]] = {}
    university_id = _user_university(user)
    if on_behalf:
        if not user.has_role("dispatcher") or university_id is None:
            raise Forbidden("只有接诉即办中心可以登记来电")
    elif not user.has_role("student") or university_id is None:
        raise Forbidden("只有学生可以提交诉求")
    channel = raw.get("channel")
    if channel not in CHANNELS:
        fields["channel"] = ["请选择反映渠道"]
    category = raw.get("category")
    if category not in config["categories"]:
        fields["category"] = ["请选择问题类别"]
    title = str(raw.get("title") or "").strip()
    if not 2 <= len(title) <= 100:
        fields["title"] = ["标题须为 2 到 100 字"]
    content = str(raw.get("content") or "").strip()
    if not 5 <= len(content) <= 5000:
        fields["content"] = ["内容须为 5 到 5000 字"]
    attachments = [int(a) for a in raw.get("attachments") or [] if str(a).isdigit()]
    if attachments:
        owned = set(db.session.scalars(select(StoredFile.id).where(StoredFile.id.in_(attachments),
                                                                   StoredFile.owner_id == user.id)))
        if owned != set(attachments):
            fields["attachments"] = ["附件不存在或不属于您"]
    student: User | None = user if not on_behalf else None
    caller_name = None
    if on_behalf:
        username = str(raw.get("student_username") or "").strip()
        if username:
            student = db.session.scalar(select(User).where(User.username == username))
            if student is None or not student.has_role("student") or _user_university(student) != university_id:
                fields["student_username"] = ["本校没有该学生账号"]
        caller_name = str(raw.get("caller_name") or "").strip()[:50] or None
    if fields:
        raise ValidationFailed("请按提示修改", fields)
    complaint = Complaint(university_id=university_id, student_id=student.id if student else None,
                          registered_by=user.id if on_behalf else None, caller_name=caller_name, channel=channel,
                          category=category, title=title, content=content, anonymous=bool(raw.get("anonymous")),
                          attachments=attachments, status="triage", created_at=clock.now())
    db.session.add(complaint)
    db.session.flush()
    channel_config = config["channels"][channel]
    instance = workflows.start(PROCESS_KEY, {
        "complaint_id": complaint.id, "university_id": university_id, "title": title, "channel": channel,
        "channel_label": channel_config["label"], "category": category,
        "confidential": complaint.confidential,
        "triage_due": triage_due(channel_config, clock.now()).isoformat(),
        "private_student_id": student.id if student else None,
    }, actor=user, org_id=university_id)
    complaint.instance_id = instance.id
    # No student identity in the audit log: it is readable by people an anonymous ticket hides it from.
    audit.record("complaint.filed", "complaint", complaint.id, org_id=university_id, channel=channel,
                 category=category, registered_call=on_behalf)
    return complaint


def _department(user: User) -> Org | None:
    return user.org if user.org.kind == "department" else None


def can_see(user: User, complaint: Complaint) -> bool:
    if complaint.student_id == user.id and user.has_role("student"):
        return True
    if user.has_role("student") and db.session.scalar(select(exists().where(
            Complaint.merged_into_id == complaint.id, Complaint.student_id == user.id))):
        return True  # the surviving ticket a student's complaint was merged into
    if _user_university(user) != complaint.university_id:
        return False
    if user.has_role("dispatcher"):
        return True
    department = _department(user)
    if user.has_role("department_handler") and department is not None:
        if complaint.confidential and department.code != "psych":
            return False
        return bool(db.session.scalar(select(exists().where(
            ComplaintAssignment.complaint_id == complaint.id, ComplaintAssignment.department_id == department.id))))
    if user.has_role("university_admin"):
        return not complaint.confidential
    return False


def shows_student(user: User, complaint: Complaint) -> bool:
    """Whether this viewer may see who filed it. Students never see other students (a merged ticket is
    shown to the students merged into it, not its filer's name)."""
    if complaint.student_id == user.id:
        return True
    if user.has_role("dispatcher") and _user_university(user) == complaint.university_id:
        return True
    if user.has_role("student") and not user.has_role("dispatcher", "department_handler", "university_admin"):
        return False
    return not complaint.anonymous and can_see(user, complaint)


def complaint_for(user: User, complaint_id: int) -> Complaint:
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None or not can_see(user, complaint):
        raise NotVisible("诉求不存在或无权查看")
    return complaint


def instance_visible(user: User, instance: ProcessInstance) -> bool:
    """The rule for `complaint` process instances: exactly who may see the complaint."""
    complaint = db.session.scalar(select(Complaint).where(Complaint.instance_id == instance.id))
    if complaint is None:  # an earlier round's instance: find the complaint by the data it carries
        complaint = db.session.get(Complaint, int((instance.data or {}).get("complaint_id") or 0))
    return complaint is not None and can_see(user, complaint)


def visible_query(user: User) -> Any:
    """The complaints a user may list (same rule as can_see, as SQL)."""
    query = select(Complaint)
    university_id = _user_university(user)
    if user.has_role("dispatcher") and university_id is not None:
        return query.where(Complaint.university_id == university_id)
    clauses = []
    if user.has_role("student"):
        clauses.append(Complaint.student_id == user.id)
    department = _department(user)
    if user.has_role("department_handler") and department is not None:
        assigned = exists().where(ComplaintAssignment.complaint_id == Complaint.id,
                                  ComplaintAssignment.department_id == department.id)
        clause = assigned if department.code == "psych" else (assigned & (Complaint.channel != "psych_hotline"))
        clauses.append(clause)
    if user.has_role("university_admin") and university_id is not None:
        clauses.append((Complaint.university_id == university_id) & (Complaint.channel != "psych_hotline"))
    return query.where(or_(*clauses)) if clauses else query.where(false())


def search(user: User, *, status: str | None = None, channel: str | None = None, limit: int = 50,
           offset: int = 0) -> tuple[list[Complaint], int]:
    query = visible_query(user)
    if status:
        query = query.where(Complaint.status == status)
    if channel:
        query = query.where(Complaint.channel == channel)
    return paging.page(query, Complaint.created_at.desc(), Complaint.id.desc(), limit=limit, offset=offset)


# Timeline entries a viewer of the complaint may read (no identities, no internal detail).
TIMELINE = {
    "complaint.filed": "已提交，待转办", "complaint.assigned": "已转办", "complaint.merged": "已合并",
    "complaint.answered": "已答复", "complaint.extension_requested": "申请延期",
    "complaint.extension_approved": "同意延期", "complaint.extension_refused": "不同意延期",
    "complaint.sent_back": "部门退回转办", "complaint.overdue": "逾期督办", "complaint.rated": "学生已评价",
    "complaint.reopened": "重办", "complaint.closed": "已办结",
}


def _org_name(org_id: int) -> str:
    org = db.session.get(Org, org_id)
    assert org is not None  # a foreign key
    return org.name


def view(user: User, complaint: Complaint) -> dict[str, Any]:
    """The complaint as this viewer may see it."""
    config = settings()
    student = db.session.get(User, complaint.student_id) if complaint.student_id else None
    department = db.session.get(Org, complaint.department_id) if complaint.department_id else None
    replies = db.session.scalars(select(ComplaintReply).where(ComplaintReply.complaint_id == complaint.id)
                                 .order_by(ComplaintReply.created_at, ComplaintReply.id)).all()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "complaint",
                                                         AuditEvent.subject_id == str(complaint.id))
                                .order_by(AuditEvent.at, AuditEvent.id)).all()
    reveal = shows_student(user, complaint)
    return {
        "id": complaint.id, "university_id": complaint.university_id, "channel": complaint.channel,
        "channel_label": config["channels"][complaint.channel]["label"], "category": complaint.category,
        "category_label": config["categories"][complaint.category]["label"], "title": complaint.title,
        "content": complaint.content, "anonymous": complaint.anonymous, "status": complaint.status,
        "student": (student.display_name if student else complaint.caller_name) if reveal else None,
        "department": department.name if department else None, "department_id": complaint.department_id,
        "answer_due": complaint.answer_due, "merged_into_id": complaint.merged_into_id,
        "reopen_count": complaint.reopen_count, "satisfaction": complaint.satisfaction,
        "resolution": complaint.resolution, "close_reason": complaint.close_reason,
        "created_at": complaint.created_at, "answered_at": complaint.answered_at, "closed_at": complaint.closed_at,
        "instance_id": complaint.instance_id, "attachments": list(complaint.attachments or []),
        "replies": [{"body": r.body, "department": _org_name(r.department_id),
                     "created_at": r.created_at} for r in replies],
        "timeline": [{"at": e.at, "action": e.action, "label": TIMELINE[e.action]} for e in events
                     if e.action in TIMELINE],
    }


def similar(user: User, complaint: Complaint, limit: int = 5) -> list[Complaint]:
    """Open tickets of the same university and category sharing words with this one (triage hint): the
    most words shared first, then the highest id. The words of this one and of the (at most 200 newest)
    others are read from the hot-topic keyword index in one statement; only those not indexed (yet, or
    psychological-hotline tickets, never indexed) are segmented, so it is what segmenting every text gives."""
    from app.complaints import hot_topics

    if not (user.has_role("dispatcher") and can_see(user, complaint)):
        raise NotVisible("诉求不存在或无权查看")
    candidates = (select(Complaint.id).where(
        Complaint.university_id == complaint.university_id, Complaint.category == complaint.category,
        Complaint.id != complaint.id, Complaint.status != "closed").order_by(Complaint.created_at.desc())
        .limit(200))
    found = hot_topics.keywords_of(or_(Complaint.id == complaint.id, Complaint.id.in_(candidates.scalar_subquery())))
    own = found.pop(complaint.id, None)  # read with the others (None only for a complaint not written yet)
    words = set(own if own is not None else hot_topics.keywords(f"{complaint.title} {complaint.content}"))
    scored = []
    for other_id, other_words in found.items():
        overlap = len(words & set(other_words))
        if overlap:
            scored.append((overlap, other_id))
    chosen = [other_id for _, other_id in sorted(scored, key=lambda s: (-s[0], -s[1]))[:limit]]
    if not chosen:
        return []
    others = {other.id: other for other in db.session.scalars(select(Complaint).where(Complaint.id.in_(chosen)))}
    return [others[other_id] for other_id in chosen]


def open_tasks(user: User) -> list[tuple[HumanTask, Complaint]]:
    """Ready steps of complaints the user may see, that the task rules show them (their role in their
    organisation, or assigned to them), with the complaint: what the workbenches list."""
    from app.workflow import tasks

    visible_ids = visible_query(user).with_only_columns(Complaint.id)
    rows = db.session.execute(
        select(HumanTask, Complaint).join(Complaint, Complaint.instance_id == HumanTask.instance_id)
        .where(HumanTask.process_key == PROCESS_KEY, HumanTask.status == "ready", tasks.visible_clause(user),
               Complaint.id.in_(visible_ids))
        .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)).all()
    return [(task, complaint) for task, complaint in rows]


def default_department(complaint: Complaint) -> Org | None:
    """The department a ticket usually goes to (its channel's, else its category's), for the triage form."""
    config = settings()
    code = (config["channels"][complaint.channel].get("department_code")
            or config["categories"][complaint.category].get("department_code"))
    if not code:
        return None
    return db.session.scalar(select(Org).where(Org.kind == "department", Org.code == code,
                                               Org.parent_id == complaint.university_id))
