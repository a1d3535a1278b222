import pytest

from app.engine.specs import ProcessDef, SpecCache, content_hash, parse_process
from app.engine.testing import DEFAULT_ORG_ROLES
from app.errors import BpmnInvalid

from .conftest import line_of


def parse(xml, roles, *, forms=("demo_submit", "demo_review"), services=("notify",)):
    return parse_process(
        xml, known_roles=roles, org_roles=DEFAULT_ORG_ROLES, form_exists=lambda k: k in forms,
        service_exists=lambda s: s in services)


def problems(xml, roles, **kw):
    with pytest.raises(BpmnInvalid) as info:
        parse(xml, roles, **kw)
    assert info.value.status == 422 and info.value.code == "bpmn_invalid"
    return info.value.problems


def has(found, line, fragment):
    assert any(p["line"] == line and fragment in p["message"] for p in found), found


def test_demo_parses(demo_xml, roles):
    proc = parse(demo_xml.encode("utf-8"), roles)
    assert isinstance(proc, ProcessDef)
    assert (proc.key, proc.name) == ("demo_approval", "演示审批")
    assert proc.services == {"notify"}
    submit, review = proc.user_tasks["Task_submit"], proc.user_tasks["Task_review"]
    assert (submit.role, submit.form_key, submit.org_field) == (
        "university_admin",
        "demo_submit",
        "university_id",
    )
    assert (review.role, review.form_key, review.due) == ("operator", "demo_review", "working_days(3)")
    assert review.title.startswith("审核：")
    assert len(proc.content_hash) == 64


def test_content_hash_ignores_line_endings_and_bom(demo_xml):
    crlf = "\ufeff" + demo_xml.replace("\n", "\r\n")
    assert content_hash(crlf.encode("utf-8")) == content_hash(demo_xml)
    assert content_hash(demo_xml.replace("审核", "复核")) != content_hash(demo_xml)


def test_malformed_xml_reports_lxml_line(demo_xml, roles):
    broken = demo_xml.replace(
        '<bpmn:endEvent id="End_approved" name="已通过">', '<bpmn:endEvent id="End_approved"'
    )
    found = problems(broken, roles)
    assert len(found) == 1 and "XML 格式错误" in found[0]["message"]
    assert found[0]["line"] in (
        line_of(demo_xml, 'id="End_approved" name="已通过"'),
        line_of(demo_xml, 'id="End_approved" name="已通过"') + 1,
    )


def test_unknown_lane_role(demo_xml, roles):
    found = problems(demo_xml.replace('name="operator"', 'name="reviewer"'), roles)
    has(found, line_of(demo_xml, '<bpmn:lane id="Lane_operator"'), "“reviewer”不是已知角色")


def test_missing_form(demo_xml, roles):
    found = problems(demo_xml, roles, forms=("demo_submit",))
    has(found, line_of(demo_xml, 'value="demo_review"'), "forms/demo_review.json 不存在")


def test_user_task_without_form_key_or_lane(demo_xml, roles):
    xml = demo_xml.replace('<spiffworkflow:property name="formKey" value="demo_submit" />', "")
    xml = xml.replace("<bpmn:flowNodeRef>Task_submit</bpmn:flowNodeRef>", "")
    found = problems(xml, roles)
    line = line_of(xml, '<bpmn:userTask id="Task_submit"')
    has(found, line, "缺少 formKey")
    has(found, line, "不在任何泳道中")


def test_org_scoped_role_needs_org(demo_xml, roles):
    found = problems(
        demo_xml.replace('<spiffworkflow:property name="org" value="university_id" />', ""), roles
    )
    has(found, line_of(demo_xml, '<bpmn:userTask id="Task_submit"'), "必须设置 org")


def test_unknown_property_is_reported(demo_xml, roles):
    found = problems(demo_xml.replace('name="due"', 'name="deadline"'), roles)
    has(found, line_of(demo_xml, 'name="due"'), "未知的任务属性“deadline”")


