"""The error envelope of API.md for every kind of bad input; never a 500."""

from __future__ import annotations

from tests.conftest import bearer


def _error(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"])
    return body["error"]


def test_malformed_json_is_400(client) -> None:
    response = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert _error(response)["code"] == "bad_request"


def test_wrong_media_type_is_415(client) -> None:
    response = client.post("/api/v1/auth/token", data="username=a", content_type="text/plain")
    assert response.status_code == 415
    assert _error(response)["code"] == "unsupported_media_type"


def test_missing_fields_are_422_with_field_messages(client) -> None:
    response = client.post("/api/v1/auth/token", json={"username": "a"})
    assert response.status_code == 422
    assert "password" in _error(response)["fields"]


def test_wrong_json_shape_is_422(client) -> None:
    response = client.post("/api/v1/auth/token", json=["a", "b"])
    assert response.status_code == 422
    _error(response)


def test_oversized_body_is_413(client, world, app) -> None:
    world.user("root", "process_admin")
    headers = bearer(client, "root")
    big = {"name": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10), "kind": "ministry"}
    response = client.post("/api/v1/orgs", json=big, headers=headers)
    assert response.status_code == 413
    assert _error(response)["code"] == "too_large"


def test_unknown_route_and_wrong_method(client) -> None:
    assert _error(client.get("/api/v1/nothing-here"))["code"] == "not_found"
    response = client.put("/api/v1/auth/token", json={})
    assert response.status_code == 405
    _error(response)


def test_bad_query_parameter_is_422(client, world) -> None:
    world.user("root", "process_admin")
    response = client.get("/api/v1/orgs?limit=abc", headers=bearer(client, "root"))
    assert response.status_code == 422
    assert "limit" in _error(response)["fields"]


def test_openapi_document_is_served_and_describes_the_contract(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/auth/token", "/api/v1/orgs", "/api/v1/orgs/{org_id}", "/api/v1/users"):
        assert path in spec["paths"], path
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_ids_beyond_32_bits_are_404_not_a_database_error(client, world) -> None:
    world.user("root", "process_admin")
    headers = bearer(client, "root")
    for path in ("/api/v1/tasks/99999999999", "/api/v1/orgs/99999999999", "/api/v1/instances/99999999999"):
        assert client.get(path, headers=headers).status_code == 404, path
