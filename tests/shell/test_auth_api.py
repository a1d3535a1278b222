"""POST/DELETE /api/v1/auth/token: tokens, expiry, revocation and login throttling."""

from __future__ import annotations

from datetime import timedelta

from app.core import clock
from app.extensions import db
from app.models import User
from tests.conftest import PASSWORD, bearer


def test_token_grants_access_and_wrong_password_is_401(client, world) -> None:
    world.user("alice", "process_admin")
    assert client.get("/api/v1/me").status_code == 401
    headers = bearer(client, "alice")
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["username"] == "alice" and me["roles"] == ["process_admin"]

    wrong = client.post("/api/v1/auth/token", json={"username": "alice", "password": "nope-1234"})
    assert wrong.status_code == 401
    assert wrong.get_json()["error"]["code"] == "unauthorized"
    unknown = client.post("/api/v1/auth/token", json={"username": "ghost", "password": PASSWORD})
    assert unknown.status_code == 401


def test_token_response_has_iso_expiry_with_offset(client, world) -> None:
    world.user("alice", "student")
    body = client.post("/api/v1/auth/token", json={"username": "alice", "password": PASSWORD}).get_json()
    assert body["expires_at"][-6:] in {"+00:00", "+08:00"}
    assert len(body["token"]) >= 40


def test_revoked_token_stops_working(client, world) -> None:
    world.user("alice", "student")
    headers = bearer(client, "alice")
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_expired_token_is_refused(client, world, monkeypatch) -> None:
    world.user("alice", "student")
    headers = bearer(client, "alice")
    later = clock.now() + timedelta(hours=13)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_deactivated_user_token_is_refused(client, world, app) -> None:
    user = world.user("alice", "student")
    headers = bearer(client, "alice")
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_account_is_throttled_after_repeated_failures(client, world) -> None:
    world.user("alice", "student")
    for _ in range(5):
        assert client.post("/api/v1/auth/token",
                           json={"username": "alice", "password": "wrong-123"}).status_code == 401
    # Even the right password is refused while the account is throttled.
    throttled = client.post("/api/v1/auth/token", json={"username": "alice", "password": PASSWORD})
    assert throttled.status_code == 429
    assert throttled.get_json()["error"]["code"] == "too_many_requests"


def test_throttle_window_expires(client, world, monkeypatch) -> None:
    world.user("alice", "student")
    for _ in range(5):
        client.post("/api/v1/auth/token", json={"username": "alice", "password": "wrong-123"})
    later = clock.now() + timedelta(minutes=16)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert client.post("/api/v1/auth/token",
                       json={"username": "alice", "password": PASSWORD}).status_code == 200


def test_address_is_throttled_across_accounts(client, world) -> None:
    world.user("alice", "student")
    for i in range(20):
        client.post("/api/v1/auth/token", json={"username": f"guess{i}", "password": "wrong-123"})
    assert client.post("/api/v1/auth/token",
                       json={"username": "alice", "password": PASSWORD}).status_code == 429
    # Another address is not affected.
    other = client.post("/api/v1/auth/token", json={"username": "alice", "password": PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other.status_code == 200
