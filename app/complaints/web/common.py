"""What the 接诉即办 pages share: status badges, the viewer's open steps of a complaint, and the embedded
task forms. Every complaint is shown through `complaints.view()`, the one place that decides what a
viewer may read (psychological-hotline and anonymous rules)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_login import current_user

from app.complaints import cases as complaints
from app.core import clock, lookups
from app.models import HumanTask, User
from app.models.complaint import Complaint
from app.workflow import forms, tasks

STATUS = {"triage": ("待转办", "warning"), "assigned": ("办理中", "primary"),
          "answered": ("已答复，待评价", "info")}
CLOSED = {"resolved": ("已办结", "success"), "unresolved": ("已办结（未解决）", "secondary"),
          "unrated": ("已办结（未评价）", "success"), "out_of_scope": ("不予受理", "secondary"),
          "merged": ("已合并", "secondary")}
SATISFACTION = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}
# What each of the complaint's steps is called on these pages (by its form).
STEP_LABELS = {"complaint_dispatch": "集中转办", "complaint_answer": "限期答复", "complaint_extension": "审批延期",
               "complaint_rate": "评价答复", "complaint_supervise": "督办",
               "complaint_leadership": "重办次数已满，待决定", "complaint_follow_up": "回访"}


def done_message(task: HumanTask) -> str:
    """What the step just did, in the words of the person who did it (after the redirect)."""
    result = task.result or {}
    key, action = task.form_key or "", result.get("action") or result.get("decision")
    if key == "complaint_answer":
        if action == "extend":
            return f"已申请延期 {result.get('extension_days')} 个工作日，等待接诉即办中心审批"
        if action == "send_back":
            return "已退回接诉即办中心重新转办"
        return "已答复，学生会收到通知"
    if key == "complaint_dispatch":
        return {"merge": "已合并到已有工单", "close": "已不予受理，学生会收到说明"}.get(action or "", "已交办承办部门")
    if key == "complaint_extension":
        return "已同意延期" if action == "approve" else "已驳回延期申请，承办部门须按原期限答复"
    if key == "complaint_rate":
        return f"感谢您的评价（{SATISFACTION.get(result.get('satisfaction', ''), '')}）"
    if key == "complaint_follow_up":
        return f"回访结果已记录（{SATISFACTION.get(result.get('outcome', ''), '')}）"
    if key == "complaint_leadership":
        return "已办结" if action == "close" else "已要求再次重办"
    if key == "complaint_supervise":
        return "督办意见已提交"
    return f"已提交：{task.title}"


def user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def status_of(view: dict[str, Any]) -> tuple[str, str]:
    """(label, Bootstrap tone) of a complaint as `complaints.view` shows it."""
    if view["status"] == "closed":
        return CLOSED.get(view.get("resolution") or "", ("已办结", "success"))
    return STATUS.get(view["status"], (view["status"], "secondary"))


@dataclass
class Step:
    """An open step of a complaint as one viewer sees it."""

    task: HumanTask
    label: str
    overdue: bool
    due_soon: bool
    can_act: bool
    assignee: str = ""
    form: forms.HtmlForm | None = None
    rules: list[dict[str, Any]] = field(default_factory=list)  # see choice_rules


def step_of(viewer: User, task: HumanTask) -> Step:
    overdue, soon = tasks.deadline_flags(task, clock.now())
    can_act = task.status == "ready" and tasks.may_act(viewer, task)
    people = lookups.user_names([task.assignee_id])
    return Step(task=task, label=STEP_LABELS.get(task.form_key or "", task.name), overdue=overdue, due_soon=soon,
                can_act=can_act, assignee=people.get(task.assignee_id or 0, ""))


def open_steps(viewer: User, complaint: Complaint) -> list[Step]:
    """The complaint's ready steps the viewer's task rules show them (students: their rating)."""
    if complaint.instance_id is None:
        return []
    items, _ = tasks.inbox(viewer, tasks.InboxQuery(scope="all", instance=complaint.instance_id, limit=20))
    return [step_of(viewer, t) for t in items if t.status == "ready"]


def task_form(viewer: User, complaint: Complaint, task: HumanTask, values: Any = None,
              errors: Any = None) -> forms.HtmlForm | None:
    """The step's form; the triage form suggests the usual department and says the default deadline."""
    if not task.form_key:
        return None
    context = tasks.form_context(task)
    if task.form_key == "complaint_dispatch" and values is None:
        usual = complaints.default_department(complaint)
        values = {"action": "assign", **({"department_id": str(usual.id)} if usual else {})}
    form = forms.html_form(task.form_key, context, values, errors, actor_id=viewer.id, actor_org_id=viewer.org_id)
    if task.form_key == "complaint_extension":  # decide knowing what was asked for, and why
        asked = f"承办部门申请延期 {context.get('extension_days')} 个工作日"
        reason = str(context.get("reason") or "").strip()
        for field in form.fields:
            if field.name == "decision":
                field.help = f"{asked}，理由：{reason}" if reason else asked
    if task.form_key == "complaint_dispatch":
        category = complaints.settings()["categories"][complaint.category]
        for f in form.fields:
            if f.name == "deadline_days":
                f.placeholder = str(category["deadline_days"])
                f.help = f"不填则按“{category['label']}”类默认 {category['deadline_days']} 个工作日"
    return form


def choice_rules(form_key: str | None) -> list[dict[str, Any]]:
    """The form schema's `allOf` if/then rules (which fields each choice of its radio needs), the ones
    the server validates: the page hands them to static/js/complaints.js, which shows just those fields."""
    return list(forms.load(form_key).get("allOf", [])) if form_key else []
