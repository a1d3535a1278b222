"""Deploy-time checks on the BPMN XML itself, each reported with the line of the offending element.

These run on the lxml tree before SpiffWorkflow parses it, because Spiff stops at the first problem, reports
most problems without a line, and silently accepts several mistakes that only show at run time (a task with
no outgoing flow stalls, a condition's syntax error surfaces when the gateway is reached). See specs.py for
the authoring convention these checks enforce.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from app.engine import expressions

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}

FLOW_NODES = {
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "task",
    "userTask",
    "manualTask",
    "serviceTask",
    "scriptTask",
    "businessRuleTask",
    "sendTask",
    "receiveTask",
    "callActivity",
    "subProcess",
    "transaction",
    "adHocSubProcess",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
    "complexGateway",
}
HUMAN_TASKS = {"userTask", "manualTask"}
SPIFF_RESERVED_IDS = {"Start", "End", "Root"}
SCOPES = {"process", "subProcess", "transaction", "adHocSubProcess"}
TASK_PROPERTIES = {"formKey", "org", "assignee", "due", "title"}

# Elements whose text SpiffWorkflow evaluates as an expression (all go through the safe evaluator at run
# time too; checking here reports mistakes at deploy instead of mid-process).
EXPRESSION_XPATHS = {
    ".//bpmn:conditionExpression": "条件表达式",
    ".//bpmn:conditionalEventDefinition/bpmn:condition": "条件事件表达式",
    ".//bpmn:timeDate": "定时器时间表达式",
    ".//bpmn:timeDuration": "定时器时长表达式",
    ".//bpmn:loopCardinality": "多实例数量表达式",
    ".//bpmn:completionCondition": "多实例完成条件",
    ".//bpmn:loopCondition": "循环条件",
    ".//spiffworkflow:messagePayload": "消息内容表达式",
    ".//spiffworkflow:payloadExpression": "消息内容表达式",
}


def local(node: Any) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def label(node: Any) -> str:
    name, node_id = node.get("name"), node.get("id", "?")
    return f"“{name}”（{node_id}）" if name else f"“{node_id}”"


class Problems(list[dict[str, Any]]):
    def add(self, where: Any, message: str) -> None:
        line = where if isinstance(where, int) or where is None else where.sourceline
        self.append({"line": line, "message": message})


def human_task_properties(node: Any) -> dict[str, tuple[str, Any]]:
    """name -> (value, element) of the spiffworkflow:property children of a task."""
    found: dict[str, tuple[str, Any]] = {}
    for prop in node.xpath(
        "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS
    ):
        found[prop.get("name") or ""] = (prop.get("value") or prop.text or "", prop)
    return found


def lint(
    root: Any,
    *,
    known_roles: Collection[str],
    form_exists: Callable[[str], bool],
    service_exists: Callable[[str], bool],
    org_roles: Collection[str],
) -> Problems:
    problems = Problems()
    executable = [p for p in root.findall(f"{{{BPMN_NS}}}process") if p.get("isExecutable") == "true"]
    if not executable:
        problems.add(root, '没有可执行的流程：请在 bpmn:process 上设置 isExecutable="true"')
    elif len(executable) > 1:
        problems.add(executable[1], '一个文件只能有一个可执行流程（isExecutable="true"）')
    for process in root.findall(f"{{{BPMN_NS}}}process"):
        lanes = _check_lanes(process, known_roles, problems)
        _check_scope(process, problems)
        for scope in process.iter(*(f"{{{BPMN_NS}}}{s}" for s in SCOPES - {"process"})):
            _check_scope(scope, problems)
        for node in process.iter(f"{{{BPMN_NS}}}*"):
            _check_node(node, lanes, problems, form_exists, service_exists, org_roles)
    _check_expressions(root, problems)
    return problems


def _check_lanes(process: Any, known_roles: Collection[str], problems: Problems) -> dict[str, str]:
    """Returns node id -> lane name; later (nested) lanes win, like the innermost lane in the diagram."""
    by_node: dict[str, str] = {}
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        name = (lane.get("name") or "").strip()
        if not name:
            problems.add(lane, f"泳道 {label(lane)} 没有名称：泳道名称应为角色代码")
        elif name not in known_roles:
            roles = "、".join(sorted(known_roles))
            problems.add(lane, f"泳道名称“{name}”不是已知角色（可用：{roles}）")
        for ref in lane.findall(f"{{{BPMN_NS}}}flowNodeRef"):
            by_node[(ref.text or "").strip()] = name
    return by_node


def _check_scope(scope: Any, problems: Problems) -> None:
    nodes = {n.get("id"): n for n in scope if local(n) in FLOW_NODES}
    flows = [f for f in scope if local(f) == "sequenceFlow"]
    outgoing = {f.get("sourceRef") for f in flows}
    incoming = {f.get("targetRef") for f in flows}
    for flow in flows:
        for attr, what in (("sourceRef", "起点"), ("targetRef", "终点")):
            ref = flow.get(attr)
            if ref and ref not in nodes:
                problems.add(flow, f"连线 {label(flow)} 的{what}“{ref}”在本流程层级中不存在")
    for node_id, node in nodes.items():
        kind = local(node)
        if node.get("triggeredByEvent") == "true":
            continue  # event subprocesses start on their own and have no flows
        if kind != "endEvent" and node_id not in outgoing:
            problems.add(node, f"节点 {label(node)} 没有出口连线，流程会停在这里")
        is_link_target = node.find(f"{{{BPMN_NS}}}linkEventDefinition") is not None
        if kind not in ("startEvent", "boundaryEvent") and node_id not in incoming and not is_link_target:
            problems.add(node, f"节点 {label(node)} 没有入口连线，永远不会执行")


def _check_node(
    node: Any,
    lanes: dict[str, str],
    problems: Problems,
    form_exists: Callable[[str], bool],
    service_exists: Callable[[str], bool],
    org_roles: Collection[str],
) -> None:
    kind = local(node)
    node_id = node.get("id") or ""
    if kind in FLOW_NODES and (node_id in SPIFF_RESERVED_IDS or "." in node_id):
        # SpiffWorkflow names its own task specs "Start", "End", "Root" and "<id>.EndJoin": a node with such
        # an id silently replaced one, so the file deployed and every start of it failed (issue #9).
        problems.add(node, f"节点编号“{node_id}”与引擎内部名称冲突：请不要使用 Start、End、Root 或含“.”的编号")
    if kind == "task":
        problems.add(node, f"任务 {label(node)} 未指定类型，会一直等待：请改为用户任务或服务任务")
    elif kind == "scriptTask":
        problems.add(node, f"不允许脚本任务 {label(node)}（脚本可在服务器上执行任意代码）：请改用服务任务")
    elif kind == "businessRuleTask":
        problems.add(node, f"不支持业务规则任务 {label(node)}（DMN）")
    elif kind in HUMAN_TASKS:
        _check_human_task(node, lanes, problems, form_exists, org_roles)
    elif kind == "serviceTask":
        _check_service_task(node, problems, service_exists)
    elif kind == "timerEventDefinition":
        if node.find(f"{{{BPMN_NS}}}timeCycle") is not None:
            problems.add(node, "不支持循环定时器（timeCycle）：请改用 timeDate 或 timeDuration")
        elif not any((c.text or "").strip() for c in node if local(c) in ("timeDate", "timeDuration")):
            problems.add(node, "定时器缺少时间表达式（timeDate 或 timeDuration）")
    for script in node.xpath(
        "./bpmn:extensionElements/spiffworkflow:preScript"
        " | ./bpmn:extensionElements/spiffworkflow:postScript",
        namespaces=NS,
    ):
        if (script.text or "").strip():
            problems.add(script, f"不允许前置/后置脚本（{local(script)}）：{label(node)}；请改用服务任务")


def _lane_of(node: Any, lanes: dict[str, str]) -> str | None:
    current = node
    while current is not None:
        if current.get("id") in lanes:
            return lanes[current.get("id")]
        current = current.getparent()
        if current is not None and local(current) == "process":
            return None
    return None


def _check_human_task(
    node: Any,
    lanes: dict[str, str],
    problems: Problems,
    form_exists: Callable[[str], bool],
    org_roles: Collection[str],
) -> None:
    role = _lane_of(node, lanes)
    if not role:
        problems.add(node, f"用户任务 {label(node)} 不在任何泳道中：泳道名称决定由哪个角色办理")
    props = human_task_properties(node)
    for name, (_, prop) in props.items():
        if name not in TASK_PROPERTIES:
            problems.add(prop, f"未知的任务属性“{name}”（可用：{'、'.join(sorted(TASK_PROPERTIES))}）")
    form_key = props.get("formKey", ("", None))[0].strip()
    if not form_key:
        problems.add(node, f"用户任务 {label(node)} 缺少 formKey 属性（表单 forms/<formKey>.json）")
    elif not form_exists(form_key):
        problems.add(props["formKey"][1], f"用户任务 {label(node)} 的表单 forms/{form_key}.json 不存在")
    for field in ("org", "assignee"):
        value, prop = props.get(field, ("", None))
        if prop is not None and (not value.strip().isidentifier() or value.strip().startswith("_")):
            problems.add(prop, f"属性 {field} 应为流程数据中的字段名，而不是“{value}”")
    if role in org_roles and not (
        props.get("org", ("",))[0].strip() or props.get("assignee", ("",))[0].strip()
    ):
        problems.add(
            node, f"角色 {role} 的任务 {label(node)} 必须设置 org（机构字段）或 assignee（办理人字段）"
        )
    if "due" in props:
        _check_expression(props["due"][0], props["due"][1], f"{label(node)} 的期限 due", problems)
    if "title" in props:
        try:
            expressions.check_template(props["title"][0])
        except expressions.ExpressionError as exc:
            problems.add(props["title"][1], f"{label(node)} 的标题 title 有误：{exc.message}")


def _check_service_task(node: Any, problems: Problems, service_exists: Callable[[str], bool]) -> None:
    operator = node.find(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}serviceTaskOperator")
    if operator is None or not (operator.get("id") or "").strip():
        problems.add(node, f"服务任务 {label(node)} 缺少 spiffworkflow:serviceTaskOperator（服务名称）")
        return
    name = operator.get("id").strip()
    if not service_exists(name):
        problems.add(operator, f"服务任务 {label(node)} 调用的服务“{name}”未注册")
    for param in operator.iter(f"{{{SPIFF_NS}}}parameter"):
        value = param.get("value")
        if value is not None:
            _check_expression(value, param, f"{label(node)} 的参数 {param.get('id')}", problems)


def _check_expression(expr: str, where: Any, what: str, problems: Problems) -> bool:
    try:
        expressions.check(expr)
    except expressions.ExpressionError as exc:
        problems.add(where, f"{what}有误：{exc.message}（{expr.strip()[:80]}）")
        return False
    return True


def _check_expressions(root: Any, problems: Problems) -> None:
    for xpath, what in EXPRESSION_XPATHS.items():
        for element in root.xpath(xpath, namespaces=NS):
            text = (element.text or "").strip()
            if not text:
                if local(element) == "conditionExpression":
                    problems.add(element, f"{what}为空")
                continue
            owner = element.getparent()
            while owner is not None and owner.get("id") is None:
                owner = owner.getparent()
            where = label(owner) if owner is not None else ""
            if _check_expression(text, element, f"{where} 的{what}", problems):
                _check_literal_timer(text, local(element), element, where, problems)


def _check_literal_timer(text: str, kind: str, element: Any, where: str, problems: Problems) -> None:
    """A timer given as a literal string is checked now; Spiff would only fail when the timer starts."""
    if kind not in ("timeDate", "timeDuration"):
        return
    try:
        value = expressions.evaluate(text, {}, {})
    except expressions.ExpressionError:
        return  # depends on data or functions: checked when it runs
    try:
        if kind == "timeDuration":
            TimerEventDefinition.parse_iso_duration(str(value))
        else:
            datetime.fromisoformat(str(value))
    except Exception:  # noqa: BLE001 - Spiff raises a bare Exception for a bad duration
        problems.add(
            element,
            f"{where} 的定时器值“{value}”不是有效的 ISO 8601 {'时长' if kind == 'timeDuration' else '时间'}",
        )
