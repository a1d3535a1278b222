"""Flow B (SPEC §4): writing 育人号 posts — drafts, submission into the `post_review` process,
new revisions of published posts — and who may see which post.

A post's text lives in numbered revisions. The newest is the one being worked on: `draft` (saved,
autosaved), `in_review` (one `post_review` instance per submission, so returns never loop inside a
process), then `published`, `returned` or `rejected`. The published revision stays public while a
newer one is written and reviewed; publishing the newer one supersedes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError

from app.core import audit, clock, paging, roles, sanitize
from app.core.unit_of_work import use_case
from app.errors import Conflict, NotVisible, ValidationFailed
from app.extensions import db
from app.models import POST_MODULES, Org, Post, PostRevision, PostRevisionFile, User
from app.posts import media as posts_media
from app.workflow import steps as workflows

PROCESS_KEY = "post_review"
READERS = roles.NATIONAL
TITLE_MAX = 100
MESSAGE = "文章内容有误，请按提示修改"


@dataclass
class Content:
    module: str
    title: str
    body_html: str
    body_text: str
    cover_file_id: int | None = None
    image_ids: list[int] = field(default_factory=list)
    attachment_ids: list[int] = field(default_factory=list)


def _ids(value: Any, name: str, fields: dict[str, list[str]]) -> list[int]:
    if value in (None, ""):
        return []
    values = value if isinstance(value, list | tuple) else [value]
    out: list[int] = []
    for item in values:
        # A string of plain ASCII digits, at most 10 ("²" passes isdigit() and not int(); 5,000 digits
        # are past what int() parses), else an int; the range is checked below.
        digits = isinstance(item, str) and item.isascii() and item.isdigit() and len(item) <= 10
        if isinstance(item, bool) or not (isinstance(item, int) or digits):
            fields[name] = ["须为文件编号"]
            return []
        number = int(item)
        if not 0 < number < 2**31:
            fields[name] = ["须为文件编号"]
            return []
        out.append(number)
    return list(dict.fromkeys(out))


def clean_content(university_id: int, raw: dict[str, Any], *, complete: bool,
                  default_module: str | None = None) -> Content:
    """Check and clean what an author sent. `complete`: everything a submission needs (a draft may
    still lack a title or text). Raises ValidationFailed with Chinese messages per field."""
    fields: dict[str, list[str]] = {}
    module = raw.get("module") or default_module
    if module not in POST_MODULES:
        fields["module"] = ["请选择栏目：" + "、".join(POST_MODULES.values())]
    title, body = raw.get("title"), raw.get("body_html")
    if title is not None and not isinstance(title, str):
        fields["title"], title = ["标题须为文字"], ""
    title = " ".join((title or "").split())
    if complete and not title:
        fields["title"] = ["请填写标题"]
    elif len(title) > TITLE_MAX:
        fields["title"] = [f"标题不能超过 {TITLE_MAX} 字（当前 {len(title)} 字）"]
    if body is not None and not isinstance(body, str):
        fields["body_html"], body = ["正文须为 HTML 文本"], ""
    body = body or ""
    if len(body) > sanitize.MAX_INPUT_CHARS:
        fields["body_html"], body = ["正文过长，请精简或分篇发布"], ""
    cleaned = sanitize.clean(body)
    if len(cleaned) > sanitize.MAX_HTML_CHARS:
        fields["body_html"] = ["正文过长，请精简或分篇发布"]
    images = sanitize.image_ids(cleaned)
    owned = posts_media.owned_files(university_id, images)
    keep = {i for i in images if i in owned and posts_media.is_image(owned[i])}
    cleaned = sanitize.drop_images(cleaned, keep)
    text = sanitize.to_text(cleaned)
    if complete and not text and not keep and "body_html" not in fields:
        fields["body_html"] = ["请填写正文"]
    cover_ids = _ids(raw.get("cover_file_id"), "cover_file_id", fields)[:1]
    covers = posts_media.owned_files(university_id, cover_ids)
    if cover_ids and not (cover_ids[0] in covers and posts_media.is_image(covers[cover_ids[0]])):
        fields["cover_file_id"] = ["封面图片不存在，请重新上传"]
    attachment_ids = _ids(raw.get("attachment_ids"), "attachment_ids", fields)
    attached = posts_media.owned_files(university_id, attachment_ids)
    if len(attachment_ids) > posts_media.MAX_ATTACHMENTS:
        fields["attachment_ids"] = [f"附件不能超过 {posts_media.MAX_ATTACHMENTS} 个"]
    elif any(i not in attached or posts_media.is_image(attached[i]) for i in attachment_ids):
        fields["attachment_ids"] = ["附件不存在，请重新上传"]
    if fields:
        raise ValidationFailed(MESSAGE, fields)
    return Content(module=str(module), title=title, body_html=cleaned, body_text=text,
                   cover_file_id=cover_ids[0] if cover_ids else None,
                   image_ids=[i for i in images if i in keep], attachment_ids=attachment_ids)


# ---------------------------------------------------------------- reading

def latest_revision(post: Post) -> PostRevision:
    revision = db.session.scalar(select(PostRevision).where(PostRevision.post_id == post.id)
                                 .order_by(PostRevision.number.desc()).limit(1))
    assert revision is not None  # a post is created with its first revision
    return revision


def published_revision(post: Post) -> PostRevision | None:
    return db.session.scalar(select(PostRevision).where(PostRevision.post_id == post.id,
                                                        PostRevision.status == "published"))


def revisions(post: Post) -> list[PostRevision]:
    return list(db.session.scalars(select(PostRevision).where(PostRevision.post_id == post.id)
                                   .order_by(PostRevision.number)))


def revision_by_number(post: Post, number: int) -> PostRevision:
    revision = db.session.scalar(select(PostRevision).where(PostRevision.post_id == post.id,
                                                            PostRevision.number == number))
    if revision is None:
        raise NotVisible("版本不存在")
    return revision


def last_decision(post: Post) -> PostRevision | None:
    """The return or rejection the author is working from: the newest submitted revision, if it was
    returned or rejected (drafts after it do not count)."""
    for revision in reversed(revisions(post)):
        if revision.status == "draft":
            continue
        return revision if revision.status in ("returned", "rejected") else None
    return None


def _submitted_ever(post_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(PostRevision.post_id == post_id,
                                                        PostRevision.submitted_at.is_not(None)))))


def is_author(user: User, post: Post) -> bool:
    return user.has_role("university_admin") and user.org.university_id() == post.university_id


def post_for(user: User, post_id: int) -> Post:
    """The post if this user may see it: the university's own admins (drafts too), national readers
    once it has been submitted. Anyone else: NotVisible (404), never a hint it exists."""
    post = db.session.get(Post, post_id)
    if post is not None and (is_author(user, post) or (user.has_role(*READERS) and _submitted_ever(post.id))):
        return post
    raise NotVisible("文章不存在或无权查看")


def current_for(user: User, post: Post) -> PostRevision:
    """The revision this viewer works with: the newest one, except that reviewers never see a
    university's unsubmitted draft (they get the newest submitted revision instead)."""
    latest = latest_revision(post)
    if latest.status != "draft" or is_author(user, post):
        return latest
    submitted = db.session.scalar(select(PostRevision).where(
        PostRevision.post_id == post.id, PostRevision.submitted_at.is_not(None))
        .order_by(PostRevision.number.desc()).limit(1))
    return submitted or latest


