"""What 接诉即办 plugs in: the complaint process's service tasks and form checks, the rule that keeps a
case private to its university, the hourly hot-topic scan, the figures' rollup hooks, the pages and the
complaint endpoints."""

from __future__ import annotations

from flask import Flask

from app.complaints import api, cases, hot_topics, rollup, steps, summary
from app.complaints.web import stats, student, work
from app.extensions import db
from app.workflow.plugins import Plugin


def _init_app(app: Flask) -> None:
    rollup.install(db.session)  # the complaint figures' rollup, kept in each change's transaction


plugin = Plugin(
    name="complaints",
    service_tasks={
        "complaint_assign": steps.assign,
        "complaint_merge": steps.merge,
        "complaint_close": steps.close,
        "complaint_answered": steps.answered,
        "complaint_extension": steps.extension,
        "complaint_sent_back": steps.sent_back,
        "complaint_overdue": steps.overdue,
        "complaint_rated": steps.rated,
        "complaint_reopen": steps.reopen,
        "complaint_followed_up": steps.followed_up,
    },
    form_checks={"complaint_dispatch": steps.check_dispatch, "complaint_answer": steps.check_answer},
    case_rules={"complaint": cases.instance_visible},
    case_summaries={"complaint": summary.complaint},
    scanners=(hot_topics.scan_spikes,),
    pages=(student.bp, work.bp, stats.bp),
    api=(api.blp,),
    init_app=_init_app,
)
