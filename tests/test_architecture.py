"""The rules of DESIGN.md that a reviewer would otherwise have to remember."""

from __future__ import annotations

import ast
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db

APP = Path(__file__).resolve().parent.parent / "app"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _layer(path: Path, root: Path) -> str:
    rel = path.relative_to(root)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _violations(root: Path = APP) -> list[str]:
    found: list[str] = []
    for path in root.rglob("*.py"):
        layer, imports = _layer(path, root), _imports(path)
        rel = path.relative_to(root.parent)

        def bad(reason: str, names: set[str], rel: Path = rel) -> None:
            found.extend(f"{rel}: {reason}: {name}" for name in sorted(names))

        spiff = {n for n in imports if n.split(".")[0] == "SpiffWorkflow"}
        if layer != "engine":
            bad("only app/engine may import SpiffWorkflow", spiff)
        if layer == "engine":
            bad("the engine knows no Flask or database",
                {n for n in imports if n.split(".")[0] in {"flask", "flask_sqlalchemy", "sqlalchemy",
                                                           "flask_login", "werkzeug"}})
            bad("the engine imports only itself and app.errors",
                {n for n in imports if n.startswith("app.") and not n.startswith(("app.engine",
                                                                                   "app.errors"))})
        upper = {n for n in imports if n.startswith(("app.api", "app.web", "app.cli", "app.jobs"))}
        if path != root / "__init__.py" and layer not in {"api", "web", "cli", "jobs"}:
            bad("nothing below the surfaces imports api/web/cli/jobs", upper)
        if layer in {"api", "web", "cli", "jobs"}:
            # `flask scheduler` (cli) runs the jobs; otherwise no surface imports another.
            allowed = {layer, "jobs"} if layer == "cli" else {layer}
            bad("surfaces do not import each other",
                {n for n in upper if n.split(".")[1] not in allowed})
        if layer in {"services", "models", "engine"}:
            bad("services and models never touch the request",
                {n for n in imports if n in {"flask.request", "flask.abort", "flask.session"}})
        if layer == "models":
            bad("models do not import services", {n for n in imports if n.startswith("app.services")})
    return found


def test_imports_point_down() -> None:
    assert _violations() == []


def test_the_rule_checker_catches_a_violation(tmp_path: Path) -> None:
    fake = tmp_path / "app"
    (fake / "services").mkdir(parents=True)
    (fake / "services" / "bad.py").write_text("from app.web.pages import home\nfrom flask import request\n")
    (fake / "engine").mkdir()
    (fake / "engine" / "bad.py").write_text("import flask\n")
    problems = _violations(fake)
    assert any("api/web" in p for p in problems)
    assert any("request" in p for p in problems)
    assert any("no Flask" in p for p in problems)


def test_migrations_match_the_models(app) -> None:  # noqa: ANN001
    """A model change without a migration fails here: the migrated schema must equal the models."""
    with app.app_context(), db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []
