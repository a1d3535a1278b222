"""The case summaries of the 育人号 review and the 成果展示 processes on the task and instance pages."""

from __future__ import annotations

from app.models import ProcessInstance
from app.workflow import instances
from app.workflow import summary as s


def post_review(instance: ProcessInstance) -> list[s.Row]:
    data = instances.visible_data(instance)
    revision = data.get("revision")
    return s.rows([
        ("所属高校", s.university(data)),
        ("文章标题", data.get("title")),
        ("所属栏目", data.get("module_name")),
        ("版本", f"第 {revision} 版" if revision else None),
        ("送审类型", ("修改后重新送审" if data.get("is_update") else "首次送审") if "is_update" in data else None),
    ]) + s.form_rows(instance, skip=("university_id",))


def showcase(instance: ProcessInstance) -> list[s.Row]:
    data = instances.visible_data(instance)
    return s.rows([
        ("所属高校", s.university(data)),
        ("文章标题", data.get("title")),
        ("展示类型", data.get("kind_name")),
        ("推荐理由", data.get("reason")),
        ("推荐人", s.user_name(data.get("nominated_by"))),
    ]) + s.form_rows(instance, skip=("university_id",))
