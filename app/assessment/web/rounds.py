"""数据库 pages (SPEC §6): the indicator framework as a browsable tree, and the 考核验收 rounds — the
ministry opens a round for a set of pilots and follows it; a university's 经办人 sees its own
assessments. The assessment page itself is `data_platform_assessment`."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.assessment import assessments, indicators
from app.assessment import scoring as assessment_scoring
from app.core import accounts, deadlines, lookups
from app.errors import Forbidden, ValidationFailed
from app.models import Assessment, Org, User
from app.web.access import roles_required
from app.web.numbers import ids_from, number

bp = Blueprint("data_platform", __name__)
STATUS_TONES = {"self_assessing": "secondary", "reviewing": "primary", "rectifying": "warning", "passed": "success",
                "failed": "danger", "cancelled": "secondary"}


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def status_badge(status: str) -> tuple[str, str]:
    return assessments.STATUS_LABELS.get(status, status), STATUS_TONES.get(status, "secondary")


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {"assessment_status": status_badge, "RESULT_LABELS": assessment_scoring.RESULT_LABELS,
            "RATING_LABELS": assessments.RATING_LABELS}


# ---------------------------------------------------------------- the framework

@bp.route("/indicators")
@login_required
def framework() -> ResponseReturnValue:
    version = request.args.get("version") or None
    chosen = indicators.by_version(version)
    tree = indicators.tree(chosen)
    counts = {"items": sum(len(g["items"]) for d in tree["dimensions"] for g in d["groups"]),
              "basic": sum(len(g["items"]) for d in tree["dimensions"] for g in d["groups"] if g["level"] == "basic")}
    return render_template("indicators/tree.html", tree=tree, versions=indicators.frameworks(), counts=counts,
                           open_all=request.args.get("open") == "1")


# ---------------------------------------------------------------- rounds

def _pilots() -> list[Org]:
    return accounts.pilot_universities(by_batch=True)


def _render_rounds(errors: dict[str, list[str]] | None = None, values: dict[str, Any] | None = None,
                   status: int = 200) -> ResponseReturnValue:
    user = _user()
    if user.has_role(*assessments.READERS):
        return render_template("assessment/rounds.html", rows=assessments.summaries(), pilots=_pilots(),
                               can_open=user.has_role(*assessments.OPENERS), errors=errors or {},
                               values=values or {}, today=deadlines.today()), status
    if not user.has_role("university_admin"):
        raise Forbidden()
    mine, _ = assessments.search(user, limit=500)
    return render_template("assessment/mine.html", items=mine), status


@bp.route("/assessments")
@login_required
def rounds() -> ResponseReturnValue:
    return _render_rounds()


@bp.route("/assessments/rounds", methods=["POST"])
@roles_required(*assessments.OPENERS)
def open_round() -> ResponseReturnValue:
    form = request.form
    errors: dict[str, list[str]] = {}
    try:
        due = date.fromisoformat(form.get("self_due", "").strip())
    except ValueError:
        errors["self_due"] = ["请填写有效日期（YYYY-MM-DD）"]
        due = None
    days_text = form.get("review_days", "15").strip()
    days = number(days_text, high=999)  # the service says what range it takes
    if days is None:
        errors["review_days"] = ["请填写 1–60 的整数"]
    ids = ids_from(form.getlist("university_ids"))
    values: dict[str, Any] = {"name": form.get("name", ""), "self_due": form.get("self_due", ""),
                              "review_days": days_text, "note": form.get("note", ""), "university_ids": ids}
    if errors or due is None or days is None:
        if not ids:
            errors["university_ids"] = ["请至少选择一所试点高校"]
        return _render_rounds(errors, values, 422)
    try:
        round_ = assessments.open_round(_user(), name=values["name"], university_ids=ids, self_due=due,
                                        review_days=days, note=values["note"])
    except ValidationFailed as exc:
        return _render_rounds(exc.fields, values, 422)
    flash(f"已开启考核轮次“{round_.name}”，{len(ids)} 所高校已收到自评任务", "success")
    return redirect(url_for(".round_detail", round_id=round_.id))


@bp.route("/assessments/rounds/<int(max=2147483647):round_id>")
@login_required
def round_detail(round_id: int) -> ResponseReturnValue:
    user = _user()
    round_ = assessments.round_for(user, round_id)
    items, _ = assessments.search(user, round_id=round_.id, limit=10_000)
    names = lookups.orgs_by_id(a.university_id for a in items)

    def place(assessment: Assessment) -> tuple[str, str]:
        org = names.get(assessment.university_id)
        return (org.province or "", org.name) if org else ("", "")

    rows = [{"assessment": a, "university": names.get(a.university_id)} for a in sorted(items, key=place)]
    return render_template("assessment/round.html", round=round_, rows=rows,
                           dimensions=[(d.code, d.name) for d in round_.framework.dimensions])
