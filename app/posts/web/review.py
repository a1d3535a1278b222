"""Reviewers' 育人号 pages: the review queue, the review page (full text, what changed since the
published revision, notes on the text, the decision), every post for national readers, nominating
for 成果展示 and its second review."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.core import lookups, roles
from app.errors import Conflict, Forbidden, ValidationFailed
from app.models import POST_MODULES, HumanTask, User
from app.posts import review as posts_review
from app.posts import showcase
from app.posts import writing as posts
from app.web.numbers import id_from
from app.web.paging import page_number
from app.workflow import forms, tasks

bp = Blueprint("posts_review", __name__, url_prefix="/yurenhao/review")
READERS = roles.NATIONAL
PROCESSES = (posts.PROCESS_KEY, showcase.PROCESS_KEY)
PER_PAGE = 30
MAX_PAGE = 10_000  # a page number past it shows this page (see app/web/paging.py)


def _reader() -> User:
    user: User = current_user._get_current_object()
    if not user.has_role(*READERS):
        raise Forbidden("只有高校思政网和思政司可以审核育人号")
    return user


def _open_tasks(user: User, process: str) -> list[HumanTask]:
    mine, _ = tasks.inbox(user, tasks.InboxQuery(scope="mine", process=process, limit=200))
    group, _ = tasks.inbox(user, tasks.InboxQuery(scope="group", process=process, limit=200))
    return mine + group


@bp.route("")
@login_required
def queue() -> ResponseReturnValue:
    user = _reader()
    module = request.args.get("module") if request.args.get("module") in POST_MODULES else None
    status = request.args.get("status") or None
    q = (request.args.get("q") or "").strip()[:100] or None
    page = page_number(MAX_PAGE)
    items, total = posts.search(user, module=module, status=status, q=q, limit=PER_PAGE,
                                offset=(page - 1) * PER_PAGE)
    current = {p.id: posts.current_for(user, p) for p in items}
    reviews, nominations = _open_tasks(user, posts.PROCESS_KEY), _open_tasks(user, showcase.PROCESS_KEY)
    return render_template(
        "posts/review_queue.html", reviews=reviews, showcase_tasks=nominations,
        late={t.id for t in reviews + nominations if tasks.is_overdue(t)}, items=items, current=current, total=total,
        page=page, pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
        universities=lookups.org_names(p.university_id for p in items),
        filters={"module": module or "", "status": status or "", "q": q or ""})


def _decision_form(user: User, task: HumanTask, values: Any = None, errors: Any = None) -> forms.HtmlForm | None:
    if task.status != "ready" or not tasks.may_act(user, task) or not task.form_key:
        return None
    return forms.html_form(task.form_key, tasks.form_context(task), values, errors, actor_id=user.id,
                           actor_org_id=user.org_id)


def _render(user: User, task_id: int, values: Any = None, errors: Any = None,
            status: int = 200) -> ResponseReturnValue:
    task = tasks.task_for(user, task_id)
    form = _decision_form(user, task, values, errors)
    people = lookups.user_names([task.assignee_id])
    common = {"task": task, "form": form, "assignee": people.get(task.assignee_id or 0, ""),
              "can_claim": task.status == "ready" and task.assignee_id is None and tasks.may_act(user, task),
              "overdue": tasks.is_overdue(task)}
    if task.process_key == showcase.PROCESS_KEY:
        _, entry, post, revision = showcase.review_for(user, task_id)
        university = lookups.org_names([post.university_id]).get(post.university_id, "")
        return render_template("posts/showcase_review.html", entry=entry, post=post, revision=revision,
                               university=university, nominator=lookups.user_names([entry.nominated_by]).get(
                                   entry.nominated_by or 0, ""), **common), status
    review = posts_review.review_for(user, task_id)
    return render_template(
        "posts/review.html", review=review, can_note=review.revision.status == "in_review",
        university=lookups.org_names([review.post.university_id]).get(review.post.university_id, ""),
        note_names=lookups.user_names(n.author_id for n in review.comments), **common), status


@bp.route("/tasks/<int(max=2147483647):task_id>")
@login_required
def review_page(task_id: int) -> ResponseReturnValue:
    user = _reader()
    task = tasks.task_for(user, task_id)
    if task.process_key not in PROCESSES:
        return redirect(url_for("tasks.task_page", task_id=task_id))
    return _render(user, task_id)


@bp.route("/tasks/<int(max=2147483647):task_id>/complete", methods=["POST"])
@login_required
def complete(task_id: int) -> ResponseReturnValue:
    user = _reader()
    try:
        task = tasks.complete(user, task_id, request.form, from_html=True)
    except ValidationFailed as exc:
        return _render(user, task_id, request.form, exc.fields, status=422)
    except Conflict as exc:
        flash(exc.message, "warning")
        return redirect(url_for(".queue"))
    flash(f"已办理：{task.title}", "success")
    return redirect(url_for(".queue"))


@bp.route("/posts/<int(max=2147483647):post_id>/notes", methods=["POST"])
@login_required
def add_note(post_id: int) -> ResponseReturnValue:
    user = _reader()
    back = id_from(request.form.get("task_id"))
    target = url_for(".review_page", task_id=back) if back else url_for(".post_page", post_id=post_id)
    try:
        posts_review.add_comment(user, post_id, request.form.get("quote", ""), request.form.get("body", ""))
    except (ValidationFailed, Conflict) as exc:
        messages = [m for msgs in exc.fields.values() for m in msgs] or [exc.message]
        flash("批注未保存：" + "；".join(messages), "warning")
        return redirect(target)
    flash("批注已添加，高校经办人可在退回后看到", "success")
    return redirect(target + "#notes")


@bp.route("/posts/<int(max=2147483647):post_id>")
@login_required
def post_page(post_id: int) -> ResponseReturnValue:
    """Any submitted post for national readers: what is public, what is in review, its history,
    its 成果展示 nominations (and, for operators, the form to nominate it)."""
    user = _reader()
    post = posts.post_for(user, post_id)
    current = posts.current_for(user, post)
    review_task = posts_review.open_task(current)
    entries = showcase.entries_for(post)
    return render_template(
        "posts/admin_post.html", post=post, current=current, published=posts.published_revision(post),
        history=[r for r in posts.revisions(post) if r.status != "draft"], entries=entries,
        review_task=review_task, can_nominate=showcase.may_nominate(user, post, entries),
        can_withdraw=showcase.may_withdraw(user),
        university=lookups.org_names([post.university_id]).get(post.university_id, ""))


@bp.route("/posts/<int(max=2147483647):post_id>/nominate", methods=["POST"])
@login_required
def nominate(post_id: int) -> ResponseReturnValue:
    user = _reader()
    try:
        showcase.nominate(user, post_id, request.form.get("kind", ""), request.form.get("reason", ""))
    except (ValidationFailed, Conflict) as exc:
        messages = [m for msgs in exc.fields.values() for m in msgs] or [exc.message]
        flash("未能推荐：" + "；".join(messages), "warning")
    else:
        flash("已推荐至成果展示，等待审核", "success")
    return redirect(url_for(".post_page", post_id=post_id))


@bp.route("/showcase/<int(max=2147483647):entry_id>/withdraw", methods=["POST"])
@login_required
def withdraw(entry_id: int) -> ResponseReturnValue:
    user = _reader()
    try:
        entry = showcase.withdraw(user, entry_id)
    except Conflict as exc:
        flash(exc.message, "warning")
        return redirect(url_for(".queue"))
    flash("已从成果展示撤下", "info")
    return redirect(url_for(".post_page", post_id=entry.post_id))
