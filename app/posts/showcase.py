"""成果展示 (SPEC §4): an operator nominates a published post as 优质成果 or 典型经验; the second
review is the `post_showcase` process (its BPMN says who decides — shipped: the ministry), whose
service function admits the post to the column or declines it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from app.core import audit, clock, notifications, paging, sanitize
from app.core.unit_of_work import use_case
from app.errors import Conflict, Forbidden, NotVisible, ValidationFailed
from app.extensions import db
from app.models import SHOWCASE_KINDS, HumanTask, Org, Post, PostRevision, ShowcaseEntry, User
from app.posts import writing as posts
from app.workflow import steps as workflows
from app.workflow import tasks
from app.workflow.service_tasks import StepContext

PROCESS_KEY = "post_showcase"
OPEN = ("nominated", "admitted")
NOMINATORS = ("operator",)
WITHDRAWERS = ("operator", "process_admin")
REASON_MAX = 1000


def may_nominate(user: User, post: Post, entries: list[ShowcaseEntry]) -> bool:
    """Whether the page offers the nomination: an operator, a published post, none open (`entries`)."""
    return (user.has_role(*NOMINATORS) and post.published_at is not None
            and not any(e.status in OPEN for e in entries))


def may_withdraw(user: User) -> bool:
    return user.has_role(*WITHDRAWERS)


@use_case
def nominate(user: User, post_id: int, kind: str, reason: str) -> ShowcaseEntry:
    """An operator puts a published post forward for the 成果展示 column."""
    if not user.has_role(*NOMINATORS):
        raise Forbidden("只有高校思政网运营人员可以推荐成果展示")
    post = posts.post_for(user, post_id)
    fields: dict[str, list[str]] = {}
    if kind not in SHOWCASE_KINDS:
        fields["kind"] = ["请选择推荐类型：优质成果或典型经验"]
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        fields["reason"] = [f"推荐理由不能超过 {REASON_MAX} 字"]
    if fields:
        raise ValidationFailed("推荐信息有误", fields)
    published = posts.published_revision(post)
    if published is None:
        raise Conflict("只有已发布的文章可以推荐至成果展示")
    if db.session.scalar(select(func.count()).where(ShowcaseEntry.post_id == post.id,
                                                    ShowcaseEntry.status.in_(OPEN))):
        raise Conflict("该文章已被推荐或已在成果展示中")
    university = db.session.get(Org, post.university_id)
    assert university is not None
    entry = ShowcaseEntry(post_id=post.id, kind=kind, reason=reason, nominated_by=user.id,
                          nominated_at=clock.now(), status="nominated")
    db.session.add(entry)
    db.session.flush()
    instance = workflows.start(PROCESS_KEY, {
        "entry_id": entry.id, "post_id": post.id, "university_id": post.university_id,
        "university_name": university.name, "title": published.title, "kind": kind,
        "kind_name": SHOWCASE_KINDS[kind], "reason": reason, "nominated_by": user.id,
        "public_url": f"/yurenhao/p/{post.id}",
    }, actor=user)
    entry.instance_id = instance.id
    audit.record("showcase.nominated", "post", post.id, actor_id=user.id, org_id=post.university_id, kind=kind)
    return entry


def set_status(ctx: StepContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The second review's decision: admitted to the column (shown with source and date) or declined."""
    status = str(params["status"])
    if status not in ("admitted", "declined"):
        raise ValueError(f"showcase_set_status: unknown status {status!r}")
    entry = db.session.get(ShowcaseEntry, int(data["entry_id"]))
    if entry is None:
        raise LookupError(f"showcase entry {data.get('entry_id')} not found")
    now = clock.now()
    entry.status, entry.decided_by, entry.decided_at = status, ctx.actor_id, now
    entry.decision_comment = data.get("comment") or None
    if status == "admitted":
        entry.admitted_at = now
    audit.record(f"showcase.{status}", "post", entry.post_id, actor_id=ctx.actor_id, org_id=ctx.org_id,
                 kind=entry.kind, comment=entry.decision_comment)
    label = SHOWCASE_KINDS.get(entry.kind, "")
    if status == "admitted":
        notifications.notify_role("university_admin", ctx.org_id, kind="showcase.admitted",
                                  title=f"贵校文章入选成果展示（{label}）：{data.get('title', '')}",
                                  link=f"/yurenhao/p/{entry.post_id}")
    if entry.nominated_by:
        nominator = db.session.get(User, entry.nominated_by)
        if nominator is not None:
            outcome = "已入选" if status == "admitted" else "未入选"
            notifications.notify([nominator], kind=f"showcase.{status}",
                                 title=f"成果展示推荐{outcome}：{data.get('title', '')}",
                                 body=entry.decision_comment or "", link=f"/yurenhao/p/{entry.post_id}")
    return {"status": status}


@use_case
def withdraw(user: User, entry_id: int) -> ShowcaseEntry:
    """An operator takes an admitted post out of the column again."""
    if not may_withdraw(user):
        raise Forbidden("只有高校思政网运营人员可以撤下成果展示")
    entry = db.session.get(ShowcaseEntry, entry_id)
    if entry is None:
        raise NotVisible("推荐记录不存在")
    if entry.status != "admitted":
        raise Conflict("只有已入选的成果可以撤下")
    entry.status = "withdrawn"
    audit.record("showcase.withdrawn", "post", entry.post_id, actor_id=user.id)
    return entry


def entries_for(post: Post) -> list[ShowcaseEntry]:
    return list(db.session.scalars(select(ShowcaseEntry).where(ShowcaseEntry.post_id == post.id)
                                   .order_by(ShowcaseEntry.nominated_at.desc(), ShowcaseEntry.id.desc())))


@dataclass
class Item:
    entry_id: int
    post_id: int
    kind: str
    title: str
    summary: str
    university_id: int
    university_name: str
    province: str | None
    published_at: datetime | None
    admitted_at: datetime | None


def admitted(*, kind: str | None = None, university_id: int | None = None, limit: int = 20,
             offset: int = 0) -> tuple[list[Item], int]:
    """The 成果展示 column: admitted posts, newest first, with their source university and dates."""
    query = (select(ShowcaseEntry, Post, PostRevision, Org)
             .join(Post, Post.id == ShowcaseEntry.post_id)
             .join(PostRevision, (PostRevision.post_id == Post.id) & (PostRevision.status == "published"))
             .join(Org, Org.id == Post.university_id)
             .where(ShowcaseEntry.status == "admitted"))
    if kind:
        query = query.where(ShowcaseEntry.kind == kind)
    if university_id is not None:
        query = query.where(Post.university_id == university_id)
    total = paging.count(query)
    rows = db.session.execute(query.order_by(ShowcaseEntry.admitted_at.desc(), ShowcaseEntry.id.desc())
                              .limit(limit).offset(offset))
    items = [Item(e.id, p.id, e.kind, r.title, sanitize.summary(r.body_text), o.id, o.name, o.province,
                  p.published_at, e.admitted_at) for e, p, r, o in rows]
    return items, total


def review_for(user: User, task_id: int) -> tuple[HumanTask, ShowcaseEntry, Post, PostRevision | None]:
    task = tasks.task_for(user, task_id)
    if task.process_key != PROCESS_KEY:
        raise NotVisible("任务不存在或无权查看")
    entry = db.session.get(ShowcaseEntry, int((task.instance.data or {}).get("entry_id") or 0))
    post = db.session.get(Post, entry.post_id) if entry else None
    if entry is None or post is None:
        raise NotVisible("推荐记录不存在")
    return task, entry, post, posts.published_revision(post)
