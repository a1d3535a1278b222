"""Flask commands: create-user, seed-demo (more arrive with the workflow core)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from app.errors import ValidationFailed
from app.models import ROLES
from app.services import accounts, seed

# Where an account lands when --org-id is not given, for roles that belong to a national body.
_HOME_ORG = {
    "process_admin": ("全国高校思想政治工作网", "operator"),
    "operator": ("全国高校思想政治工作网", "operator"),
    "moe_reviewer": ("教育部思想政治工作司", "ministry"),
}


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
@click.option("--org-id", type=int, default=None, help="所属单位编号（高校角色必填）")
@click.option("--display-name", default=None)
@click.option("--email", default=None)
def create_user_command(username: str, password: str, roles: tuple[str, ...], org_id: int | None,
                        display_name: str | None, email: str | None) -> None:
    """Create an account, e.g. the first process_admin."""
    if org_id is None:
        home = next((_HOME_ORG[r] for r in roles if r in _HOME_ORG), None)
        if home is None:
            raise click.UsageError("--org-id is required for university roles")
        org_id = seed.ensure_top_org(*home).id
    try:
        user = accounts.create_user(username=username, password=password, display_name=display_name,
                                    org_id=org_id, roles=list(roles), email=email)
    except ValidationFailed as exc:
        for field, messages in exc.fields.items():
            click.echo(f"{field}: {'；'.join(messages)}", err=True)
        raise SystemExit(1) from exc
    click.echo(f"created user {user.username} (id {user.id}) in org {user.org_id}, roles {','.join(roles)}")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the Ministry, the operator, the 31 designated pilots and the demo accounts."""
    result = seed.load_demo()
    click.echo(f"universities: {result['universities']}, demo users created: {result['users_created']}")


def register_cli(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
