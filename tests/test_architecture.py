"""The rules of the house (README "Architecture"), each checked on the code and on a planted violation.

A module is a *surface* when it answers a request or a command: anything under `web/` (the shell's or a
domain's), an `api.py` or `app/api/`, `cli.py`, `jobs/`. Everything else in a domain is a *service*."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db

APP = Path(__file__).resolve().parent.parent / "app"
DOMAINS = {"complaints", "posts", "pilot", "assessment", "dashboard"}
LOWER = {"engine", "models", "core", "workflow"}  # import no domain
SHELL = {"api", "web", "cli", "jobs", "install", "__init__"}  # may import any domain's public face
MAX_LINES = 400
# Modules still over MAX_LINES, with their length when the rule came in: the list may only shrink.
TOO_LONG = {
    "app/engine/expressions.py": 411,
}


class Module:
    def __init__(self, path: Path, root: Path) -> None:
        self.path, self.rel = path, path.relative_to(root).as_posix()
        self.parts = path.relative_to(root).with_suffix("").parts
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.lines = path.read_text(encoding="utf-8").count("\n")

    @property
    def top(self) -> str:
        return self.parts[0]

    @property
    def surface(self) -> bool:
        return (self.top in {"api", "web", "cli", "jobs"} or "web" in self.parts[1:]
                or self.parts[-1] == "api")

    def imports(self) -> list[tuple[str, str | None]]:
        """(module, imported name or None) for every absolute import, type-checking ones included."""
        found: list[tuple[str, str | None]] = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                found.extend((alias.name, None) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.extend((node.module, alias.name) for alias in node.names)
        return found


def _modules(root: Path) -> list[Module]:
    return [Module(path, root) for path in sorted(root.rglob("*.py"))]


def _public_face(root: Path, domain: str) -> set[str]:
    init = root / "app" / domain / "__init__.py"
    if not init.exists():
        return set()
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return set(ast.literal_eval(node.value))
    return set()


def _domain_of(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "app" and parts[1] in DOMAINS else None


def rule_layers(m: Module, root: Path) -> list[str]:
    """SpiffWorkflow stays in the engine, the engine knows no Flask, lower layers name no domain,
    nothing below the surfaces imports one, and only the factory loads modules by name."""
    found = []
    for name, _ in m.imports():
        top = name.split(".")[0]
        if top == "SpiffWorkflow" and m.top != "engine":
            found.append(f"only app/engine imports SpiffWorkflow: {name}")
        if m.top == "engine" and (top in {"flask", "flask_sqlalchemy", "sqlalchemy", "flask_login",
                                          "werkzeug"}
                                  or name.startswith("app.") and not name.startswith(("app.engine",
                                                                                      "app.errors"))):
            found.append(f"the engine imports only itself and app.errors: {name}")
        if m.top in LOWER and (_domain_of(name) or name.startswith("app.install")):
            found.append(f"{m.top} imports no domain: {name}")
        if (not m.surface and m.top not in SHELL and m.parts[-1] != "plugin"
                and name.startswith(("app.api", "app.web", "app.cli", "app.jobs"))):
            found.append(f"services do not import surfaces: {name}")
        if top == "importlib" and m.rel != "app/__init__.py":
            found.append("only the factory loads modules by name (importlib)")
    for node in ast.walk(m.tree):
        if isinstance(node, ast.Name) and node.id == "__import__":
            found.append("only the factory loads modules by name (__import__)")
    return found


def rule_public_faces(m: Module, root: Path) -> list[str]:
    """Another domain is reached through its `__init__` only, and only dashboard and the shell reach."""
    found = []
    mine = m.top
    for name, imported in m.imports():
        other = _domain_of(name)
        if other is None or other == mine or (m.rel == "__init__.py" and name.endswith(".plugin")):
            continue
        if mine in DOMAINS and mine != "dashboard":
            found.append(f"{mine} reads no other domain: {name}")
        elif name != f"app.{other}" or imported not in _public_face(root.parent, other):
            found.append(f"{other} is imported through its __init__'s __all__: {name}.{imported}")
    return found


QUERY_BUILDERS = {"select", "update", "insert", "delete", "text"}
SESSION_WORK = {"commit", "rollback", "execute", "scalars", "scalar", "flush", "begin_nested"}


def rule_surfaces_do_no_database_work(m: Module, root: Path) -> list[str]:
    if not m.surface:
        return []
    found = []
    for name, imported in m.imports():
        if name.split(".")[0] == "sqlalchemy" and imported in QUERY_BUILDERS:
            found.append(f"surfaces build no query: sqlalchemy.{imported}")
    for node in ast.walk(m.tree):
        if isinstance(node, ast.Attribute) and node.attr in SESSION_WORK | {"query"}:
            found.append(f"surfaces leave the session to services: .{node.attr}")
    return found


REQUEST_STATE = {"request", "g", "session", "abort", "current_app"}


def rule_services_do_not_touch_the_request(m: Module, root: Path) -> list[str]:
    if m.surface or m.top in SHELL or m.parts[-1] == "plugin":
        return []
    found = []
    flask_names = set()
    for name, imported in m.imports():
        if name == "flask" and imported is None:
            flask_names.add("flask")
        if name == "flask" and imported in REQUEST_STATE - {"current_app"}:
            found.append(f"services never touch the request: flask.{imported}")
        if name.startswith("flask.") and name.split(".")[1] in {"globals", "helpers"}:
            found.append(f"services never touch the request: {name}")
        if name == "flask_login" and imported == "current_user":
            found.append("services never touch the request: flask_login.current_user")
    for node in ast.walk(m.tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in flask_names and node.attr in REQUEST_STATE - {"current_app"}):
            found.append(f"services never touch the request: flask.{node.attr}")
    return found


def rule_small_modules(m: Module, root: Path) -> list[str]:
    rel = f"app/{m.rel}"
    limit = TOO_LONG.get(rel, MAX_LINES)
    if m.lines > limit:
        return [f"{m.lines} lines (at most {limit}): split it by what it holds"]
    if rel in TOO_LONG and m.lines <= MAX_LINES:
        return [f"now {m.lines} lines: take it off TOO_LONG"]
    return []


RULES: list[Callable[[Module, Path], list[str]]] = [
    rule_layers, rule_public_faces, rule_surfaces_do_no_database_work,
    rule_services_do_not_touch_the_request, rule_small_modules,
]


def _violations(rule: Callable[[Module, Path], list[str]], root: Path = APP) -> list[str]:
    return [f"{m.rel}: {problem}" for m in _modules(root) for problem in rule(m, root)]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_the_house_keeps_its_rules(rule: Callable[[Module, Path], list[str]]) -> None:
    assert _violations(rule) == []


def _plant(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "app"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


PLANTED = {
    "rule_layers": {
        "engine/bad.py": "import flask\n",
        "core/bad.py": "from app.complaints import cases\n",
        "workflow/bad.py": "from app.posts.writing import publish\n",
        "complaints/cases.py": "from app.web.pages import home\n",
        "workflow/loader.py": "import importlib\n",
        "models/loader.py": "m = __import__('app.posts')\n",
    },
    "rule_public_faces": {
        "posts/__init__.py": "__all__ = ['public']\n",
        "dashboard/bad.py": "from app.posts.writing import publish\nfrom app.posts import writing\n",
        "pilot/bad.py": "from app.posts import public\n",
        "web/pages.py": "from app.posts.public import home\n",
    },
    "rule_surfaces_do_no_database_work": {
        "web/bad.py": "from sqlalchemy import select\nfrom app.extensions import db\ndb.session.rollback()\n",
        "posts/api.py": "from app.extensions import db\ndb.session.commit()\n",
        "complaints/web/work.py": "from app.models import User\nUser.query.all()\n",
    },
    "rule_services_do_not_touch_the_request": {
        "posts/writing.py": "from flask import request\n",
        "core/bad.py": "import flask\nflask.g.user = None\n",
        "pilot/stats.py": "from flask_login import current_user\n",
        "workflow/tasks.py": "from flask.globals import session\n",
    },
    "rule_small_modules": {
        "core/long.py": "x = 1\n" * (MAX_LINES + 1),
        "engine/expressions.py": "x = 1\n" * 10,
    },
}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_each_rule_catches_a_planted_violation(rule: Callable[[Module, Path], list[str]],
                                               tmp_path: Path) -> None:
    files = PLANTED[rule.__name__]
    root = _plant(tmp_path, files)
    problems = _violations(rule, root)
    for rel in files:
        if rel.endswith("__init__.py"):
            continue
        assert any(p.startswith(rel) for p in problems), (rel, problems)


def test_a_public_face_import_is_allowed(tmp_path: Path) -> None:
    root = _plant(tmp_path, {"posts/__init__.py": "__all__ = ['public']\n",
                             "dashboard/ok.py": "from app.posts import public\n",
                             "web/ok.py": "from app.posts import public\n"})
    assert _violations(rule_public_faces, root) == []


def test_migrations_match_the_models(app) -> None:
    """A model change without a migration fails here: the migrated schema must equal the models."""
    with app.app_context(), db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []
