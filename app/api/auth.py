"""POST/DELETE /auth/token, GET /me."""

from flask import g, request
from flask_smorest import Blueprint

from app.api.auth_context import current_user, public
from app.core import auth
from app.schemas.auth import MeSchema, TokenRequestSchema, TokenSchema

blp = Blueprint("api_auth", __name__, url_prefix="/api/v1", description="认证：令牌的签发与吊销")


@blp.route("/auth/token", methods=["POST"])
@blp.arguments(TokenRequestSchema)
@blp.response(200, TokenSchema)
@blp.alt_response(401, description="用户名或密码错误")
@blp.alt_response(429, description="失败次数过多")
@public
def create_token(body: dict) -> dict:
    """Exchange a username and password for a bearer token."""
    user = auth.authenticate(body["username"], body["password"], request.remote_addr or "-")
    issued = auth.issue_token(user)
    return {"token": issued.token, "expires_at": issued.expires_at}


@blp.route("/auth/token", methods=["DELETE"])
@blp.response(204)
def revoke_token() -> None:
    """Revoke the token this request is made with."""
    auth.revoke_token(g.api_token)


@blp.route("/me", methods=["GET"])
@blp.response(200, MeSchema)
def me() -> dict:
    """The account the token belongs to."""
    user = current_user()
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "org_id": user.org_id, "roles": user.roles}
