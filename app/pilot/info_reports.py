"""信息表 reporting (SPEC §6): periods with per-cohort deadlines, drafts, submission into the
`info_report` process (operator check: accept or return), revisions, and deadline reminders."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from app.core import audit, clock, deadlines, notifications, paging, roles
from app.core.unit_of_work import use_case
from app.errors import Conflict, Forbidden, NotVisible, ValidationFailed
from app.extensions import db
from app.models import InfoReport, InfoReportRevision, Org, ReportPeriod, User
from app.pilot import report_checks
from app.workflow import forms
from app.workflow import steps as workflows
from app.workflow.service_tasks import StepContext

PROCESS_KEY = "info_report"
FORM_KEY = "info_report"
PILOT_STATUSES = roles.COUNTED_PILOT_STATUSES
READERS = roles.NATIONAL


CREATORS = roles.SETTERS


def may_create(user: User) -> bool:
    return user.has_role(*CREATORS)


@use_case
def create_period(actor: User | None, *, code: str, name: str, starts_on: date, ends_on: date,
                  due_designated: date, due_self_pilot: date) -> ReportPeriod:
    """A reporting period with a deadline per cohort, opened by the ministry or a process_admin
    (`actor` None: the system, e.g. the demo data)."""
    if actor is not None and not may_create(actor):
        raise Forbidden("只有思政司和平台管理员可以创建报送周期")
    actor_id = actor.id if actor is not None else None
    fields: dict[str, list[str]] = {}
    if not code.strip():
        fields["code"] = ["请填写周期编号，如 2026-2027-1"]
    elif db.session.scalar(select(func.count()).where(ReportPeriod.code == code.strip())):
        fields["code"] = ["该周期编号已存在"]
    if ends_on < starts_on:
        fields["ends_on"] = ["结束日期不能早于开始日期"]
    for name_, due in (("due_designated", due_designated), ("due_self_pilot", due_self_pilot)):
        if due < starts_on:
            fields[name_] = ["截止日期不能早于周期开始日期"]
    if fields:
        raise ValidationFailed("报送周期有误", fields)
    period = ReportPeriod(code=code.strip(), name=name.strip() or code.strip(), starts_on=starts_on,
                          ends_on=ends_on, due_designated=due_designated, due_self_pilot=due_self_pilot)
    db.session.add(period)
    db.session.flush()
    audit.record("report_period.created", "report_period", period.id, actor_id=actor_id, code=period.code)
    return period


def periods() -> list[ReportPeriod]:
    return list(db.session.scalars(select(ReportPeriod).order_by(ReportPeriod.starts_on.desc())))


def period_or_404(period_id: int) -> ReportPeriod:
    period = db.session.get(ReportPeriod, period_id)
    if period is None:
        raise NotVisible("报送周期不存在")
    return period


def due_date(period: ReportPeriod, university: Org) -> date:
    return period.due_designated if university.pilot_status == "designated" else period.due_self_pilot


def _university_of(user: User) -> Org:
    if not user.has_role("university_admin") or user.org.university_id() is None:
        raise Forbidden("只有高校经办人可以填报信息表")
    university = db.session.get(Org, user.org.university_id())
    assert university is not None
    if university.pilot_status not in PILOT_STATUSES:
        raise Forbidden("只有试点高校需要填报信息表")
    return university


def _mine(user: User, period: ReportPeriod, *, create: bool) -> InfoReport | None:
    university = _university_of(user)
    report = db.session.scalar(select(InfoReport).where(InfoReport.period_id == period.id,
                                                         InfoReport.university_id == university.id))
    if report is None and create:
        report = InfoReport(period_id=period.id, university_id=university.id, status="draft", data={})
        db.session.add(report)
        db.session.flush()
    return report


def my_report(user: User, period_id: int) -> InfoReport | None:
    return _mine(user, period_or_404(period_id), create=False)


@use_case
def save_draft(user: User, period_id: int, data: Any, *, from_html: bool = False) -> InfoReport:
    """Keep what was filled in so far: every field is checked, none is required yet; the figures given may
    not contradict each other (report_checks)."""
    period = period_or_404(period_id)
    report = _mine(user, period, create=True)
    assert report is not None
    if report.status == "submitted":
        raise Conflict("信息表正在审核中，审核完成前不能修改")
    cleaned = forms.validate(FORM_KEY, data, {}, from_html=from_html, partial=True)
    report_checks.check(FORM_KEY, cleaned, period)  # incomplete is fine, contradictory never
    report.data = cleaned
    report.updated_at = clock.now()
    if report.status == "accepted":
        report.status = "draft"  # an update after acceptance is a new round: submit it again
    audit.record("info_report.draft_saved", "info_report", report.id, actor_id=user.id,
                 org_id=report.university_id)
    return report


@use_case
def submit(user: User, period_id: int, data: Any | None = None, *, from_html: bool = False) -> InfoReport:
    """Submit for the operator's check (with `data`, or the saved draft)."""
    period = period_or_404(period_id)
    report = _mine(user, period, create=True)
    assert report is not None
    if report.status == "submitted":
        raise Conflict("信息表已提交，正在审核中")
    cleaned = forms.validate(FORM_KEY, report.data if data is None else data, {},
                             from_html=from_html and data is not None)
    report_checks.check(FORM_KEY, cleaned, period)
    university = db.session.get(Org, report.university_id)
    assert university is not None
    report.data, report.status = cleaned, "submitted"
    report.revision += 1
    report.submitted_at = report.updated_at = clock.now()
    report.return_reason = None
    db.session.add(InfoReportRevision(report_id=report.id, number=report.revision, data=cleaned,
                                      submitted_by=user.id, submitted_at=report.submitted_at))
    instance = workflows.start(PROCESS_KEY, {
        "report_id": report.id, "university_id": university.id, "university_name": university.name,
        "period_name": period.name, "revision": report.revision,
    }, actor=user)
    report.instance_id = instance.id
    audit.record("info_report.submitted", "info_report", report.id, actor_id=user.id, org_id=university.id,
                 revision=report.revision)
    return report


