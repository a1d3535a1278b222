"""Instances that are running with nothing ready or waiting are found and reported."""

from __future__ import annotations

from sqlalchemy import select, update

from app.extensions import db
from app.models import HumanTask, ProcessInstance
from tests.support.workflow import Actors


def test_stuck_and_failed_instances_are_reported(app, client, world) -> None:
    actors = Actors(client, world)
    actors.deploy()
    healthy = actors.start()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["instances", "check"])
    assert ok.exit_code == 0 and "0 stuck, 0 in error" in ok.output
    broken = actors.start()
    with app.app_context():  # simulate a model that leaves nothing to do: its only task vanished
        db.session.execute(update(HumanTask).where(HumanTask.instance_id == broken["id"]).values(status="cancelled"))
        db.session.execute(update(ProcessInstance).where(ProcessInstance.id == healthy["id"])
                           .values(status="error", error="服务 notify 调用失败"))
        db.session.commit()
    result = runner.invoke(args=["instances", "check"])
    assert result.exit_code == 1
    assert f"stuck: instance {broken['id']} (demo_approval v1)" in result.output
    assert f"error: instance {healthy['id']}" in result.output and "notify" in result.output


def test_health_page_lists_stuck_instances_for_process_admins(app, client, world) -> None:
    from tests.conftest import login

    actors = Actors(client, world)
    actors.deploy()
    broken = actors.start()
    with app.app_context():
        db.session.execute(update(HumanTask).where(HumanTask.instance_id == broken["id"]).values(status="cancelled"))
        db.session.commit()
    login(client, "root")
    page = client.get("/admin/instances/health").get_data(as_text=True)
    assert f"#{broken['id']}" in page and "卡住的实例（1）" in page
    other = app.test_client()
    login(other, "op1")
    assert other.get("/admin/instances/health").status_code == 403


def test_a_ready_task_with_neither_assignee_nor_organisation_is_reported(app, client, world) -> None:
    from tests.conftest import login

    actors = Actors(client, world)
    instance, review = actors.submitted()  # the operator's review: a national role, no organisation
    orphan = actors.start()
    runner = app.test_cli_runner()
    healthy = runner.invoke(args=["instances", "check"])
    assert healthy.exit_code == 0 and "0 unreachable tasks" in healthy.output  # the review is claimable
    with app.app_context():  # the university's task loses its organisation (as an unclaimed rating did)
        db.session.execute(update(HumanTask).where(HumanTask.instance_id == orphan["id"]).values(org_id=None))
        db.session.commit()
        task_id = db.session.scalar(select(HumanTask.id).where(HumanTask.instance_id == orphan["id"]))
    result = runner.invoke(args=["instances", "check"])
    assert result.exit_code == 1 and "1 unreachable tasks" in result.output
    assert f"unreachable: task {task_id} 提交申请 of instance {orphan['id']}" in result.output
    assert f"instance {instance['id']}" not in result.output
    login(client, "root")
    page = client.get("/admin/instances/health").get_data(as_text=True)
    assert "无人可办的任务（1）" in page and f"#{task_id} 提交申请" in page
