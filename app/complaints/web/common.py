"""What the 接诉即办 pages share: status badges, the viewer's open steps of a complaint, and the embedded
task forms. Every complaint is shown through `complaints.view()`, the one place that decides what a
viewer may read (psychological-hotline and anonymous rules)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_login import current_user

from app.complaints import cases as complaints
from app.core import clock
from app.models import HumanTask, User
from app.models.complaint import Complaint
from app.workflow import forms, tasks
from app.workflow.timers import REMIND_BEFORE
from app.workflow.web import lookups

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


def deadline_flags(task: HumanTask) -> tuple[bool, bool]:
    now = clock.now()
    overdue = tasks.is_overdue(task, now)
    soon = (not overdue and task.status == "ready" and task.due_at is not None
            and clock.as_utc(task.due_at) <= now + REMIND_BEFORE)
    return overdue, soon


def step_of(viewer: User, task: HumanTask) -> Step:
    overdue, soon = deadline_flags(task)
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
