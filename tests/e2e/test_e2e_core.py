"""The installed ``chorectl`` in a subprocess, as a parent's script or cron would run it: what only a
process shows (the keyring chosen by the environment, what an interpreter imports, ``python -m``).

A whole family's session is in tests/cli/test_cli_scripts.py (through CliRunner: nothing in it needs
a process) and, through the installed chorectl, in test_e2e_readme.py (the README's family's day).
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.e2e.helpers import PIN
from tests.helpers import shows


def test_without_any_keyring_children_and_listings_still_work(run):
    run("init", pin=PIN)
    run("member", "add", "Amy", pin=PIN)
    run("chore", "add", "Dishes", "--reward", "2", "--assign", "Amy", pin=PIN)
    no_keyring = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    run("done", "Dishes", **no_keyring)
    for args in (["chore", "list"], ["approvals"], ["balance"], ["ledger"], ["member", "list"]):
        run(*args, **no_keyring)
    denied = run("approve", "1", pin=PIN, expect=3, **no_keyring)
    assert denied.stderr.startswith("Error: the parent PIN cannot be checked: no OS keyring is available")
    assert not shows(PIN, denied.stderr)
    run("approve", "1", pin="0000", expect=3)
    run("approve", "1", expect=3)  # no PIN and no terminal
    run("approve", "1", pin=PIN)


def test_help_does_not_import_sqlalchemy(run, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "chorectl", "--help"],
        capture_output=True,
        text=True,
        env=dict(os.environ, CHORECTL_DB=str(tmp_path / "x.db")),
    )
    assert proc.returncode == 0
    assert "Usage: " in proc.stdout
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    heavy = {
        name for name in imported if name.split(".")[0] in ("sqlalchemy", "sqlmodel", "keyring", "bcrypt", "pydantic")
    }
    assert heavy == set()
    assert not (tmp_path / "x.db").exists()  # --help opens no database


def test_a_command_imports_only_its_own_module(run):
    """Commands load lazily: `balance` does not import (or build) the other thirty."""
    run("init", pin=PIN)
    code = (
        "import sys\n"
        "from chorectl.cli import main\n"
        "sys.argv = ['chorectl', 'balance']\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert not exit.code, exit.code\n"
        "print(*sorted(m for m in sys.modules if m.startswith('chorectl.cli.')), file=sys.stderr)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ, CHORECTL_DB=str(run.db))
    )
    assert proc.returncode == 0, proc.stderr[-500:]
    commands = set(proc.stderr.split())
    assert "chorectl.cli.money" in commands
    others = {"chores", "members", "household", "review", "storage", "export", "doctor", "log", "reset"}
    assert commands & {f"chorectl.cli.{name}" for name in others} == set()


def test_python_dash_m_works(run):
    proc = subprocess.run([sys.executable, "-m", "chorectl", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert proc.stdout.startswith("chorectl ")
