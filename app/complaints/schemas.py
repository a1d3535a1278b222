"""Schemas of the 接诉即办 API (API.md: POST /complaints, GET /metrics/complaints)."""

import marshmallow as ma
from marshmallow import validate

from app.complaints.cases import category_codes
from app.models.complaint import CHANNELS, COMPLAINT_STATUSES
from app.schemas.common import ID_RANGE, PageArgs, page_of


class ComplaintInSchema(ma.Schema):
    """The codes and their labels: GET /complaints/settings. The service checks them (with the other
    fields, so that every field's message comes at once); the enums document them."""

    channel = ma.fields.String(required=True, metadata={"enum": list(CHANNELS)})
    category = ma.fields.String(required=True, metadata={"enum": list(category_codes())})
    title = ma.fields.String(required=True)
    content = ma.fields.String(required=True)
    anonymous = ma.fields.Boolean(load_default=False)
    attachments = ma.fields.List(ma.fields.Integer(validate=ID_RANGE), load_default=list)


class ChannelSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"enum": list(CHANNELS)})
    label = ma.fields.String(required=True)
    triage_hours = ma.fields.Integer(required=True, metadata={"description": "转办时限（小时）"})
    triage_clock = ma.fields.String(required=True, metadata={
        "description": "转办时限的计法：work 按工作时间（工作日历），calendar 按自然时间（如心理热线）"})
    urgent = ma.fields.Boolean(required=True)


class CategorySchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"enum": list(category_codes())})
    label = ma.fields.String(required=True)
    deadline_days = ma.fields.Integer(required=True, metadata={"description": "默认答复期限（工作日）"})


class ComplaintSettingsSchema(ma.Schema):
    channels = ma.fields.List(ma.fields.Nested(ChannelSchema), required=True)
    categories = ma.fields.List(ma.fields.Nested(CategorySchema), required=True)


class CallInSchema(ComplaintInSchema):
    student_username = ma.fields.String(load_default=None, allow_none=True)
    caller_name = ma.fields.String(load_default=None, allow_none=True)


class ComplaintCreatedSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    instance_id = ma.fields.Integer(required=True)


class ReplySchema(ma.Schema):
    body = ma.fields.String()
    department = ma.fields.String()
    created_at = ma.fields.DateTime()


class TimelineSchema(ma.Schema):
    at = ma.fields.DateTime()
    action = ma.fields.String()
    label = ma.fields.String()


class ComplaintSchema(ma.Schema):
    id = ma.fields.Integer()
    university_id = ma.fields.Integer()
    channel = ma.fields.String()
    channel_label = ma.fields.String()
    category = ma.fields.String()
    category_label = ma.fields.String()
    title = ma.fields.String()
    content = ma.fields.String()
    anonymous = ma.fields.Boolean()
    status = ma.fields.String(metadata={"enum": list(COMPLAINT_STATUSES)})
    student = ma.fields.String(allow_none=True, metadata={"description": "null when hidden from the caller"})
    department = ma.fields.String(allow_none=True)
    department_id = ma.fields.Integer(allow_none=True)
    answer_due = ma.fields.DateTime(allow_none=True)
    merged_into_id = ma.fields.Integer(allow_none=True)
    reopen_count = ma.fields.Integer()
    satisfaction = ma.fields.String(allow_none=True)
    resolution = ma.fields.String(allow_none=True)
    close_reason = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    answered_at = ma.fields.DateTime(allow_none=True)
    closed_at = ma.fields.DateTime(allow_none=True)
    instance_id = ma.fields.Integer(allow_none=True)
    attachments = ma.fields.List(ma.fields.Integer())
    replies = ma.fields.List(ma.fields.Nested(ReplySchema))
    timeline = ma.fields.List(ma.fields.Nested(TimelineSchema))


class ComplaintListArgs(PageArgs):
    status = ma.fields.String(validate=validate.OneOf(COMPLAINT_STATUSES))
    channel = ma.fields.String(validate=validate.OneOf(CHANNELS))


ComplaintPageSchema = page_of(ComplaintSchema, "ComplaintPageSchema")


class MetricsArgs(ma.Schema):
    org_id = ma.fields.Integer(validate=ID_RANGE)
    from_ = ma.fields.Date(data_key="from")
    to = ma.fields.Date()


class MetricsSchema(ma.Schema):
    total = ma.fields.Integer(required=True)
    response_rate = ma.fields.Float(allow_none=True)
    resolution_rate = ma.fields.Float(allow_none=True)
    satisfaction_rate = ma.fields.Float(allow_none=True)
    overdue = ma.fields.Integer(required=True)
    dispatched = ma.fields.Integer()
    avg_handling_hours = ma.fields.Float(allow_none=True)
    by_channel = ma.fields.Dict()
    by_department = ma.fields.List(ma.fields.Dict())
    by_university = ma.fields.List(ma.fields.Dict())  # national scope only: the universities ranked
    definitions = ma.fields.Dict()


class TopicSchema(ma.Schema):
    word = ma.fields.String()
    total = ma.fields.Integer()
    weekly = ma.fields.List(ma.fields.Integer())
    spike = ma.fields.Boolean()


class TopicArgs(ma.Schema):
    org_id = ma.fields.Integer(validate=ID_RANGE)
