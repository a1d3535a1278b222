"""接诉即办 pages (issue #6): filing, the student's list and detail, the dispatcher's and the
department's workbenches, confidentiality on every page, the figures, the export and hot topics."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from html import unescape

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from app.core import accounts, clock
from app.extensions import db
from app.models import Complaint
from tests.conftest import PASSWORD, csrf_from, login
from tests.support.complaints import BJ, Campus, hand_computed_fixture, weekly_spike
from tests.support.files import PNG

DORM = {"channel": "logistics_hotline", "category": "dormitory", "title": "宿舍热水器坏了",
        "content": "3号楼热水器坏了三天，没有热水洗澡。"}
PSYCH = {"channel": "psych_hotline", "category": "mental_health", "title": "最近失眠焦虑",
         "content": "考试临近，最近一直失眠，情绪很低落。"}


@pytest.fixture
def campus(app, client, world, monkeypatch) -> Campus:
    return Campus(app, client, world, monkeypatch)


@pytest.fixture
def web(app):
    """A logged-in client per person (separate cookie jars, like separate browsers)."""
    made: dict[str, FlaskClient] = {}

    def make(username: str) -> FlaskClient:
        if username not in made:
            made[username] = app.test_client()
            assert login(made[username], username).status_code == 302
        return made[username]

    return make


def _html(response) -> str:
    return response.get_data(as_text=True)


def _get(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return _html(response)


def _step(client: FlaskClient, cid: int, data: dict, form: str) -> object:
    """Submit the embedded form of the viewer's `form` step on the complaint's page."""
    page = _get(client, f"/complaints/{cid}")
    section = page.split(f'data-form="{form}"', 1)[1]
    action = re.search(r'action="(/complaints/\d+/steps/\d+)"', section).group(1)
    after = re.search(r'name="next" value="([^"]*)"', section).group(1)
    return client.post(action, data={**data, "next": after, "csrf_token": csrf_from(page)})


def _file(client: FlaskClient, data: dict, photos: list[tuple[bytes, str]] = ()) -> object:
    page = _get(client, "/complaints/new")
    files = [(io.BytesIO(content), name) for content, name in photos]
    return client.post("/complaints/new", data={**data, "photos": files, "csrf_token": csrf_from(page)},
                       content_type="multipart/form-data")


def _cid(response) -> int:
    assert response.status_code == 302, _html(response)[:2000]
    return int(re.search(r"/complaints/(\d+)$", response.headers["Location"]).group(1))


def test_student_files_with_chinese_errors_then_sees_it_and_nobody_else_does(campus, web) -> None:
    stu = web("stu")
    form = _get(stu, "/complaints/new")
    assert all(label in form for label in ("校长信箱", "24小时心理热线", "后勤服务热线", "综合反映"))
    assert "承办部门和学校领导看不到您的姓名" in form
    refused = _file(stu, {**DORM, "category": "", "title": "坏"})
    html = _html(refused)
    assert refused.status_code == 422
    assert 'id="category-error">请选择问题类别<' in html and 'id="title-error">标题须为 2 到 100 字<' in html
    assert "3号楼热水器坏了三天" in html  # what was typed is kept
    fake = _file(stu, DORM, [(b"not an image at all", "photo.png")])
    assert fake.status_code == 422 and "文件内容与类型不符" in _html(fake)
    cid = _cid(_file(stu, {**DORM, "anonymous": "on"}, [(PNG, "hot-water.png")]))
    detail = _get(stu, f"/complaints/{cid}")
    assert f"已提交，编号 #{cid}" in detail and "宿舍热水器坏了" in detail
    assert 'data-status="triage">待转办<' in detail and "已提交，待转办" in detail and "已受理" not in detail
    photo = re.search(rf'src="(/complaints/{cid}/photos/\d+)"', detail).group(1)
    image = stu.get(photo)
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == PNG
    mine = _get(stu, "/complaints/mine")
    assert f'data-complaint="{cid}"' in mine and "待转办" in mine
    other = web("stu2")
    _get(other, f"/complaints/{cid}", 404)
    assert other.get(photo).status_code == 404
    assert f'data-complaint="{cid}"' not in _get(other, "/complaints/mine")
    _get(web("logi"), "/complaints/new", 403)  # only students file


def test_step_forms_hand_the_schemas_choice_rules_to_the_page(campus, web) -> None:
    """complaints.js shows the fields a choice needs from the form schema's allOf, not a copy of its own."""
    from app.workflow import forms

    dorm = _cid(_file(web("stu"), DORM))
    page = _get(web("disp"), f"/complaints/{dorm}")
    rules = re.search(r'data-step-form="complaint_dispatch" data-rules="([^"]*)"', page).group(1)
    with campus.app.app_context():
        assert json.loads(unescape(rules)) == forms.load("complaint_dispatch")["allOf"]


