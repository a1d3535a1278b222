"""What anyone may read without logging in: published 育人号 posts (their published revision only),
searchable by university, province, module and keyword, and the figures of the public homepage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from app.core import paging, roles, sanitize
from app.errors import NotVisible
from app.extensions import db
from app.models import POST_MODULES, Org, Post, PostRevision, PostRevisionFile, ShowcaseEntry, StoredFile
from app.posts import media as posts_media

PILOTS = roles.COUNTED_PILOT_STATUSES


@dataclass
class PublicPost:
    id: int
    title: str
    body_html: str
    body_text: str
    module: str
    university_id: int
    university_name: str
    province: str | None
    published_at: datetime | None
    updated_at: datetime | None
    revision_id: int
    cover_file_id: int | None = None
    attachments: list[StoredFile] = field(default_factory=list)
    showcase: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return sanitize.summary(self.body_text)

    @property
    def module_name(self) -> str:
        return POST_MODULES.get(self.module, self.module)


@dataclass
class Filters:
    university_id: int | None = None
    province: str | None = None
    module: str | None = None
    q: str | None = None


def _base() -> Any:
    return (select(Post, PostRevision, Org)
            .join(PostRevision, (PostRevision.post_id == Post.id) & (PostRevision.status == "published"))
            .join(Org, Org.id == Post.university_id))


def _item(post: Post, revision: PostRevision, org: Org) -> PublicPost:
    return PublicPost(post.id, revision.title, revision.body_html, revision.body_text, post.module, org.id,
                      org.name, org.province, post.published_at, revision.published_at, revision.id)


def search(filters: Filters, *, limit: int = 20, offset: int = 0) -> tuple[list[PublicPost], int]:
    query = _base()
    if filters.university_id is not None:
        query = query.where(Post.university_id == filters.university_id)
    if filters.province:
        query = query.where(Org.province == filters.province)
    if filters.module:
        query = query.where(Post.module == filters.module)
    if filters.q:
        words = filters.q.split()[:5]
        for word in words:
            query = query.where(PostRevision.title.icontains(word, autoescape=True)
                                | PostRevision.body_text.icontains(word, autoescape=True)
                                | Org.name.icontains(word, autoescape=True))
    total = paging.count(query)
    rows = db.session.execute(query.order_by(Post.published_at.desc(), Post.id.desc()).limit(limit).offset(offset))
    items = [_item(*row) for row in rows]
    covers = _covers([i.revision_id for i in items])
    for item in items:
        item.cover_file_id = covers.get(item.revision_id)
    return items, total


def _covers(revision_ids: list[int]) -> dict[int, int]:
    if not revision_ids:
        return {}
    rows = db.session.execute(select(PostRevisionFile.revision_id, PostRevisionFile.file_id).where(
        PostRevisionFile.revision_id.in_(revision_ids), PostRevisionFile.role == "cover"))
    return {r.revision_id: r.file_id for r in rows}


def post(post_id: int) -> PublicPost:
    row = db.session.execute(_base().where(Post.id == post_id)).first()
    if row is None:
        raise NotVisible("文章不存在或尚未发布")
    item = _item(*row)
    for link, file in posts_media.files_of(item.revision_id):
        if link.role == "cover":
            item.cover_file_id = file.id
        elif link.role == "attachment":
            item.attachments.append(file)
    item.showcase = list(db.session.scalars(select(ShowcaseEntry.kind).where(
        ShowcaseEntry.post_id == post_id, ShowcaseEntry.status == "admitted")))
    return item


def university(university_id: int) -> Org:
    """A pilot university's 育人号 (404 for anything else)."""
    org = db.session.get(Org, university_id)
    if org is None or org.kind != "university" or org.pilot_status not in PILOTS:
        raise NotVisible("该高校育人号不存在")
    return org


def module_counts(university_id: int) -> dict[str, int]:
    rows = db.session.execute(select(Post.module, func.count()).where(
        Post.university_id == university_id, Post.published_at.is_not(None)).group_by(Post.module))
    counts = dict(rows.all())
    return {module: counts.get(module, 0) for module in POST_MODULES}


def pilot_universities() -> list[Org]:
    return list(db.session.scalars(select(Org).where(Org.kind == "university", Org.pilot_status.in_(PILOTS))
                                   .order_by(Org.province, Org.name)))


def provinces() -> list[str]:
    return sorted({o.province for o in pilot_universities() if o.province})


def version() -> str:
    """Changes whenever anything public changes (a revision published or replaced, a showcase entry
    admitted or withdrawn, a new pilot): the key of the public pages' caches and ETags. Sums of ids
    rather than timestamps, so it does not depend on clocks. One round trip of small aggregates."""
    published = PostRevision.status == "published"
    admitted = ShowcaseEntry.status == "admitted"
    pilots = (Org.kind == "university") & Org.pilot_status.in_(PILOTS)
    row = db.session.execute(select(
        select(func.count()).select_from(PostRevision).where(published).scalar_subquery(),
        select(func.coalesce(func.sum(PostRevision.id), 0)).where(published).scalar_subquery(),
        select(func.count()).select_from(ShowcaseEntry).where(admitted).scalar_subquery(),
        select(func.coalesce(func.sum(ShowcaseEntry.id), 0)).where(admitted).scalar_subquery(),
        select(func.count()).select_from(Org).where(pilots).scalar_subquery(),
        select(func.max(Org.created_at)).scalar_subquery(),
    )).one()
    return "|".join(str(v) for v in row)


def pilots_by_province() -> list[tuple[str, int, int]]:
    """(province, designated, self-pilots) for the homepage chart, most pilots first."""
    counts: dict[str, list[int]] = {}
    rows = db.session.execute(select(Org.province, Org.pilot_status, func.count()).where(
        Org.kind == "university", Org.pilot_status.in_(PILOTS)).group_by(Org.province, Org.pilot_status))
    for province, status, n in rows:
        pair = counts.setdefault(province or "未知", [0, 0])
        pair[0 if status == "designated" else 1] += n
    return sorted(((p, d, s) for p, (d, s) in counts.items()), key=lambda r: (-(r[1] + r[2]), r[0]))