def report_for(user: User, report_id: int) -> InfoReport:
    report = db.session.get(InfoReport, report_id)
    if report is None:
        raise NotVisible("信息表不存在")
    if user.has_role(*READERS) or (user.org.university_id() == report.university_id
                                   and user.has_role("university_admin")):
        return report
    raise NotVisible("信息表不存在")


def revisions(report: InfoReport) -> list[InfoReportRevision]:
    return list(db.session.scalars(select(InfoReportRevision).where(InfoReportRevision.report_id == report.id)
                                   .order_by(InfoReportRevision.number)))


def search(user: User, *, period_id: int | None = None, status: str | None = None,
           university_id: int | None = None, limit: int = 100, offset: int = 0) -> tuple[list[InfoReport], int]:
    query = select(InfoReport)
    if not user.has_role(*READERS):
        query = query.where(InfoReport.university_id == (user.org.university_id() or -1))
    if period_id is not None:
        query = query.where(InfoReport.period_id == period_id)
    if status:
        query = query.where(InfoReport.status == status)
    if university_id is not None:
        query = query.where(InfoReport.university_id == university_id)
    return paging.page(query, InfoReport.id, limit=limit, offset=offset)


def missing(period: ReportPeriod) -> list[tuple[Org, date, str]]:
    """Pilots whose report for the period is not in (submitted or accepted): (university, due, status)."""
    reports = {r.university_id: r.status for r in db.session.scalars(
        select(InfoReport).where(InfoReport.period_id == period.id))}
    pilots = db.session.scalars(select(Org).where(Org.kind == "university", Org.pilot_status.in_(PILOT_STATUSES))
                                .order_by(Org.province, Org.name))
    return [(u, due_date(period, u), reports.get(u.id, "missing")) for u in pilots
            if reports.get(u.id) not in ("submitted", "accepted")]


