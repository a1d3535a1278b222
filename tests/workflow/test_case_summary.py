"""Every task page and instance page shows a case summary written for people."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import HumanTask
from tests.pilot.test_info_reports_api import REPORT
from tests.support.matrix_world import MatrixWorld
from tests.support.pilot import Pilot


def _table(html: str, testid: str) -> list[tuple[str, str]]:
    found = re.search(rf'<table[^>]*data-testid="{testid}".*?</table>', html, re.S)
    if not found:
        return []
    return [(re.sub(r"\s+", " ", a).strip(), re.sub(r"\s+", " ", b).strip())
            for a, b in re.findall(r"<th[^>]*>(.*?)</th><td[^>]*>(.*?)</td>", found.group(0), re.S)]


ROOT = Path(__file__).resolve().parents[2]
SHIPPED = {p.stem for p in (ROOT / "workflows").glob("*.bpmn")}
RAW_KEY = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")  # application_id, triage_due, logistics_hotline
BARE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # a label that is a variable name: title, channel
ISO_TIME = re.compile(r"T\d\d:\d\d(:\d\d)?|[+-]\d\d:\d\d$|\+00:00")
NAMED = ("所属高校", "申报高校", "责任部门", "承办部门", "办理单位", "推荐人")  # names, never ids


def _check(where: str, rows: list[tuple[str, str]]) -> list[str]:
    problems = []
    if not rows:
        problems.append(f"{where}: no summary")
    for label, value in rows:
        if BARE_KEY.search(label) or RAW_KEY.search(label) or RAW_KEY.search(value):
            problems.append(f"{where}: raw key in {label}={value}")
        if ISO_TIME.search(value):
            problems.append(f"{where}: ISO/UTC time in {label}={value}")
        if label in NAMED and value.isdigit():
            problems.append(f"{where}: an id where a name belongs: {label}={value}")
        if value.startswith(("{", "[")):
            problems.append(f"{where}: raw data in {label}={value}")
    return problems


def _walk(app, browsers) -> set[str]:
    """Every task of every instance, on its task page and its instance page, as the first of the
    browsers that may see it; the process keys seen."""
    with app.app_context():
        found = [(t.id, t.process_key, t.title, t.instance_id) for t in db.session.scalars(select(HumanTask))]
    problems: list[str] = []
    for task_id, key, title, instance_id in found:
        web = next((w for w in browsers if w.get(f"/tasks/{task_id}").status_code == 200), None)
        assert web is not None, f"nobody here may open task {task_id} ({title})"
        task_page = web.get(f"/tasks/{task_id}").get_data(as_text=True)
        assert "申请信息" in task_page
        problems += _check(f"{key} task {title}", _table(task_page, "instance-data"))
        instance_page = web.get(f"/instances/{instance_id}").get_data(as_text=True)
        problems += _check(f"{key} instance {instance_id}", _table(instance_page, "instance-data"))
    assert not problems, "\n".join(problems)
    return {key for _, key, _, _ in found}


def test_every_task_page_summarises_the_case_for_people(app, client, world, monkeypatch) -> None:
    matrix = MatrixWorld(app, client, world)
    uni = matrix.sides["own"].people["university_admin"]
    matrix._post(f"/api/v1/report-periods/{matrix.period_id}/my-report/submit", uni, {"data": REPORT})
    browsers = [matrix.browser(r)[0] for r in ("process_admin", "dispatcher", "department_handler")]
    browsers += [matrix.browser("x", name)[0] for name in ("psych_handler", "dispatcher_b")]
    seen = _walk(app, browsers)

    # A pilot application in its review window: the ministry's review, then the operator's account task.
    pilot = Pilot(app, world, monkeypatch)
    pilot.at("2026-11-10T10:00")
    pilot.code_of(pilot.apply(university_name="华东示范大学", contact_phone="021-66668888",
                              contact_email="li@ecnu.example.cn"))
    pilot.fire("2026-11-26T08:00:00+08:00")
    pilot.at("2026-11-27T10:00")
    [task] = [t for t in pilot.review_tasks() if "华东示范大学" in t["title"]]
    moe = pilot.web("moe1")
    pilot.post(moe, f"/tasks/{task['id']}/complete", {"decision": "approve"}, page=f"/tasks/{task['id']}")
    seen |= _walk(app, [pilot.web("root"), *browsers])
    assert seen == SHIPPED


def test_the_generic_summary_shows_only_labelled_fields(app, world) -> None:
    from types import SimpleNamespace

    from app.workflow import summary

    instance = SimpleNamespace(id=0, process_key="unknown", data={
        "university_id": world.uni.id, "application_id": 7, "window_opens": "2026-12-27T00:00:00+08:00",
        "Service_approved_result": {"status": "approved"}, "private_note": "x", "_engine": 1})
    with app.app_context():
        assert summary.generic(instance) == [("所属高校", world.uni.name)]
        assert summary.when("2026-12-02T16:29:14.258055+00:00") == "2026-12-03 00:29"
