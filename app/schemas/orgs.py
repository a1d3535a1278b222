import marshmallow as ma
from marshmallow import validate

from app.models import ORG_KINDS, PILOT_STATUSES, SCHOOL_TYPES
from app.schemas.common import ID_RANGE, PageArgs, page_of


class OrgCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = ma.fields.String(required=True, validate=validate.OneOf(ORG_KINDS))
    parent_id = ma.fields.Integer(allow_none=True, validate=ID_RANGE)
    province = ma.fields.String(allow_none=True, validate=validate.Length(max=20))
    code = ma.fields.String(allow_none=True, validate=validate.Length(max=40))
    school_type = ma.fields.String(allow_none=True, validate=validate.OneOf(SCHOOL_TYPES))
    pilot_status = ma.fields.String(allow_none=True, validate=validate.OneOf(PILOT_STATUSES))
    pilot_batch = ma.fields.Integer(allow_none=True, validate=validate.Range(min=2000, max=2100))


class OrgSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    parent_id = ma.fields.Integer(allow_none=True)
    province = ma.fields.String(allow_none=True)
    code = ma.fields.String(allow_none=True)
    school_type = ma.fields.String(allow_none=True)
    pilot_status = ma.fields.String(allow_none=True)
    pilot_batch = ma.fields.Integer(allow_none=True)


class OrgListArgs(PageArgs):
    kind = ma.fields.String(validate=validate.OneOf(ORG_KINDS))
    parent_id = ma.fields.Integer(validate=ID_RANGE)


OrgPageSchema = page_of(OrgSchema, "OrgPageSchema", required=True)
