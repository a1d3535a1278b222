"""育人号 completion deadlines (SPEC §3.4, the 2021 notice): per cohort a date by which every required
module has a published post. Reminders before, escalation after, and who is behind for the ministry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from app.core import audit, clock, notifications
from app.errors import NotVisible, ValidationFailed
from app.extensions import db
from app.models import (
    DEFAULT_REQUIRED_MODULES,
    POST_MODULES,
    DeadlineNotice,
    Org,
    PilotApplication,
    Post,
    PostDeadline,
)

REMIND_DAYS = 3
PILOTS = ("designated", "self_pilot")
READERS = ("moe_reviewer", "operator", "process_admin")


def create(*, name: str, due_designated: date, due_self_pilot: date, required_modules: list[str] | None = None,
           grace_days: int = 21, actor_id: int | None = None) -> PostDeadline:
    fields: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        fields["name"] = ["请填写名称，如：现阶段育人号建设"]
    elif len(name) > 100:
        fields["name"] = ["名称不能超过 100 字"]
    modules = list(dict.fromkeys(required_modules or DEFAULT_REQUIRED_MODULES))
    if any(m not in POST_MODULES for m in modules):
        fields["required_modules"] = ["栏目须为：" + "、".join(POST_MODULES)]
    if not 0 <= grace_days <= 365:
        fields["grace_days"] = ["宽限天数须在 0 到 365 之间"]
    if fields:
        raise ValidationFailed("截止要求有误", fields)
    deadline = PostDeadline(name=name, due_designated=due_designated, due_self_pilot=due_self_pilot,
                            required_modules=modules, grace_days=grace_days, created_by=actor_id)
    db.session.add(deadline)
    db.session.flush()
    audit.record("post_deadline.created", "post_deadline", deadline.id, actor_id=actor_id, name=name)
    db.session.commit()
    return deadline


def deadlines() -> list[PostDeadline]:
    return list(db.session.scalars(select(PostDeadline).order_by(PostDeadline.due_designated.desc(),
                                                                 PostDeadline.id.desc())))


def deadline_or_404(deadline_id: int) -> PostDeadline:
    deadline = db.session.get(PostDeadline, deadline_id)
    if deadline is None:
        raise NotVisible("截止要求不存在")
    return deadline


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
        return not self.complete and at > end_of(self.due)


def end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=clock.SHANGHAI)


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


def behind(deadline: PostDeadline) -> list[Progress]:
    return sorted((p for p in progress(deadline) if not p.complete), key=lambda p: (p.due, p.university.name))


def current_for(university_id: int) -> list[tuple[PostDeadline, Progress]]:
    """The deadlines a university sees on its 育人号 page, with how far it is."""
    out = []
    for deadline in deadlines():
        mine = progress(deadline, university_id)
        if mine:
            out.append((deadline, mine[0]))
    return out


def _notice_once(subject: str, org_id: int | None, kind: str) -> bool:
    same_org = DeadlineNotice.org_id.is_(None) if org_id is None else DeadlineNotice.org_id == org_id
    if db.session.scalar(select(func.count()).where(DeadlineNotice.subject == subject, same_org,
                                                    DeadlineNotice.kind == kind)):
        return False
    db.session.add(DeadlineNotice(subject=subject, org_id=org_id, kind=kind))
    return True


def _names(modules: list[str]) -> str:
    return "、".join(POST_MODULES[m] for m in modules)


def scan_deadlines(at: datetime) -> dict[str, int]:
    """Remind pilots REMIND_DAYS before their date; after it, tell them once and (in one summary per
    change in the number behind) the ministry and the operators. Each notice goes out once."""
    counts = {"post_reminders": 0, "post_overdue": 0}
    horizon = (at - timedelta(days=400)).date()
    for deadline in db.session.scalars(select(PostDeadline).where(PostDeadline.due_self_pilot >= horizon)):
        subject = f"post_deadline:{deadline.id}"
        link = "/yurenhao/manage"
        late = []
        for row in behind(deadline):
            cutoff = end_of(row.due)
            uid = row.university.id
            if cutoff - timedelta(days=REMIND_DAYS) <= at <= cutoff and _notice_once(subject, uid, "reminder"):
                counts["post_reminders"] += notifications.notify_role(
                    "university_admin", uid, kind="post.due_soon", link=link,
                    title=f"请于 {row.due.isoformat()} 前完成{deadline.name}",
                    body=f"尚缺已发布的栏目：{_names(row.missing)}")
            if at > cutoff:
                late.append(row)
                if _notice_once(subject, uid, "overdue"):
                    counts["post_overdue"] += 1
                    notifications.notify_role("university_admin", uid, kind="post.overdue", link=link,
                                              title=f"{deadline.name}已逾期", body=f"尚缺：{_names(row.missing)}")
                    audit.record("post_deadline.overdue", "post_deadline", deadline.id, org_id=uid,
                                 missing=row.missing)
        if late and _notice_once(subject, None, f"summary{len(late)}"):
            names = "、".join(r.university.name for r in late[:10]) + ("等" if len(late) > 10 else "")
            for role in ("moe_reviewer", "operator"):
                notifications.notify_role(role, None, kind="post.overdue_summary",
                                          title=f"{deadline.name}：{len(late)} 所试点高校逾期未完成", body=names,
                                          link=f"/yurenhao/deadlines/{deadline.id}")
    db.session.commit()
    return counts
