"""育人号 completion deadlines (SPEC §3.4, the 2021 notice): per cohort a date by which every required
module has a published post. Reminders before, escalation after, and who is behind for the ministry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from app.core import audit, clock, notifications, roles
from app.core import deadlines as dates
from app.core.unit_of_work import use_case
from app.errors import Forbidden, NotVisible, ValidationFailed
from app.extensions import db
from app.models import (
    DEFAULT_REQUIRED_MODULES,
    POST_MODULES,
    Org,
    PilotApplication,
    Post,
    PostDeadline,
    User,
)

PILOTS = roles.COUNTED_PILOT_STATUSES
READERS = roles.NATIONAL


CREATORS = roles.SETTERS


def may_read(user: User) -> bool:
    return user.has_role(*READERS)


def may_create(user: User) -> bool:
    return user.has_role(*CREATORS)


def _reader(user: User) -> None:
    if not may_read(user):
        raise Forbidden("只有思政司、高校思政网和平台管理员可以查看育人号建设进度")


@use_case
def create(actor: User | None, *, name: str, due_designated: date | None, due_self_pilot: date | None,
           required_modules: list[str] | None = None, grace_days: int | None = 21) -> PostDeadline:
    """A deadline per cohort, set by the ministry or a process_admin (`actor` None: the system).
    A date or a number the page could not read arrives as None and is reported with the rest."""
    if actor is not None and not may_create(actor):
        raise Forbidden("只有思政司和平台管理员可以设置截止要求")
    actor_id = actor.id if actor is not None else None
    fields: dict[str, list[str]] = {}
    for field, day in (("due_designated", due_designated), ("due_self_pilot", due_self_pilot)):
        if day is None:
            fields[field] = ["请填写有效日期"]
    name = (name or "").strip()
    if not name:
        fields["name"] = ["请填写名称，如：现阶段育人号建设"]
    elif len(name) > 100:
        fields["name"] = ["名称不能超过 100 字"]
    modules = list(dict.fromkeys(required_modules or DEFAULT_REQUIRED_MODULES))
    if any(m not in POST_MODULES for m in modules):
        fields["required_modules"] = ["栏目须为：" + "、".join(POST_MODULES)]
    if grace_days is None:
        fields["grace_days"] = ["请填写整数天数"]
    elif not 0 <= grace_days <= 365:
        fields["grace_days"] = ["宽限天数须在 0 到 365 之间"]
    if fields:
        raise ValidationFailed("截止要求有误", fields)
    deadline = PostDeadline(name=name, due_designated=due_designated, due_self_pilot=due_self_pilot,
                            required_modules=modules, grace_days=grace_days, created_by=actor_id)
    db.session.add(deadline)
    db.session.flush()
    audit.record("post_deadline.created", "post_deadline", deadline.id, actor_id=actor_id, name=name)
    return deadline


def deadlines() -> list[PostDeadline]:
    return list(db.session.scalars(select(PostDeadline).order_by(PostDeadline.due_designated.desc(),
                                                                 PostDeadline.id.desc())))


def deadline_for(viewer: User, deadline_id: int) -> PostDeadline:
    _reader(viewer)
    deadline = db.session.get(PostDeadline, deadline_id)
    if deadline is None:
        raise NotVisible("截止要求不存在")
    return deadline


def overview(viewer: User) -> list[tuple[PostDeadline, list[Progress]]]:
    """Every deadline with the pilots behind it (the readers' page)."""
    _reader(viewer)
    return [(d, _behind(d)) for d in deadlines()]


def _certified_on(university: Org) -> date:
    decided = db.session.scalar(select(func.max(PilotApplication.decided_at)).where(
        PilotApplication.university_id == university.id))
    moment = decided or university.created_at
    return clock.as_utc(moment).astimezone(clock.SHANGHAI).date()


def due_for(deadline: PostDeadline, university: Org) -> date:
    """The designated pilots' date, or the self-pilots' one — but a self-pilot certified too late to
    make it gets `grace_days` from its certification."""
    if university.pilot_status == "designated":
        return deadline.due_designated
    return max(deadline.due_self_pilot, _certified_on(university) + timedelta(days=deadline.grace_days))


@dataclass
class Progress:
    university: Org
    due: date
    done: list[str]
    missing: list[str]

    @property
    def complete(self) -> bool:
        return not self.missing

    def overdue(self, at: datetime) -> bool:
        return not self.complete and at > dates.end_of_day(self.due)




def _published_modules() -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for university_id, module in db.session.execute(select(Post.university_id, Post.module).where(
            Post.published_at.is_not(None)).distinct()):
        out.setdefault(university_id, set()).add(module)
    return out


def progress(deadline: PostDeadline, university_id: int | None = None) -> list[Progress]:
    """Every pilot (or one) with its due date and the required modules it has / lacks."""
    query = select(Org).where(Org.kind == "university", Org.pilot_status.in_(PILOTS))
    if university_id is not None:
        query = query.where(Org.id == university_id)
    published = _published_modules()
    required = list(deadline.required_modules or DEFAULT_REQUIRED_MODULES)
    rows = []
    for university in db.session.scalars(query.order_by(Org.province, Org.name)):
        have = published.get(university.id, set())
        rows.append(Progress(university, due_for(deadline, university), [m for m in required if m in have],
                             [m for m in required if m not in have]))
    return rows


def behind(viewer: User, deadline_id: int) -> list[Progress]:
    """The pilots that have not yet published every required module, soonest due first."""
    return _behind(deadline_for(viewer, deadline_id))


def _behind(deadline: PostDeadline) -> list[Progress]:
    return sorted((p for p in progress(deadline) if not p.complete), key=lambda p: (p.due, p.university.name))


def current_for(university_id: int) -> list[tuple[PostDeadline, Progress]]:
    """The deadlines a university sees on its 育人号 page, with how far it is."""
    out = []
    for deadline in deadlines():
        mine = progress(deadline, university_id)
        if mine:
            out.append((deadline, mine[0]))
    return out


def _names(modules: list[str]) -> str:
    return "、".join(POST_MODULES[m] for m in modules)


@use_case
def scan_deadlines(at: datetime) -> dict[str, int]:
    """Remind pilots a few days before their date; after it, tell them once and (in one summary per change
    in the number behind) the ministry and the operators. Each notice goes out once."""
    counts = {"post_reminders": 0, "post_overdue": 0}
    horizon = (at - timedelta(days=400)).date()
    for deadline in db.session.scalars(select(PostDeadline).where(PostDeadline.due_self_pilot >= horizon)):
        subject = f"post_deadline:{deadline.id}"
        link = "/yurenhao/manage"
        late = []
        for row in _behind(deadline):
            cutoff = dates.end_of_day(row.due)
            uid = row.university.id
            if dates.reminder_due(row.due, at) and dates.notice_once(subject, uid, "reminder"):
                counts["post_reminders"] += notifications.notify_role(
                    "university_admin", uid, kind="post.due_soon", link=link,
                    title=f"请于 {row.due.isoformat()} 前完成{deadline.name}",
                    body=f"尚缺已发布的栏目：{_names(row.missing)}")
            if at > cutoff:
                late.append(row)
                if dates.notice_once(subject, uid, "overdue"):
                    counts["post_overdue"] += 1
                    notifications.notify_role("university_admin", uid, kind="post.overdue", link=link,
                                              title=f"{deadline.name}已逾期", body=f"尚缺：{_names(row.missing)}")
                    audit.record("post_deadline.overdue", "post_deadline", deadline.id, org_id=uid,
                                 missing=row.missing)
        if late and dates.notice_once(subject, None, f"summary{len(late)}"):
            names = "、".join(r.university.name for r in late[:10]) + ("等" if len(late) > 10 else "")
            for role in ("moe_reviewer", "operator"):
                notifications.notify_role(role, None, kind="post.overdue_summary",
                                          title=f"{deadline.name}：{len(late)} 所试点高校逾期未完成", body=names,
                                          link=f"/yurenhao/deadlines/{deadline.id}")
    return counts
