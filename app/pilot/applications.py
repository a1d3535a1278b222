"""Flow A (SPEC §3): 自主试点 applications — submit, track, amend after return — and the service
functions the `pilot_application` BPMN calls (status changes, opening the university's account)."""

from __future__ import annotations

import json
import re
import secrets
import string
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from app.config import ROOT
from app.core import accounts, audit, clock, mailer, paging, roles, throttle, uploads
from app.core.unit_of_work import use_case
from app.errors import Conflict, NotVisible, ValidationFailed
from app.extensions import db
from app.models import SCHOOL_TYPES, AuditEvent, OneTimeSecret, Org, PilotApplication, StoredFile
from app.pilot import review_windows
from app.workflow import steps as workflows
from app.workflow.service_tasks import StepContext

PROCESS_KEY = "pilot_application"
IN_PROGRESS = ("submitted", "approved")
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone
_PHONE = re.compile(r"^[0-9+\-() ]{7,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TEXT_LIMITS = {"university_name": 100, "contact_name": 50, "lead_department": 100,
               "existing_work": 5000, "plan_text": 20000}


def provinces() -> list[str]:
    return list(json.loads((ROOT / "data" / "provinces.json").read_text(encoding="utf-8"))["provinces"])


def _clean(raw: dict[str, Any], has_plan_file: bool) -> dict[str, Any]:
    """The 基础信息表, checked field by field with messages an applicant understands."""
    fields: dict[str, list[str]] = {}
    out: dict[str, Any] = {}

    def text(name: str, label: str, required: bool = True) -> None:
        value = str(raw.get(name) or "").strip()
        if required and not value:
            fields[name] = [f"请填写{label}"]
        elif len(value) > TEXT_LIMITS.get(name, 200):
            fields[name] = [f"{label}不能超过 {TEXT_LIMITS.get(name, 200)} 字"]
        out[name] = value or None

    def count(name: str, label: str) -> None:
        value = raw.get(name)
        if value in (None, ""):
            out[name] = None
            return
        try:
            number = int(value)
        except (TypeError, ValueError):
            fields[name] = [f"{label}须为整数"]
            return
        if not 0 <= number <= 10_000_000:
            fields[name] = [f"{label}须在 0 到 10000000 之间"]
        out[name] = number

    text("university_name", "学校名称")
    text("contact_name", "联系人")
    text("lead_department", "牵头部门", required=False)
    text("existing_work", "已有工作基础", required=False)
    text("plan_text", "工作计划书", required=False)
    province = str(raw.get("province") or "").strip()
    if province not in provinces():
        fields["province"] = ["请选择学校所在省份"]
    out["province"] = province
    school_type = raw.get("school_type")
    if school_type not in SCHOOL_TYPES:
        fields["school_type"] = ["请选择办学类型（本科或高职）"]
    out["school_type"] = school_type
    phone = str(raw.get("contact_phone") or "").strip()
    if not _PHONE.match(phone):
        fields["contact_phone"] = ["请填写有效的联系电话"]
    out["contact_phone"] = phone
    email = str(raw.get("contact_email") or "").strip().lower()
    if not _EMAIL.match(email) or len(email) > 200:
        fields["contact_email"] = ["请填写有效的电子邮箱，账号开通通知将发送至该邮箱"]
    out["contact_email"] = email
    count("community_students", "社区学生人数")
    count("community_buildings", "社区楼宇数")
    if not out.get("plan_text") and not has_plan_file and "plan_text" not in fields:
        fields["plan_text"] = ["请上传工作计划书（PDF/DOCX）或直接填写计划书内容"]
    if fields:
        raise ValidationFailed("申报信息有误，请按提示修改", fields)
    return out


