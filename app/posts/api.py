"""育人号 endpoints for universities and reviewers (API.md: POST /posts, GET /posts/{id}): writing
(straight into review; drafts are a page feature), new revisions, files, reviewers' notes, nominating
a published post for 成果展示."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from app.api.auth_context import accepts, current_user, public, require_roles, roles
from app.api.errors import require_multipart
from app.core import clock
from app.extensions import db
from app.models import Org, Post, PostRevision, User
from app.posts import deadlines as posts_deadlines
from app.posts import media as posts_media
from app.posts import public as posts_public
from app.posts import review as posts_review
from app.posts import showcase
from app.posts import writing as posts
from app.posts.schemas import (
    BehindSchema,
    DeadlineInSchema,
    DeadlineSchema,
    FileSchema,
    NominateSchema,
    PostCommentInSchema,
    PostCreatedSchema,
    PostInSchema,
    PostListArgs,
    PostNoteSchema,
    PostPageSchema,
    PostRevisionSchema,
    PostSchema,
    PostUpdateSchema,
    PublicPostArgs,
    PublicPostPageSchema,
    PublicPostSchema,
    ShowcaseArgs,
    ShowcasePageSchema,
    ShowcaseSchema,
)

blp = Blueprint("api_posts", __name__, url_prefix="/api/v1", description="育人号文章")


def file_view(file: Any, width: int | None = None, height: int | None = None) -> dict[str, Any]:
    return {"id": file.id, "filename": file.filename, "content_type": file.content_type, "size": file.size,
            "url": posts_media.media_url(file.id), "width": width, "height": height}


def revision_view(revision: PostRevision) -> dict[str, Any]:
    links = posts_media.files_of(revision.id)
    authors: dict[int, str] = {}
    notes = []
    for c in posts_review.comments(revision):
        if c.author_id not in authors:
            author = db.session.get(User, c.author_id)
            authors[c.author_id] = author.display_name if author else ""
        notes.append({"id": c.id, "quote": c.quote, "body": c.body, "author": authors[c.author_id],
                      "created_at": c.created_at})
    cover = next((f for link, f in links if link.role == "cover"), None)
    return {
        "number": revision.number, "status": revision.status, "title": revision.title,
        "body_html": revision.body_html, "cover": file_view(cover) if cover else None,
        "attachments": [file_view(f) for link, f in links if link.role == "attachment"],
        "submitted_at": revision.submitted_at, "decided_at": revision.decided_at,
        "decision_comment": revision.decision_comment, "published_at": revision.published_at,
        "instance_id": revision.instance_id, "comments": notes,
    }


def post_view(user: User, post: Post) -> dict[str, Any]:
    current = posts.current_for(user, post)
    published = posts.published_revision(post)
    university = db.session.get(Org, post.university_id)
    return {
        "id": post.id, "university_id": post.university_id, "university_name": university.name if university else "",
        "module": post.module, "status": current.status, "title": current.title, "body_html": current.body_html,
        "published_at": post.published_at, "updated_at": post.updated_at, "instance_id": current.instance_id,
        "current": revision_view(current), "published": revision_view(published) if published else None,
        "showcase": showcase.entries_for(post),
    }


def _created(post_id: int, revision: PostRevision) -> dict[str, Any]:
    return {"id": post_id, "instance_id": revision.instance_id, "revision": revision.number,
            "status": revision.status}


@blp.route("/posts", methods=["POST"])
@blp.arguments(PostInSchema)
@blp.response(201, PostCreatedSchema)
@roles("university_admin")
def create(body: dict[str, Any]) -> dict[str, Any]:
    """Write a post (university_admin): it goes to the operator's review at once."""
    user = current_user()
    post = posts.create(user, body, submit=True)
    return _created(post.id, posts.latest_revision(post))


@blp.route("/posts", methods=["GET"])
@blp.arguments(PostListArgs, location="query")
@blp.response(200, PostPageSchema)
def list_posts(args: dict[str, Any]) -> dict[str, Any]:
    """A university's own posts; for operators and the ministry, every submitted post."""
    user = current_user()
    items, total = posts.search(user, **args)
    rows = []
    for post in items:
        current = posts.current_for(user, post)
        rows.append({"id": post.id, "university_id": post.university_id, "module": post.module,
                     "status": current.status, "title": current.title, "published_at": post.published_at,
                     "updated_at": post.updated_at})
    return {"items": rows, "total": total}


@blp.route("/posts/<int(max=2147483647):post_id>", methods=["GET"])
@blp.response(200, PostSchema)
def get_post(post_id: int) -> dict[str, Any]:
    """The post for those allowed to see it (its university; operators and the ministry once it was
    submitted): the revision being worked on or reviewed, and the published one."""
    user = current_user()
    return post_view(user, posts.post_for(user, post_id))


@blp.route("/posts/<int(max=2147483647):post_id>", methods=["PUT"])
@blp.arguments(PostUpdateSchema)
@blp.response(200, PostCreatedSchema)
@roles("university_admin")
def revise(body: dict[str, Any], post_id: int) -> dict[str, Any]:
    """A new revision into review (after a return, or of a published post, which stays public until
    the revision is approved). The body replaces the content: a cover or attachments left out are
    removed; `module` may be left out and cannot change once the post was published."""
    user = current_user()
    revision = posts.submit(user, post_id, body)
    return _created(post_id, revision)


@blp.route("/posts/<int(max=2147483647):post_id>/revisions", methods=["GET"])
@blp.response(200, PostRevisionSchema(many=True))
def list_revisions(post_id: int) -> list[dict[str, Any]]:
    user = current_user()
    post = posts.post_for(user, post_id)
    return [revision_view(r) for r in posts.revisions(post)
            if r.status != "draft" or posts.is_author(user, post)]


