"""The page of one assessment: the university fills in its self-assessment item by item (rating,
statement, evidence files, links to its 育人号 posts) and submits it; the reviewer scores each item
and decides; everyone who may read it sees the scores, the opinion and the history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.assessment import assessments
from app.assessment import evidence as assessment_evidence
from app.assessment import review as assessment_review
from app.assessment import scoring as assessment_scoring
from app.core import deadlines, lookups, uploads
from app.errors import Conflict, ValidationFailed
from app.models import Assessment, User
from app.web.numbers import ids_from, number

bp = Blueprint("assessment_page", __name__)


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _mode(user: User, assessment: Assessment) -> str:
    """edit (the university, while its task is open), review (a reviewer, while reviewing) or read."""
    if (assessment.status in assessments.EDITABLE and user.has_role("university_admin")
            and user.org.university_id() == assessment.university_id
            and assessments.ready_task(assessment, "Task_self_assess", "Task_rectify") is not None):
        return "edit"
    if assessment.status == "reviewing" and user.has_role("moe_reviewer") and assessments.ready_task(
            assessment, "Task_review") is not None:
        return "review"
    return "read"


def _render(user: User, assessment: Assessment, *, errors: dict[str, list[str]] | None = None,
            message: str = "", values: Any = None, status: int = 200) -> ResponseReturnValue:
    view = assessments.detail(assessment)
    framework = assessment.round.framework
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in view["items"]:
        groups.setdefault(item["dimension"], []).append(item)
    files = assessment_evidence.files_of(assessment)
    posts = dict(assessment_evidence.post_choices(assessment.university_id))
    history = [{"kind": s.kind, "number": s.number, "at": s.created_at, "data": s.data,
                "by": lookups.user_names([s.actor_id]).get(s.actor_id or 0, "")} for s in view["history"]]
    mode = _mode(user, assessment)
    return render_template(
        "assessment/detail.html", assessment=assessment, university=lookups.org_names([assessment.university_id])
        .get(assessment.university_id, ""), round=assessment.round, framework=framework, groups=groups,
        current=view["current"], mode=mode, files=files, posts=posts, history=history,
        dimension_names={d.code: d.name for d in framework.dimensions}, errors=errors or {}, message=message,
        values=values, rules=framework.scoring, due=assessment.rectify_due if assessment.status == "rectifying"
        else assessment.round.self_due, result_labels=assessment_scoring.RESULT_LABELS,
        min_due=deadlines.today().isoformat()), status


@bp.route("/assessments/<int(max=2147483647):assessment_id>")
@login_required
def detail(assessment_id: int) -> ResponseReturnValue:
    user = _user()
    return _render(user, assessments.assessment_for(user, assessment_id))


def _posted(user: User, assessment_id: int, save: Callable[[], ResponseReturnValue]) -> ResponseReturnValue:
    """Run what one of the page's forms posted (`save`: the save, then the step it asks for, if any) and
    answer for both forms when a service refuses it (which rolled back what it had written): invalid
    input re-shows the page with the messages and the posted values (422); a conflict (the stage moved
    on, or someone acted first) is flashed over the page shown again."""
    try:
        return save()
    except ValidationFailed as exc:
        assessment = assessments.assessment_for(user, assessment_id)
        return _render(user, assessment, errors=exc.fields, message=exc.message, values=request.form, status=422)
    except Conflict as exc:
        flash(exc.message, "warning")
        return redirect(url_for(".detail", assessment_id=assessment_id))


def _self_entries(assessment: Assessment, form: Any) -> list[dict[str, Any]]:
    entries = []
    for line in assessments.lines(assessment):
        code = line.item.code
        if assessment.status == "rectifying" and not line.entry.needs_fix:
            continue
        if f"statement-{code}" not in form:
            continue  # not on the page that was posted
        kept = ids_from(form.getlist(f"keep-{code}"))
        posts = ids_from(form.getlist(f"posts-{code}"))
        entries.append({"code": code, "rating": form.get(f"rating-{code}") or None,
                        "statement": form.get(f"statement-{code}", ""),
                        "evidence_file_ids": list(dict.fromkeys(kept)), "post_ids": posts})
    return entries


@bp.route("/assessments/<int(max=2147483647):assessment_id>/self", methods=["POST"])
@login_required
def save_self(assessment_id: int) -> ResponseReturnValue:
    user = _user()
    assessment = assessments.assessment_for(user, assessment_id)

    def save() -> ResponseReturnValue:
        new_files = {name.removeprefix("evidence-"): [(name, f) for f in request.files.getlist(name)
                                                       if f and f.filename]
                     for name in request.files if name.startswith("evidence-")}
        assessment_evidence.save_self_with_files(user, assessment_id, _self_entries(assessment, request.form),
                                                 {code: files for code, files in new_files.items() if files})
        if request.form.get("action") == "submit":
            assessments.submit_self(user, assessment_id, request.form.get("note", ""))
            flash("自评已提交，等待思政司评审", "success")
            return redirect(url_for(".detail", assessment_id=assessment_id))
        flash("已保存", "success")
        return redirect(url_for(".detail", assessment_id=assessment_id))

    return _posted(user, assessment_id, save)


def _score_entries(assessment: Assessment, form: Any) -> list[dict[str, Any]]:
    entries = []
    for line in assessments.lines(assessment):
        code = line.item.code
        if f"score-{code}" not in form:
            continue
        text = form.get(f"score-{code}", "").strip()
        score: Any = number(text, high=999)  # the service says which scores it takes
        if score is None and text:
            score = text  # not a number: the service refuses it with its message
        entries.append({"code": code, "score": score, "comment": form.get(f"comment-{code}", ""),
                        "needs_fix": form.get(f"fix-{code}") == "1"})
    return entries


@bp.route("/assessments/<int(max=2147483647):assessment_id>/review", methods=["POST"])
@login_required
def review(assessment_id: int) -> ResponseReturnValue:
    user = _user()
    assessment = assessments.assessment_for(user, assessment_id)

    def save() -> ResponseReturnValue:
        assessment_review.save_scores(user, assessment_id, _score_entries(assessment, request.form))
        if request.form.get("action") == "decide":
            data = {k: request.form.get(k, "").strip() for k in ("decision", "opinion", "rectify_due")}
            assessment_review.decide(user, assessment_id, {k: v for k, v in data.items() if v})
            flash("评审结论已提交", "success")
            return redirect(url_for(".detail", assessment_id=assessment_id))
        flash("评分已保存", "success")
        return redirect(url_for(".detail", assessment_id=assessment_id, _anchor="decision"))

    return _posted(user, assessment_id, save)


@bp.route("/assessments/<int(max=2147483647):assessment_id>/files/<int(max=2147483647):file_id>")
@login_required
def evidence(assessment_id: int, file_id: int) -> ResponseReturnValue:
    stored = assessment_evidence.file_for(_user(), assessment_id, file_id)
    return send_file(uploads.open_stream(stored), mimetype=stored.content_type, as_attachment=True,
                     download_name=stored.filename, max_age=0)
