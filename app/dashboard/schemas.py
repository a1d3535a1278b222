"""Schemas of the 驾驶舱 API: a dataset is a table (columns, rows) plus the chart block drawn from it."""

import marshmallow as ma
from marshmallow import validate
from webargs.fields import DelimitedList

from app.schemas.common import ErrorMessages

INTEGER: ErrorMessages = {"invalid": "须为整数"}
ID = validate.Range(min=1, max=2**31 - 1, error="编号有误")


class ScopeArgs(ma.Schema):
    university_id = ma.fields.Integer(validate=ID, error_messages=INTEGER,
                                      metadata={"description": "高校编号；不填：全国（思政司）或本校（高校经办人）"})
    round_id = ma.fields.Integer(validate=ID, error_messages=INTEGER, metadata={"description": "考核轮次编号"})


class ExportArgs(ScopeArgs):
    format = ma.fields.String(load_default="csv",
                              validate=validate.OneOf(("csv", "xlsx"), error="格式须为 csv 或 xlsx"))


class CompareArgs(ma.Schema):
    university_ids = DelimitedList(ma.fields.Integer(validate=ID, error_messages=INTEGER), required=True,
                                   error_messages={"required": "请至少选择两所高校", "invalid": "须为编号列表"},
                                   metadata={"description": "逗号分隔的高校编号，2–10 所"})
    round_id = ma.fields.Integer(validate=ID, error_messages=INTEGER)


class ColumnSchema(ma.Schema):
    key = ma.fields.String()
    label = ma.fields.String()


class DatasetSchema(ma.Schema):
    key = ma.fields.String()
    title = ma.fields.String()
    scope = ma.fields.Dict()
    columns = ma.fields.List(ma.fields.Nested(ColumnSchema))
    rows = ma.fields.List(ma.fields.Dict())
    chart = ma.fields.Dict(metadata={"description": "type: bar|line|radar|pie|table 及其数据"})
    notes = ma.fields.List(ma.fields.String(), metadata={"description": "口径说明"})


class DatasetRefSchema(ma.Schema):
    key = ma.fields.String()
    title = ma.fields.String()


class DashboardSchema(ma.Schema):
    scope = ma.fields.Dict()
    datasets = ma.fields.List(ma.fields.Nested(DatasetRefSchema))


class ComparisonSchema(ma.Schema):
    by_dimension = ma.fields.Nested(DatasetSchema)
    by_round = ma.fields.Nested(DatasetSchema)