@blp.route("/posts/<int(max=2147483647):post_id>/comments", methods=["POST"])
@blp.arguments(PostCommentInSchema)
@blp.response(201, PostNoteSchema)
def add_comment(body: dict[str, Any], post_id: int) -> dict[str, Any]:
    """A reviewer's note on the text under review, optionally quoting the passage (operators, ministry)."""
    user = current_user()
    comment = posts_review.add_comment(user, post_id, body["quote"], body["body"])
    return {"id": comment.id, "quote": comment.quote, "body": comment.body, "author": user.display_name,
            "created_at": comment.created_at}


@blp.route("/posts/<int(max=2147483647):post_id>/showcase", methods=["POST"])
@blp.arguments(NominateSchema)
@blp.response(201, ShowcaseSchema)
def nominate(body: dict[str, Any], post_id: int) -> Any:
    """Nominate a published post as 优质成果 or 典型经验 (operator); a second review decides."""
    return showcase.nominate(current_user(), post_id, body["kind"], body["reason"])


@blp.route("/showcase/<int(max=2147483647):entry_id>/withdraw", methods=["POST"])
@blp.response(200, ShowcaseSchema)
def withdraw(entry_id: int) -> Any:
    """Take an admitted post out of the 成果展示 column (operator)."""
    return showcase.withdraw(current_user(), entry_id)


@blp.route("/post-files", methods=["POST"])
@blp.doc(requestBody={"content": {"multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                                                    "properties": {
    "file": {"type": "string", "format": "binary"},
    "kind": {"type": "string", "enum": list(posts_media.UPLOAD_KINDS)}}}}}})
@blp.response(201, FileSchema)
@accepts("multipart/form-data")
def upload() -> dict[str, Any]:
    """Upload an image (PNG/JPEG/GIF/WebP ≤ 5 MB, checked dimensions; `kind=image|cover`) or an attachment
    (PDF/DOCX/XLSX ≤ 10 MB; `kind=attachment`) for the caller's university's posts."""
    user = require_roles("university_admin")
    require_multipart()
    result = posts_media.upload(user, request.files.get("file"), request.form.get("kind", "image"))
    return file_view(result.file, result.width, result.height)


# --- Public 育人号 endpoints (no token): published posts, sanitised (API.md: GET /public/posts), and

public_blp = Blueprint("api_posts_public", __name__, url_prefix="/api/v1", description="育人号公开内容与建设进度")


def _public(item: posts_public.PublicPost) -> dict[str, Any]:
    return {"id": item.id, "title": item.title, "body_html": item.body_html, "summary": item.summary,
            "university_id": item.university_id, "university_name": item.university_name,
            "province": item.province, "module": item.module, "published_at": item.published_at,
            "updated_at": item.updated_at, "url": f"/yurenhao/p/{item.id}",
            "cover_url": posts_media.media_url(item.cover_file_id) if item.cover_file_id else None}


@public_blp.route("/public/posts", methods=["GET"])
@public_blp.arguments(PublicPostArgs, location="query")
@public_blp.response(200, PublicPostPageSchema)
@public
def list_public(args: dict[str, Any]) -> dict[str, Any]:
    """Published posts, newest first, by university, province, module and keyword (public)."""
    filters = posts_public.Filters(university_id=args.get("university_id"), province=args.get("province"),
                                   module=args.get("module"), q=args.get("q"))
    items, total = posts_public.search(filters, limit=args["limit"], offset=args["offset"])
    return {"items": [_public(i) for i in items], "total": total}


@public_blp.route("/public/posts/<int(max=2147483647):post_id>", methods=["GET"])
@public_blp.response(200, PublicPostSchema)
@public
def get_public(post_id: int) -> dict[str, Any]:
    """One published post (public); 404 for anything not published."""
    return _public(posts_public.post(post_id))


@public_blp.route("/public/showcase", methods=["GET"])
@public_blp.arguments(ShowcaseArgs, location="query")
@public_blp.response(200, ShowcasePageSchema)
@public
def list_showcase(args: dict[str, Any]) -> dict[str, Any]:
    """The 成果展示 column: admitted posts with their source university and dates (public)."""
    items, total = showcase.admitted(**args)
    return {"items": items, "total": total}


@public_blp.route("/post-deadlines", methods=["GET"])
@public_blp.response(200, DeadlineSchema(many=True))
def list_deadlines() -> list[Any]:
    require_roles(*posts_deadlines.READERS, "university_admin")
    return posts_deadlines.deadlines()


@public_blp.route("/post-deadlines", methods=["POST"])
@public_blp.arguments(DeadlineInSchema)
@public_blp.response(201, DeadlineSchema)
def create_deadline(body: dict[str, Any]) -> Any:
    """A 育人号 completion deadline per cohort (moe_reviewer, process_admin)."""
    return posts_deadlines.create(current_user(), **body)


@public_blp.route("/post-deadlines/<int(max=2147483647):deadline_id>/behind", methods=["GET"])
@public_blp.response(200, BehindSchema(many=True))
def behind(deadline_id: int) -> list[dict[str, Any]]:
    """Pilots that have not yet published every required module, with their due date."""
    rows = posts_deadlines.behind(current_user(), deadline_id)
    now = clock.now()
    return [{"university_id": p.university.id, "university_name": p.university.name,
             "province": p.university.province, "pilot_status": p.university.pilot_status, "due": p.due,
             "missing": p.missing, "overdue": p.overdue(now)} for p in rows]
