"""ORM models, one concept per module. Importing this package registers every table."""

from app.models.api_token import ApiToken
from app.models.audit_event import AuditEvent
from app.models.login_failure import LoginFailure
from app.models.org import ORG_KINDS, PILOT_STATUSES, SCHOOL_TYPES, Org
from app.models.user import ROLES, User, UserRole

__all__ = [
    "ApiToken",
    "AuditEvent",
    "LoginFailure",
    "ORG_KINDS",
    "Org",
    "PILOT_STATUSES",
    "ROLES",
    "SCHOOL_TYPES",
    "User",
    "UserRole",
]
