"""Task inboxes and task actions (API.md: GET /tasks, POST /tasks/{id}/claim|unclaim|complete)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from app.api.auth_context import current_user
from app.api.presenters import instance_view, task_view
from app.schemas.workflow import (
    BulkCompleteSchema,
    BulkResultSchema,
    CommentInSchema,
    CommentSchema,
    CompleteSchema,
    InboxArgs,
    InstanceSchema,
    TaskPageSchema,
    TaskSchema,
)
from app.services import tasks

blp = Blueprint("api_tasks", __name__, url_prefix="/api/v1", description="待办任务")


@blp.route("/tasks", methods=["GET"])
@blp.arguments(InboxArgs, location="query")
@blp.response(200, TaskPageSchema)
def inbox(args: dict[str, Any]) -> dict[str, Any]:
    """The caller's inbox: `mine` (claimed by me), `group` (claimable by my role and organisation),
    `completed` (by me), `all` (everything I may see). Sorted by due date."""
    user = current_user()
    items, total = tasks.inbox(user, tasks.InboxQuery(**args))
    return {"items": [task_view(t) for t in items], "total": total}


@blp.route("/tasks/<int:task_id>", methods=["GET"])
@blp.response(200, TaskSchema)
def get_task(task_id: int) -> dict[str, Any]:
    return task_view(tasks.task_for(current_user(), task_id))


@blp.route("/tasks/<int:task_id>/claim", methods=["POST"])
@blp.response(200, TaskSchema)
def claim(task_id: int) -> dict[str, Any]:
    return task_view(tasks.claim(current_user(), task_id))


@blp.route("/tasks/<int:task_id>/unclaim", methods=["POST"])
@blp.response(200, TaskSchema)
def unclaim(task_id: int) -> dict[str, Any]:
    return task_view(tasks.unclaim(current_user(), task_id))


@blp.route("/tasks/<int:task_id>/complete", methods=["POST"])
@blp.arguments(CompleteSchema)
@blp.response(200, InstanceSchema)
@blp.alt_response(409, description="the task is no longer ready (someone else completed it)")
@blp.alt_response(422, description="`data` does not satisfy the task's form")
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


@blp.route("/tasks/complete", methods=["POST"])
@blp.arguments(BulkCompleteSchema)
@blp.response(200, BulkResultSchema)
def complete_many(body: dict[str, Any]) -> dict[str, Any]:
    """One decision for several tasks; each task succeeds or fails on its own."""
    outcomes = tasks.complete_many(current_user(), body["task_ids"], body["data"])
    return {"items": [o.__dict__ for o in outcomes], "completed": sum(o.ok for o in outcomes)}


@blp.route("/tasks/<int:task_id>/comments", methods=["POST"])
@blp.arguments(CommentInSchema)
@blp.response(201, CommentSchema)
def add_comment(body: dict[str, Any], task_id: int) -> dict[str, Any]:
    comment = tasks.add_comment(current_user(), task_id, body["body"])
    return {"id": comment.id, "author": comment.author.username, "body": comment.body,
            "created_at": comment.created_at}
