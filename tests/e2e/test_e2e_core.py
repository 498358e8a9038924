"""The installed ``chorectl`` in a subprocess: what only a process shows (what an interpreter
imports, ``python -m``).

A whole family's session, and one without any keyring, are in tests/cli/test_cli_scripts.py
(through CliRunner: nothing in them needs a process); through the installed chorectl, the README's
family's day runs in test_e2e_readme.py and cron's keyring-less reset in test_e2e_cron.py.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.e2e.helpers import PIN, Scene


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
    scene = Scene(run.env)  # a household to read: one process, chorectl's own app
    scene("init", pin=PIN)
    scene.play()
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
