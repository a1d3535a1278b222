"""信息表 pages (SPEC §6): periods, the university's form in 7 sections with draft and submit, the
status and revision history, and what the ministry sees (counts, who is missing, any report)."""

from __future__ import annotations

import re

import pytest

from tests.support.pilot import Pilot, flashes, text

SECTIONS = ["基本信息", "党建引领", "队伍入驻", "学生参与", "条件保障", "成果总结凝练与示范推广", "存在问题与意见建议"]
REPORT = {
    "basic_students_total": "30000", "basic_community_students": "12000", "basic_communities": "4",
    "basic_buildings": "20", "party_branches": "35", "party_full_coverage": "on", "team_resident_counselors": "60",
    "students_participants": "2400", "conditions_space_sqm": "5200.5",
    "results_summary": "形成书院制社区育人模式，辐射全校。",
}
PERIOD = {"code": "2026-2027-1", "name": "2026—2027学年第一学期", "starts_on": "2026-09-01",
          "ends_on": "2027-01-20", "due_designated": "2026-12-06", "due_self_pilot": "2026-12-27"}


@pytest.fixture
def env(app, world, monkeypatch):
    pilot = Pilot(app, world, monkeypatch)
    pilot.at("2026-11-20T10:00")
    moe = pilot.web("moe1")
    created = pilot.post(moe, "/reports/periods", PERIOD, page="/reports")
    assert created.status_code == 303, text(created)
    period_id = int(re.search(r"/reports/periods/(\d+)$", created.headers["Location"]).group(1))
    return pilot, moe, period_id


def _status(html: str) -> str:
    return re.search(r'data-testid="report-status" data-status="([a-z]+)"', html).group(1)


def _save(pilot: Pilot, web, period_id: int, data: dict, action: str) -> object:
    return pilot.post(web, f"/reports/{period_id}", {**data, "action": action})


def test_creating_a_period_checks_dates_and_is_for_the_ministry(env) -> None:
    pilot, moe, period_id = env
    overview = text(moe.get(f"/reports/periods/{period_id}"))
    assert "已创建报送周期：2026—2027学年第一学期" in overview
    bad = pilot.post(moe, "/reports/periods", {**PERIOD, "code": "2026-2027-1", "ends_on": "2026-08-01",
                                               "due_self_pilot": "明天"}, page="/reports")
    html = text(bad)
    assert bad.status_code == 422 and "请填写有效日期" in html and 'value="2026-08-01"' in html
    assert pilot.post(pilot.web("op1"), "/reports/periods", PERIOD, page="/reports").status_code == 403
    assert "period-form" not in text(pilot.web("op1").get("/reports"))


def test_university_fills_the_form_by_section_saves_a_draft_then_submits(env) -> None:
    pilot, _, period_id = env
    buaa = pilot.web("buaa")
    listing = text(buaa.get("/reports"))
    assert "2026—2027学年第一学期" in listing and "未填报" in listing and "2026-12-06" in listing

    page = text(buaa.get(f"/reports/{period_id}"))
    legends = re.findall(r'<fieldset class="card mb-3" data-section="([^"]+)"', page)
    assert legends == SECTIONS
    fieldsets = dict(re.findall(r'<fieldset class="card mb-3" data-section="([^"]+)">(.*?)</fieldset>', page, re.S))
    fields = {name: re.findall(r'data-field="([a-z_]+)"', body) for name, body in fieldsets.items()}
    assert fields["党建引领"] == ["party_committee_sessions", "party_branches", "party_full_coverage",
                              "party_member_grid", "party_notes"]
    assert fields["存在问题与意见建议"] == ["issues_problems", "issues_suggestions"]
    assert _status(page) == "missing"

    draft = _save(pilot, buaa, period_id, {"basic_buildings": "20", "party_notes": "每周例会"}, "draft")
    assert draft.status_code == 303
    saved = text(buaa.get(draft.headers["Location"]))
    assert "草稿已保存（尚未提交）" in flashes(saved) and _status(saved) == "draft"
    assert 'value="20"' in saved and "每周例会" in saved

    bad_draft = _save(pilot, buaa, period_id, {"basic_buildings": "-3"}, "draft")
    assert bad_draft.status_code == 422 and "不能小于 0" in text(bad_draft) and 'value="-3"' in text(bad_draft)
    incomplete = _save(pilot, buaa, period_id, {"basic_buildings": "21"}, "submit")
    html = text(incomplete)
    assert incomplete.status_code == 422 and "已保存为草稿，但还不能提交" in html
    assert "成果总结凝练与示范推广 · 试点成果总结凝练：此项为必填" in html
    assert 'value="21"' in text(buaa.get(f"/reports/{period_id}"))  # the draft part was kept

    submitted = _save(pilot, buaa, period_id, REPORT, "submit")
    assert submitted.status_code == 303
    after = text(buaa.get(submitted.headers["Location"]))
    assert _status(after) == "submitted" and "信息表已提交，等待高校思政网审核" in after
    assert 'data-testid="report-form"' not in after and "审核完成前不能修改" in after
    assert "形成书院制社区育人模式" in after and "5200.5" in after  # read-only view
    assert "已提交" in text(buaa.get("/reports"))
    again = _save(pilot, buaa, period_id, REPORT, "draft")
    assert again.status_code == 303 and "正在审核中" in text(buaa.get(again.headers["Location"]))


