"""Shared pieces: the error envelope, pagination arguments and the page a list endpoint returns."""

from typing import Any

import marshmallow as ma
from marshmallow import validate

# The type marshmallow wants for a field's `error_messages`.
ErrorMessages = dict[str, str | list[Any] | dict[Any, Any]]


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"example": "validation_failed"})
    message = ma.fields.String(required=True)
    # Named `fields` on the wire; not as the attribute, which would shadow Schema.fields.
    field_messages = ma.fields.Dict(
        data_key="fields", keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()),
        metadata={"description": "field name → messages"},
    )


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBodySchema, required=True)


class PageArgs(ma.Schema):
    limit = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


def page_of(item_schema: type[ma.Schema], name: str, *, required: bool = False) -> type[ma.Schema]:
    """The `{items, total}` body of a list endpoint: one page of `item_schema` and the count of every match.
    `name` is the class name, so the OpenAPI component keeps its name (`name` minus "Schema")."""
    return ma.Schema.from_dict({
        "items": ma.fields.List(ma.fields.Nested(item_schema), required=required),
        "total": ma.fields.Integer(required=required),
    }, name=name)


# Ids are 32-bit INTEGER columns: a larger number can name nothing, and PostgreSQL (or SQLite, past
# 64 bits) raises on it instead of finding nothing. Refuse it as input (issue #9, found by schemathesis).
ID_RANGE = validate.Range(min=1, max=2**31 - 1, error="编号有误")
