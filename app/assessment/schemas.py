"""Schemas of the 考核验收 API."""

from typing import Any

import marshmallow as ma
from marshmallow import validate

from app.models import ASSESSMENT_RESULTS, ASSESSMENT_STATUSES, INDICATOR_LEVELS, SELF_RATINGS
from app.schemas.common import ErrorMessages, PageArgs, page_of

# Chinese messages for what the schemas themselves refuse (the services explain the rest field by field).
REQUIRED: ErrorMessages = {"required": "此项为必填", "null": "此项为必填"}
DATE: ErrorMessages = {**REQUIRED, "invalid": "请填写有效日期（YYYY-MM-DD）"}
INTEGER: ErrorMessages = {**REQUIRED, "invalid": "须为整数"}
STRING: ErrorMessages = {**REQUIRED, "invalid": "须为文字"}
LIST: ErrorMessages = {**REQUIRED, "invalid": "须为列表"}
ID = validate.Range(min=1, max=2**31 - 1, error="编号有误")


def _pick(obj: object, key: str, attr: str) -> Any:
    """A value of a dict (a composed view) or of a row (`attr` is a dotted path)."""
    if isinstance(obj, dict):
        return obj.get(key)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def one_of(choices: tuple[str, ...], labels: str) -> validate.OneOf:
    return validate.OneOf(choices, error=f"请选择：{labels}")


class RoundInSchema(ma.Schema):
    name = ma.fields.String(required=True, error_messages=STRING)
    university_ids = ma.fields.List(ma.fields.Integer(validate=ID, error_messages=INTEGER), required=True,
                                    validate=validate.Length(max=5000, error="最多 5000 所"), error_messages=LIST)
    self_due = ma.fields.Date(required=True, error_messages=DATE, metadata={"description": "自评截止日期"})
    review_days = ma.fields.Integer(load_default=15, error_messages=INTEGER,
                                    metadata={"description": "评审期限（工作日，1–60）"})
    note = ma.fields.String(load_default="", error_messages=STRING)
    framework_version = ma.fields.String(load_default=None, allow_none=True, error_messages=STRING)


class RoundSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    self_due = ma.fields.Date()
    review_days = ma.fields.Integer()
    note = ma.fields.String()
    framework_version = ma.fields.Function(lambda r: _pick(r, "framework", "framework").version)
    opened_at = ma.fields.DateTime()


class AssessmentSchema(ma.Schema):
    id = ma.fields.Integer()
    round_id = ma.fields.Integer()
    round_name = ma.fields.Function(lambda a: _pick(a, "round_name", "round.name"))
    framework_version = ma.fields.Function(lambda a: _pick(a, "framework_version", "round.framework.version"))
    university_id = ma.fields.Integer()
    instance_id = ma.fields.Integer(allow_none=True)
    status = ma.fields.String(metadata={"enum": list(ASSESSMENT_STATUSES)})
    result = ma.fields.String(allow_none=True, metadata={"enum": list(ASSESSMENT_RESULTS)})
    opinion = ma.fields.String(allow_none=True)
    total_score = ma.fields.Float(allow_none=True)
    dimension_scores = ma.fields.Dict()
    submissions = ma.fields.Integer()
    rectifications = ma.fields.Integer()
    rectify_due = ma.fields.Date(allow_none=True)
    submitted_at = ma.fields.DateTime(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)


class RoundDetailSchema(RoundSchema):
    assessments = ma.fields.List(ma.fields.Nested(AssessmentSchema))


class AssessmentItemSchema(ma.Schema):
    code = ma.fields.String()
    dimension = ma.fields.String()
    level = ma.fields.String()
    content = ma.fields.String()
    rating = ma.fields.String(allow_none=True, metadata={"enum": list(SELF_RATINGS)})
    statement = ma.fields.String()
    evidence_file_ids = ma.fields.List(ma.fields.Integer())
    post_ids = ma.fields.List(ma.fields.Integer())
    score = ma.fields.Integer(allow_none=True)
    suggested_score = ma.fields.Integer(allow_none=True)
    review_comment = ma.fields.String()
    needs_fix = ma.fields.Boolean()


class SnapshotSchema(ma.Schema):
    kind = ma.fields.String(metadata={"description": "self（提交的自评）| review（评审结论）"})
    number = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    data = ma.fields.Dict()


class AssessmentDetailSchema(AssessmentSchema):
    items = ma.fields.List(ma.fields.Nested(AssessmentItemSchema))
    current = ma.fields.Dict(allow_none=True, metadata={"description": "当前评分：各维度、总分、建议结论、可选结论"})
    history = ma.fields.List(ma.fields.Nested(SnapshotSchema))


class AssessmentListArgs(PageArgs):
    round_id = ma.fields.Integer(validate=ID, error_messages=INTEGER)
    status = ma.fields.String(validate=one_of(ASSESSMENT_STATUSES, "、".join(ASSESSMENT_STATUSES)))
    university_id = ma.fields.Integer(validate=ID, error_messages=INTEGER)


AssessmentPageSchema = page_of(AssessmentSchema, "AssessmentPageSchema")


class SelfEntrySchema(ma.Schema):
    code = ma.fields.String(required=True, error_messages=STRING)
    rating = ma.fields.Raw(metadata={"enum": list(SELF_RATINGS)})
    statement = ma.fields.Raw()
    evidence_file_ids = ma.fields.Raw(metadata={"description": "佐证材料文件编号列表（POST /assessment-files）"})
    post_ids = ma.fields.Raw(metadata={"description": "本校已发布育人号文章编号列表"})


class SelfInSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SelfEntrySchema), required=True, error_messages=LIST)


class SubmitInSchema(ma.Schema):
    note = ma.fields.String(load_default="", validate=validate.Length(max=1000, error="最多 1000 个字"),
                            error_messages=STRING)


class ScoreEntrySchema(ma.Schema):
    code = ma.fields.String(required=True, error_messages=STRING)
    score = ma.fields.Raw(metadata={"description": "0–100 的整数"})
    comment = ma.fields.Raw()
    needs_fix = ma.fields.Raw()


class ScoresInSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ScoreEntrySchema), required=True, error_messages=LIST)


class DecisionInSchema(ma.Schema):
    """Checked against the task's form (`forms/assessment_review.json`) and the scoring rules."""

    decision = ma.fields.String(required=True, error_messages=STRING,
                                validate=one_of(ASSESSMENT_RESULTS, "pass 通过、rectify 限期整改、fail 不通过"))
    opinion = ma.fields.String(required=True, error_messages=STRING)
    rectify_due = ma.fields.String(load_default=None, allow_none=True, error_messages=STRING,
                                   metadata={"format": "date"})


class EvidenceFileSchema(ma.Schema):
    id = ma.fields.Integer()
    filename = ma.fields.String()
    content_type = ma.fields.String()
    size = ma.fields.Integer()


# --- Schemas of the indicator framework API (API.md `GET /api/v1/indicators`).


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
