"""Schemas of the 育人号 API (API.md: POST /posts, GET /posts/{id}, GET /public/posts)."""

import marshmallow as ma
from marshmallow import validate

from app.models import POST_MODULES, REVISION_STATUSES, SHOWCASE_KINDS
from app.schemas.common import ErrorMessages, PageArgs, page_of

MODULES = list(POST_MODULES)
# Chinese messages for what the schemas themselves refuse (the services explain the rest field by field).
REQUIRED: ErrorMessages = {"required": "此项为必填", "null": "此项为必填"}
DATE: ErrorMessages = {**REQUIRED, "invalid": "请填写有效日期（YYYY-MM-DD）"}
INTEGER: ErrorMessages = {"invalid": "须为整数"}
STRING: ErrorMessages = {"invalid": "须为文字"}


def one_of(choices: list[str]) -> validate.OneOf:
    return validate.OneOf(choices, error="请选择有效的选项：" + "、".join(choices))


def at_most(n: int) -> validate.Length:
    return validate.Length(max=n, error=f"不能超过 {n} 字")


def between(low: int, high: int) -> validate.Range:
    return validate.Range(min=low, max=high, error=f"须在 {low} 到 {high} 之间")


ID = between(1, 2**31 - 1)  # ids are 32-bit in PostgreSQL: larger ones are refused, not sent to the database


class PostInSchema(ma.Schema):
    """A post to review: `module`, `title` and `body_html` are required (checked by the service, with
    Chinese messages per field). `body_html` is cleaned on the server with an allow-list; images in
    it are `<img src="/media/posts/{file_id}">` of files uploaded with POST /post-files."""

    class Meta:
        unknown = ma.EXCLUDE

    module = ma.fields.Raw(load_default=None, metadata={"enum": MODULES, "type": "string"})
    title = ma.fields.Raw(load_default=None, metadata={"type": "string", "maxLength": 100})
    body_html = ma.fields.Raw(load_default=None, metadata={"type": "string"})
    cover_file_id = ma.fields.Raw(load_default=None, metadata={"type": "integer", "nullable": True})
    attachment_ids = ma.fields.Raw(load_default=None, metadata={"type": "array", "items": {"type": "integer"}})


class PostUpdateSchema(PostInSchema):
    """A new revision of a post (`module` may be left out; it cannot change once published)."""


class PostCreatedSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    instance_id = ma.fields.Integer(required=True)
    revision = ma.fields.Integer()
    status = ma.fields.String()


class FileSchema(ma.Schema):
    id = ma.fields.Integer()
    filename = ma.fields.String()
    content_type = ma.fields.String()
    size = ma.fields.Integer()
    url = ma.fields.String()
    width = ma.fields.Integer(allow_none=True)
    height = ma.fields.Integer(allow_none=True)


class PostNoteSchema(ma.Schema):
    id = ma.fields.Integer()
    quote = ma.fields.String()
    body = ma.fields.String()
    author = ma.fields.String()
    created_at = ma.fields.DateTime()


