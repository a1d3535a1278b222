"""Public 育人号 pages (no login): search across universities, each university's page with its
modules, the post page with share metadata, the 成果展示 column, an Atom feed, and post files.

Anonymous pages are cached (app/web/page_cache.py) for as long as `posts_public.version()` (one small
query) is unchanged."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from flask import Blueprint, Response, render_template, request, send_file
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.core import uploads
from app.models import POST_MODULES, SHOWCASE_KINDS
from app.posts import media as posts_media
from app.posts import public as posts_public
from app.posts import showcase
from app.web import page_cache
from app.web.numbers import id_arg
from app.web.paging import page_number

bp = Blueprint("public", __name__)
PER_PAGE = 12
MAX_PAGE = 10_000  # a page number past it shows this page (see app/web/paging.py)


def cached(render: Callable[[], str], mimetype: str = "text/html") -> Response:
    """An anonymous page stays valid while nothing public of the 育人号 changed."""
    return page_cache.cached(render, posts_public.version, mimetype)


def _filters() -> posts_public.Filters:
    module = request.args.get("module")
    return posts_public.Filters(
        university_id=id_arg("university_id"), province=(request.args.get("province") or "").strip()[:20] or None,
        module=module if module in POST_MODULES else None, q=(request.args.get("q") or "").strip()[:50] or None)


@bp.route("/yurenhao")
def index() -> ResponseReturnValue:
    def render() -> str:
        filters, page = _filters(), page_number(MAX_PAGE)
        items, total = posts_public.search(filters, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
        return render_template("public/index.html", items=items, total=total, page=page,
                               pages=max((total + PER_PAGE - 1) // PER_PAGE, 1), filters=filters,
                               universities=posts_public.pilot_universities(), provinces=posts_public.provinces())
    return cached(render)


@bp.route("/yurenhao/u/<int(max=2147483647):university_id>")
def university(university_id: int) -> ResponseReturnValue:
    def render() -> str:
        org = posts_public.university(university_id)
        module = request.args.get("module") if request.args.get("module") in POST_MODULES else None
        page = page_number(MAX_PAGE)
        items, total = posts_public.search(posts_public.Filters(university_id=org.id, module=module),
                                           limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
        featured, _ = showcase.admitted(university_id=org.id, limit=4)
        return render_template("public/university.html", org=org, module=module, items=items, total=total,
                               page=page, pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
                               counts=posts_public.module_counts(org.id), featured=featured)
    return cached(render)


@bp.route("/yurenhao/p/<int(max=2147483647):post_id>")
def post(post_id: int) -> ResponseReturnValue:
    def render() -> str:
        item = posts_public.post(post_id)
        related, _ = posts_public.search(posts_public.Filters(university_id=item.university_id), limit=6)
        return render_template("public/post.html", post=item, related=[r for r in related if r.id != item.id][:5],
                               kinds=[SHOWCASE_KINDS.get(k, k) for k in item.showcase])
    return cached(render)


@bp.route("/yurenhao/showcase")
def showcase_column() -> ResponseReturnValue:
    def render() -> str:
        kind = request.args.get("kind") if request.args.get("kind") in SHOWCASE_KINDS else None
        page = page_number(MAX_PAGE)
        items, total = showcase.admitted(kind=kind, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
        return render_template("public/showcase.html", items=items, total=total, kind=kind, page=page,
                               pages=max((total + PER_PAGE - 1) // PER_PAGE, 1))
    return cached(render)


@bp.route("/yurenhao/feed.atom")
def feed() -> ResponseReturnValue:
    """Atom feed of the newest publications (optionally of one university or module)."""
    def render() -> str:
        filters = _filters()
        items, _ = posts_public.search(filters, limit=20)
        org = posts_public.university(filters.university_id) if filters.university_id else None
        return render_template("public/feed.xml", items=items, org=org, filters=filters,
                               updated=max((at for i in items if (at := i.updated_at or i.published_at)),
                                           default=None))
    return cached(render, mimetype="application/atom+xml")


@bp.route("/media/posts/<int(max=2147483647):file_id>")
def media(file_id: int) -> ResponseReturnValue:
    """A post's image or attachment: public once a published revision uses it, otherwise only for its
    university and the reviewers. Served with its checked type, never sniffed, never run."""
    viewer = current_user._get_current_object() if current_user.is_authenticated else None
    file, public = posts_media.file_for(viewer, file_id)
    inline = posts_media.is_image(file)
    response = send_file(uploads.open_stream(file), mimetype=file.content_type, as_attachment=not inline,
                         download_name=file.filename, max_age=86400 if public else 0, conditional=True,
                         etag=file.sha256)
    if not inline:
        response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(file.filename)}"
    response.headers["Cache-Control"] = "public, max-age=86400" if public else "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