def test_contradictory_figures_are_refused_on_the_field_concerned(env) -> None:
    pilot, _, period_id = env
    buaa = pilot.web("buaa")
    refused = _save(pilot, buaa, period_id, {"basic_students_total": "9000", "basic_community_students": "12000"},
                    "draft")
    html = text(refused)
    assert refused.status_code == 422 and "填写内容有误，未保存" in html
    assert re.search(r'id="f-basic_community_students-error">学生社区覆盖学生数不能超过在校学生总数（9000）<', html)
    assert 'value="12000"' in html  # what was typed stays in the form
    assert _status(text(buaa.get(f"/reports/{period_id}"))) == "missing"  # nothing was saved
    late = _save(pilot, buaa, period_id, {**REPORT, "students_participants": "40000"}, "submit")
    assert late.status_code == 422
    assert "参与社区建设、楼宇管理的学生人数不能超过在校学生总数（30000）" in text(late)


def test_returned_report_shows_the_reason_and_keeps_its_revision_history(env) -> None:
    pilot, moe, period_id = env
    buaa = pilot.web("buaa")
    _save(pilot, buaa, period_id, REPORT, "submit")
    op = pilot.web("op1")
    [task] = [t for t in pilot.app.test_client().get("/api/v1/tasks?scope=group&process=info_report",
                                                     headers=pilot.api("op1")).get_json()["items"]]
    pilot.post(op, f"/tasks/{task['id']}/complete", {"decision": "return", "comment": "覆盖学生数与基础信息表不一致"},
               page=f"/tasks/{task['id']}")
    page = text(buaa.get(f"/reports/{period_id}"))
    assert _status(page) == "returned" and "退回原因：</span>覆盖学生数与基础信息表不一致" in page
    assert 'data-testid="report-form"' in page and 'value="12000"' in page  # editable, prefilled
    _save(pilot, buaa, period_id, {**REPORT, "basic_community_students": "12500"}, "submit")
    page = text(buaa.get(f"/reports/{period_id}"))
    history = re.search(r'data-testid="revisions">(.*?)</table>', page, re.S).group(1)
    rows = [" ".join(re.sub(r"<[^>]+>", " ", r).split())
            for r in re.findall(r"<tr data-revision.*?</tr>", history, re.S)]
    assert len(rows) == 2 and rows[0].startswith("第 2 次") and "待审核" in rows[0]  # newest first
    assert rows[1].startswith("第 1 次") and "退回修改 覆盖学生数与基础信息表不一致" in rows[1]

    report_id = int(re.search(r'href="/reports/view/(\d+)#history"', page).group(1))
    view = text(moe.get(f"/reports/view/{report_id}"))
    assert "北京航空航天大学 · 2026—2027学年第一学期" in view and "12500" in view
    assert "第 1 次提交的内容" in view and "12000" in view  # the first revision's data is kept


def test_ministry_sees_counts_and_who_has_not_reported(env) -> None:
    pilot, moe, period_id = env
    _save(pilot, pilot.web("buaa"), period_id, REPORT, "submit")
    _save(pilot, pilot.web("zju"), period_id, {"basic_buildings": "3"}, "draft")
    overview = text(moe.get(f"/reports/periods/{period_id}"))
    counts = dict(re.findall(r'data-count="([a-z]+)">(\d+)<', overview))
    assert counts == {"accepted": "0", "submitted": "1", "returned": "0", "draft": "1", "missing": "0"}
    assert "北京航空航天大学" in overview and "浙江大学" in overview
    pilot.at("2026-12-08T10:00")
    missing = text(pilot.web("op1").get(f"/reports/periods/{period_id}/missing"))
    table = re.search(r'data-testid="missing">(.*?)</table>', missing, re.S).group(1)
    assert "浙江大学" in table and "北京航空航天大学" not in table
    assert "2026-12-06" in table and "已逾期" in table and "草稿" in table
    periods = text(moe.get("/reports"))
    assert f'href="/reports/periods/{period_id}/missing"' in periods


def test_reports_are_only_for_their_university_and_national_roles(env) -> None:
    pilot, moe, period_id = env
    buaa = pilot.web("buaa")
    _save(pilot, buaa, period_id, REPORT, "submit")
    report_id = int(re.search(r'href="/reports/view/(\d+)', text(buaa.get(f"/reports/{period_id}"))).group(1))
    assert buaa.get(f"/reports/view/{report_id}").status_code == 200
    zju = pilot.web("zju")
    hidden = zju.get(f"/reports/view/{report_id}")
    assert hidden.status_code == 404 and "页面不存在" in text(hidden)
    assert "北京航空航天大学" not in text(zju.get("/reports"))
    assert zju.get(f"/reports/periods/{period_id}").status_code == 403
    stu = pilot.web("stu")
    for url in ("/reports", f"/reports/{period_id}", f"/reports/periods/{period_id}",
                f"/reports/periods/{period_id}/missing", f"/reports/view/{report_id}"):
        assert stu.get(url).status_code in (403, 404), url
    assert stu.get(f"/reports/periods/{period_id}/missing").status_code == 403
    assert moe.get(f"/reports/{period_id}").status_code == 403  # the ministry reads, it does not fill in
    assert pilot.anon.get("/reports").status_code == 302
