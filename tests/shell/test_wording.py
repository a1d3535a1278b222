"""What a page says, said once: no doubled phrases, no role named twice, one greeting."""

from __future__ import annotations

from flask import Flask

from app.core import notifications
from app.extensions import db
from app.models import User
from tests.conftest import PASSWORD, World, csrf_from, login


def test_an_empty_application_says_what_to_do_once(client) -> None:
    page = client.get("/apply").get_data(as_text=True)
    html = client.post("/apply", data={"csrf_token": csrf_from(page)}).get_data(as_text=True)
    assert "申报信息有误，请按提示修改：" in html and "请按提示修改，请按提示修改" not in html


def test_an_account_named_after_its_role_is_not_shown_twice(app: Flask, world: World) -> None:
    with app.app_context():
        from app.core import accounts

        accounts.create_user(username="moe", password=PASSWORD, display_name="思政司审核人",
                             org_id=world.ministry.id, roles=["moe_reviewer"])
    client = app.test_client()
    login(client, "moe")
    home = client.get("/").get_data(as_text=True)
    assert "思政司审核人（思政司审核人）" not in home and "思政司审核人" in home


def test_the_home_page_greets_once_after_login(app: Flask, world: World) -> None:
    world.user("stu", "student")
    client = app.test_client()
    login(client, "stu")
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="welcome"' in home and "欢迎，" not in home


def test_a_new_task_notice_says_new_task_once(app: Flask, world: World) -> None:
    world.user("disp", "dispatcher")
    with app.app_context():
        disp = db.session.scalar(db.select(User).where(User.username == "disp"))
        notifications.notify([disp], kind="task.new", title="新待办：宿舍热水器坏了", link="/tasks/1")
        db.session.commit()
    client = app.test_client()
    login(client, "disp")
    html = client.get("/notifications").get_data(as_text=True)
    assert html.count("新待办") == 1 and "宿舍热水器坏了" in html