def _refuse_duplicates(name: str, except_id: int | None = None) -> None:
    pilot = db.session.scalar(select(Org).where(Org.kind == "university", Org.name == name,
                                                Org.pilot_status.in_(roles.COUNTED_PILOT_STATUSES)))
    if pilot is not None:
        raise ValidationFailed("该校已是试点高校", {"university_name": [
            f"{name}已是{'教育部认定' if pilot.pilot_status == 'designated' else '自主'}试点高校，无需申报；"
            "如需开通账号请联系高校思政网"]})
    query = select(PilotApplication).where(PilotApplication.university_name == name,
                                           PilotApplication.status.in_((*IN_PROGRESS, "returned")))
    if except_id is not None:
        query = query.where(PilotApplication.id != except_id)
    open_one = db.session.scalar(query)
    if open_one is not None:
        hint = "已被退回，请凭原查询码修改后重新提交" if open_one.status == "returned" else "正在审核中"
        raise ValidationFailed("该校已有申报", {"university_name": [f"{name}已有一份申报{hint}"]})


def _new_code() -> str:
    while True:
        code = "SP" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
        if not db.session.scalar(select(func.count()).where(PilotApplication.tracking_code == code)):
            return code


def _start_review(application: PilotApplication, window: review_windows.Window | None = None) -> None:
    window = window or review_windows.window_after(review_windows.today())
    application.window_start, application.window_end = window.start, window.end
    application.status = "submitted"
    application.submitted_at = clock.now()
    application.decision_comment = None
    instance = workflows.start(PROCESS_KEY, {
        "application_id": application.id, "university_name": application.university_name,
        "window_opens": window.opens_at.isoformat(), "window_closes": window.closes_at.isoformat(),
    }, actor=None)
    application.instance_id = instance.id


@use_case
def submit(raw: dict[str, Any], plan_file: StoredFile | None = None, *,
           window: review_windows.Window | None = None) -> PilotApplication:
    """A new application from the public entry; returns it with its tracking code. It joins the next
    review window, or `window` (the demo data's applications join one that is open today)."""
    data = _clean(raw, plan_file is not None)
    _refuse_duplicates(data["university_name"])
    application = PilotApplication(tracking_code=_new_code(), plan_file_id=plan_file.id if plan_file else None,
                                   **data, window_start=review_windows.today(),
                                   window_end=review_windows.today())
    db.session.add(application)
    db.session.flush()
    _start_review(application, window)
    audit.record("application.submitted", "application", application.id, university=data["university_name"],
                 window=[application.window_start.isoformat(), application.window_end.isoformat()])
    return application


def admit(address: str) -> None:
    """Count one submission of the public form from this client address, before anything is stored;
    TooManyAttempts past APPLY_MAX_PER_ADDRESS within APPLY_WINDOW_SECONDS. Counted in the caller's
    transaction, so a submission refused for its content (rolled back) does not count. The tracking-code
    lookup needs no such limit: a code is 10 characters of 32 (50 bits), not something to guess."""
    config = current_app.config
    throttle.hit(throttle.Limit("apply", int(config["APPLY_MAX_PER_ADDRESS"]),
                                timedelta(seconds=int(config["APPLY_WINDOW_SECONDS"])), "提交申报"), address)


def by_code(code: str) -> PilotApplication:
    application = db.session.scalar(select(PilotApplication).where(
        PilotApplication.tracking_code == (code or "").strip().upper()))
    if application is None:
        raise NotVisible("查询码不存在，请核对后重试")
    return application


@use_case
def resubmit(code: str, raw: dict[str, Any], plan_file: StoredFile | None = None) -> PilotApplication:
    """The applicant amends a returned application; it joins the next review window."""
    application = by_code(code)
    if application.status != "returned":
        raise Conflict("只有被退回的申报可以修改后重新提交")
    data = _clean(raw, plan_file is not None or application.plan_file_id is not None)
    _refuse_duplicates(data["university_name"], except_id=application.id)
    for name, value in data.items():
        setattr(application, name, value)
    if plan_file is not None:
        application.plan_file_id = plan_file.id
    application.submissions += 1
    _start_review(application)
    audit.record("application.resubmitted", "application", application.id, submissions=application.submissions,
                 window=[application.window_start.isoformat(), application.window_end.isoformat()])
    return application


def history(application: PilotApplication) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == "application", AuditEvent.subject_id == str(application.id))
        .order_by(AuditEvent.at, AuditEvent.id)))


def _application(data: dict[str, Any]) -> PilotApplication:
    application = db.session.get(PilotApplication, int(data["application_id"]))
    if application is None:
        raise LookupError(f"application {data.get('application_id')} not found")
    return application


