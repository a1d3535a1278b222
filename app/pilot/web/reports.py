"""信息表 pages (SPEC §6): a pilot university's 经办人 fills in its report per period (the form of
`forms/info_report.json`, grouped by each property's `x-ui.section`), saves drafts and submits; the
ministry and the operator follow a period (counts, who is missing) and read any report. The
operator's check itself is the generic task page."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.core import lookups
from app.errors import Conflict, Forbidden, ValidationFailed
from app.models import InfoReport, ReportPeriod, User
from app.pilot import info_reports, review_windows
from app.web.access import roles_required
from app.workflow import forms

bp = Blueprint("reports", __name__)
READERS = info_reports.READERS
OTHER_SECTION = "其他"
STATUS = {"draft": ("草稿（未提交）", "secondary"), "submitted": ("已提交，待审核", "primary"),
          "accepted": ("已通过审核", "success"), "returned": ("被退回修改", "warning"),
          "missing": ("未填报", "danger")}
OUTCOMES = {"accepted": ("通过", "success"), "returned": ("退回修改", "warning"), None: ("待审核", "primary")}
COHORTS = {"designated": "教育部认定试点", "self_pilot": "自主试点"}
PERIOD_FIELDS = (("code", "周期编号", "text", "如 2026-2027-1"),
                 ("name", "周期名称", "text", "如 2026—2027学年第一学期"),
                 ("starts_on", "开始日期", "date", ""), ("ends_on", "结束日期", "date", ""),
                 ("due_designated", "教育部认定试点截止日期", "date", ""),
                 ("due_self_pilot", "自主试点截止日期", "date", ""))


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _section_of(props: dict[str, Any], name: str) -> str:
    return str((props.get(name, {}).get("x-ui") or {}).get("section") or OTHER_SECTION)


def sections(form: forms.HtmlForm) -> list[tuple[str, list[forms.HtmlField]]]:
    """The form's fields in order, grouped by section (sections in the order they first appear)."""
    props = forms.load(info_reports.FORM_KEY)["properties"]
    groups: dict[str, list[forms.HtmlField]] = {}
    for field in form.fields:
        groups.setdefault(_section_of(props, field.name), []).append(field)
    return list(groups.items())


