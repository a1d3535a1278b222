"""The process instance page (status, data, tasks, audit timeline, highlighted diagram), the
administrator's cancel and retry, and the BPMN XML the diagrams are drawn from."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.core import lookups
from app.errors import Conflict
from app.models import User
from app.web.access import roles_required
from app.web.labels import ROLE_LABELS
from app.workflow import instances, processes, summary
from app.workflow import steps as workflows
from app.workflow.web import labels as workflow_labels

bp = Blueprint("instances", __name__)


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.route("/instances/<int:instance_id>")
@login_required
def instance_page(instance_id: int) -> ResponseReturnValue:
    user = _user()
    instance = instances.instance_for(user, instance_id)
    task_rows = instances.all_tasks(instance)
    events = instances.history(instance)
    ids = ([instance.started_by] + [t.completed_by for t in task_rows] + [t.assignee_id for t in task_rows]
           + [e.actor_id for e in events])
    people = {**lookups.user_names(ids), **dict.fromkeys(instances.hidden_people(user, ids), "学生")}
    timeline = [{"event": e, "label": workflow_labels.action_label(e.action),
                 "detail": workflow_labels.describe(e, ROLE_LABELS),
                 "actor": people.get(e.actor_id or 0, "系统" if e.actor_id is None else "")}
                for e in events]
    return render_template(
        "processes/instance.html", instance=instance, definition=instance.definition,
        data=summary.case_summary(instance),
        tasks=task_rows, people=people, timeline=timeline, highlight=instances.highlight(instance),
        xml_url=url_for(".bpmn_xml", key=instance.process_key, version=instance.process_version),
        is_admin=user.has_role("process_admin"))


@bp.route("/instances/<int:instance_id>/cancel", methods=["POST"])
@roles_required("process_admin")
def cancel(instance_id: int) -> ResponseReturnValue:
    user = _user()
    instance = instances.instance_for(user, instance_id)
    reason = request.form.get("reason", "").strip()
    if not reason:
        flash("请填写终止原因", "warning")
    else:
        try:
            workflows.cancel(instance, actor=user, reason=reason[:500])
        except Conflict as exc:
            flash(exc.message, "warning")
        else:
            flash("流程已终止", "success")
    return redirect(url_for(".instance_page", instance_id=instance_id))


@bp.route("/instances/<int:instance_id>/retry", methods=["POST"])
@roles_required("process_admin")
def retry(instance_id: int) -> ResponseReturnValue:
    user = _user()
    instance = instances.instance_for(user, instance_id)
    try:
        workflows.retry(instance, actor=user)
    except Conflict as exc:
        flash(exc.message, "warning")
    else:
        if instance.status == "error":
            flash(f"重试后仍然出错：{instance.error or ''}", "danger")
        else:
            flash("已重试出错的步骤，流程继续运行", "success")
    return redirect(url_for(".instance_page", instance_id=instance_id))


@bp.route("/processes/<key>/<int:version>.bpmn")
@login_required
def bpmn_xml(key: str, version: int) -> ResponseReturnValue:
    """A deployed version's BPMN for the diagram viewers (every logged-in user may read a process)."""
    definition = processes.definition_for(key, version)
    response = Response(definition.bpmn_xml, mimetype="application/xml")
    response.headers["Content-Disposition"] = f'inline; filename="{key}-v{version}.bpmn"'
    return response


@bp.route("/admin/instances/health")
@roles_required("process_admin")
def health() -> ResponseReturnValue:
    """Instances that need a person: stuck (nothing ready, nothing waiting) or stopped on an error; and
    ready tasks nobody can reach (no assignee, no organisation)."""
    return render_template("processes/health.html", stuck=instances.stuck(), failed=instances.failed(),
                           unreachable=instances.unreachable_tasks())
