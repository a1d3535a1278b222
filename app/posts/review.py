"""The operator's review of 育人号 posts: the service functions the `post_review` BPMN calls
(publish, return, reject), reviewers' notes on the text, and what a review page shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.core import audit, clock, notifications
from app.core.unit_of_work import use_case
from app.errors import Conflict, Forbidden, NotVisible, ValidationFailed
from app.extensions import db
from app.models import HumanTask, Post, PostComment, PostRevision, User
from app.posts import diff as posts_diff
from app.posts import writing as posts
from app.workflow import tasks
from app.workflow.service_tasks import StepContext

REVIEWERS = ("operator", "moe_reviewer", "process_admin")
QUOTE_MAX = 500
COMMENT_MAX = 2000


def _revision(data: dict[str, Any]) -> PostRevision:
    revision = db.session.get(PostRevision, int(data["revision_id"]))
    if revision is None:
        raise LookupError(f"post revision {data.get('revision_id')} not found")
    return revision


def _notify_university(post: Post, kind: str, title: str, body: str = "") -> None:
    notifications.notify_role("university_admin", post.university_id, kind=kind, title=title, body=body,
                              link=f"/yurenhao/manage/{post.id}")


def publish(ctx: StepContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Approved: this revision becomes the public one; the one it replaces is kept as superseded."""
    revision = _revision(data)
    post = revision.post
    now = clock.now()
    previous = posts.published_revision(post)
    if previous is not None and previous.id != revision.id:
        previous.status = "superseded"
        db.session.flush()
    revision.status, revision.published_at = "published", now
    revision.decided_by, revision.decided_at = ctx.actor_id, now
    revision.decision_comment = data.get("comment") or None
    post.status, post.updated_at, post.last_published_at = "published", now, now
    post.published_at = post.published_at or now
    audit.record("post.published", "post", post.id, actor_id=ctx.actor_id, org_id=post.university_id,
                 revision=revision.number, replaced=previous.number if previous else None)
    _notify_university(post, "post.published", f"育人号文章已发布：{revision.title}", revision.decision_comment or "")
    return {"status": "published"}


def set_status(ctx: StepContext, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Returned for changes or rejected, with the reviewer's reason; a published post stays public."""
    status = str(params["status"])
    if status not in ("returned", "rejected"):
        raise ValueError(f"post_set_status: unknown status {status!r}")
    revision = _revision(data)
    post = revision.post
    revision.status, revision.decided_by, revision.decided_at = status, ctx.actor_id, clock.now()
    revision.decision_comment = data.get("comment") or None
    post.status, post.updated_at = status, clock.now()
    audit.record(f"post.{status}", "post", post.id, actor_id=ctx.actor_id, org_id=post.university_id,
                 revision=revision.number, comment=revision.decision_comment)
    title = "育人号文章被退回修改" if status == "returned" else "育人号文章未通过审核"
    _notify_university(post, f"post.{status}", f"{title}：{revision.title}", revision.decision_comment or "")
    return {"status": status}


# ---------------------------------------------------------------- notes on the text

@use_case
def add_comment(user: User, post_id: int, quote: str, body: str) -> PostComment:
    """A reviewer's note on the revision under review, optionally quoting the passage it is about."""
    if not user.has_role(*REVIEWERS):
        raise Forbidden("只有审核人员可以批注")
    post = posts.post_for(user, post_id)
    revision = posts.latest_revision(post)
    if revision.status != "in_review":
        raise Conflict("文章不在审核中，不能批注")
    quote = " ".join((quote or "").split())
    body = (body or "").strip()
    fields: dict[str, list[str]] = {}
    if not body:
        fields["body"] = ["请填写批注内容"]
    elif len(body) > COMMENT_MAX:
        fields["body"] = [f"批注不能超过 {COMMENT_MAX} 字"]
    if len(quote) > QUOTE_MAX:
        fields["quote"] = [f"引用的原文不能超过 {QUOTE_MAX} 字，请选短一些"]
    elif quote and quote not in " ".join(revision.body_text.split()) and quote not in revision.title:
        fields["quote"] = ["引用的文字不在正文中"]
    if fields:
        raise ValidationFailed("批注有误", fields)
    comment = PostComment(revision_id=revision.id, author_id=user.id, quote=quote, body=body)
    db.session.add(comment)
    audit.record("post.commented", "post", post.id, actor_id=user.id, org_id=post.university_id,
                 revision=revision.number)
    return comment


def comments(revision: PostRevision) -> list[PostComment]:
    return list(db.session.scalars(select(PostComment).where(PostComment.revision_id == revision.id)
                                   .order_by(PostComment.created_at, PostComment.id)))


# ---------------------------------------------------------------- the review page

def open_task(revision: PostRevision) -> HumanTask | None:
    """The ready review task of a revision in review, if any."""
    if revision.status != "in_review" or not revision.instance_id:
        return None
    return db.session.scalar(select(HumanTask).where(HumanTask.instance_id == revision.instance_id,
                                                     HumanTask.status == "ready").limit(1))


@dataclass
class Review:
    task: HumanTask
    post: Post
    revision: PostRevision
    published: PostRevision | None
    diff: posts_diff.Diff | None
    comments: list[PostComment]


def review_for(user: User, task_id: int) -> Review:
    """A `post_review` task with the revision it is about, the public one it would replace, their
    difference and the notes so far."""
    task = tasks.task_for(user, task_id)
    if task.process_key != posts.PROCESS_KEY:
        raise NotVisible("任务不存在或无权查看")
    data = task.instance.data or {}
    revision = db.session.get(PostRevision, int(data.get("revision_id") or 0))
    if revision is None:
        raise NotVisible("文章不存在")
    post = revision.post
    published = db.session.scalar(select(PostRevision).where(
        PostRevision.post_id == post.id, PostRevision.number < revision.number,
        PostRevision.status.in_(("published", "superseded")), PostRevision.published_at.is_not(None))
        .order_by(PostRevision.number.desc()).limit(1))
    diff = posts_diff.compare(published, revision) if published is not None else None
    return Review(task, post, revision, published, diff, comments(revision))
