"""Schemas of processes, instances and tasks (API.md)."""

import marshmallow as ma
from marshmallow import validate

from app.schemas.common import ID_RANGE, PageArgs, page_of
from app.workflow.tasks import SCOPES


class ProcessSchema(ma.Schema):
    key = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)


class DeployedSchema(ma.Schema):
    key = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True)
    created = ma.fields.Boolean(metadata={"description": "false: this exact content was already deployed"})


class StartSchema(ma.Schema):
    data = ma.fields.Dict(keys=ma.fields.String(), load_default=dict)


class TaskSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    instance_id = ma.fields.Integer(required=True)
    process_key = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    role = ma.fields.String(required=True)
    org_id = ma.fields.Integer(allow_none=True)
    assignee = ma.fields.String(allow_none=True, metadata={"description": "username of the claimant"})
    assignee_id = ma.fields.Integer(allow_none=True)
    status = ma.fields.String(required=True)
    due_at = ma.fields.DateTime(allow_none=True)
    overdue = ma.fields.Boolean()
    form_key = ma.fields.String(allow_none=True)
    form = ma.fields.Dict(allow_none=True,
                          metadata={"description": "JSON Schema of the fields the task takes"})
    completed_at = ma.fields.DateTime(allow_none=True)


class HistorySchema(ma.Schema):
    at = ma.fields.DateTime(required=True)
    action = ma.fields.String(required=True)
    actor = ma.fields.String(allow_none=True)
    detail = ma.fields.Dict()


class InstanceSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    process_key = ma.fields.String(required=True)
    process_version = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    org_id = ma.fields.Integer(allow_none=True)
    started_at = ma.fields.DateTime()
    ended_at = ma.fields.DateTime(allow_none=True)
    data = ma.fields.Dict()
    tasks = ma.fields.List(ma.fields.Nested(TaskSchema))
    history = ma.fields.List(ma.fields.Nested(HistorySchema))
    highlight = ma.fields.Dict(metadata={"description": "bpmn ids: completed and current steps"})


class InboxArgs(PageArgs):
    scope = ma.fields.String(load_default="mine", validate=validate.OneOf(SCOPES))
    process = ma.fields.String()
    instance = ma.fields.Integer(validate=ID_RANGE)
    due_before = ma.fields.AwareDateTime(default_timezone=None)
    overdue = ma.fields.Boolean(load_default=False)


TaskPageSchema = page_of(TaskSchema, "TaskPageSchema", required=True)


class CompleteSchema(ma.Schema):
    data = ma.fields.Dict(keys=ma.fields.String(), load_default=dict)


class BulkCompleteSchema(ma.Schema):
    task_ids = ma.fields.List(ma.fields.Integer(validate=ID_RANGE), required=True,
                              validate=validate.Length(min=1, max=200))
    data = ma.fields.Dict(keys=ma.fields.String(), load_default=dict)


class BulkOutcomeSchema(ma.Schema):
    task_id = ma.fields.Integer()
    ok = ma.fields.Boolean()
    status = ma.fields.Integer()
    message = ma.fields.String()


class BulkResultSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(BulkOutcomeSchema))
    completed = ma.fields.Integer()


class CommentInSchema(ma.Schema):
    body = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000))


class CommentSchema(ma.Schema):
    id = ma.fields.Integer()
    author = ma.fields.String()
    body = ma.fields.String()
    created_at = ma.fields.DateTime()


class CancelSchema(ma.Schema):
    reason = ma.fields.String(load_default="", validate=validate.Length(max=500))
