"""The public 自主试点单位申报入口 (SPEC §3.1): apply without an account, get a tracking code, follow
the status, amend and resubmit after a return. The service checks the 基础信息表; these pages show its
Chinese messages next to the fields and keep what was typed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.errors import Conflict, NotVisible, ValidationFailed
from app.models import PilotApplication
from app.pilot import applications as pilot_applications
from app.pilot import review_windows
from app.workflow import forms

bp = Blueprint("pilot_public", __name__)

SCHOOL_TYPES = {"undergraduate": "本科", "vocational": "高职"}
PLAN_FIELDS = ("plan_file", "plan_text")
FILE_AGAIN = "未通过的提交不会保留所选文件，请重新选择计划书文件"
# Status on the applicant's page: (label, tone, what it means for them).
STATUS = {
    "submitted": ("待审核", "primary", "申报已提交，将在审核窗口内由教育部思政司集中审核。"),
    "in_review": ("审核中", "primary", "审核窗口已开放，教育部思政司正在集中审核。"),
    "returned": ("退回修改", "warning", "请根据审核意见修改申报信息后重新提交，重新提交的申报将进入下一审核窗口。"),
    "approved": ("已通过认定", "success", "恭喜！高校思政网将于 3 个工作日内开通账号，账号信息将发送至联系人邮箱。"),
    "rejected": ("未通过认定", "danger", "本次申报未通过认定，审核意见见下方。"),
    "account_opened": ("已开通账号", "success", "账号已开通，用户名和初始密码已发送至联系人邮箱。首次登录须修改密码。"),
}
EVENTS = {
    "application.submitted": ("提交申报", "primary"),
    "application.resubmitted": ("修改后重新提交", "primary"),
    "application.returned": ("退回修改", "warning"),
    "application.rejected": ("不予认定", "danger"),
    "application.approved": ("认定通过", "success"),
    "application.account_opened": ("账号已开通", "success"),
}


def _schema() -> dict[str, Any]:
    """What the page shows (the service, not this schema, checks the input)."""
    def text(title: str, limit: int, **ui: Any) -> dict[str, Any]:
        return {"type": "string", "title": title, "maxLength": limit, "x-ui": ui}

    def count(title: str) -> dict[str, Any]:
        return {"type": "integer", "title": title, "minimum": 0, "maximum": 10_000_000}

    return {
        "type": "object",
        "required": ["university_name", "province", "school_type", "contact_name", "contact_phone",
                     "contact_email"],
        "properties": {
            "university_name": text("学校名称", 100, help="请填写学校全称，与学校公章一致"),
            "province": {"type": "string", "title": "所在省份", "enum": pilot_applications.provinces(),
                         "x-ui": {"placeholder": "请选择省份"}},
            "school_type": {"type": "string", "title": "办学类型", "enum": list(SCHOOL_TYPES),
                            "x-ui": {"widget": "radio", "labels": SCHOOL_TYPES}},
            "contact_name": text("联系人", 50),
            "contact_phone": text("联系电话", 20, widget="tel", placeholder="如 010-12345678 或 13800000000"),
            "contact_email": text("电子邮箱", 200, widget="email",
                                  help="审核结果、账号和初始密码将发送至该邮箱，请确认填写无误"),
            "lead_department": text("牵头部门", 100, placeholder="如 党委学生工作部"),
            "community_students": count("学生社区入住学生人数"),
            "community_buildings": count("学生社区楼宇数"),
            "existing_work": text("已有工作基础", 5000, widget="textarea", rows=4,
                                  help="简述学校在学生社区建设方面已开展的工作（选填）"),
            "plan_file": {"type": "integer", "title": "上传工作计划书",
                          "x-ui": {"widget": "file", "accept": list(pilot_applications.PLAN_ACCEPT),
                                   "maxBytes": pilot_applications.PLAN_MAX_BYTES}},
            "plan_text": text("或直接填写工作计划书", 20000, widget="textarea", rows=8,
                              help="上传文件与填写内容二选一即可"),
        },
    }


def _form(values: Any = None, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    form = forms.html_form(_schema(), None, values, errors)
    labels = {f.name: f.label for f in form.fields}
    summary = [f"{labels.get(name, name)}：{msg}" for name, msgs in (errors or {}).items() for msg in msgs]
    return {"basic": [f for f in form.fields if f.name not in PLAN_FIELDS],
            "plan": [f for f in form.fields if f.name in PLAN_FIELDS], "summary": summary}


def _posted() -> tuple[dict[str, str], Any]:
    raw = {k: v for k, v in request.form.to_dict().items() if k != "csrf_token"}
    upload = request.files.get("plan_file")
    return raw, upload if upload is not None and upload.filename else None


def _refused(exc: ValidationFailed, template: str, uploaded: bool, **context: Any) -> ResponseReturnValue:
    fields = {name: list(msgs) for name, msgs in exc.fields.items()}
    if uploaded and "plan_file" not in fields:
        fields["plan_file"] = [FILE_AGAIN]
    return render_template(template, form=_form(request.form, fields), message=exc.message, **context), 422


@bp.route("/apply", methods=["GET", "POST"])
def apply() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("pilot_public/apply.html", form=_form(), message=None,
                               window=review_windows.window_after(review_windows.today()))
    raw, upload = _posted()
    pilot_applications.admit(request.remote_addr or "-")  # the 6th within the hour: the 429 page
    try:
        application = pilot_applications.submit_with_plan(raw, upload)
    except ValidationFailed as exc:
        return _refused(exc, "pilot_public/apply.html", upload is not None,
                        window=review_windows.window_after(review_windows.today()))
    return redirect(url_for(".submitted", code=application.tracking_code), 303)


@bp.route("/apply/submitted/<code>")
def submitted(code: str) -> ResponseReturnValue:
    application = pilot_applications.by_code(code)
    return render_template("pilot_public/submitted.html", application=application)


def _status_key(application: PilotApplication) -> str:
    if application.status == "submitted" and application.window_start <= review_windows.today():
        return "in_review"
    return application.status


def timeline_of(application: PilotApplication) -> list[dict[str, Any]]:
    items = []
    for event in pilot_applications.history(application):
        label, tone = EVENTS.get(event.action, (event.action, "secondary"))
        detail = event.detail or {}
        note = ""
        if detail.get("window"):
            start, end = detail["window"]
            note = f"进入审核窗口 {start} 至 {end}"
        elif detail.get("comment"):
            note = f"审核意见：{detail['comment']}"
        if event.action == "application.resubmitted" and detail.get("submissions"):
            label = f"{label}（第 {detail['submissions']} 次提交）"
        items.append({"at": event.at, "label": label, "tone": tone, "note": note})
    return items


@bp.route("/apply/status")
def status() -> ResponseReturnValue:
    code = request.args.get("code", "").strip()
    if not code:
        return render_template("pilot_public/status.html", code="", application=None, error=None)
    try:
        application = pilot_applications.by_code(code[:40])
    except NotVisible as exc:
        return render_template("pilot_public/status.html", code=code, application=None, error=exc.message), 404
    label, tone, hint = STATUS[_status_key(application)]
    return render_template("pilot_public/status.html", code=application.tracking_code, application=application,
                           error=None, label=label, tone=tone, hint=hint, timeline=timeline_of(application),
                           school_types=SCHOOL_TYPES)


def _values(application: PilotApplication) -> dict[str, str]:
    names = [n for n in _schema()["properties"] if n != "plan_file"]
    return {n: "" if getattr(application, n) is None else str(getattr(application, n)) for n in names}


@bp.route("/apply/<code>/amend", methods=["GET", "POST"])
def amend(code: str) -> ResponseReturnValue:
    application = pilot_applications.by_code(code)
    if application.status != "returned":
        flash("只有被退回的申报可以修改后重新提交", "info")
        return redirect(url_for(".status", code=application.tracking_code))
    old_file = pilot_applications.plan_file(application)
    context = {"application": application, "old_file": old_file,
               "window": review_windows.window_after(review_windows.today())}
    if request.method == "GET":
        return render_template("pilot_public/amend.html", form=_form(_values(application)), message=None,
                               **context)
    raw, upload = _posted()
    try:
        application = pilot_applications.resubmit_with_plan(application.tracking_code, raw, upload)
    except ValidationFailed as exc:
        return _refused(exc, "pilot_public/amend.html", upload is not None, **context)
    except Conflict as exc:
        flash(exc.message, "warning")
        return redirect(url_for(".status", code=code), 303)
    flash(f"已重新提交，将进入 {application.window_start.isoformat()} 至 {application.window_end.isoformat()} "
          "的审核窗口", "success")
    return redirect(url_for(".status", code=application.tracking_code), 303)
