"""The tests are in tiers, one folder each, and this test holds the rule (issue 13).

    tests/unit/     pure rules: chorectl.domain and chorectl.errors, nothing with a database
    tests/service/  services, the database and the keyring on a temp SQLite file; no Typer, no CliRunner
    tests/cli/      the commands through Typer's CliRunner, in this process
    tests/e2e/      other processes: the installed chorectl, pexpect, cron shells, other tools
    tests/repo/     the repository itself (layers, docs, lint, this rule); never runs chorectl

A test file lives in the tier of the heaviest thing it uses, no lower and no
higher, with no exceptions: starting any process makes it e2e; Typer, Click,
Rich, chorectl.cli or the ``cli``/``household`` fixtures make it cli;
chorectl.db, chorectl.services, chorectl.security, SQL or the keyring make it
service; anything else is unit. Helper modules (conftest.py, helpers.py) in a
tier may use that tier's things and those below. Every test file is in a tier
folder, and ``e2e`` is marked by the folder (tests/conftest.py), never by hand.

Read from the source (imports, function-level ones too, names and calls), not
by running the tests.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
ORDER = ("unit", "service", "cli", "e2e")  # each may use what the ones before it use
TIERS = (*ORDER, "repo")

# Imported modules (and their submodules) that put a file in a tier.
PROCESS_MODULES = {"subprocess", "pexpect", "pty", "multiprocessing", "tests.e2e"}
CLI_MODULES = {"typer", "click", "rich", "chorectl.cli"}
SERVICE_MODULES = {
    "chorectl.db",
    "chorectl.services",
    "chorectl.security",
    "sqlite3",
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "keyring",
    "keyrings",
    "bcrypt",
}
# os functions that start a process; names that stand for the installed chorectl or a process pool.
OS_PROCESS = {"system", "popen", "fork", "forkpty", "posix_spawn", "posix_spawnp"}
OS_PROCESS_PREFIXES = ("exec", "spawn")
PROCESS_NAMES = {"chorectl_path", "ProcessPoolExecutor", "create_subprocess_exec", "create_subprocess_shell"}
# Shared modules that start a database server (the PostgreSQL counterpart of the SQLite file),
# never chorectl: every tier below e2e may use the server.
SERVERS = {"pg.py"}
# Fixtures of tests/conftest.py that run chorectl through CliRunner.
CLI_FIXTURES = {"cli", "household"}
# What a repo check must never do: run chorectl (it may run developer tools such as ruff).
REPO_FORBIDDEN = {"imports pexpect", "imports pty", "imports tests.e2e", "chorectl_path"}


def _within(name: str, modules: set[str]) -> str | None:
    for module in modules:
        if name == module or name.startswith(module + "."):
            return module
    return None


def uses(path: Path) -> dict[str, list[str]]:
    """What *path* uses, by tier: {"e2e": [...], "cli": [...], "service": [...]}, each a list of reasons."""
    found: dict[str, list[str]] = {"e2e": [], "cli": [], "service": []}
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        for name in names:
            for tier, modules in (("e2e", PROCESS_MODULES), ("cli", CLI_MODULES), ("service", SERVICE_MODULES)):
                if module := _within(name, modules):
                    found[tier].append(f"line {node.lineno}: imports {module}")
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            for alias in node.names:
                if alias.name in OS_PROCESS or alias.name.startswith(OS_PROCESS_PREFIXES):
                    found["e2e"].append(f"line {node.lineno}: os.{alias.name}")
        if isinstance(node, ast.ImportFrom):
            found["e2e"] += [f"line {node.lineno}: {a.name}" for a in node.names if a.name in PROCESS_NAMES]
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
            and (node.attr in OS_PROCESS or node.attr.startswith(OS_PROCESS_PREFIXES))
        ):
            found["e2e"].append(f"line {node.lineno}: os.{node.attr}")
        if isinstance(node, ast.Name | ast.Attribute):
            name = node.id if isinstance(node, ast.Name) else node.attr
            if name in PROCESS_NAMES:
                found["e2e"].append(f"line {node.lineno}: {name}")
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for arg in node.args.args + node.args.kwonlyargs:
                if arg.arg in CLI_FIXTURES:
                    found["cli"].append(f"line {node.lineno}: {node.name} takes the {arg.arg} fixture")
    by_line = lambda reason: (int(reason.split()[1].rstrip(":")), reason)  # noqa: E731
    return {tier: sorted(set(reasons), key=by_line) for tier, reasons in found.items()}


def heaviest(found: dict[str, list[str]]) -> str:
    return next((tier for tier in reversed(ORDER) if found.get(tier)), "unit")


def marks_e2e(path: Path) -> list[int]:
    """Lines that mark a test ``e2e`` by hand (``pytest.mark.e2e``, ``mark.e2e``)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "e2e"
        and isinstance(node.value, ast.Attribute | ast.Name)
        and (node.value.attr if isinstance(node.value, ast.Attribute) else node.value.id) == "mark"
    ]


def is_test_file(path: Path) -> bool:
    return path.suffix == ".py" and (path.name.startswith("test_") or path.name.endswith("_test.py"))


