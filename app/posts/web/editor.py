"""A university's 育人号 pages: its posts by module, the editor (rich text, cover, attachments,
autosaved drafts), submission to review, and new revisions of published posts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.core import clock, sanitize
from app.errors import Conflict, DomainError, Forbidden, ValidationFailed
from app.models import POST_MODULES, Post, User
from app.posts import deadlines as posts_deadlines
from app.posts import media as posts_media
from app.posts import review as posts_review
from app.posts import writing as posts

bp = Blueprint("posts", __name__, url_prefix="/yurenhao/manage")
EDITABLE = ("draft", "returned", "published", "rejected")


def _user() -> User:
    user: User = current_user._get_current_object()
    if not user.has_role("university_admin"):
        raise Forbidden("只有高校经办人可以编辑育人号")
    return user


def _json_error(exc: DomainError) -> ResponseReturnValue:
    return jsonify({"error": {"code": exc.code, "message": exc.message, "fields": exc.fields}}), exc.status


@bp.route("")
@login_required
def manage() -> ResponseReturnValue:
    user = _user()
    items, _ = posts.search(user, limit=500)
    by_module: dict[str, list[Post]] = {m: [] for m in POST_MODULES}
    for post in items:
        by_module[post.module].append(post)
    titles = {p.id: posts.latest_revision(p).title for p in items}
    return render_template("posts/manage.html", by_module=by_module, titles=titles,
                           deadlines=posts_deadlines.current_for(user.org_id), now=clock.now())


def _form_raw(user: User) -> dict[str, Any]:
    """The editor's fields, with a new cover or attachments stored first (only flushed: they roll back
    with a refused save). Upload problems are raised together, per field."""
    form, files = request.form, request.files
    raw: dict[str, Any] = {"module": form.get("module") or None, "title": form.get("title", ""),
                           "body_html": form.get("body_html", "")}
    errors: dict[str, list[str]] = {}
    cover: int | str | None = None if form.get("remove_cover") else form.get("cover_file_id") or None
    upload = files.get("cover")
    if upload is not None and upload.filename:
        try:
            cover = posts_media.save_image(user, upload, field="cover", cover=True).file.id
        except ValidationFailed as exc:
            errors.update(exc.fields)
    attachments: list[Any] = form.getlist("attachment_ids")
    for upload in files.getlist("attachments"):
        if upload.filename:
            try:
                attachments.append(posts_media.save_attachment(user, upload, field="attachments").file.id)
            except ValidationFailed as exc:
                errors.setdefault("attachments", []).extend(exc.fields.get("attachments", []))
    if errors:
        raise ValidationFailed("上传的文件有误，请按提示修改后重新选择文件", errors)
    raw["cover_file_id"], raw["attachment_ids"] = cover, attachments
    return raw


def _editor(user: User, post: Post | None, *, values: dict[str, Any] | None = None,
            errors: dict[str, list[str]] | None = None, status: int = 200) -> ResponseReturnValue:
    latest = posts.latest_revision(post) if post else None
    published = posts.published_revision(post) if post else None
    # What the editor starts from: the draft, else the text under review/returned, else what is public.
    source = latest if latest is None or latest.status != "rejected" else (published or latest)
    files = posts_media.files_of(source.id) if source else []
    module = (values or {}).get("module") or (post.module if post else request.args.get("module"))
    decided = posts.last_decision(post) if post else None
    notes = posts_review.comments(decided) if decided else []
    body = (values or {}).get("body_html")
    return render_template(
        "posts/edit.html", post=post, latest=latest, published=published, notes=notes, decided=decided,
        module=module if module in POST_MODULES else None,
        title=(values or {}).get("title", source.title if source else ""),
        # What was typed is shown again after a refused save — cleaned, like everything we render.
        body_html=sanitize.clean(body) if body is not None else (source.body_html if source else ""),
        cover=next((f for link, f in files if link.role == "cover"), None),
        attachments=[f for link, f in files if link.role == "attachment"],
        errors=errors or {}, history=posts.revisions(post) if post else [],
        accept_images=",".join(f"image/{k}" for k in posts_media.IMAGE_ACCEPT),
        image_max=posts_media.IMAGE_MAX_BYTES,
    ), status


def _save(user: User, post_id: int | None) -> ResponseReturnValue:
    action = request.form.get("action", "save")
    post = posts.post_for(user, post_id) if post_id else None
    try:
        raw = _form_raw(user)
        if post is None:
            post = posts.create(user, raw, submit=action == "submit")
        elif action == "submit":
            posts.submit(user, post.id, raw)
        else:
            posts.save_draft(user, post.id, raw)
    except ValidationFailed as exc:
        post = posts.post_for(user, post_id) if post_id else None
        return _editor(user, post, values=request.form.to_dict(), errors=exc.fields, status=422)
    except Conflict as exc:
        flash(exc.message, "warning")
        return redirect(url_for(".edit", post_id=post_id) if post_id else url_for(".manage"))
    if action == "submit":
        flash("已提交审核，高校思政网审核通过后将在本校育人号和平台首页公开发布", "success")
    else:
        flash("草稿已保存", "success")
    return redirect(url_for(".edit", post_id=post.id))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    user = _user()
    if request.method == "POST":
        return _save(user, None)
    return _editor(user, None)


@bp.route("/<int(max=2147483647):post_id>", methods=["GET", "POST"])
@login_required
def edit(post_id: int) -> ResponseReturnValue:
    user = _user()
    if request.method == "POST":
        return _save(user, post_id)
    post = posts.post_for(user, post_id)
    latest = posts.latest_revision(post)
    editing = latest.status == "draft" or latest.status == "returned" or request.args.get("edit") == "1"
    if latest.status in EDITABLE and editing and not (latest.status == "rejected" and post.published_at is None):
        return _editor(user, post)
    return render_template("posts/status.html", post=post, latest=latest,
                           published=posts.published_revision(post), history=posts.revisions(post),
                           notes=posts_review.comments(latest),
                           can_edit=latest.status in EDITABLE and not (
                               latest.status == "rejected" and post.published_at is None))


@bp.route("/autosave", methods=["POST"], defaults={"post_id": None})
@bp.route("/<int(max=2147483647):post_id>/autosave", methods=["POST"])
@login_required
def autosave(post_id: int | None) -> ResponseReturnValue:
    """The editor saves the text every few seconds (no files: those go with the form)."""
    user = _user()
    form = request.form
    raw = {"module": form.get("module") or None, "title": form.get("title", ""),
           "body_html": form.get("body_html", ""),
           "cover_file_id": None if form.get("remove_cover") else form.get("cover_file_id") or None,
           "attachment_ids": form.getlist("attachment_ids")}
    try:
        if post_id is None:
            post_id = posts.create(user, raw, submit=False).id
        else:
            posts.save_draft(user, post_id, raw)
    except DomainError as exc:
        return _json_error(exc)
    return jsonify({"post_id": post_id, "saved_at": clock.now().astimezone(clock.SHANGHAI).strftime("%H:%M:%S"),
                    "edit_url": url_for(".edit", post_id=post_id),
                    "autosave_url": url_for(".autosave", post_id=post_id)})


@bp.route("/images", methods=["POST"])
@login_required
def upload_image() -> ResponseReturnValue:
    """An image for the editor's text: stored, checked, answered with its address."""
    user = _user()
    try:
        result = posts_media.upload(user, request.files.get("file"), "image")
    except DomainError as exc:
        return _json_error(exc)
    return jsonify({"id": result.file.id, "url": result.url, "width": result.width, "height": result.height}), 201


@bp.route("/<int(max=2147483647):post_id>/discard", methods=["POST"])
@login_required
def discard(post_id: int) -> ResponseReturnValue:
    user = _user()
    kept = posts.discard_draft(user, post_id)
    flash("草稿已删除", "info")
    return redirect(url_for(".edit", post_id=kept.id) if kept else url_for(".manage"))