def test_dispatcher_triages_department_answers_student_rates(campus, web) -> None:
    stu, disp, logi = web("stu"), web("disp"), web("logi")
    dorm = _cid(_file(stu, DORM))
    psych = _cid(_file(stu, PSYCH))
    bench = _get(disp, "/complaints/dispatch")
    triage = bench.split('data-testid="section-complaint_dispatch"')[1].split("</section>")[0]
    assert triage.index(f'data-complaint="{psych}"') < triage.index(f'data-complaint="{dorm}"')  # psych first
    assert "心理热线·紧急" in triage and "stu" in triage  # the dispatcher knows who filed
    page = _get(disp, f"/complaints/{dorm}")
    assert re.search(rf'<option value="{campus.logistics_id}" selected>', page)  # the category's usual department
    assert "不填则按“宿舍住宿”类默认 3 个工作日" in page
    refused = _step(disp, dorm, {"action": "assign", "department_id": ""}, "complaint_dispatch")
    assert refused.status_code == 422 and 'id="f-department_id-error"' in _html(refused)
    done = _step(disp, dorm, {"action": "assign", "department_id": campus.logistics_id}, "complaint_dispatch")
    assert done.status_code == 302 and done.headers["Location"] == "/complaints/dispatch"
    assert f'data-complaint="{dorm}"' not in _get(disp, "/complaints/dispatch").split("全部工单")[0]

    work = _get(logi, "/complaints/department")
    answer = work.split('data-testid="section-answer"')[1].split("</section>")[0]
    assert f'data-complaint="{dorm}"' in answer and "2026-11-26 17:30" in answer  # 3 working days
    assert f'data-complaint="{psych}"' not in work
    campus.at("2026-11-26T16:00")
    assert 'data-testid="badge-due-soon"' in _get(logi, "/complaints/department")
    empty = _step(logi, dorm, {"action": "answer", "reply": ""}, "complaint_answer")
    assert empty.status_code == 422
    answered = _step(logi, dorm, {"action": "answer", "reply": "已安排维修，今日修复。"}, "complaint_answer")
    assert answered.status_code == 302 and answered.headers["Location"] == "/complaints/department"

    detail = _get(stu, f"/complaints/{dorm}")
    assert "已安排维修，今日修复。" in detail and "后勤保障处" in detail and "已答复，待评价" in detail
    assert 'data-form="complaint_rate"' in detail and "满意" in detail
    assert detail.index('data-testid="reply"') < detail.index('data-form="complaint_rate"')  # answer, then rating
    assert "认领人" not in detail and "办理人" not in detail  # the rating is simply theirs
    assert 'data-testid="complain-entry"' in _get(stu, "/")  # 我要反映 from the home page
    assert 'data-testid="rate-prompt"' in _get(stu, "/complaints/mine")
    rated = _step(stu, dorm, {"satisfaction": "satisfied"}, "complaint_rate")
    assert rated.status_code == 302 and rated.headers["Location"] == f"/complaints/{dorm}"
    closed = _get(stu, f"/complaints/{dorm}")
    assert "感谢您的评价（满意）" in closed and "已提交：" not in closed  # says what happened
    assert 'data-status="closed">已办结<' in closed and 'data-testid="satisfaction">满意<' in closed
    assert 'data-form="complaint_rate"' not in closed