def test_dangling_sequence_flow(demo_xml, roles):
    xml = demo_xml.replace('targetRef="End_approved"', 'targetRef="End_missing"')
    found = problems(xml, roles)
    has(found, line_of(xml, 'targetRef="End_missing"'), "“End_missing”在本流程层级中不存在")


def test_node_without_outgoing_flow(demo_xml, roles):
    xml = demo_xml.replace(
        '<bpmn:sequenceFlow id="Flow_notified" sourceRef="Service_notify" targetRef="End_escalated" />', ""
    )
    found = problems(xml, roles)
    has(found, line_of(xml, '<bpmn:serviceTask id="Service_notify"'), "没有出口连线")
    has(found, line_of(xml, '<bpmn:endEvent id="End_escalated"'), "没有入口连线")


SCRIPT_TASK = """<bpmn:scriptTask id="Task_script" name="脚本">
      <bpmn:incoming>Flow_submit</bpmn:incoming>
      <bpmn:outgoing>Flow_script</bpmn:outgoing>
      <bpmn:script>__import__('os').system('touch /tmp/pwned')</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="Flow_script" sourceRef="Task_script" targetRef="Task_review" />
    <bpmn:userTask id="Task_review\""""


def with_script_task(xml):
    xml = xml.replace(
        '<bpmn:sequenceFlow id="Flow_submit" sourceRef="Task_submit" targetRef="Task_review" />',
        '<bpmn:sequenceFlow id="Flow_submit" sourceRef="Task_submit" targetRef="Task_script" />',
    )
    xml = xml.replace(
        "<bpmn:flowNodeRef>Task_review</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>Task_review</bpmn:flowNodeRef><bpmn:flowNodeRef>Task_script</bpmn:flowNodeRef>",
    )
    return xml.replace('<bpmn:userTask id="Task_review"', SCRIPT_TASK)


def test_script_task_is_refused(demo_xml, roles):
    xml = with_script_task(demo_xml)
    found = problems(xml, roles)
    assert len(found) == 1, found
    has(found, line_of(xml, '<bpmn:scriptTask id="Task_script"'), "不允许脚本任务")


def test_condition_with_import_is_refused(demo_xml, roles):
    xml = demo_xml.replace("decision == 'approve'", "__import__('os').system('touch /tmp/pwned')")
    found = problems(xml, roles)
    has(found, line_of(xml, "__import__('os')"), "不允许调用函数 __import__")


def test_attribute_access_in_condition_is_refused(demo_xml, roles):
    xml = demo_xml.replace("decision == 'approve'", "().__class__.__base__.__subclasses__()")
    has(problems(xml, roles), line_of(xml, "__subclasses__"), "不允许访问属性")


def test_condition_syntax_error_is_caught_at_deploy(demo_xml, roles):
    xml = demo_xml.replace("decision == 'approve'", "decision == ")
    has(problems(xml, roles), line_of(xml, "decision == <"), "语法错误")


def test_pre_and_post_scripts_are_refused(demo_xml, roles):
    xml = demo_xml.replace(
        '<spiffworkflow:property name="org" value="university_id" />\n        </spiffworkflow:properties>',
        '<spiffworkflow:property name="org" value="university_id" />\n        </spiffworkflow:properties>\n'
        "        <spiffworkflow:preScript>import os</spiffworkflow:preScript>\n"
        "        <spiffworkflow:postScript>x = 1</spiffworkflow:postScript>",
    )
    found = problems(xml, roles)
    has(found, line_of(xml, "<spiffworkflow:preScript>"), "preScript")
    has(found, line_of(xml, "<spiffworkflow:postScript>"), "postScript")


def test_unregistered_service(demo_xml, roles):
    found = problems(demo_xml, roles, services=())
    has(found, line_of(demo_xml, '<spiffworkflow:serviceTaskOperator id="notify"'), "“notify”未注册")