class PostRevisionSchema(ma.Schema):
    number = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": list(REVISION_STATUSES)})
    title = ma.fields.String()
    body_html = ma.fields.String()
    cover = ma.fields.Nested(FileSchema, allow_none=True)
    attachments = ma.fields.List(ma.fields.Nested(FileSchema))
    submitted_at = ma.fields.DateTime(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    decision_comment = ma.fields.String(allow_none=True)
    published_at = ma.fields.DateTime(allow_none=True)
    instance_id = ma.fields.Integer(allow_none=True)
    comments = ma.fields.List(ma.fields.Nested(PostNoteSchema))


class ShowcaseSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": list(SHOWCASE_KINDS)})
    status = ma.fields.String()
    reason = ma.fields.String()
    nominated_at = ma.fields.DateTime()
    decided_at = ma.fields.DateTime(allow_none=True)
    decision_comment = ma.fields.String(allow_none=True)
    admitted_at = ma.fields.DateTime(allow_none=True)
    instance_id = ma.fields.Integer(allow_none=True)


class PostSchema(ma.Schema):
    id = ma.fields.Integer()
    university_id = ma.fields.Integer()
    university_name = ma.fields.String()
    module = ma.fields.String(metadata={"enum": MODULES})
    status = ma.fields.String(metadata={"description": "status of the newest revision", "enum": list(
        REVISION_STATUSES)})
    title = ma.fields.String()
    body_html = ma.fields.String()
    published_at = ma.fields.DateTime(allow_none=True)
    updated_at = ma.fields.DateTime()
    instance_id = ma.fields.Integer(allow_none=True)
    current = ma.fields.Nested(PostRevisionSchema)
    published = ma.fields.Nested(PostRevisionSchema, allow_none=True)
    showcase = ma.fields.List(ma.fields.Nested(ShowcaseSchema))


class PostSummarySchema(ma.Schema):
    id = ma.fields.Integer()
    university_id = ma.fields.Integer()
    module = ma.fields.String()
    status = ma.fields.String()
    title = ma.fields.String()
    published_at = ma.fields.DateTime(allow_none=True)
    updated_at = ma.fields.DateTime()


PostPageSchema = page_of(PostSummarySchema, "PostPageSchema")


class PostListArgs(PageArgs):
    university_id = ma.fields.Integer(validate=ID, error_messages=INTEGER)
    module = ma.fields.String(validate=one_of(MODULES))
    status = ma.fields.String(validate=one_of(list(REVISION_STATUSES)))
    q = ma.fields.String(validate=at_most(100))


class PostCommentInSchema(ma.Schema):
    quote = ma.fields.String(load_default="", validate=at_most(2000), error_messages=STRING)
    body = ma.fields.String(load_default="", validate=at_most(10000), error_messages=STRING)


class NominateSchema(ma.Schema):
    kind = ma.fields.String(required=True, validate=one_of(list(SHOWCASE_KINDS)), error_messages=REQUIRED,
                            metadata={"description": "quality_result 优质成果 | typical_experience 典型经验"})
    reason = ma.fields.String(load_default="", validate=at_most(1000), error_messages=STRING)


class PublicPostSchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    body_html = ma.fields.String(metadata={"description": "sanitised HTML"})
    summary = ma.fields.String()
    university_id = ma.fields.Integer()
    university_name = ma.fields.String()
    province = ma.fields.String(allow_none=True)
    module = ma.fields.String()
    published_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime(allow_none=True)
    url = ma.fields.String()
    cover_url = ma.fields.String(allow_none=True)


PublicPostPageSchema = page_of(PublicPostSchema, "PublicPostPageSchema")


class PublicPostArgs(ma.Schema):
    university_id = ma.fields.Integer(validate=ID, error_messages=INTEGER)
    province = ma.fields.String(validate=at_most(20))
    module = ma.fields.String(validate=one_of(MODULES))
    q = ma.fields.String(validate=at_most(100))
    limit = ma.fields.Integer(load_default=20, validate=between(1, 100), error_messages=INTEGER)
    offset = ma.fields.Integer(load_default=0, validate=between(0, 100_000), error_messages=INTEGER)


class ShowcaseItemSchema(ma.Schema):
    entry_id = ma.fields.Integer()
    post_id = ma.fields.Integer()
    kind = ma.fields.String()
    title = ma.fields.String()
    summary = ma.fields.String()
    university_id = ma.fields.Integer()
    university_name = ma.fields.String()
    published_at = ma.fields.DateTime(allow_none=True)
    admitted_at = ma.fields.DateTime(allow_none=True)


ShowcasePageSchema = page_of(ShowcaseItemSchema, "ShowcasePageSchema")


class ShowcaseArgs(ma.Schema):
    kind = ma.fields.String(validate=one_of(list(SHOWCASE_KINDS)))
    university_id = ma.fields.Integer(validate=ID, error_messages=INTEGER)
    limit = ma.fields.Integer(load_default=20, validate=between(1, 100), error_messages=INTEGER)
    offset = ma.fields.Integer(load_default=0, validate=between(0, 100_000), error_messages=INTEGER)


class DeadlineInSchema(ma.Schema):
    name = ma.fields.String(required=True, error_messages={**REQUIRED, **STRING})
    due_designated = ma.fields.Date(required=True, error_messages=DATE)
    due_self_pilot = ma.fields.Date(required=True, error_messages=DATE)
    required_modules = ma.fields.List(ma.fields.String(validate=one_of(MODULES)), load_default=None)
    grace_days = ma.fields.Integer(load_default=21, error_messages=INTEGER)


class DeadlineSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    due_designated = ma.fields.Date()
    due_self_pilot = ma.fields.Date()
    grace_days = ma.fields.Integer()
    required_modules = ma.fields.List(ma.fields.String())


class BehindSchema(ma.Schema):
    university_id = ma.fields.Integer()
    university_name = ma.fields.String()
    province = ma.fields.String(allow_none=True)
    pilot_status = ma.fields.String()
    due = ma.fields.Date()
    missing = ma.fields.List(ma.fields.String())
    overdue = ma.fields.Boolean()
