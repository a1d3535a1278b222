"""Public 育人号 endpoints (no token): published posts, sanitised (API.md: GET /public/posts), and
the 成果展示 column; plus the ministry's view of who is behind the 育人号 deadlines."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from app.api.auth_context import public, require_roles
from app.schemas.posts import (
    BehindSchema,
    DeadlineInSchema,
    DeadlineSchema,
    PublicPostArgs,
    PublicPostPageSchema,
    PublicPostSchema,
    ShowcaseArgs,
    ShowcasePageSchema,
)
from app.services import clock, posts_deadlines, posts_media, posts_public, showcase

blp = Blueprint("api_posts_public", __name__, url_prefix="/api/v1", description="育人号公开内容与建设进度")


def _public(item: posts_public.PublicPost) -> dict[str, Any]:
    return {"id": item.id, "title": item.title, "body_html": item.body_html, "summary": item.summary,
            "university_id": item.university_id, "university_name": item.university_name,
            "province": item.province, "module": item.module, "published_at": item.published_at,
            "updated_at": item.updated_at, "url": f"/yurenhao/p/{item.id}",
            "cover_url": posts_media.media_url(item.cover_file_id) if item.cover_file_id else None}


@blp.route("/public/posts", methods=["GET"])
@blp.arguments(PublicPostArgs, location="query")
@blp.response(200, PublicPostPageSchema)
@public
def list_public(args: dict[str, Any]) -> dict[str, Any]:
    """Published posts, newest first, by university, province, module and keyword (public)."""
    filters = posts_public.Filters(university_id=args.get("university_id"), province=args.get("province"),
                                   module=args.get("module"), q=args.get("q"))
    items, total = posts_public.search(filters, limit=args["limit"], offset=args["offset"])
    return {"items": [_public(i) for i in items], "total": total}


@blp.route("/public/posts/<int(max=2147483647):post_id>", methods=["GET"])
@blp.response(200, PublicPostSchema)
@public
def get_public(post_id: int) -> dict[str, Any]:
    """One published post (public); 404 for anything not published."""
    return _public(posts_public.post(post_id))


@blp.route("/public/showcase", methods=["GET"])
@blp.arguments(ShowcaseArgs, location="query")
@blp.response(200, ShowcasePageSchema)
@public
def list_showcase(args: dict[str, Any]) -> dict[str, Any]:
    """The 成果展示 column: admitted posts with their source university and dates (public)."""
    items, total = showcase.admitted(**args)
    return {"items": items, "total": total}


@blp.route("/post-deadlines", methods=["GET"])
@blp.response(200, DeadlineSchema(many=True))
def list_deadlines() -> list[Any]:
    require_roles(*posts_deadlines.READERS, "university_admin")
    return posts_deadlines.deadlines()


@blp.route("/post-deadlines", methods=["POST"])
@blp.arguments(DeadlineInSchema)
@blp.response(201, DeadlineSchema)
def create_deadline(body: dict[str, Any]) -> Any:
    """A 育人号 completion deadline per cohort (moe_reviewer, process_admin)."""
    actor = require_roles("moe_reviewer", "process_admin")
    return posts_deadlines.create(**body, actor_id=actor.id)


@blp.route("/post-deadlines/<int(max=2147483647):deadline_id>/behind", methods=["GET"])
@blp.response(200, BehindSchema(many=True))
def behind(deadline_id: int) -> list[dict[str, Any]]:
    """Pilots that have not yet published every required module, with their due date."""
    require_roles(*posts_deadlines.READERS)
    deadline = posts_deadlines.deadline_or_404(deadline_id)
    now = clock.now()
    return [{"university_id": p.university.id, "university_name": p.university.name,
             "province": p.university.province, "pilot_status": p.university.pilot_status, "due": p.due,
             "missing": p.missing, "overdue": p.overdue(now)} for p in posts_deadlines.behind(deadline)]
