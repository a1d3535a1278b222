"""`flask create-user` and `flask seed-demo` (API.md command line)."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from app.extensions import db
from app.models import Org, User
from tests.conftest import ROOT


def test_create_user_bootstraps_the_first_process_admin(app) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "boss", "--password", "Boss-pass-1",
                                 "--role", "process_admin"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "boss"))
        assert user.roles == ["process_admin"] and user.org.kind == "operator"
    client = app.test_client()
    assert client.post("/api/v1/auth/token",
                       json={"username": "boss", "password": "Boss-pass-1"}).status_code == 200


def test_create_user_reports_problems_and_exits_1(app) -> None:
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["create-user", "boss", "--password", "123", "--role", "process_admin"])
    assert weak.exit_code == 1 and "password" in weak.output
    no_org = runner.invoke(args=["create-user", "stu", "--password", "Good-pass-1", "--role", "student"])
    assert no_org.exit_code != 0 and "--org-id" in no_org.output


def test_seed_demo_loads_the_31_designated_pilots_once(app) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["seed-demo"])
    assert "demo users created: 0" in second.output
    pilots = json.loads((ROOT / "data" / "designated_pilots.json").read_text(encoding="utf-8"))["pilots"]
    with app.app_context():
        universities = db.session.scalars(select(Org).where(Org.kind == "university")).all()
        assert len(universities) == 31 == len(pilots)
        by_batch = {b: sum(1 for u in universities if u.pilot_batch == b) for b in (2019, 2021)}
        assert by_batch == {2019: 10, 2021: 21}  # the notice: 10 in 2019, 21 in July 2021
        assert all(u.pilot_status == "designated" and u.province for u in universities)
        vocational = {u.name for u in universities if u.school_type == "vocational"}
        assert {"深圳职业技术学院", "黄河水利职业技术学院", "河北工业职业技术大学"} == vocational
        departments = db.session.scalar(select(func.count()).where(Org.kind == "department"))
        assert departments == 31 * 6
        roles = {r for u in db.session.scalars(select(User)) for r in u.roles}
        assert roles == {"moe_reviewer", "operator", "university_admin", "dispatcher",
                         "department_handler", "student", "process_admin"}


def test_every_demo_account_in_the_readme_can_log_in(app) -> None:
    app.test_cli_runner().invoke(args=["seed-demo"])
    demo = json.loads((ROOT / "data" / "demo_accounts.json").read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    client = app.test_client()
    for account in demo["accounts"]:
        assert f"`{account['username']}`" in readme, account["username"]
        response = client.post("/api/v1/auth/token",
                               json={"username": account["username"], "password": demo["password"]})
        assert response.status_code == 200, account["username"]
    assert demo["password"] in readme


def test_seed_demo_deploys_processes_and_gives_every_flow_a_case(app) -> None:
    app.test_cli_runner().invoke(args=["seed-demo"])
    app.test_cli_runner().invoke(args=["seed-demo"])
    from app.models import PilotApplication, ProcessDefinition, ReportPeriod

    with app.app_context():
        keys = set(db.session.scalars(select(ProcessDefinition.key)))
        assert {"pilot_application", "info_report"} <= keys
        assert db.session.scalar(select(func.count()).select_from(ReportPeriod)) == 1
        statuses = list(db.session.scalars(select(PilotApplication.status)))
        assert statuses == ["submitted", "submitted"]
        from app.models import Complaint, Post

        published = db.session.scalars(select(Post).where(Post.published_at.is_not(None))).all()
        assert len(published) == 2
        assert sorted(db.session.scalars(select(Complaint.status))) == ["answered", "triage"]
    assert "北航“一站式”学生社区建设概况" in app.test_client().get("/").get_data(as_text=True)


def test_the_demo_applications_are_in_a_window_open_today(app) -> None:
    """`make run` shows the ministry a batch to review at once: the scheduler's first round (at the
    present moment, not a date moved forward) opens the demo applications' window."""
    from app.core import clock, deadlines
    from app.models import HumanTask, PilotApplication
    from app.workflow import timers

    app.test_cli_runner().invoke(args=["seed-demo"])
    with app.app_context():
        today = deadlines.today()
        windows = set(db.session.execute(select(PilotApplication.window_start, PilotApplication.window_end)))
        assert len(windows) == 1
        start, end = windows.pop()
        assert start == today <= end
        timers.fire_due(clock.now())
        review = db.session.scalars(select(HumanTask).where(HumanTask.process_key == "pilot_application",
                                                            HumanTask.status == "ready")).all()
        assert {t.role for t in review} == {"moe_reviewer"} and len(review) == 2


def test_make_run_serves_on_the_port_it_is_given() -> None:
    import subprocess

    planned = subprocess.run(["make", "-n", "run", "PORT=8123"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout
    serve = [line for line in planned.splitlines() if "flask --app wsgi run" in line]
    assert serve and all("--port 8123" in line for line in serve)  # make -n may add sub-make lines after it
