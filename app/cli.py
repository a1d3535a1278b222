"""Flask commands: create-user, seed-demo, timers fire, processes deploy, metrics rebuild, hot-topics index,
scheduler."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import cast

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from werkzeug.local import LocalProxy

from app.core import accounts, clock
from app.errors import ValidationFailed
from app.install import seed_demo as seed
from app.models import ROLES
from app.workflow import processes, timers

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
@click.option("--org-id", type=click.IntRange(1, 2**31 - 1), default=None, help="所属单位编号（高校角色必填）")
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


timers_group = AppGroup("timers", help="Workflow timers.")


@timers_group.command("fire")
@click.option("--at", "at", default=None,
              help="ISO 8601 instant (default: now); without an offset, Beijing time")
def timers_fire_command(at: str | None) -> None:
    """Fire every timer due at that instant and print how many fired."""
    moment = _parse_instant(at) if at else clock.now()
    result = timers.tick(moment)
    click.echo(f"fired {result['fired']} timer(s); reminders {result['reminded']}, overdue notices "
               f"{result['overdue']}")


def _parse_instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO 8601 date-time: {text!r}", param_hint="--at") from exc
    return moment.replace(tzinfo=clock.SHANGHAI) if moment.tzinfo is None else moment


processes_group = AppGroup("processes", help="BPMN process definitions.")


@processes_group.command("deploy")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def processes_deploy_command(path: Path | None) -> None:
    """Validate and deploy the BPMN files in workflows/ (or PATH). Exit 1 if any is invalid."""
    reports = processes.deploy_path(path or processes.WORKFLOWS_DIR)
    invalid = False
    for report in reports:
        if report.problems:
            invalid = True
            click.echo(f"{report.path}: invalid", err=True)
            for problem in report.problems:
                where = f"line {problem['line']}: " if problem.get("line") else ""
                click.echo(f"  {where}{problem['message']}", err=True)
        else:
            state = "deployed as" if report.created else "unchanged,"
            click.echo(f"{report.path}: {report.key} {state} version {report.version}")
    if not reports:
        click.echo("no .bpmn files found", err=True)
    if invalid or not reports:
        raise SystemExit(1)


instances_group = AppGroup("instances", help="Process instances.")


@instances_group.command("check")
def instances_check_command() -> None:
    """Report instances stuck (running with nothing ready or waiting) or stopped on an error, and ready
    tasks nobody can reach (no assignee, no organisation); exit 1 if any."""
    from app.workflow import instances

    stuck, failed = instances.stuck(), instances.failed()
    for instance in stuck:
        click.echo(f"stuck: instance {instance.id} ({instance.process_key} v{instance.process_version})")
    for instance in failed:
        click.echo(f"error: instance {instance.id} ({instance.process_key} v{instance.process_version}): "
                   f"{instance.error}")
    unreachable = instances.unreachable_tasks()
    for task in unreachable:
        click.echo(f"unreachable: task {task.id} {task.name} of instance {task.instance_id} ({task.process_key}): "
                   f"no assignee and no organisation")
    click.echo(f"{len(stuck)} stuck, {len(failed)} in error, {len(unreachable)} unreachable tasks")
    if stuck or failed or unreachable:
        raise SystemExit(1)


indicators_group = AppGroup("indicators", help="The indicator framework (提质增效指南).")


@indicators_group.command("load")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def indicators_load_command(path: Path | None) -> None:
    """Load the framework files of data/indicators/ (or PATH); an unchanged version is kept, a changed file
    under an existing version is refused (exit 1): a new edition needs a new version."""
    from app.assessment import indicators
    from app.errors import DomainError

    try:
        loaded = [indicators.load_file(path)] if path and path.is_file() else indicators.load_all(path or
                                                                                                 indicators.DATA_DIR)
    except DomainError as exc:
        click.echo(exc.message, err=True)
        for messages in exc.fields.values():
            for message in messages:
                click.echo(f"  {message}", err=True)
        raise SystemExit(1) from exc
    for framework, created in loaded:
        click.echo(f"{framework.version}: {'loaded' if created else 'unchanged'} ({framework.title})")


metrics_group = AppGroup("metrics", help="The complaint figures (接诉即办三率).")


@metrics_group.command("rebuild")
def metrics_rebuild_command() -> None:
    """Recompute the complaint figures' rollup from the complaints and their dispatches (after a bulk load
    or a restore; every change made through the app keeps it exact by itself)."""
    from app.complaints import rollup as complaint_rollup

    rows = complaint_rollup.rebuild_now()
    click.echo(f"complaint_rollup rebuilt: {rows} rows")


hot_topics_group = AppGroup("hot-topics", help="Hot topics (keyword trends of the complaints).")


@hot_topics_group.command("index")
@click.option("--rebuild", is_flag=True,
              help="empty the index first and segment every complaint again (after a change of the stop-word "
                   "list or of jieba)")
@click.option("--batch", type=click.IntRange(1, 10_000), default=None,
              help="complaints segmented and written per transaction")
def hot_topics_index_command(rebuild: bool, batch: int | None) -> None:
    """Put every complaint not yet in the hot-topic keyword index into it (the first deployment, after a
    bulk load or a restore of an older backup; the hourly spike scan indexes new complaints by itself)."""
    from app.complaints import hot_topics

    if rebuild:
        hot_topics.clear_index()
    indexed = hot_topics.index_pending(batch=batch)
    click.echo(f"hot-topic keyword index: {indexed} complaint(s) indexed, {hot_topics.pending_count()} pending")


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the background jobs (timers, reminders, e-mail) in this process until stopped."""
    from app.jobs import run_blocking

    # current_app is typed as the Flask app it stands for; it is a LocalProxy of it.
    run_blocking(cast("LocalProxy[Flask]", current_app)._get_current_object())


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Back up the database and the uploaded files into one new file PATH (a tar archive)."""
    from app.core import backup

    try:
        summary = backup.backup(path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backed up {summary.database}: {sum(summary.tables.values())} rows in {len(summary.tables)} "
               f"tables, {summary.files} file(s) -> {summary.path}")


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="do not ask: replace the database now")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database and put back the uploaded files from the backup PATH."""
    from app.core import backup

    try:
        manifest = backup.read_manifest(path)
    except (backup.BackupError, OSError, ValueError) as exc:
        raise click.ClickException(f"{path} is not a usable backup: {exc}") from exc
    if not yes:
        click.confirm(f"Replace the database with the backup of {manifest.get('created_at')}?", abort=True)
    try:
        summary = backup.restore(path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {summary.database}: {sum(summary.tables.values())} rows in {len(summary.tables)} "
               f"tables, {summary.files} file(s) from {summary.path} (run `flask db upgrade` if it is older)")


files_group = AppGroup("files", help="Uploaded files.")


@files_group.command("strip-metadata")
@click.option("--dry-run", is_flag=True, help="only count the images that still carry metadata; change nothing")
def files_strip_metadata_command(dry_run: bool) -> None:
    """Strip EXIF/GPS, XMP and text metadata from the images stored before uploads were stripped (each
    change audited; a second run changes nothing). Exit 1 if any image could not be read or stripped."""
    from app.core import image_backfill

    report = image_backfill.strip_stored(dry_run=dry_run)
    for ids, reason in report.failed:
        click.echo(f"failed: stored_file {', '.join(map(str, ids))}: {reason}", err=True)
    verb = "would change" if dry_run else "changed"
    click.echo(f"checked {report.checked} stored image(s): {verb} {report.changed}, failed {report.failed_rows}"
               + (" (dry run: nothing written)" if dry_run else ""))
    if report.failed:
        raise SystemExit(1)


def register_cli(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(timers_group)
    app.cli.add_command(processes_group)
    app.cli.add_command(instances_group)
    app.cli.add_command(indicators_group)
    app.cli.add_command(metrics_group)
    app.cli.add_command(hot_topics_group)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(files_group)
