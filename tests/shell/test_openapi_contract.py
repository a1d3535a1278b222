"""The OpenAPI document and the HTTP answers that go with it (issue "Every journey as smooth as the
best", point 4): public operations say `security: []`, a required body is required, a 405 says what is
allowed, a 415 names what is taken, and an endpoint's roles come before its body."""

from __future__ import annotations

from tests.conftest import bearer

PUBLIC = {("post", "/api/v1/auth/token"), ("post", "/api/v1/pilot-applications"),
          ("get", "/api/v1/pilot-applications/{tracking_code}"), ("get", "/api/v1/public/posts")}


def test_public_operations_need_no_token_in_the_document(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    for method, path in PUBLIC:
        assert spec["paths"][path][method]["security"] == [], (method, path)
    assert "security" not in spec["paths"]["/api/v1/complaints"]["post"]  # the document's default: bearer


def test_a_required_body_is_required(app, client, world) -> None:
    assert app.test_cli_runner().invoke(args=["processes", "deploy"]).exit_code == 0
    world.user("admin", "process_admin")
    response = client.post("/api/v1/processes/info_report/instances", headers=bearer(client, "admin"))
    assert response.status_code == 422
    assert response.get_json()["error"]["message"] == "请求体不能为空，请发送 JSON 对象"


def test_405_names_the_allowed_methods(client) -> None:
    response = client.patch("/api/v1/processes")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_415_names_the_media_types_the_endpoint_takes(client, world) -> None:
    world.user("admin", "process_admin")
    response = client.post("/api/v1/processes", data="x", content_type="text/plain",
                           headers=bearer(client, "admin"))
    assert response.status_code == 415
    message = response.get_json()["error"]["message"]
    assert "application/xml" in message and "multipart/form-data" in message


def test_the_roles_of_an_endpoint_come_before_its_body(client, world) -> None:
    world.user("stu", "student")
    for path in ("/api/v1/orgs", "/api/v1/users", "/api/v1/review-windows", "/api/v1/assessment-rounds"):
        response = client.post(path, json={}, headers=bearer(client, "stu"))
        assert response.status_code == 403, (path, response.get_json())
        assert response.get_json()["error"]["message"] == "无权执行此操作"