def test_the_students_rating_task_page_offers_no_unclaim(campus, web) -> None:
    cid = campus.file()
    campus.assign(cid)
    campus.answer(cid)
    task = campus.task("stu", cid, scope="mine")
    page = _get(web("stu"), f"/tasks/{task['id']}")
    assert "评价" in page and 'data-testid="unclaim"' not in page


def test_merge_from_the_similar_suggestion_tells_the_student_where_to_look(campus, web) -> None:
    first = campus.file()
    second = _cid(_file(web("stu2"), {**DORM, "title": "3号楼没有热水", "content": "3号楼热水器坏了，已经好几天。"}))
    disp = web("disp")
    page = _get(disp, f"/complaints/{second}")
    assert 'data-testid="similar"' in page and f'data-merge-into="{first}"' in page
    merged = _step(disp, second, {"action": "merge", "merge_into": first, "reason": "同一问题"}, "complaint_dispatch")
    assert merged.status_code == 302
    notice = _get(web("stu2"), f"/complaints/{second}")
    assert 'data-testid="merged-notice"' in notice and f'href="/complaints/{first}"' in notice
    assert "已合并" in notice
    timeline = notice.split('data-testid="timeline"')[1]
    assert timeline.index("已合并") < timeline.index("已办结")  # what closed it, then closed
    surviving = _get(web("stu2"), f"/complaints/{first}")  # may follow it, without learning who filed it
    assert "宿舍热水器坏了" in surviving and 'data-testid="complainant"' not in surviving


def test_extension_request_waits_for_the_dispatchers_decision(campus, web) -> None:
    cid = campus.file()
    campus.assign(cid)
    logi, disp = web("logi"), web("disp")
    asked = _step(logi, cid, {"action": "extend", "extension_days": "2", "reason": "需采购配件"}, "complaint_answer")
    assert asked.status_code == 302
    department = _get(logi, "/complaints/department")
    assert "已申请延期 2 个工作日，等待接诉即办中心审批" in department
    pending = department.split('data-testid="section-pending"')[1]
    assert f'data-complaint="{cid}"' in pending.split("</section>")[0] and "延期审批中" in pending
    assert "承办部门申请延期 2 个工作日，理由：需采购配件" in _get(disp, f"/complaints/{cid}")
    bench = _get(disp, "/complaints/dispatch").split('data-testid="section-complaint_extension"')[1]
    assert f'data-complaint="{cid}"' in bench.split("</section>")[0]
    assert _step(disp, cid, {"decision": "approve"}, "complaint_extension").status_code == 302
    answer = _get(logi, "/complaints/department").split('data-testid="section-answer"')[1].split("</section>")[0]
    assert f'data-complaint="{cid}"' in answer and "2026-11-30 17:30" in answer  # 2 more working days
    again = _step(logi, cid, {"action": "extend", "extension_days": "1", "reason": "再等等"}, "complaint_answer")
    assert again.status_code == 422 and "每次交办最多延期 1 次" in _html(again)


def test_hotline_call_registered_for_a_student(campus, web) -> None:
    disp = web("disp")
    page = _get(disp, "/complaints/dispatch/call")
    bad = disp.post("/complaints/dispatch/call", data={**DORM, "student_username": "nobody",
                                                        "csrf_token": csrf_from(page)})
    assert bad.status_code == 422 and "本校没有该学生账号" in _html(bad)
    cid = _cid(disp.post("/complaints/dispatch/call", data={**DORM, "student_username": "stu",
                                                             "csrf_token": csrf_from(page)}))
    assert "来电已登记" in _get(disp, f"/complaints/{cid}")
    assert f'data-complaint="{cid}"' in _get(web("stu"), "/complaints/mine")


