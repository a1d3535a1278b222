"""Schemas of the indicator framework API (API.md `GET /api/v1/indicators`)."""

import marshmallow as ma
from marshmallow import validate

from app.models import INDICATOR_LEVELS


class IndicatorArgs(ma.Schema):
    version = ma.fields.String(validate=validate.Length(min=1, max=20),
                               metadata={"description": "版本号，如 v1；默认最新版本"})


class ItemSchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "维度序号.指标序号，如 2.14"})
    number = ma.fields.Integer()
    content = ma.fields.String(metadata={"description": "指标内容"})
    focus = ma.fields.String(metadata={"description": "观测重点"})


class GroupSchema(ma.Schema):
    code = ma.fields.String()
    number = ma.fields.String()
    name = ma.fields.String()
    name_note = ma.fields.String(allow_none=True)
    level = ma.fields.String(metadata={"enum": list(INDICATOR_LEVELS)})
    level_label = ma.fields.String()
    connotation = ma.fields.String(metadata={"description": "指标内涵"})
    items = ma.fields.List(ma.fields.Nested(ItemSchema))


class DimensionSchema(ma.Schema):
    code = ma.fields.String()
    number = ma.fields.String()
    name = ma.fields.String()
    groups = ma.fields.List(ma.fields.Nested(GroupSchema))


class FrameworkSchema(ma.Schema):
    version = ma.fields.String()
    title = ma.fields.String()
    edition = ma.fields.String()
    notes = ma.fields.List(ma.fields.String())
    scoring = ma.fields.Dict(metadata={"description": "评分规则（随版本保存）"})
    dimensions = ma.fields.List(ma.fields.Nested(DimensionSchema))


class VersionSchema(ma.Schema):
    version = ma.fields.String()
    title = ma.fields.String()
    edition = ma.fields.String()
    loaded_at = ma.fields.DateTime()