def set_status(ctx: StepContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The ministry's decision: approved, rejected or returned (with the reviewer's comment)."""
    application = _application(data)
    status = str(params["status"])
    application.status = status
    application.decided_at = clock.now()
    application.decision_comment = data.get("comment") or None
    audit.record(f"application.{status}", "application", application.id, actor_id=ctx.actor_id,
                 comment=application.decision_comment)
    subjects = {"approved": ("已通过认定", "已通过认定，高校思政网将于 3 个工作日内开通账号"),
                "rejected": ("未通过认定", "未通过认定"),
                "returned": ("被退回修改", "被退回修改，请凭查询码修改后重新提交")}
    subject, sentence = subjects[status]
    opinion = f"\n审核意见：{application.decision_comment}" if application.decision_comment else ""
    mailer.queue(db.session(), application.contact_email, f"自主试点申报{subject}",
                 f"{application.university_name}的自主试点申报（查询码 {application.tracking_code}）"
                 f"{sentence}。{opinion}")
    return {"status": status}


def _username_for(application: PilotApplication) -> str:
    base = application.contact_email
    return base if accounts.find_user(base) is None else f"{base.split('@')[0]}-{application.id}"


def _one_time_password() -> str:
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(12))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def open_university_account(ctx: StepContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Create the university (自主试点), its departments and its 经办人 account with a one-time password
    that is shown once to the operator and mailed to the contact; the first login must change it."""
    application = _application(data)
    existing = db.session.scalar(select(Org).where(Org.kind == "university",
                                                   Org.name == application.university_name))
    if existing is not None:
        existing.pilot_status = "self_pilot"
        university = existing
    else:
        university = accounts.create_org(name=application.university_name, kind="university",
                                         province=application.province, school_type=application.school_type,
                                         pilot_status="self_pilot", pilot_batch=clock.now().year,
                                         actor_id=ctx.actor_id)
    accounts.add_standard_departments(university, actor_id=ctx.actor_id)
    password = _one_time_password()
    user = accounts.create_user(username=_username_for(application), password=password,
                                display_name=f"{application.contact_name}（{university.name}）",
                                org_id=university.id, roles=["university_admin"],
                                email=application.contact_email, actor_id=ctx.actor_id)
    user.must_change_password = True
    if ctx.actor_id is not None:
        db.session.add(OneTimeSecret(viewer_id=ctx.actor_id, label=f"{university.name} 经办人账号 {user.username}",
                                     secret=password, expires_at=clock.now() + timedelta(hours=24)))
    application.status = "account_opened"
    application.university_id = university.id
    audit.record("application.account_opened", "application", application.id, actor_id=ctx.actor_id,
                 university_id=university.id, username=user.username)
    mailer.queue(db.session(), application.contact_email, "自主试点账号已开通",
                 f"{university.name}的一站式学生社区云平台账号已开通。\n用户名：{user.username}\n"
                 f"初始密码：{password}\n首次登录后须修改密码。")
    return {"university_id": university.id, "username": user.username}


PLAN_ACCEPT = ("pdf", "docx")
PLAN_MAX_BYTES = 10 * 1024 * 1024


@use_case
def submit_with_plan(raw: dict[str, Any], upload: Any) -> PilotApplication:
    """The public form: the plan upload and the application are stored together or not at all."""
    return submit(raw, _plan_or_every_error(raw, upload))


@use_case
def resubmit_with_plan(code: str, raw: dict[str, Any], upload: Any) -> PilotApplication:
    return resubmit(code, raw, _plan_or_every_error(raw, upload))


def _plan_or_every_error(raw: dict[str, Any], upload: Any) -> StoredFile | None:
    """A refused file is reported together with every other field's message."""
    try:
        return save_plan_file(upload)
    except ValidationFailed as exc:
        fields = field_errors(raw, has_plan_file=True)
        fields.update(exc.fields)
        raise ValidationFailed(exc.message, fields) from exc


