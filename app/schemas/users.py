import marshmallow as ma
from marshmallow import validate

from app.models import ROLES
from app.schemas.common import ID_RANGE


class UserCreateSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = ma.fields.String(required=True, load_only=True, validate=validate.Length(max=256))
    display_name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    org_id = ma.fields.Integer(required=True, validate=ID_RANGE)
    roles = ma.fields.List(ma.fields.String(validate=validate.OneOf(ROLES)), required=True,
                           validate=validate.Length(min=1))
    email = ma.fields.Email(allow_none=True)


class UserSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    username = ma.fields.String(required=True)
    display_name = ma.fields.String(required=True)
    org_id = ma.fields.Integer(required=True)
    roles = ma.fields.List(ma.fields.String(), required=True)
    email = ma.fields.String(allow_none=True)
    active = ma.fields.Boolean()