def search(user: User, *, university_id: int | None = None, module: str | None = None,
           status: str | None = None, q: str | None = None, limit: int = 50,
           offset: int = 0) -> tuple[list[Post], int]:
    """Posts for the management lists: a university's own; for national readers, every submitted one."""
    query = select(Post)
    if user.has_role(*READERS):
        query = query.where(exists().where(PostRevision.post_id == Post.id, PostRevision.submitted_at.is_not(None)))
    elif user.has_role("university_admin") and user.org.university_id() is not None:
        query = query.where(Post.university_id == user.org.university_id())
    else:
        return [], 0
    if university_id is not None:
        query = query.where(Post.university_id == university_id)
    if module:
        query = query.where(Post.module == module)
    if status:
        query = query.where(Post.status == status)
    if q:
        query = query.where(exists().where(PostRevision.post_id == Post.id, PostRevision.title.icontains(
            q, autoescape=True)))
    return paging.page(query, Post.updated_at.desc(), Post.id.desc(), limit=limit, offset=offset)


# ---------------------------------------------------------------- writing

def _editable(user: User, post_id: int) -> tuple[Post, Org]:
    university = posts_media.university_of(user)
    post = db.session.get(Post, post_id)
    if post is None or post.university_id != university.id:
        raise NotVisible("文章不存在或无权查看")
    return post, university


def _write(revision: PostRevision, content: Content) -> None:
    revision.title, revision.body_html, revision.body_text = content.title, content.body_html, content.body_text
    revision.updated_at = clock.now()
    db.session.execute(delete(PostRevisionFile).where(PostRevisionFile.revision_id == revision.id))
    links = [("cover", i) for i in ([content.cover_file_id] if content.cover_file_id else [])]
    links += [("image", i) for i in content.image_ids] + [("attachment", i) for i in content.attachment_ids]
    for position, (role, file_id) in enumerate(links):
        db.session.add(PostRevisionFile(revision_id=revision.id, file_id=file_id, role=role, position=position))


def _copy_files(source: PostRevision, target: PostRevision) -> None:
    for link in db.session.scalars(select(PostRevisionFile).where(PostRevisionFile.revision_id == source.id)):
        db.session.add(PostRevisionFile(revision_id=target.id, file_id=link.file_id, role=link.role,
                                        position=link.position))


