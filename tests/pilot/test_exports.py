"""Lists of applications and pilots, and their CSV/XLSX exports."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from app.core import exports
from tests.conftest import bearer
from tests.pilot.test_applications_api import FORM


def test_pilot_list_filters_and_exports(app, client, world) -> None:
    world.user("moe1", "moe_reviewer")
    world.user("stu", "student")
    h = bearer(client, "moe1")
    body = client.get("/api/v1/pilots?province=浙江", headers=h).get_json()
    assert body["total"] == 1 and body["items"][0]["name"] == "浙江大学"
    assert client.get("/api/v1/pilots", headers=bearer(client, "stu")).status_code == 403
    response = client.get("/api/v1/pilots/export?format=csv", headers=h)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["编号", "学校", "省份", "办学类型", "试点类型", "批次"]
    assert sorted(r[1] for r in rows[1:]) == ["北京航空航天大学", "浙江大学"]
    assert {r[4] for r in rows[1:]} == {"教育部认定试点"}
    xlsx = client.get("/api/v1/pilots/export?format=xlsx&province=北京", headers=h)
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    assert [c.value for c in sheet[2]][1:3] == ["北京航空航天大学", "北京"]
    assert client.get("/api/v1/pilots/export?format=pdf", headers=h).status_code == 422


def test_application_export_neutralises_formulas(app, client, world) -> None:
    world.user("op1", "operator")
    app.test_cli_runner().invoke(args=["processes", "deploy"])
    assert client.post("/api/v1/pilot-applications",
                       json={**FORM, "contact_name": "=HYPERLINK(\"http://x\")"}).status_code == 201
    response = client.get("/api/v1/pilot-applications/export?format=csv&status=submitted",
                          headers=bearer(client, "op1"))
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[1][1] == FORM["university_name"] and rows[1][4] == "待审核"
    assert rows[1][8].startswith("'=")


def test_render_refuses_unknown_format() -> None:
    import pytest

    from app.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        exports.render("doc", [("a", "A")], [])
