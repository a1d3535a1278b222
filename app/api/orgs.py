"""Organisations (API.md: POST/GET /orgs, GET /orgs/{id})."""

from flask_smorest import Blueprint

from app.api.auth_context import current_user, roles
from app.core import accounts
from app.schemas.orgs import OrgCreateSchema, OrgListArgs, OrgPageSchema, OrgSchema

blp = Blueprint("api_orgs", __name__, url_prefix="/api/v1",
                description="单位（部委、运营方、高校、院系部门）")


@blp.route("/orgs", methods=["POST"])
@blp.arguments(OrgCreateSchema)
@blp.response(201, OrgSchema)
@roles("process_admin")
def create_org(body: dict) -> object:
    """Create an organisation (process_admin)."""
    actor = current_user()
    return accounts.create_org(**body, actor_id=actor.id)


@blp.route("/orgs", methods=["GET"])
@blp.arguments(OrgListArgs, location="query")
@blp.response(200, OrgPageSchema)
@roles(*accounts.ORG_READERS)
def list_orgs(args: dict) -> dict:
    """List organisations (process_admin, moe_reviewer, operator)."""
    items, total = accounts.list_orgs(**args)
    return {"items": items, "total": total}


@blp.route("/orgs/<int:org_id>", methods=["GET"])
@blp.response(200, OrgSchema)
def get_org(org_id: int) -> object:
    """One organisation, if the caller may see it (else 404)."""
    return accounts.get_org_for(current_user(), org_id)