@use_case
def scan_deadlines(at: datetime) -> dict[str, int]:
    """Remind pilots 3 days before their deadline; after it, notify them and (once, in one summary) the
    ministry of who has not reported. Each notice is sent once."""
    counts = {"report_reminders": 0, "report_overdue": 0}
    for period in db.session.scalars(select(ReportPeriod).where(ReportPeriod.ends_on >= (at - timedelta(days=366))
                                                                .date())):
        subject = f"report_period:{period.id}"
        late = []
        for university, due, _status in missing(period):
            deadline = deadlines.end_of_day(due)
            if deadlines.reminder_due(due, at) and deadlines.notice_once(subject, university.id, "reminder"):
                counts["report_reminders"] += notifications.notify_role(
                    "university_admin", university.id, kind="report.due_soon",
                    title=f"请于 {due.isoformat()} 前报送{period.name}信息表", link=f"/reports/{period.id}")
            if at > deadline:
                late.append(university)
                if deadlines.notice_once(subject, university.id, "overdue"):
                    counts["report_overdue"] += 1
                    notifications.notify_role("university_admin", university.id, kind="report.overdue",
                                              title=f"{period.name}信息表已逾期未报送", link=f"/reports/{period.id}")
                    audit.record("info_report.overdue", "report_period", period.id, org_id=university.id)
        if late and deadlines.notice_once(subject, None, f"summary{len(late)}"):
            names = "、".join(u.name for u in late[:10]) + ("等" if len(late) > 10 else "")
            notifications.notify_role("moe_reviewer", None, kind="report.overdue_summary",
                                      title=f"{period.name}信息表：{len(late)} 所高校逾期未报送", body=names,
                                      link=f"/reports/periods/{period.id}/missing")
    return counts


def set_status(ctx: StepContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The operator's check: accepted, or returned with the reason (the university amends and resubmits)."""
    report = db.session.get(InfoReport, int(data["report_id"]))
    if report is None:
        raise LookupError(f"info report {data.get('report_id')} not found")
    status = str(params["status"])
    report.status = status
    now = clock.now()
    if status == "accepted":
        report.accepted_at = now
    else:
        report.return_reason = data.get("comment") or None
    revision = db.session.scalar(select(InfoReportRevision).where(InfoReportRevision.report_id == report.id,
                                                                  InfoReportRevision.number == report.revision))
    if revision is not None:
        revision.outcome, revision.outcome_comment = status, data.get("comment") or None
    audit.record(f"info_report.{status}", "info_report", report.id, actor_id=ctx.actor_id,
                 org_id=report.university_id, comment=data.get("comment"))
    notifications.notify_role("university_admin", report.university_id, kind=f"report.{status}",
                              title="信息表已通过审核" if status == "accepted" else "信息表被退回，请修改后重新提交",
                              body=data.get("comment") or "", link=f"/reports/{report.period_id}")
    return {"status": status}


# ---------------------------------------------------------------- pages

def university_of(user: User) -> Org:
    """The pilot university a 经办人 reports for (Forbidden for anyone else)."""
    return _university_of(user)


def status_counts(period: ReportPeriod) -> dict[str, int]:
    """Reports of the period by status, plus `missing`: pilots with no report row at all."""
    counts = dict(db.session.execute(select(InfoReport.status, func.count()).where(
        InfoReport.period_id == period.id).group_by(InfoReport.status)).all())
    pilots = db.session.scalar(select(func.count()).where(Org.kind == "university",
                                                          Org.pilot_status.in_(PILOT_STATUSES))) or 0
    reported = db.session.scalar(select(func.count()).where(
        InfoReport.period_id == period.id, InfoReport.university_id.in_(
            select(Org.id).where(Org.kind == "university", Org.pilot_status.in_(PILOT_STATUSES))))) or 0
    return {**{s: int(counts.get(s, 0)) for s in ("draft", "submitted", "accepted", "returned")},
            "missing": pilots - reported, "pilots": pilots}
