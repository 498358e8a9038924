"""The layers go one way (issue 13): cli -> services -> domain / db / security, never upward.

Every import in every module, function-level ones included (commands import
lazily), is checked against what its layer may use.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "chorectl"

# What each layer may import of chorectl ("" is the package itself: its version).
MAY_USE = {
    "cli": {"cli", "services", "domain", "errors", ""},
    "services": {"services", "domain", "db", "security", "errors", ""},
    "security": {"security", "domain", "errors"},
    "db": {"db", "domain", "errors"},
    "domain": {"domain", "errors"},
}
# Libraries a layer must not touch: services return plain values, no Typer or Rich;
# the domain is pure; the command line reaches SQL only through services.
MUST_NOT_USE = {
    "cli": {"sqlite3", "sqlalchemy", "sqlmodel", "keyring", "bcrypt", "alembic"},
    "services": {"typer", "click", "rich"},
    "security": {"typer", "click", "rich", "sqlalchemy", "sqlmodel"},
    "db": {"typer", "click", "rich"},
    "domain": {"typer", "click", "rich", "sqlalchemy", "sqlmodel", "sqlite3", "keyring", "bcrypt"},
}


def imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) > 1:
            yield parts[0], path


def test_every_module_is_in_a_layer():
    assert {layer for layer, _ in modules()} == set(MAY_USE)


@pytest.mark.parametrize("layer", sorted(MAY_USE))
def test_imports_go_one_way(layer):
    wrong = []
    for found, path in modules():
        if found != layer:
            continue
        for line, name in imports(path):
            top, _, rest = name.partition(".")
            if top == "chorectl":
                if rest.partition(".")[0] not in MAY_USE[layer]:
                    wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}")
            elif top in MUST_NOT_USE[layer]:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}")
    assert wrong == []


def test_the_rule_sees_a_wrong_import(tmp_path):
    """The check itself works: a command module that imports the database layer is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("def run():\n    from chorectl.db.engine import make_engine\n")
    assert list(imports(bad)) == [(2, "chorectl.db.engine")]


SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|PRAGMA|BEGIN|CREATE|DROP|ALTER)\b\s+\S")


def sql_strings(path: Path):
    """String literals that read as SQL statements (upper-case keywords, as this code writes SQL)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
            yield node.lineno, node.value.strip().splitlines()[0][:60]


def test_the_command_line_runs_no_sql():
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line} {sql!r}"
        for layer, path in modules()
        if layer == "cli"
        for line, sql in sql_strings(path)
    ]
    assert found == []


def test_the_sql_rule_sees_a_statement(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('def run(conn):\n    """Nothing to see."""\n    conn.execute("SELECT id FROM member")\n')
    assert list(sql_strings(bad)) == [(3, "SELECT id FROM member")]
