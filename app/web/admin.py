"""Administration pages: organisations and user accounts."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.core import accounts
from app.errors import ValidationFailed
from app.models import ORG_KINDS, ROLES
from app.web.access import roles_required
from app.web.numbers import id_arg, id_from
from app.web.paging import page_number

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 50


@bp.route("/orgs")
@roles_required(*accounts.ORG_READERS)
def orgs() -> ResponseReturnValue:
    kind = request.args.get("kind") if request.args.get("kind") in ORG_KINDS else None
    page = page_number()
    items, total = accounts.list_orgs(kind=kind, parent_id=id_arg("parent_id"),
                                      limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return render_template("admin/orgs.html", items=items, total=total, kind=kind, page=page,
                           pages=max((total + PER_PAGE - 1) // PER_PAGE, 1))


@bp.route("/orgs/new", methods=["GET", "POST"])
@roles_required("process_admin")
def new_org() -> ResponseReturnValue:
    form = request.form
    if request.method == "POST":
        try:
            org = accounts.create_org(
                name=form.get("name", ""),
                kind=form.get("kind", ""),
                parent_id=id_from(form.get("parent_id")),
                province=form.get("province") or None,
                school_type=form.get("school_type") or None,
                actor_id=current_user.id,
            )
        except ValidationFailed as exc:
            return render_template("admin/org_form.html", form=form, errors=exc.fields), 422
        flash(f"已创建单位：{org.name}", "success")
        return redirect(url_for("admin.orgs"))
    return render_template("admin/org_form.html", form=form, errors={})


@bp.route("/users")
@roles_required("process_admin")
def users() -> ResponseReturnValue:
    page = page_number()
    items, total = accounts.list_users(limit=PER_PAGE, offset=(page - 1) * PER_PAGE,
                                       query=request.args.get("q", "").strip())
    return render_template("admin/users.html", items=items, total=total, page=page,
                           q=request.args.get("q", ""),
                           pages=max((total + PER_PAGE - 1) // PER_PAGE, 1))


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("process_admin")
def new_user() -> ResponseReturnValue:
    form = request.form
    if request.method == "POST":
        try:
            user = accounts.create_user(
                username=form.get("username", ""),
                password=form.get("password", ""),
                display_name=form.get("display_name", ""),
                org_id=id_from(form.get("org_id")),
                roles=[r for r in form.getlist("roles") if r],
                email=form.get("email") or None,
                actor_id=current_user.id,
            )
        except ValidationFailed as exc:
            return render_template("admin/user_form.html", form=form, errors=exc.fields,
                                   roles=ROLES), 422
        flash(f"已创建账号：{user.username}", "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, errors={}, roles=ROLES)
