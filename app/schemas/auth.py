import marshmallow as ma
from marshmallow import validate


class TokenRequestSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = ma.fields.String(required=True, validate=validate.Length(min=1, max=256),
                                load_only=True)


class TokenSchema(ma.Schema):
    token = ma.fields.String(required=True)
    expires_at = ma.fields.DateTime(required=True)


class MeSchema(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    display_name = ma.fields.String()
    org_id = ma.fields.Integer()
    roles = ma.fields.List(ma.fields.String())
