"""What the pilot domain plugs in: the application and 信息表 processes' service tasks, the 信息表
deadline scan, the public application entry, the batch review, the lists and the report pages."""

from __future__ import annotations

from app.pilot import api, applications, info_reports, summary
from app.pilot.web import lists, public, reports, review
from app.workflow.plugins import Plugin

plugin = Plugin(
    name="pilot",
    service_tasks={
        "pilot_set_status": applications.set_status,
        "open_university_account": applications.open_university_account,
        "report_set_status": info_reports.set_status,
    },
    case_summaries={"pilot_application": summary.application, "info_report": summary.info_report},
    scanners=(info_reports.scan_deadlines,),
    pages=(public.bp, review.bp, lists.bp, reports.bp),
    api=(api.blp, api.reports_blp),
)