def test_anonymous_ticket_never_names_the_student_to_the_department(app, campus, web) -> None:
    with app.app_context():
        accounts.create_user(username="hanmeimei", password=PASSWORD, display_name="韩梅梅",
                             org_id=campus.world.uni.id, roles=["student"])
    cid = _cid(_file(web("hanmeimei"), {**DORM, "anonymous": "on"}, [(PNG, "韩梅梅的宿舍.png")]))
    disp = web("disp")
    assert "韩梅梅" in _get(disp, f"/complaints/{cid}")  # the dispatcher knows
    _step(disp, cid, {"action": "assign", "department_id": campus.logistics_id}, "complaint_dispatch")
    logi = web("logi")
    detail = _get(logi, f"/complaints/{cid}")
    assert "宿舍热水器坏了" in detail and 'data-testid="complainant">匿名<' in detail
    task_link = re.search(r'href="(/tasks/\d+)" data-testid="task-link"', detail).group(1)
    with app.app_context():
        instance_id = db.session.get(Complaint, cid).instance_id
    pages = [detail, _get(logi, "/complaints/department"), _get(logi, task_link),
             _get(logi, f"/instances/{instance_id}")]
    for html in pages:
        assert "韩梅梅" not in html and "hanmeimei" not in html
    assert "韩梅梅" not in _get(web("lead"), f"/complaints/{cid}")


def test_psych_ticket_is_hidden_from_the_leadership_and_other_departments(campus, web) -> None:
    cid = _cid(_file(web("stu"), PSYCH))
    disp = web("disp")
    page = _get(disp, f"/complaints/{cid}")
    options = re.findall(r'<option value="(\d+)"', page.split('id="f-department_id"')[1].split("</select>")[0])
    assert options == [str(campus.psych_id)]  # only the 心理中心
    _step(disp, cid, {"action": "assign", "department_id": campus.psych_id}, "complaint_dispatch")
    assert f'data-complaint="{cid}"' in _get(web("psy"), "/complaints/department")
    for who in ("lead", "logi", "aca", "stu2", "moe1", "zdisp"):
        _get(web(who), f"/complaints/{cid}", 404)
    for who in ("logi", "aca"):
        html = _get(web(who), "/complaints/department")
        assert f'data-complaint="{cid}"' not in html and "最近失眠焦虑" not in html


def _figures(app, world) -> None:
    with app.app_context():
        hand_computed_fixture(world)


def _card(html: str, key: str) -> str:
    return re.search(rf'data-testid="metric-{key}">\s*([^<]*)<', html).group(1).strip()


def test_metrics_page_shows_the_fixtures_figures_and_definitions(app, world, web, monkeypatch) -> None:
    _figures(app, world)
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 22, 9, 0, tzinfo=BJ))
    world.user("disp", "dispatcher")
    html = _get(web("disp"), "/complaints/metrics")
    assert (_card(html, "response_rate"), _card(html, "resolution_rate"), _card(html, "satisfaction_rate"),
            _card(html, "avg_handling_hours"), _card(html, "overdue")) == ("75.0%", "66.7%", "66.7%", "85 小时", "1")
    assert 'data-testid="total">6<' in html
    table = html.split('data-testid="department-table"')[1].split("</table>")[0]
    assert re.search(r"后勤保障处</td><td[^>]*>5</td>\s*<td[^>]*>75.0%</td>", table)
    assert "校长信箱" in html.split('data-testid="channel-table"')[1]
    assert "响应率 = 在答复期限内答复的交办件" in html and "满意率 = （满意 + 基本满意）÷ 已评价的诉求" in html
    chart = re.search(r'data-chart="response-rates" data-series="([^"]*)"', html).group(1)
    assert "后勤保障处" in chart and "75.0" in chart
    assert "vendor/echarts/echarts.min.js" in html and "<script>" not in html
    later = _get(web("disp"), "/complaints/metrics?from=2026-11-03&to=2026-11-30")
    assert 'data-testid="total">0<' in later and 'value="2026-11-03"' in later
    world.user("moe1", "moe_reviewer")
    national = _get(web("moe1"), "/complaints/metrics")
    assert 'data-testid="scope">全国' in national and f'<option value="{world.uni.id}"' in national
    assert "北京航空航天大学" in _get(web("moe1"), f"/complaints/metrics?org_id={world.uni.id}")
    world.user("zdisp", "dispatcher", world.other_uni)
    _get(web("zdisp"), f"/complaints/metrics?org_id={world.uni.id}", 404)
    world.user("stu", "student")
    _get(web("stu"), "/complaints/metrics", 403)


