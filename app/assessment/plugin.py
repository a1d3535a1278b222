"""What 考核验收 plugs in: the assessment process's service tasks and form checks, the deadline scan of
the self-assessment and the rectification, the 数据库 pages and the indicator and assessment endpoints."""

from __future__ import annotations

from app.assessment import api, steps, summary
from app.assessment.web import assessment, rounds
from app.workflow.plugins import Plugin

plugin = Plugin(
    name="assessment",
    service_tasks={"assessment_submitted": steps.submitted, "assessment_decided": steps.decided},
    form_checks={"assessment_self_submit": steps.check_self_submission, "assessment_review": steps.check_review},
    case_summaries={"assessment": summary.assessment},
    scanners=(steps.scan_deadlines,),
    pages=(rounds.bp, assessment.bp),
    api=(api.indicators_blp, api.blp),
)
