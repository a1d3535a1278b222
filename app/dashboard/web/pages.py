"""驾驶舱 pages: the national dashboard (ministry) and each university's own, 脉络式比较 of universities,
and a printable report per university. Each card's dataset is written into the page (data attributes),
its chart drawn in the browser (static/js/charts.js); each chart has a table view and CSV/XLSX downloads
of the same dataset (dashboard/catalogue.py), which `/dashboard/data/<key>.json` also serves."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.assessment import assessments
from app.core import accounts, clock
from app.dashboard import catalogue as dashboard
from app.dashboard import datasets, forecast
from app.dashboard.pilots import MAP_NOTE
from app.dashboard.scores import rounds_with_scores
from app.models import User
from app.web.access import roles_required
from app.web.numbers import id_arg, ids_from

bp = Blueprint("dashboard", __name__)
ORDER = ("warnings", "pilots_by_province", "pilots_by_batch", "pilots_by_status", "application_pipeline",
         "review_times", "score_radar", "score_trend", "report_completeness", "post_activity",
         "complaint_departments", "complaint_channels")
WIDE = {"warnings", "pilots_by_province"}
REPORT_KEYS = ("score_radar", "score_trend", "report_completeness", "post_activity", "complaint_departments",
               "complaint_channels", "warnings")


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _ids_arg() -> list[int]:
    return ids_from(request.args.getlist("u"))


def _card(scope: datasets.Scope, key: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"key": key, "title": dashboard.REGISTRY[key].title, "wide": key in WIDE,
            "data": dashboard.build(scope, key).as_json(scope),
            **{fmt: url_for(".data", key=key, fmt=fmt, **args) for fmt in ("csv", "xlsx")}}


def _render(scope: datasets.Scope) -> ResponseReturnValue:
    args = {k: v for k, v in {"university_id": scope.university.id if scope.university else None,
                              "round_id": scope.round_id}.items() if v is not None}
    keys = dashboard.keys_for(scope)
    cards = [_card(scope, k, args) for k in ORDER if k in keys]
    universities = []
    if scope.sees_everyone:
        universities = accounts.pilot_universities()
    return render_template("dashboard/index.html", scope=scope, cards=cards, universities=universities,
                           rounds=rounds_with_scores(scope.university.id if scope.university else None),
                           method=forecast.METHOD, map_note=MAP_NOTE)


@bp.route("/dashboard")
@login_required
def index() -> ResponseReturnValue:
    user = _user()
    chosen = id_arg("university_id")
    if chosen is not None and user.has_role(*dashboard.NATIONAL):
        extra: dict[str, Any] = {"round_id": id_arg("round_id")} if id_arg("round_id") else {}
        return redirect(url_for(".university", university_id=chosen, **extra))
    scope = dashboard.scope_for(user, round_id=id_arg("round_id"))
    return _render(scope)


@bp.route("/dashboard/universities/<int(max=2147483647):university_id>")
@login_required
def university(university_id: int) -> ResponseReturnValue:
    return _render(dashboard.scope_for(_user(), university_id, round_id=id_arg("round_id")))


@bp.route("/dashboard/data/<key>.<any(json, csv, xlsx):fmt>")
@login_required
def data(key: str, fmt: str) -> ResponseReturnValue:
    scope = dashboard.scope_for(_user(), id_arg("university_id"), round_id=id_arg("round_id"),
                                university_ids=_ids_arg())
    if fmt == "json":
        response = jsonify(dashboard.build(scope, key).as_json(scope))
        response.headers["Cache-Control"] = "no-store"
        return response
    content, mimetype, filename = dashboard.export(scope, key, fmt)
    return Response(content, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


@bp.route("/dashboard/compare")
@roles_required(*dashboard.NATIONAL)
def compare() -> ResponseReturnValue:
    ids = _ids_arg()
    round_id = id_arg("round_id")
    pilots = accounts.pilot_universities()
    cards, error = [], ""
    if len(ids) == 1 or len(ids) > 10:
        error = "请选择 2–10 所高校进行比较"
    elif ids:
        args = {"u": ids, **({"round_id": round_id} if round_id else {})}
        scope = dashboard.scope_for(_user(), round_id=round_id, university_ids=ids)
        cards = [_card(scope, k, args) for k in ("comparison", "comparison_trend")]
    return render_template("dashboard/compare.html", pilots=pilots, chosen=set(ids), cards=cards, error=error,
                           rounds=assessments.rounds(), round_id=round_id), 422 if error else 200


@bp.route("/dashboard/universities/<int(max=2147483647):university_id>/report")
@login_required
def report(university_id: int) -> ResponseReturnValue:
    """A printable (PDF-ready: print it to PDF from the browser) report of one university."""
    scope = dashboard.scope_for(_user(), university_id, round_id=id_arg("round_id"))
    assert scope.university is not None
    sections = [dashboard.build(scope, key) for key in REPORT_KEYS]
    latest = assessments.latest_for(university_id)
    return render_template("dashboard/report.html", scope=scope, university=scope.university, sections=sections,
                           latest=latest, method=forecast.METHOD,
                           now_text=clock.now().astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M"))
