"""Schemas of the 信息表 API."""

import marshmallow as ma
from marshmallow import validate

from app.models import REPORT_STATUSES
from app.schemas.common import ID_RANGE, PageArgs, page_of


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