def _apply_module(post: Post, content: Content) -> None:
    if content.module != post.module:
        if post.published_at is not None:
            raise ValidationFailed(MESSAGE, {"module": ["已发布的文章不能更换栏目"]})
        post.module = content.module


def _working_draft(user: User, post: Post) -> PostRevision:
    """The draft to write into: the newest revision if it is a draft, else a new one that starts from
    the returned text (or, after a rejection, from what is public)."""
    latest = latest_revision(post)
    if latest.status == "draft":
        return latest
    if latest.status == "in_review":
        raise Conflict("文章正在审核中，审核完成前不能修改")
    if latest.status == "rejected" and post.published_at is None:
        raise Conflict("文章未通过审核，不能再修改；如需发布，请新建文章")
    source = published_revision(post) if latest.status == "rejected" else latest
    source = source or latest
    draft = PostRevision(post_id=post.id, number=latest.number + 1, status="draft", created_by=user.id,
                         title=source.title, body_html=source.body_html, body_text=source.body_text,
                         created_at=clock.now(), updated_at=clock.now())
    db.session.add(draft)
    try:
        db.session.flush()
    except IntegrityError:  # another tab started the same new revision a moment ago
        raise Conflict("文章刚在别处被修改，请刷新页面后重试") from None
    _copy_files(source, draft)
    post.status = "draft"
    return draft


def _content_of(post: Post, revision: PostRevision) -> dict[str, Any]:
    links = posts_media.files_of(revision.id)
    return {"module": post.module, "title": revision.title, "body_html": revision.body_html,
            "cover_file_id": next((f.id for link, f in links if link.role == "cover"), None),
            "attachment_ids": [f.id for link, f in links if link.role == "attachment"]}


def _submit(user: User, post: Post, revision: PostRevision, university: Org) -> None:
    now = clock.now()
    revision.status, revision.submitted_by, revision.submitted_at = "in_review", user.id, now
    revision.decided_by = revision.decided_at = revision.decision_comment = None
    post.status, post.updated_at = "in_review", now
    instance = workflows.start(PROCESS_KEY, {
        "post_id": post.id, "revision_id": revision.id, "revision": revision.number,
        "university_id": university.id, "university_name": university.name, "title": revision.title,
        "module": post.module, "module_name": POST_MODULES[post.module],
        "is_update": post.published_at is not None,
    }, actor=user)
    revision.instance_id = instance.id
    audit.record("post.submitted", "post", post.id, actor_id=user.id, org_id=university.id,
                 revision=revision.number)


@use_case
def create(user: User, raw: dict[str, Any], *, submit: bool) -> Post:
    """A new post of the user's university: saved as a draft, or (the API) straight into review."""
    university = posts_media.university_of(user)
    content = clean_content(university.id, raw, complete=submit)
    now = clock.now()
    post = Post(university_id=university.id, module=content.module, status="draft", created_by=user.id,
                created_at=now, updated_at=now)
    db.session.add(post)
    db.session.flush()
    revision = PostRevision(post_id=post.id, number=1, status="draft", created_by=user.id, created_at=now)
    db.session.add(revision)
    db.session.flush()
    _write(revision, content)
    audit.record("post.created", "post", post.id, actor_id=user.id, org_id=university.id, module=post.module)
    if submit:
        _submit(user, post, revision, university)
    return post


@use_case
def save_draft(user: User, post_id: int, raw: dict[str, Any]) -> PostRevision:
    """Keep what is written so far (also the editor's autosave). Editing a published or returned post
    starts a new draft revision; the published one stays public."""
    post, university = _editable(user, post_id)
    content = clean_content(university.id, raw, complete=False, default_module=post.module)
    revision = _working_draft(user, post)
    _apply_module(post, content)
    _write(revision, content)
    post.updated_at = clock.now()
    return revision


@use_case
def submit(user: User, post_id: int, raw: dict[str, Any] | None = None) -> PostRevision:
    """Send the draft (with `raw`: this content) to the operator's review."""
    post, university = _editable(user, post_id)
    revision = _working_draft(user, post)
    content = clean_content(university.id, _content_of(post, revision) if raw is None else raw, complete=True,
                            default_module=post.module)
    _apply_module(post, content)
    _write(revision, content)
    _submit(user, post, revision, university)
    return revision


@use_case
def discard_draft(user: User, post_id: int) -> Post | None:
    """Throw the draft away; a post that was never submitted goes with it (returns None then)."""
    post, university = _editable(user, post_id)
    latest = latest_revision(post)
    if latest.status != "draft":
        raise Conflict("只有草稿可以删除")
    db.session.execute(delete(PostRevisionFile).where(PostRevisionFile.revision_id == latest.id))
    db.session.delete(latest)
    db.session.flush()
    audit.record("post.draft_discarded", "post", post.id, actor_id=user.id, org_id=university.id,
                 revision=latest.number)
    if latest.number == 1:
        db.session.delete(post)
        return None
    post.status = latest_revision(post).status
    return post
