"""Organisations and users through the API (API.md), with access checked per object."""

from __future__ import annotations

from app.extensions import db
from app.models import User
from tests.conftest import PASSWORD, bearer


def test_process_admin_creates_orgs_and_users(app, client, world) -> None:
    world.user("root", "process_admin")
    headers = bearer(client, "root")
    uni = client.post("/api/v1/orgs", json={"name": "新大学", "kind": "university", "province": "江苏",
                                             "school_type": "undergraduate"}, headers=headers)
    assert uni.status_code == 201
    uni_id = uni.get_json()["id"]
    dept = client.post("/api/v1/orgs", json={"name": "后勤处", "kind": "department", "parent_id": uni_id},
                       headers=headers)
    assert dept.status_code == 201
    assert dept.get_json()["province"] == "江苏"  # inherited from the university

    user = client.post("/api/v1/users", json={"username": "newadmin", "password": "Secret-2026",
                                               "display_name": "新经办人", "org_id": uni_id,
                                               "roles": ["university_admin"]}, headers=headers)
    assert user.status_code == 201
    body = user.get_json()
    assert body["roles"] == ["university_admin"] and "password" not in body
    with app.app_context():
        stored = db.session.scalar(db.select(User).where(User.username == "newadmin"))
        assert stored.password_hash.startswith("$argon2id$")
    assert client.post("/api/v1/auth/token",
                       json={"username": "newadmin", "password": "Secret-2026"}).status_code == 200


def test_org_validation_errors_name_the_fields(client, world) -> None:
    world.user("root", "process_admin")
    headers = bearer(client, "root")
    orphan = client.post("/api/v1/orgs", json={"name": "某部门", "kind": "department"}, headers=headers)
    assert orphan.status_code == 422
    assert "parent_id" in orphan.get_json()["error"]["fields"]
    bad_kind = client.post("/api/v1/orgs", json={"name": "x", "kind": "club"}, headers=headers)
    assert bad_kind.status_code == 422 and "kind" in bad_kind.get_json()["error"]["fields"]
    dup = client.post("/api/v1/orgs", json={"name": "浙江大学", "kind": "university"}, headers=headers)
    assert dup.status_code == 422 and "name" in dup.get_json()["error"]["fields"]
    missing_parent = client.post("/api/v1/orgs", json={"name": "x", "kind": "department", "parent_id": 99999},
                                 headers=headers)
    assert missing_parent.status_code == 422


def test_user_validation_errors_name_the_fields(client, world) -> None:
    world.user("root", "process_admin")
    headers = bearer(client, "root")
    base = {"username": "root", "password": "short", "display_name": "x", "org_id": world.ministry.id,
            "roles": ["student"]}
    response = client.post("/api/v1/users", json=base, headers=headers)
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert {"username", "password", "roles"} <= set(fields)
    unknown_role = client.post("/api/v1/users", json={**base, "username": "u2", "password": "Good-pass-1",
                                                       "roles": ["king"]}, headers=headers)
    assert unknown_role.status_code == 422 and "roles.0" in unknown_role.get_json()["error"]["fields"]


def test_only_process_admin_may_create(client, world) -> None:
    world.user("moe1", "moe_reviewer")
    world.user("stu", "student")
    for username in ("moe1", "stu"):
        headers = bearer(client, username)
        assert client.post("/api/v1/orgs", json={"name": "x", "kind": "ministry"},
                           headers=headers).status_code == 403
        assert client.post("/api/v1/users", json={"username": "x", "password": PASSWORD, "display_name": "x",
                                                  "org_id": world.uni.id, "roles": ["student"]},
                           headers=headers).status_code == 403


def test_org_list_filters_and_is_for_national_roles(client, world) -> None:
    world.user("moe1", "moe_reviewer")
    world.user("uadmin", "university_admin")
    body = client.get("/api/v1/orgs?kind=university", headers=bearer(client, "moe1")).get_json()
    assert body["total"] == 2 and {o["name"] for o in body["items"]} == {"北京航空航天大学", "浙江大学"}
    depts = client.get(f"/api/v1/orgs?parent_id={world.uni.id}", headers=bearer(client, "moe1")).get_json()
    assert [o["id"] for o in depts["items"]] == [world.logistics.id]
    assert client.get("/api/v1/orgs", headers=bearer(client, "uadmin")).status_code == 403


def test_another_universitys_org_is_404(client, world) -> None:
    world.user("uadmin", "university_admin")
    headers = bearer(client, "uadmin")
    assert client.get(f"/api/v1/orgs/{world.uni.id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/orgs/{world.logistics.id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/orgs/{world.other_uni.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/orgs/{world.other_logistics.id}", headers=headers).status_code == 404
    assert client.get("/api/v1/orgs/999999", headers=headers).status_code == 404