def test_department_table_exports_as_csv_and_xlsx(app, world, web, monkeypatch) -> None:
    _figures(app, world)
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 22, 9, 0, tzinfo=BJ))
    world.user("lead", "university_admin")
    lead = web("lead")
    response = lead.get("/complaints/metrics.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["部门", "交办件数", "响应率（%）", "解决率（%）", "满意率（%）", "平均办理时长（小时）",
                       "逾期数"]
    assert rows[1] == ["后勤保障处", "5", "75.0", "66.7", "66.7", "85.0", "1"]
    sheet = load_workbook(io.BytesIO(lead.get("/complaints/metrics.xlsx").data)).active
    assert [c.value for c in sheet[2]] == ["后勤保障处", 5, 75.0, 66.7, 66.7, 85.0, 1]


def test_the_national_page_and_export_rank_universities(app, world, web, monkeypatch) -> None:
    _figures(app, world)
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 22, 9, 0, tzinfo=BJ))
    world.user("moe1", "moe_reviewer")
    html = _get(web("moe1"), "/complaints/metrics")
    table = html.split('data-testid="department-table"')[1].split("</table>")[0]
    assert "<th>高校</th>" in table and f'data-university="{world.uni.id}"' in table
    assert re.search(r"北京航空航天大学</td><td[^>]*>5</td>\s*<td[^>]*>75.0%</td>", table)
    assert "后勤保障处" not in table  # no department of any university in the nation's ranking
    rows = list(csv.reader(io.StringIO(web("moe1").get("/complaints/metrics.csv").data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["高校", "交办件数", "响应率（%）"] and rows[1][:3] == ["北京航空航天大学", "5", "75.0"]


def test_topics_page_shows_keywords_sparklines_and_a_spike(app, world, web, monkeypatch) -> None:
    now = datetime(2026, 11, 26, 12, 0, tzinfo=BJ)
    monkeypatch.setattr(clock, "now", lambda: now)
    with app.app_context():
        weekly_spike(world.uni.id, now)
    world.user("moe1", "moe_reviewer")
    html = _get(web("moe1"), "/complaints/topics")
    row = re.search(r'<tr data-word="热水器">.*?</tr>', html, re.S).group(0)
    assert 'data-testid="spike">激增<' in row and 'data-chart="sparkline"' in row
    assert "&#34;counts&#34;: [0, 0, 0, 0, 0, 0, 0, 4]" in row
    canteen = re.search(r'<tr data-word="食堂">.*?</tr>', html, re.S).group(0)
    assert "激增" not in canteen
    assert 'data-testid="spike-alert"' in html


def test_nav_by_role(campus, web) -> None:
    def nav(who: str) -> str:
        return _get(web(who), "/").split('data-testid="main-nav"')[1].split("<!-- /main-nav -->")[0]

    assert "我要反映" in nav("stu") and "我的反映" in nav("stu") and "接诉即办" not in nav("stu")
    assert "接诉即办" in nav("disp") and ">统计<" in nav("disp") and "部门工单" not in nav("disp")
    assert "部门工单" in nav("logi") and ">统计<" in nav("logi")
    assert "接诉统计" in nav("lead") and "热点" not in nav("lead")
    assert "接诉统计" in nav("moe1") and "热点" in nav("moe1") and "我要反映" not in nav("moe1")
