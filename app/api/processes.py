"""Processes and instances (API.md: GET/POST /processes, POST /processes/{key}/instances,
GET /instances/{id}, POST /instances/{id}/cancel)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from app.api.auth_context import accepts, current_user, require_roles
from app.api.presenters import instance_view
from app.errors import ValidationFailed
from app.schemas.workflow import CancelSchema, DeployedSchema, InstanceSchema, ProcessSchema, StartSchema
from app.services import instances, processes, workflows

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
