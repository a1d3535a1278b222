"""ORM models, one concept per module. Importing this package registers every table."""

from app.models.api_token import ApiToken
from app.models.assessment import (
    ASSESSMENT_RESULTS,
    ASSESSMENT_STATUSES,
    SELF_RATINGS,
    Assessment,
    AssessmentItem,
    AssessmentRound,
    AssessmentSnapshot,
)
from app.models.audit_event import AuditEvent
from app.models.calendar_override import CalendarOverride
from app.models.complaint import (
    CHANNELS,
    Complaint,
    ComplaintAssignment,
    ComplaintFollowUp,
    ComplaintReply,
)
from app.models.complaint_keyword import ComplaintKeyword
from app.models.complaint_rollup import ComplaintRollup
from app.models.human_task import TASK_STATUSES, HumanTask
from app.models.indicator import (
    INDICATOR_LEVELS,
    IndicatorDimension,
    IndicatorFramework,
    IndicatorGroup,
    IndicatorItem,
)
from app.models.info_report import REPORT_STATUSES, DeadlineNotice, InfoReport, InfoReportRevision, ReportPeriod
from app.models.login_failure import LoginFailure
from app.models.notification import Notification
from app.models.one_time_secret import OneTimeSecret
from app.models.org import ORG_KINDS, PILOT_STATUSES, SCHOOL_TYPES, Org
from app.models.pilot_application import APPLICATION_STATUSES, PilotApplication, ReviewWindow
from app.models.post import (
    FILE_ROLES,
    POST_MODULES,
    REVISION_STATUSES,
    Post,
    PostComment,
    PostRevision,
    PostRevisionFile,
)
from app.models.post_deadline import DEFAULT_REQUIRED_MODULES, PostDeadline
from app.models.post_showcase import SHOWCASE_KINDS, SHOWCASE_STATUSES, ShowcaseEntry
from app.models.process_definition import ProcessDefinition
from app.models.process_instance import INSTANCE_STATUSES, ProcessInstance
from app.models.stored_file import StoredFile
from app.models.task_comment import TaskComment
from app.models.timer import TIMER_STATUSES, Timer
from app.models.user import ROLES, User, UserRole

__all__ = [
    "ASSESSMENT_RESULTS",
    "ASSESSMENT_STATUSES",
    "Assessment",
    "AssessmentItem",
    "AssessmentRound",
    "AssessmentSnapshot",
    "INDICATOR_LEVELS",
    "IndicatorDimension",
    "IndicatorFramework",
    "IndicatorGroup",
    "IndicatorItem",
    "SELF_RATINGS",
    "CHANNELS",
    "Complaint",
    "ComplaintAssignment",
    "ComplaintFollowUp",
    "ComplaintKeyword",
    "ComplaintReply",
    "ComplaintRollup",
    "DeadlineNotice",
    "InfoReport",
    "InfoReportRevision",
    "REPORT_STATUSES",
    "ReportPeriod",
    "APPLICATION_STATUSES",
    "OneTimeSecret",
    "PilotApplication",
    "ReviewWindow",
    "DEFAULT_REQUIRED_MODULES",
    "FILE_ROLES",
    "POST_MODULES",
    "REVISION_STATUSES",
    "Post",
    "PostComment",
    "PostDeadline",
    "PostRevision",
    "PostRevisionFile",
    "SHOWCASE_KINDS",
    "SHOWCASE_STATUSES",
    "ShowcaseEntry",
    "ApiToken",
    "AuditEvent",
    "CalendarOverride",
    "HumanTask",
    "INSTANCE_STATUSES",
    "LoginFailure",
    "Notification",
    "ProcessDefinition",
    "ProcessInstance",
    "StoredFile",
    "TASK_STATUSES",
    "TIMER_STATUSES",
    "TaskComment",
    "Timer",
    "ORG_KINDS",
    "Org",
    "PILOT_STATUSES",
    "ROLES",
    "SCHOOL_TYPES",
    "User",
    "UserRole",
]