def save_plan_file(storage: Any) -> StoredFile | None:
    """The 工作计划书 upload (PDF or DOCX, ≤ 10 MB, type checked by content); None when none was sent."""
    if storage is None or not getattr(storage, "filename", ""):
        return None
    return uploads.save(storage, owner_id=None, org_id=None, accept=PLAN_ACCEPT, max_bytes=PLAN_MAX_BYTES,
                        field="plan_file")


def search(*, status: str | None = None, province: str | None = None, school_type: str | None = None,
           window_end: str | None = None, q: str | None = None, limit: int = 50,
           offset: int = 0) -> tuple[list[PilotApplication], int]:
    query = select(PilotApplication)
    if status:
        query = query.where(PilotApplication.status == status)
    if province:
        query = query.where(PilotApplication.province == province)
    if school_type:
        query = query.where(PilotApplication.school_type == school_type)
    if window_end:
        query = query.where(PilotApplication.window_end == window_end)
    if q:
        query = query.where(PilotApplication.university_name.ilike(f"%{q}%"))
    return paging.page(query, PilotApplication.submitted_at.desc(), PilotApplication.id.desc(), limit=limit,
                       offset=offset)


# ---------------------------------------------------------------- pages and exports

def field_errors(raw: dict[str, Any], *, has_plan_file: bool) -> dict[str, list[str]]:
    """The 基础信息表's problems without submitting anything (a page reports them together with a
    refused upload)."""
    try:
        _clean(raw, has_plan_file)
    except ValidationFailed as exc:
        return dict(exc.fields)
    return {}


def get(application_id: int) -> PilotApplication:
    application = db.session.get(PilotApplication, application_id)
    if application is None:
        raise NotVisible("申报不存在")
    return application


def for_instances(instance_ids: list[int]) -> dict[int, PilotApplication]:
    """The applications of these process instances, by instance id (the batch review list)."""
    if not instance_ids:
        return {}
    rows = db.session.scalars(select(PilotApplication).where(PilotApplication.instance_id.in_(instance_ids)))
    return {a.instance_id: a for a in rows if a.instance_id is not None}


def plan_file(application: PilotApplication) -> StoredFile | None:
    return db.session.get(StoredFile, application.plan_file_id) if application.plan_file_id else None


def waiting(after: Any) -> list[PilotApplication]:
    """Submitted applications whose review window opens after the day `after`."""
    return list(db.session.scalars(select(PilotApplication).where(
        PilotApplication.status == "submitted", PilotApplication.window_start > after)
        .order_by(PilotApplication.window_start, PilotApplication.submitted_at)))


def windows_in_use() -> list[tuple[Any, Any]]:
    """(start, end) of every review window some application joined, newest first (a list filter)."""
    rows = db.session.execute(select(PilotApplication.window_start, PilotApplication.window_end).distinct()
                              .order_by(PilotApplication.window_end.desc()))
    return [(r.window_start, r.window_end) for r in rows]


EXPORT_COLUMNS = [
    ("tracking_code", "查询码"), ("university_name", "学校"), ("province", "省份"), ("school_type", "办学类型"),
    ("status", "状态"), ("window_start", "审核窗口开始"), ("window_end", "审核窗口结束"), ("submissions", "提交次数"),
    ("contact_name", "联系人"), ("contact_phone", "联系电话"), ("contact_email", "邮箱"),
    ("community_students", "社区学生数"), ("community_buildings", "社区楼宇数"), ("submitted_at", "提交时间"),
    ("decision_comment", "审核意见"),
]
PILOT_EXPORT_COLUMNS = [("id", "编号"), ("name", "学校"), ("province", "省份"), ("school_type", "办学类型"),
                        ("pilot_status", "试点类型"), ("pilot_batch", "批次")]
EXPORT_LABELS = {"undergraduate": "本科", "vocational": "高职", "designated": "教育部认定试点",
                 "self_pilot": "自主试点", "submitted": "待审核", "returned": "已退回", "approved": "已认定",
                 "rejected": "未认定", "account_opened": "已开通账号"}


def export_rows(items: list[Any], columns: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Rows for `exports.render`, codes in Chinese."""
    return [{key: EXPORT_LABELS.get(value, value) if isinstance(value, str) else value
             for key, value in ((k, getattr(item, k)) for k, _ in columns)} for item in items]
