"""Process administration (process_admin): deployed processes and their versions, deploying a .bpmn
file, and the bpmn-js modeler whose 部署 button posts the diagram to a JSON endpoint."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.core import lookups
from app.errors import BpmnInvalid
from app.web.access import roles_required
from app.workflow import processes

bp = Blueprint("process_admin", __name__, url_prefix="/admin/processes")

# What 新建流程 opens: the smallest process that deploys (start → end), with its diagram, so the
# administrator starts from something valid and only renames the process id and name.
BLANK_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
                  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
                  id="Definitions_new" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="new_process" name="新流程" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" name="开始">
      <bpmn:outgoing>Flow_1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:endEvent id="EndEvent_1" name="结束">
      <bpmn:incoming>Flow_1</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="EndEvent_1" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="new_process">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="180" y="100" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="EndEvent_1_di" bpmnElement="EndEvent_1">
        <dc:Bounds x="372" y="100" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_1_di" bpmnElement="Flow_1">
        <di:waypoint x="216" y="118" />
        <di:waypoint x="372" y="118" />
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def _actor_id() -> int:
    return int(current_user.id)


def _index(problems: list[dict[str, Any]] | None = None, filename: str = "") -> ResponseReturnValue:
    items = processes.latest_versions()
    return render_template("processes/index.html", items=items,
                           users=lookups.user_names(d.deployed_by for d in items),
                           problems=problems or [], filename=filename), 422 if problems else 200


@bp.route("", methods=["GET"])
@roles_required("process_admin")
def index() -> ResponseReturnValue:
    return _index()


@bp.route("", methods=["POST"])
@roles_required("process_admin")
def upload() -> ResponseReturnValue:
    """Deploy an uploaded .bpmn file; problems are listed on the page with their line numbers."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _index([{"line": None, "message": "请选择要部署的 BPMN 文件（.bpmn）"}])
    xml = upload.read()
    if not xml.strip():
        return _index([{"line": None, "message": "文件内容为空"}], upload.filename)
    try:
        definition, created = processes.deploy(xml, actor_id=_actor_id())
    except BpmnInvalid as exc:
        return _index(exc.problems, upload.filename)
    if created:
        flash(f"已部署：{definition.name}（{definition.key}）第 {definition.version} 版", "success")
    else:
        flash(f"内容与已部署的第 {definition.version} 版相同，未生成新版本", "info")
    return redirect(url_for(".detail", key=definition.key, version=definition.version))


@bp.route("/deploy", methods=["POST"])
@roles_required("process_admin")
def deploy_json() -> ResponseReturnValue:
    """The modeler's 部署: the diagram's XML as the body; answers JSON the page shows beside it."""
    xml = request.get_data()
    if not xml.strip():
        return jsonify(ok=False, problems=[{"line": None, "message": "流程内容为空"}]), 422
    try:
        definition, created = processes.deploy(xml, actor_id=_actor_id())
    except BpmnInvalid as exc:
        return jsonify(ok=False, problems=exc.problems), 422
    return jsonify(ok=True, key=definition.key, version=definition.version, created=created,
                   name=definition.name,
                   url=url_for(".detail", key=definition.key, version=definition.version)), \
        201 if created else 200


@bp.route("/new")
@roles_required("process_admin")
def new() -> ResponseReturnValue:
    return render_template("processes/modeler.html", definition=None, xml=BLANK_BPMN, xml_url="")


@bp.route("/<key>")
@roles_required("process_admin")
def detail(key: str) -> ResponseReturnValue:
    versions = processes.versions_of(key)
    if not versions:
        processes.definition_for(key)  # raises NotVisible: a 404 page
    wanted = request.args.get("version", "")
    selected = next((v for v in versions if str(v.version) == wanted), versions[0])
    return render_template("processes/detail.html", key=key, versions=versions, selected=selected,
                           users=lookups.user_names(v.deployed_by for v in versions))


@bp.route("/<key>/edit")
@roles_required("process_admin")
def edit(key: str) -> ResponseReturnValue:
    definition = processes.definition_for(key)
    return render_template("processes/modeler.html", definition=definition, xml="",
                           xml_url=url_for("instances.bpmn_xml", key=key, version=definition.version))