def test_bad_timer_and_due_expressions(demo_xml, roles):
    xml = demo_xml.replace(">working_days(3)</bpmn:timeDate>", ">open('/etc/passwd')</bpmn:timeDate>")
    xml = xml.replace('name="due" value="working_days(3)"', 'name="due" value="working_days(3"')
    found = problems(xml, roles)
    has(found, line_of(xml, "open('/etc/passwd')"), "不允许调用函数 open")
    has(found, line_of(xml, 'value="working_days(3"'), "期限 due")


def test_cycle_timer_is_refused(demo_xml, roles):
    xml = demo_xml.replace(
        '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">working_days(3)</bpmn:timeDate>',
        '<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">"R3/PT1H"</bpmn:timeCycle>',
    )
    has(problems(xml, roles), line_of(xml, "<bpmn:timerEventDefinition"), "timeCycle")


def test_no_executable_process(demo_xml, roles):
    found = problems(demo_xml.replace('isExecutable="true"', 'isExecutable="false"'), roles)
    assert any("没有可执行的流程" in p["message"] for p in found)


def test_schema_errors_have_lines(demo_xml, roles):
    xml = demo_xml.replace(
        '<bpmn:endEvent id="End_approved" name="已通过">',
        '<bpmn:endEvent id="End_approved" name="已通过">\n      <bpmn:bogus />',
    )
    has(problems(xml, roles), line_of(xml, "<bpmn:bogus />"), "不符合 BPMN 规范")


def test_all_problems_are_reported_together(demo_xml, roles):
    xml = demo_xml.replace('name="operator"', 'name="reviewer"').replace("decision == 'approve'", "x.y")
    found = problems(xml, roles, forms=())
    assert len(found) >= 4  # lane, two forms, condition
    assert [p["line"] for p in found] == sorted(p["line"] for p in found)


def test_entities_and_doctype_are_refused(roles):
    xxe = '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<d>&x;</d>'
    found = problems(xxe, roles)
    assert len(found) == 1


def test_plain_task_would_wait_forever(demo_xml, roles):
    xml = demo_xml.replace(
        '<bpmn:serviceTask id="Service_notify" name="超时提醒">',
        '<bpmn:task id="Service_notify" name="超时提醒">',
    )
    xml = xml.replace("</bpmn:serviceTask>", "</bpmn:task>")
    has(problems(xml, roles), line_of(xml, '<bpmn:task id="Service_notify"'), "未指定类型")


def test_spec_cache_parses_once_per_version(demo_xml, roles):
    cache = SpecCache(max_size=2)
    calls = []

    def load():
        calls.append(1)
        return parse(demo_xml, roles)

    first = cache.get_or_load("demo_approval", 1, load)
    assert cache.get_or_load("demo_approval", 1, load) is first
    assert len(calls) == 1
    cache.get_or_load("demo_approval", 2, load)
    cache.get_or_load("demo_approval", 3, load)
    assert cache.get("demo_approval", 1) is None  # least recently used went first
    assert len(calls) == 3


@pytest.mark.parametrize(
    ("element", "value"),
    [("timeDuration", '"P3X"'), ("timeDate", '"2024-13-01T00:00:00"'), ("timeDuration", '"72 hours"')],
)
def test_literal_timer_values_are_checked_at_deploy(demo_xml, roles, element, value):
    xml = demo_xml.replace(
        '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">working_days(3)</bpmn:timeDate>',
        f'<bpmn:{element} xsi:type="bpmn:tFormalExpression">{value}</bpmn:{element}>',
    )
    has(problems(xml, roles), line_of(xml, f"<bpmn:{element} "), "不是有效的 ISO 8601")


def test_the_engine_harness_checks_bpmn_with_the_platforms_role_rules() -> None:
    """engine/testing.py cannot import core.roles: its copies must say the same."""
    from app.core import roles
    from app.engine import testing
    from app.models import ROLES

    assert testing.DEFAULT_ORG_ROLES == roles.ORG_SCOPED_ROLES
    assert testing.DEFAULT_ROLES == frozenset(ROLES)
