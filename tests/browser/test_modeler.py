"""The process administrator opens demo_approval in the bpmn-js modeler, deploys it unchanged, and
sees finished and current steps highlighted on an instance's diagram."""

from __future__ import annotations

import pytest

from tests.support.browser import login
from tests.support.workflow import Actors

pytestmark = pytest.mark.browser


def test_modeler_renders_deploys_and_instance_diagram_is_highlighted(
        page, live_server, client, world) -> None:
    actors = Actors(client, world)
    actors.deploy()
    login(page, live_server, "root")

    page.goto(f"{live_server}/admin/processes/demo_approval/edit")
    assert page.title().startswith("编辑：演示审批")
    page.locator("[data-bpmn-modeler][data-rendered=true]").wait_for(timeout=15000)
    task = page.locator('[data-bpmn-modeler] svg g.djs-element[data-element-id="Task_submit"]')
    assert "提交申请" in task.text_content()
    assert page.locator(".djs-palette").is_visible()  # a modeler, not a viewer

    page.get_by_test_id("deploy").click()
    result = page.get_by_test_id("deploy-result")
    result.locator(".alert").wait_for(timeout=10000)
    assert "内容与已部署的第 1 版相同，未生成新版本" in result.inner_text()

    instance, _ = actors.submitted()
    page.goto(f"{live_server}/instances/{instance['id']}")
    page.locator("[data-bpmn-viewer][data-rendered=true]").wait_for(timeout=15000)
    done = page.locator('[data-bpmn-viewer] g.djs-element[data-element-id="Task_submit"]')
    current = page.locator('[data-bpmn-viewer] g.djs-element[data-element-id="Task_review"]')
    assert "yzs-done" in done.get_attribute("class")
    assert "yzs-current" in current.get_attribute("class")
    assert "yzs-done" not in current.get_attribute("class")
    # the marker is visible: the finished task's shape is drawn green
    stroke = done.locator(".djs-visual > :first-child").evaluate("e => getComputedStyle(e).stroke")
    assert stroke == "rgb(25, 135, 84)"