def problems(tests: Path) -> list[str]:
    """Every breach of the rule under the folder *tests*, one line each."""
    found = []
    for path in sorted(tests.rglob("*.py")):
        where = path.relative_to(tests)
        tier = where.parts[0] if len(where.parts) > 1 else None
        if tier not in TIERS:
            if is_test_file(path):
                found.append(f"{where}: a test file outside the tier folders {', '.join(TIERS)}")
            elif tier is None and heaviest(uses(path)) == "e2e" and where.name not in SERVERS:
                found.append(f"{where}: shared by every tier, yet starts processes: {uses(path)['e2e']}")
            continue
        for line in marks_e2e(path):
            found.append(f"{where}:{line}: marks e2e by hand; the folder tests/e2e/ marks it")
        used = uses(path)
        if tier == "repo":
            things = {reason.split(": ", 1)[1] for reasons in used.values() for reason in reasons}
            if things & REPO_FORBIDDEN:
                found.append(f"{where}: a repo check must not run chorectl: {sorted(things & REPO_FORBIDDEN)}")
            continue
        is_at = heaviest(used)
        if ORDER.index(is_at) > ORDER.index(tier):
            found.append(f"{where}: in {tier}/ but uses {is_at} things: {used[is_at]}")
        elif is_test_file(path) and is_at != tier:
            found.append(f"{where}: in {tier}/ but uses nothing beyond {is_at}: it belongs in tests/{is_at}/")
    return found


def test_every_test_file_is_in_its_tier():
    found = problems(TESTS)
    assert not found, "misplaced (see the rule at the top of tests/repo/test_tiers.py):\n" + "\n".join(found)


def test_the_tier_folders_are_all_there():
    assert {p.name for p in TESTS.iterdir() if p.is_dir() and (p / "__init__.py").exists()} == set(TIERS)


# ---------------------------------------------------------------- the rule sees a misplaced file


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "tests" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path / "tests"


HEAVY_FILES = {
    "unit/test_db.py": "from chorectl.db.engine import make_engine\n",
    "unit/test_typer.py": "def test_x():\n    from typer.testing import CliRunner\n",
    "unit/test_fixture.py": "def test_x(household):\n    pass\n",
    "service/test_runner.py": "from typer.testing import CliRunner\n\nimport chorectl.services\n",
    "service/test_cli.py": "import sqlite3\n\ndef test_x(cli):\n    pass\n",
    "cli/test_spawn.py": "import subprocess\n\ndef test_x(cli):\n    subprocess.run(['chorectl'])\n",
    "cli/test_exe.py": "from tests.e2e.helpers import chorectl_path\n\ndef test_x(cli):\n    pass\n",
    "cli/test_fork.py": "import os\n\ndef test_x(cli):\n    os.fork()\n",
    "cli/test_execv.py": "import os\n\ndef test_x(household):\n    os.execv('/bin/true', ['true'])\n",
}


@pytest.mark.parametrize("name", sorted(HEAVY_FILES))
def test_a_file_below_its_tier_is_refused(tmp_path, name):
    (found,) = problems(_tree(tmp_path, {name: HEAVY_FILES[name]}))
    assert found.startswith(f"{name}: in {name.split('/')[0]}/ but uses ")


LIGHT_FILES = {
    "e2e/test_pure.py": "from chorectl.domain.money import parse_amount\n",
    "cli/test_service.py": "from chorectl.services import members\n",
    "service/test_pure.py": "from chorectl.domain.text import clean_name\n",
}


@pytest.mark.parametrize("name", sorted(LIGHT_FILES))
def test_a_file_above_its_tier_is_refused(tmp_path, name):
    (found,) = problems(_tree(tmp_path, {name: LIGHT_FILES[name]}))
    assert "uses nothing beyond" in found


def test_a_test_file_outside_the_tiers_is_refused(tmp_path):
    tree = _tree(tmp_path, {"test_flat.py": "def test_x():\n    pass\n", "misc/test_odd.py": "", "helpers.py": ""})
    assert problems(tree) == [
        "misc/test_odd.py: a test file outside the tier folders unit, service, cli, e2e, repo",
        "test_flat.py: a test file outside the tier folders unit, service, cli, e2e, repo",
    ]


def test_a_hand_made_e2e_mark_is_refused(tmp_path):
    tree = _tree(tmp_path, {"e2e/test_x.py": "import pytest\nimport subprocess\n\npytestmark = pytest.mark.e2e\n"})
    assert problems(tree) == ["e2e/test_x.py:4: marks e2e by hand; the folder tests/e2e/ marks it"]


def test_a_repo_check_may_run_ruff_but_not_chorectl(tmp_path):
    tree = _tree(
        tmp_path,
        {
            "repo/test_ok.py": "import subprocess\n\ndef test_x():\n    subprocess.run(['ruff'])\n",
            "repo/test_bad.py": "from tests.e2e.helpers import chorectl_path\n",
        },
    )
    assert problems(tree) == [
        "repo/test_bad.py: a repo check must not run chorectl: ['chorectl_path', 'imports tests.e2e']"
    ]


def test_helpers_may_serve_their_tier(tmp_path):
    tree = _tree(
        tmp_path,
        {
            "e2e/helpers.py": "import subprocess\n",
            "cli/conftest.py": "import sqlite3\n",
            "conftest.py": "def cli():\n    from typer.testing import CliRunner\n",
            "helpers.py": "import subprocess\n",
        },
    )
    assert problems(tree) == ["helpers.py: shared by every tier, yet starts processes: ['line 1: imports subprocess']"]
