"""app/engine stays a pure library: no Flask, no SQLAlchemy, nothing from app/ but app.errors."""

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "app" / "engine"
FORBIDDEN_ROOTS = {"flask", "flask_sqlalchemy", "sqlalchemy", "werkzeug"}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_engine_imports_only_what_it_may():
    offenders = []
    for path in sorted(ENGINE.glob("*.py")):
        for module in imported_modules(path):
            root = module.split(".")[0]
            inside_app = root == "app" and not (module == "app.errors" or module.startswith("app.engine"))
            if root in FORBIDDEN_ROOTS or inside_app:
                offenders.append(f"{path.name}: {module}")
    assert offenders == []
