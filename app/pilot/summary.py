"""The case summaries of the pilot application and the 信息表 processes on the task and instance pages."""

from __future__ import annotations

from app.models import ProcessInstance
from app.workflow import instances
from app.workflow import summary as s


def application(instance: ProcessInstance) -> list[s.Row]:
    data = instances.visible_data(instance)
    opens, closes = s.day(data.get("window_opens")), s.day(data.get("window_closes"))
    window = f"{opens} 至 {closes}" if data.get("window_opens") and data.get("window_closes") else None
    return s.rows([("申报高校", data.get("university_name")), ("审核窗口", window)]) + s.form_rows(instance)


def info_report(instance: ProcessInstance) -> list[s.Row]:
    data = instances.visible_data(instance)
    revision = data.get("revision")
    return s.rows([
        ("所属高校", s.university(data)),
        ("填报学期", data.get("period_name")),
        ("提交次数", f"第 {revision} 次" if revision else None),
    ]) + s.form_rows(instance, skip=("university_id",))
