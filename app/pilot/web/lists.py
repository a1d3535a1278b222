"""Lists for the ministry, the operator and administrators: applications and pilot universities with
filters, pages and CSV/XLSX downloads (the same columns as the API's exports), and one application."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue

from app.core import clock, exports, roles, uploads
from app.errors import NotVisible
from app.models import APPLICATION_STATUSES, SCHOOL_TYPES
from app.pilot import applications as pilot_applications
from app.pilot import pilots, review_windows
from app.pilot.web.public import timeline_of
from app.web.access import roles_required
from app.web.numbers import number
from app.web.paging import page_number

bp = Blueprint("pilot_lists", __name__)
READERS = roles.NATIONAL
PER_PAGE = 20
EXPORT_LIMIT = 100_000
STATUS = {"submitted": ("待审核", "primary"), "returned": ("已退回修改", "warning"),
          "approved": ("已认定，待开通账号", "info"), "rejected": ("未认定", "danger"),
          "account_opened": ("已开通账号", "success")}
PILOT_STATUS = {"designated": "教育部认定试点", "self_pilot": "自主试点"}
FIRST_BATCH = 2019


def _pages(total: int) -> int:
    return max((total + PER_PAGE - 1) // PER_PAGE, 1)


def _download(fmt: str, name: str, columns: list[tuple[str, str]], items: list[Any]) -> Response:
    content, mimetype = exports.render(fmt, columns, pilot_applications.export_rows(items, columns), sheet=name)
    filename = f"{name}-{review_windows.today().isoformat()}.{fmt}"
    return Response(content, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


def _provinces() -> list[tuple[str, str]]:
    """The province filter's (value, label) choices: every province."""
    return [(p, p) for p in pilot_applications.provinces()]


def _export_urls(endpoint: str, filters: dict[str, Any]) -> dict[str, str]:
    args = {k: v for k, v in filters.items() if v not in (None, "")}
    return {fmt: url_for(endpoint, fmt=fmt, **args) for fmt in ("csv", "xlsx")}


# ---------------------------------------------------------------- applications

def _application_filters() -> tuple[dict[str, Any], dict[str, Any]]:
    """(what the form shows, what the search gets): unknown values are ignored, not an error."""
    args = request.args
    status = args.get("status", "")
    province = args.get("province", "")
    school_type = args.get("school_type", "")
    window = args.get("window", "")
    q = args.get("q", "").strip()[:100]
    try:
        window_end = date.fromisoformat(window) if window else None
    except ValueError:
        window_end = None
    shown = {"status": status if status in APPLICATION_STATUSES else "",
             "province": province if province in pilot_applications.provinces() else "",
             "school_type": school_type if school_type in SCHOOL_TYPES else "",
             "window": window_end.isoformat() if window_end else "", "q": q}
    search = {"status": shown["status"] or None, "province": shown["province"] or None,
              "school_type": shown["school_type"] or None, "window_end": window_end, "q": q or None}
    return shown, search


@bp.route("/pilot/applications")
@roles_required(*READERS)
def applications() -> ResponseReturnValue:
    shown, search = _application_filters()
    page = page_number()
    items, total = pilot_applications.search(**search, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    choices = {"status": [(code, label) for code, (label, _) in STATUS.items()], "province": _provinces(),
               "window": [(end.isoformat(), f"{start.isoformat()} 至 {end.isoformat()}")
                          for start, end in pilot_applications.windows_in_use()]}
    return render_template("pilot_lists/applications.html", items=items, total=total, page=page,
                           pages=_pages(total), filters=shown, statuses=STATUS, choices=choices,
                           exports=_export_urls("pilot_lists.export_applications", shown))


@bp.route("/pilot/applications.<any(csv, xlsx):fmt>")
@roles_required(*READERS)
def export_applications(fmt: str) -> ResponseReturnValue:
    _, search = _application_filters()
    items, _ = pilot_applications.search(**search, limit=EXPORT_LIMIT, offset=0)
    return _download(fmt, "自主试点申报", pilot_applications.EXPORT_COLUMNS, items)


@bp.route("/pilot/applications/<int:application_id>")
@roles_required(*READERS)
def application(application_id: int) -> ResponseReturnValue:
    item = pilot_applications.get(application_id)
    return render_template("pilot_lists/application.html", a=item, statuses=STATUS, timeline=timeline_of(item),
                           plan=pilot_applications.plan_file(item))


@bp.route("/pilot/applications/<int:application_id>/plan")
@roles_required(*READERS)
def plan(application_id: int) -> ResponseReturnValue:
    stored = pilot_applications.plan_file(pilot_applications.get(application_id))
    if stored is None:
        raise NotVisible("该申报没有上传计划书文件")
    return send_file(uploads.open_stream(stored), mimetype=stored.content_type, as_attachment=True,
                     download_name=stored.filename, max_age=0)


# ---------------------------------------------------------------- pilot universities

def _pilot_filters() -> tuple[dict[str, Any], dict[str, Any]]:
    args = request.args
    batch_text = args.get("batch", "")
    batch = number(batch_text, low=1000, high=9999) if len(batch_text) == 4 else None  # a year
    shown = {"province": args.get("province", "") if args.get("province") in pilot_applications.provinces() else "",
             "school_type": args.get("school_type", "") if args.get("school_type") in SCHOOL_TYPES else "",
             "status": args.get("status", "") if args.get("status") in PILOT_STATUS else "",
             "batch": str(batch) if batch else "", "q": args.get("q", "").strip()[:100]}
    search = {"province": shown["province"] or None, "school_type": shown["school_type"] or None,
              "status": shown["status"] or None, "batch": batch, "q": shown["q"] or None}
    return shown, search


@bp.route("/pilot/pilots")
@roles_required(*READERS)
def pilot_list() -> ResponseReturnValue:
    shown, search = _pilot_filters()
    page = page_number()
    items, total = pilots.search(**search, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    this_year = clock.now().astimezone(clock.SHANGHAI).year
    choices = {"status": list(PILOT_STATUS.items()), "province": _provinces(),
               "batch": [(str(year), f"{year} 年") for year in range(this_year, FIRST_BATCH - 1, -1)]}
    return render_template("pilot_lists/pilots.html", items=items, total=total, page=page, pages=_pages(total),
                           filters=shown, statuses=PILOT_STATUS, choices=choices,
                           exports=_export_urls("pilot_lists.export_pilots", shown))


@bp.route("/pilot/pilots.<any(csv, xlsx):fmt>")
@roles_required(*READERS)
def export_pilots(fmt: str) -> ResponseReturnValue:
    _, search = _pilot_filters()
    items, _ = pilots.search(**search, limit=EXPORT_LIMIT, offset=0)
    return _download(fmt, "试点高校", pilot_applications.PILOT_EXPORT_COLUMNS, items)
