"""Processes and instances (API.md: GET/POST /processes, POST /processes/{key}/instances,
GET /instances/{id}, POST /instances/{id}/cancel)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from app.api.auth_context import accepts, current_user, require_roles
from app.api.presenters import instance_view, task_view
from app.errors import ValidationFailed
from app.workflow import instances, processes, tasks
from app.workflow import steps as workflows
from app.workflow.schemas import (
    BulkCompleteSchema,
    BulkResultSchema,
    CancelSchema,
    CommentInSchema,
    CommentSchema,
    CompleteSchema,
    DeployedSchema,
    InboxArgs,
    InstanceSchema,
    ProcessSchema,
    StartSchema,
    TaskPageSchema,
    TaskSchema,
)

blp = Blueprint("api_processes", __name__, url_prefix="/api/v1", description="流程定义与流程实例")

BPMN_BODY = {
    "content": {
        "application/xml": {"schema": {"type": "string"}},
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}}}},
    }
}


@blp.route("/processes", methods=["GET"])
@blp.response(200, ProcessSchema(many=True))
def list_processes() -> list[Any]:
    """The newest version of every deployed process."""
    current_user()
    return processes.latest_versions()


@blp.route("/processes", methods=["POST"])
@blp.doc(requestBody=BPMN_BODY)
@blp.response(201, DeployedSchema)
@blp.alt_response(200, schema=DeployedSchema, description="the same content was already deployed")
@blp.alt_response(422, description="invalid BPMN: `fields.bpmn` lists the reasons with line numbers")
@accepts("application/xml", "text/xml", "multipart/form-data")
def deploy_process() -> tuple[dict[str, Any], int]:
    """Deploy a BPMN file (process_admin): the body as XML, or a multipart field `file`."""
    actor = require_roles("process_admin")
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ValidationFailed("缺少文件", {"file": ["请上传 BPMN 文件（字段名 file）"]})
        xml = upload.read()
    else:
        xml = request.get_data()
    if not xml.strip():
        raise ValidationFailed("内容为空", {"bpmn": ["请提供 BPMN 文件内容"]})
    definition, created = processes.deploy(xml, actor_id=actor.id)
    body = {"key": definition.key, "version": definition.version, "created": created}
    return body, 201 if created else 200


@blp.route("/processes/<string:key>/instances", methods=["POST"])
@blp.arguments(StartSchema)
@blp.response(201, InstanceSchema)
def start_instance(body: dict[str, Any], key: str) -> dict[str, Any]:
    """Start the newest version of a process with initial data. A process_admin may start any;
    others a process whose first task is theirs (the case belongs to their university)."""
    actor = current_user()
    instance = workflows.start_as(actor, key, body["data"])
    return instance_view(actor, instance)


@blp.route("/instances/<int:instance_id>", methods=["GET"])
@blp.response(200, InstanceSchema)
def get_instance(instance_id: int) -> dict[str, Any]:
    """An instance the caller may see (404 otherwise): status, data, tasks, audit history."""
    user = current_user()
    return instance_view(user, instances.instance_for(user, instance_id))


@blp.route("/instances/<int:instance_id>/cancel", methods=["POST"])
@blp.arguments(CancelSchema)
@blp.response(200, InstanceSchema)
def cancel_instance(body: dict[str, Any], instance_id: int) -> dict[str, Any]:
    """Cancel a running instance (process_admin)."""
    user = current_user()
    instance = workflows.cancel(instances.instance_for(user, instance_id), actor=user, reason=body["reason"])
    return instance_view(user, instance)


# --- Task inboxes and task actions (API.md: GET /tasks, POST /tasks/{id}/claim|unclaim|complete).

tasks_blp = Blueprint("api_tasks", __name__, url_prefix="/api/v1", description="待办任务")


@tasks_blp.route("/tasks", methods=["GET"])
@tasks_blp.arguments(InboxArgs, location="query")
@tasks_blp.response(200, TaskPageSchema)
def inbox(args: dict[str, Any]) -> dict[str, Any]:
    """The caller's inbox: `mine` (claimed by me), `group` (claimable by my role and organisation),
    `completed` (by me), `all` (everything I may see). Sorted by due date."""
    user = current_user()
    items, total = tasks.inbox(user, tasks.InboxQuery(**args))
    return {"items": [task_view(t) for t in items], "total": total}


@tasks_blp.route("/tasks/<int:task_id>", methods=["GET"])
@tasks_blp.response(200, TaskSchema)
def get_task(task_id: int) -> dict[str, Any]:
    return task_view(tasks.task_for(current_user(), task_id))


@tasks_blp.route("/tasks/<int:task_id>/claim", methods=["POST"])
@tasks_blp.response(200, TaskSchema)
def claim(task_id: int) -> dict[str, Any]:
    return task_view(tasks.claim(current_user(), task_id))


@tasks_blp.route("/tasks/<int:task_id>/unclaim", methods=["POST"])
@tasks_blp.response(200, TaskSchema)
def unclaim(task_id: int) -> dict[str, Any]:
    return task_view(tasks.unclaim(current_user(), task_id))


@tasks_blp.route("/tasks/<int:task_id>/complete", methods=["POST"])
@tasks_blp.arguments(CompleteSchema)
@tasks_blp.response(200, InstanceSchema)
@tasks_blp.alt_response(409, description="the task is no longer ready (someone else completed it)")
@tasks_blp.alt_response(422, description="`data` does not satisfy the task's form")
def complete(body: dict[str, Any], task_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Complete a task with form data; answers with the instance. With the request header
    `Prefer: return=minimal` (RFC 7240) the instance comes without its `history`, and the answer says
    `Preference-Applied: return=minimal`: what a client moving on to the next task needs."""
    user = current_user()
    task = tasks.complete(user, task_id, body["data"])
    minimal = _prefers_minimal()
    headers = {"Preference-Applied": "return=minimal"} if minimal else {}
    return instance_view(user, task.instance, with_history=not minimal), 200, headers


def _prefers_minimal() -> bool:
    preferences = (p.split(";")[0].strip().lower() for header in request.headers.getlist("Prefer")
                   for p in header.split(","))
    return "return=minimal" in preferences


@tasks_blp.route("/tasks/complete", methods=["POST"])
@tasks_blp.arguments(BulkCompleteSchema)
@tasks_blp.response(200, BulkResultSchema)
def complete_many(body: dict[str, Any]) -> dict[str, Any]:
    """One decision for several tasks; each task succeeds or fails on its own."""
    outcomes = tasks.complete_many(current_user(), body["task_ids"], body["data"])
    return {"items": [o.__dict__ for o in outcomes], "completed": sum(o.ok for o in outcomes)}


@tasks_blp.route("/tasks/<int:task_id>/comments", methods=["POST"])
@tasks_blp.arguments(CommentInSchema)
@tasks_blp.response(201, CommentSchema)
def add_comment(body: dict[str, Any], task_id: int) -> dict[str, Any]:
    comment = tasks.add_comment(current_user(), task_id, body["body"])
    return {"id": comment.id, "author": comment.author.username, "body": comment.body,
            "created_at": comment.created_at}
