"""Chinese labels for workflow pages: statuses, decisions, audit actions, and how instance data and
task results read on a page (form titles as labels, choice labels as values)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from app.core import lookups
from app.models import AuditEvent
from app.workflow.summary import DECISIONS, FILE, ORG_FIELDS, Labels, field_labels, file_ids, show_value

INSTANCE_STATUS = {"running": ("进行中", "primary"), "completed": ("已完成", "success"),
                   "cancelled": ("已终止", "secondary"), "error": ("出错", "danger")}
TASK_STATUS = {"ready": ("待办理", "warning"), "completed": ("已办理", "success"),
               "cancelled": ("已取消", "secondary")}

ACTION_LABELS = {
    "instance.started": "发起流程",
    "instance.completed": "流程结束",
    "instance.cancelled": "流程已终止",
    "instance.retried": "重试出错步骤",
    "task.created": "生成待办",
    "task.claimed": "认领任务",
    "task.unclaimed": "退回认领",
    "task.completed": "办理完成",
    "task.cancelled": "待办撤销",
    "task.commented": "发表评论",
    "task.overdue": "任务逾期",
    "timer.dropped": "定时器失效",
    "engine.timer_fired": "定时器触发",
    "engine.error": "步骤出错",
    "engine.warning": "流程提示",
    "engine.retried": "步骤重试",
    "engine.service_called": "调用系统服务",
    "engine.service_failed": "系统服务调用失败",
    "engine.task_cancelled": "步骤撤销",
    "engine.cancelled": "流程终止",
    "process.deployed": "部署流程",
}
# Timeline dot colours: what went wrong stands out.
ACTION_TONES = {"engine.error": "danger", "engine.service_failed": "danger", "task.overdue": "danger",
                "instance.cancelled": "secondary", "task.completed": "success",
                "instance.completed": "success", "task.created": "warning"}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def describe(event: AuditEvent, role_labels: dict[str, str]) -> str:
    """One line of detail for the timeline, from what the event recorded."""
    d = event.detail or {}
    if event.action == "task.completed":
        text = str(d.get("task") or "")
        if d.get("decision"):
            text += f"：{DECISIONS.get(str(d['decision']), d['decision'])}"
        comment = (d.get("data") or {}).get("comment") if isinstance(d.get("data"), dict) else None
        return f"{text}（{comment}）" if comment else text
    if event.action == "task.created" and d.get("role"):
        return f"交由{role_labels.get(d['role'], d['role'])}办理"
    if event.action == "instance.cancelled" and d.get("reason"):
        return f"原因：{d['reason']}"
    if event.action == "instance.started" and d.get("version"):
        return f"流程版本 第 {d['version']} 版"
    if d.get("message"):
        return str(d["message"])
    return ""


# ---------------------------------------------------------------- data as a page shows it

# The form labels and value formatting live with the case summary (app/workflow/summary.py).
__all__ = ["FILE", "ORG_FIELDS", "Labels", "field_labels", "file_ids", "show_value"]


def data_rows(data: dict[str, Any] | None, labels: Labels, org_names: dict[int, str] | None = None,
              file_names: dict[int, str] | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs: known fields by their form title, organisation ids by the
    organisation's name, uploaded files by their file name, others by their variable name."""
    rows = []
    for name, value in (data or {}).items():
        if name in ORG_FIELDS and name not in labels:
            rows.append((ORG_FIELDS[name], (org_names or {}).get(value, show_value(value))))
            continue
        title, choices = labels.get(name, (name, {}))
        if FILE in choices:
            choices = {str(k): v for k, v in (file_names or {}).items()}
        elif name == "decision":
            choices = {**DECISIONS, **choices}
        rows.append((title, show_value(value, choices)))
    return rows


def rows_for(data: dict[str, Any] | None, labels: Labels) -> list[tuple[str, str]]:
    """data_rows with the organisation and file names looked up."""
    return data_rows(data, labels, lookups.org_names(org_ids(data)),
                     lookups.file_names(file_ids(data, labels)))


def org_ids(data: dict[str, Any] | None) -> list[object]:
    return [v for k, v in (data or {}).items() if k in ORG_FIELDS]


def register(app: Flask) -> None:
    app.jinja_env.globals.update(INSTANCE_STATUS=INSTANCE_STATUS, TASK_STATUS=TASK_STATUS,
                                 DECISIONS=DECISIONS, ACTION_TONES=ACTION_TONES)
    app.jinja_env.filters["action_label"] = action_label
