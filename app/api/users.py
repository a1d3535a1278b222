"""User accounts (API.md: POST /users)."""

from flask_smorest import Blueprint

from app.api.auth_context import current_user, roles
from app.core import accounts
from app.schemas.users import UserCreateSchema, UserSchema

blp = Blueprint("api_users", __name__, url_prefix="/api/v1", description="用户账号")


@blp.route("/users", methods=["POST"])
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema)
@roles("process_admin")
def create_user(body: dict) -> object:
    """Create an account (process_admin)."""
    actor = current_user()
    return accounts.create_user(**body, actor_id=actor.id)
