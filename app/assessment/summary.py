"""The assessment case summary on the task and instance pages: the university, the round, the
deadlines in Beijing time."""

from __future__ import annotations

from app.models import ProcessInstance
from app.workflow import instances
from app.workflow import summary as s


def assessment(instance: ProcessInstance) -> list[s.Row]:
    data = instances.visible_data(instance)
    days, most = data.get("review_days"), data.get("max_rectifications")
    return s.rows([
        ("所属高校", s.university(data)),
        ("考核轮次", data.get("round_name")),
        ("自评截止", s.when(data.get("self_due"))),
        ("评审期限", f"{days} 个工作日" if days else None),
        ("整改次数上限", f"{most} 次" if most is not None else None),
    ]) + s.form_rows(instance, skip=("university_id",))
