"""育人号 posts (SPEC §4): a post belongs to a university and a module; what it says lives in its
revisions. The public sees the one revision with status `published`; the newest revision is the one
being written (`draft`) or reviewed (`in_review`), so editing a published post never hides it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models._base import Model
from app.models._time import TZDateTime, utcnow

# The modules of a university's 育人号, in the order the notice lists them.
POST_MODULES = {
    "overview": "试点基本情况",
    "progress": "项目进展",
    "experience": "特色经验",
    "rules": "规章制度",
    "achievement": "成果",
}
# draft → in_review → published | returned | rejected; a published revision becomes `superseded`
# when a later revision of the same post is published.
REVISION_STATUSES = ("draft", "in_review", "returned", "rejected", "published", "superseded")
FILE_ROLES = ("cover", "image", "attachment")


class Post(Model):
    __tablename__ = "post"
    __table_args__ = (
        Index("ix_post_university_module", "university_id", "module"),
        Index("ix_post_published_at", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    university_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    module: Mapped[str] = mapped_column(String(20))
    # The status of the newest revision (what the university is waiting for).
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    # First publication (the date the public sees) and the latest one (feeds, caches).
    published_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    last_published_at: Mapped[datetime | None] = mapped_column(TZDateTime)


class PostRevision(Model):
    __tablename__ = "post_revision"
    __table_args__ = (
        UniqueConstraint("post_id", "number", name="uq_post_revision_post_number"),
        Index("ix_post_revision_status_post", "status", "post_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    number: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(200), default="")
    body_html: Mapped[str] = mapped_column(Text, default="")  # sanitised on the way in, never raw
    body_text: Mapped[str] = mapped_column(Text, default="")  # plain text: search, summaries
    status: Mapped[str] = mapped_column(String(20), default="draft")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    decision_comment: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    post: Mapped[Post] = relationship()


class PostRevisionFile(Model):
    """Files a revision uses: its cover, the images in its text, its attachments. A file is public
    exactly when a published revision uses it."""

    __tablename__ = "post_revision_file"

    revision_id: Mapped[int] = mapped_column(ForeignKey("post_revision.id"), primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)


class PostComment(Model):
    """A reviewer's note on the text of a revision: the quoted passage and what to change."""

    __tablename__ = "post_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("post_revision.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    quote: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