def readable(data: dict[str, Any] | None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Report data as a page shows it: (section, [(题目, 值)])."""
    schema = forms.load(info_reports.FORM_KEY)
    props = schema["properties"]
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in forms.ordered(schema):
        value = (data or {}).get(name)
        if isinstance(value, bool):
            text = "是" if value else "否"
        elif value is None or value == "":
            text = "未填写"
        elif isinstance(value, float) and value.is_integer():
            text = str(int(value))
        else:
            text = str(value)
        groups.setdefault(_section_of(props, name), []).append((props[name].get("title") or name, text))
    return list(groups.items())


def _history(report: InfoReport | None) -> list[dict[str, Any]]:
    if report is None:
        return []
    revisions = info_reports.revisions(report)
    names = lookups.user_names(r.submitted_by for r in revisions)
    return [{"number": r.number, "at": r.submitted_at, "by": names.get(r.submitted_by or 0, ""),
             "outcome": OUTCOMES.get(r.outcome, (r.outcome, "secondary")), "comment": r.outcome_comment,
             "data": readable(r.data)} for r in reversed(revisions)]


# ---------------------------------------------------------------- the list of periods

def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _render_index(errors: dict[str, list[str]] | None = None, values: dict[str, str] | None = None,
                  status: int = 200) -> ResponseReturnValue:
    user = _user()
    periods = info_reports.periods()
    today = review_windows.today()
    if user.has_role("university_admin"):
        university = info_reports.university_of(user)
        rows: list[dict[str, Any]] = []
        for period in periods:
            report = info_reports.my_report(user, period.id)
            state = report.status if report else "missing"
            due = info_reports.due_date(period, university)
            rows.append({"period": period, "report": report, "status": STATUS[state], "due": due,
                         "late": due < today and state not in ("submitted", "accepted")})
        return render_template("reports/mine.html", rows=rows, university=university,
                               cohort=COHORTS.get(university.pilot_status or "", "")), status
    if not user.has_role(*READERS):
        raise Forbidden()
    rows = [{"period": p, "counts": info_reports.status_counts(p)} for p in periods]
    return render_template("reports/periods.html", rows=rows, can_create=info_reports.may_create(user),
                           fields=PERIOD_FIELDS, errors=errors or {}, values=values or {}, today=today), status


@bp.route("/reports")
@login_required
def index() -> ResponseReturnValue:
    return _render_index()


@bp.route("/reports/periods", methods=["POST"])
@roles_required(*info_reports.CREATORS)
def create_period() -> ResponseReturnValue:
    values = {name: request.form.get(name, "").strip()[:100] for name, *_ in PERIOD_FIELDS}
    dates = {name: _date(values[name]) for name, _, kind, _ in PERIOD_FIELDS if kind == "date"}
    errors = {name: ["请填写有效日期"] for name, value in dates.items() if value is None}
    if not values["name"]:
        errors["name"] = ["请填写周期名称"]
    if not errors:
        try:
            period = info_reports.create_period(_user(), code=values["code"], name=values["name"],
                                                **dates)  # type: ignore[arg-type]
        except ValidationFailed as exc:
            errors = dict(exc.fields)
        else:
            flash(f"已创建报送周期：{period.name}", "success")
            return redirect(url_for(".period_overview", period_id=period.id), 303)
    return _render_index(errors, values, status=422)


# ---------------------------------------------------------------- a university's own report

def _render_mine(period: ReportPeriod, values: Any = None, errors: dict[str, list[str]] | None = None,
                 message: str = "", status: int = 200) -> ResponseReturnValue:
    user = _user()
    university = info_reports.university_of(user)
    report = info_reports.my_report(user, period.id)
    state = report.status if report else "missing"
    editable = state != "submitted"
    if values is None and report is not None:
        values = report.data
    form = forms.html_form(info_reports.FORM_KEY, {}, values, errors) if editable else None
    due = info_reports.due_date(period, university)
    return render_template(
        "reports/report_form.html", period=period, report=report, state=state, label=STATUS[state],
        form=form, sections=sections(form) if form else [], view=readable(report.data) if report and not editable
        else [], due=due, late=due < review_windows.today() and state not in ("submitted", "accepted"),
        history=_history(report), message=message, university=university), status


@bp.route("/reports/<int:period_id>", methods=["GET"])
@roles_required("university_admin")
def my_report(period_id: int) -> ResponseReturnValue:
    return _render_mine(info_reports.period_or_404(period_id))


@bp.route("/reports/<int:period_id>", methods=["POST"])
@roles_required("university_admin")
def save_report(period_id: int) -> ResponseReturnValue:
    """保存草稿 checks what was filled in; 提交 saves it too, then checks everything is there."""
    user = _user()
    period = info_reports.period_or_404(period_id)
    submit = request.form.get("action") == "submit"
    try:
        info_reports.save_draft(user, period.id, request.form, from_html=True)
    except ValidationFailed as exc:
        return _render_mine(period, request.form, exc.fields, "填写内容有误，未保存。请按提示修改：", status=422)
    except Conflict as exc:
        flash(exc.message, "warning")
        return redirect(url_for(".my_report", period_id=period.id), 303)
    if not submit:
        flash("草稿已保存（尚未提交）", "success")
        return redirect(url_for(".my_report", period_id=period.id), 303)
    try:
        info_reports.submit(user, period.id)
    except ValidationFailed as exc:
        return _render_mine(period, request.form, exc.fields,
                            "已保存为草稿，但还不能提交：请补全或修改以下内容后再提交。", status=422)
    except Conflict as exc:
        flash(exc.message, "warning")
        return redirect(url_for(".my_report", period_id=period.id), 303)
    flash(f"{period.name}信息表已提交，等待高校思政网审核", "success")
    return redirect(url_for(".my_report", period_id=period.id), 303)


# ---------------------------------------------------------------- reading reports

@bp.route("/reports/view/<int:report_id>")
@login_required
def view(report_id: int) -> ResponseReturnValue:
    report = info_reports.report_for(_user(), report_id)
    names = lookups.org_names([report.university_id])
    return render_template("reports/view.html", report=report, period=report.period,
                           university=names.get(report.university_id, ""), label=STATUS[report.status],
                           view=readable(report.data), history=_history(report),
                           mine=_user().has_role("university_admin"))


@bp.route("/reports/periods/<int:period_id>")
@roles_required(*READERS)
def period_overview(period_id: int) -> ResponseReturnValue:
    period = info_reports.period_or_404(period_id)
    reports, total = info_reports.search(_user(), period_id=period.id, limit=2000)
    names = lookups.org_names([r.university_id for r in reports])
    ordered = sorted(reports, key=lambda r: (r.status != "submitted", names.get(r.university_id, "")))
    rows = [{"report": r, "university": names.get(r.university_id, ""), "status": STATUS[r.status]} for r in ordered]
    return render_template("reports/overview.html", period=period, counts=info_reports.status_counts(period),
                           rows=rows, total=total, statuses=STATUS)


@bp.route("/reports/periods/<int:period_id>/missing")
@roles_required(*READERS)
def missing(period_id: int) -> ResponseReturnValue:
    period = info_reports.period_or_404(period_id)
    today = review_windows.today()
    rows = [{"university": u, "due": due, "status": STATUS[state], "late": due < today,
             "cohort": COHORTS.get(u.pilot_status or "", "")} for u, due, state in info_reports.missing(period)]
    return render_template("reports/missing.html", period=period, rows=rows, today=today)
