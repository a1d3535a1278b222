"""Schemas of the pilot application API (API.md: POST/GET /pilot-applications)."""

import marshmallow as ma
from marshmallow import validate

from app.models import APPLICATION_STATUSES, REPORT_STATUSES, SCHOOL_TYPES
from app.schemas.common import ID_RANGE, PageArgs, page_of


class ApplicationInSchema(ma.Schema):
    """基础信息表. Checked again, field by field in Chinese, by the service."""

    class Meta:
        unknown = ma.EXCLUDE  # forward compatible: fields a later form adds are ignored, not refused

    university_name = ma.fields.String(required=True)
    province = ma.fields.String(required=True)
    school_type = ma.fields.String(required=True, validate=validate.OneOf(SCHOOL_TYPES))
    contact_name = ma.fields.String(required=True)
    contact_phone = ma.fields.String(required=True)
    contact_email = ma.fields.String(required=True)
    plan_text = ma.fields.String(load_default=None, allow_none=True)
    lead_department = ma.fields.String(load_default=None, allow_none=True)
    community_students = ma.fields.Integer(load_default=None, allow_none=True)
    community_buildings = ma.fields.Integer(load_default=None, allow_none=True)
    existing_work = ma.fields.String(load_default=None, allow_none=True)


class ApplicationCreatedSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    instance_id = ma.fields.Integer(required=True)
    tracking_code = ma.fields.String(required=True)
    window_start = ma.fields.Date()
    window_end = ma.fields.Date()


class StatusEventSchema(ma.Schema):
    at = ma.fields.DateTime()
    action = ma.fields.String()


class ApplicationStatusSchema(ma.Schema):
    tracking_code = ma.fields.String()
    status = ma.fields.String(metadata={"enum": list(APPLICATION_STATUSES)})
    university_name = ma.fields.String()
    submitted_at = ma.fields.DateTime()
    window_start = ma.fields.Date()
    window_end = ma.fields.Date()
    submissions = ma.fields.Integer()
    decision_comment = ma.fields.String(allow_none=True)
    history = ma.fields.List(ma.fields.Nested(StatusEventSchema))


class ApplicationSchema(ma.Schema):
    id = ma.fields.Integer()
    tracking_code = ma.fields.String()
    status = ma.fields.String()
    university_name = ma.fields.String()
    province = ma.fields.String()
    school_type = ma.fields.String()
    contact_name = ma.fields.String()
    contact_phone = ma.fields.String()
    contact_email = ma.fields.String()
    lead_department = ma.fields.String(allow_none=True)
    community_students = ma.fields.Integer(allow_none=True)
    community_buildings = ma.fields.Integer(allow_none=True)
    existing_work = ma.fields.String(allow_none=True)
    plan_text = ma.fields.String(allow_none=True)
    plan_file_id = ma.fields.Integer(allow_none=True)
    window_start = ma.fields.Date()
    window_end = ma.fields.Date()
    submissions = ma.fields.Integer()
    decision_comment = ma.fields.String(allow_none=True)
    instance_id = ma.fields.Integer(allow_none=True)
    university_id = ma.fields.Integer(allow_none=True)
    submitted_at = ma.fields.DateTime()


class ApplicationListArgs(PageArgs):
    status = ma.fields.String(validate=validate.OneOf(APPLICATION_STATUSES))
    province = ma.fields.String()
    school_type = ma.fields.String(validate=validate.OneOf(SCHOOL_TYPES))
    window_end = ma.fields.Date()
    q = ma.fields.String()


ApplicationPageSchema = page_of(ApplicationSchema, "ApplicationPageSchema")


class WindowSchema(ma.Schema):
    start = ma.fields.Date(required=True)
    end = ma.fields.Date(required=True)
    explicit = ma.fields.Boolean()


class WindowInSchema(ma.Schema):
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    note = ma.fields.String(load_default="", validate=validate.Length(max=200))


class PilotSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    province = ma.fields.String(allow_none=True)
    school_type = ma.fields.String(allow_none=True)
    pilot_status = ma.fields.String()
    pilot_batch = ma.fields.Integer(allow_none=True)


PilotPageSchema = page_of(PilotSchema, "PilotPageSchema")


class PilotListArgs(PageArgs):
    province = ma.fields.String()
    school_type = ma.fields.String(validate=validate.OneOf(SCHOOL_TYPES))
    batch = ma.fields.Integer(validate=validate.Range(min=2000, max=2100))  # a year; larger overflows the db
    status = ma.fields.String(validate=validate.OneOf(["designated", "self_pilot"]))
    q = ma.fields.String()


class ExportArgs(ma.Schema):
    format = ma.fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))


class ApplicationExportArgs(ApplicationListArgs, ExportArgs):
    pass


class PilotExportArgs(PilotListArgs, ExportArgs):
    pass


# --- Schemas of the 信息表 API.


class PeriodInSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=20))
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    due_designated = ma.fields.Date(required=True)
    due_self_pilot = ma.fields.Date(required=True)


class PeriodSchema(PeriodInSchema):
    id = ma.fields.Integer()


class ReportDataSchema(ma.Schema):
    data = ma.fields.Dict(keys=ma.fields.String(), load_default=None, allow_none=True)


class RevisionSchema(ma.Schema):
    number = ma.fields.Integer()
    submitted_at = ma.fields.DateTime()
    outcome = ma.fields.String(allow_none=True)
    outcome_comment = ma.fields.String(allow_none=True)
    data = ma.fields.Dict()


class ReportSchema(ma.Schema):
    id = ma.fields.Integer()
    period_id = ma.fields.Integer()
    university_id = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": list(REPORT_STATUSES)})
    revision = ma.fields.Integer()
    data = ma.fields.Dict()
    return_reason = ma.fields.String(allow_none=True)
    submitted_at = ma.fields.DateTime(allow_none=True)
    accepted_at = ma.fields.DateTime(allow_none=True)
    instance_id = ma.fields.Integer(allow_none=True)


class ReportDetailSchema(ReportSchema):
    revisions = ma.fields.List(ma.fields.Nested(RevisionSchema))


class ReportListArgs(PageArgs):
    period_id = ma.fields.Integer(validate=ID_RANGE)
    status = ma.fields.String(validate=validate.OneOf(REPORT_STATUSES))
    university_id = ma.fields.Integer(validate=ID_RANGE)


ReportPageSchema = page_of(ReportSchema, "ReportPageSchema")


class MissingSchema(ma.Schema):
    university_id = ma.fields.Integer()
    university_name = ma.fields.String()
    province = ma.fields.String(allow_none=True)
    pilot_status = ma.fields.String()
    due = ma.fields.Date()
    status = ma.fields.String(metadata={"description": "missing | draft | returned"})
