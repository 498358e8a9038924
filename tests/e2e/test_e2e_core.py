"""The installed ``chorectl`` in a subprocess, as a parent's script or cron would run it."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

from tests.e2e.helpers import PIN
from tests.helpers import shows


def test_a_family_session(run):
    run("init", pin=PIN)
    for name in ("Amy", "Ben"):
        run("member", "add", name, pin=PIN)
    run("member", "add", "Mum", "--parent", pin=PIN)
    run("chore", "add", "Dishes", "--reward", "2", "--assign", "Amy", pin=PIN)
    run("chore", "add", "Tidy room", "--reward", "1-3", "--assign", "Amy", pin=PIN)
    run("chore", "add", "Homework", "--reward", "1.50", "--assign", "Amy,Ben", pin=PIN)
    run("chore", "add", "Walk dog", "--reward", "$0.75", pin=PIN)

    run("done", "Dishes")  # one assignee: no --as needed
    run("done", "tidy room")
    run("done", "Homework", "--as", "amy")
    run("done", "Homework", CHORECTL_MEMBER="Ben")
    run("done", "Walk dog", "--as", "Ben")
    taken = run("done", "walk dog", "--as", "Amy", expect=1)
    assert taken.stderr.startswith("Error: 'Walk dog' was already done")

    pending = json.loads(run("approvals", "--format", "json").stdout)
    assert [(p["id"], p["chore"], p["member"]) for p in pending] == [
        (1, "Dishes", "Amy"),
        (2, "Tidy room", "Amy"),
        (3, "Homework", "Amy"),
        (4, "Homework", "Ben"),
        (5, "Walk dog", "Ben"),
    ]
    run("approve", "2", expect=2, pin=PIN)  # a range reward in a script needs --reward
    run("approve", "1", "3", "4", pin=PIN)
    run("approve", "2", "--reward", "2.25", pin=PIN)
    run("reject", "5", "--reason", "the dog was not walked", pin=PIN)
    run("done", "walk dog", "--as", "Amy")  # rejected: open again
    run("approve", "--all", pin=PIN)
    run("pay", "Amy", "3", "--note", "pocket money", pin=PIN)
    run("adjust", "Amy", "-0.50", "--reason", "late", pin=PIN)
    run("adjust", "Ben", "+2", "--reason", "helped", pin=PIN)

    balances = list(csv.DictReader(io.StringIO(run("balance", "-f", "csv").stdout)))
    assert balances == [
        {
            "member": "Amy",
            "earned": "6.50",
            "bonuses": "0.00",
            "penalties": "-0.50",
            "paid": "-3.00",
            "balance": "3.00",
            "member_id": "1",
        },
        {
            "member": "Ben",
            "earned": "1.50",
            "bonuses": "2.00",
            "penalties": "0.00",
            "paid": "0.00",
            "balance": "3.50",
            "member_id": "2",
        },
    ]
    ledger = list(csv.DictReader(io.StringIO(run("ledger", "-f", "csv").stdout)))
    assert [(r["member"], r["kind"], r["amount"], r["completion_id"], r["note"]) for r in ledger] == [
        ("Amy", "reward", "2.00", "1", "Dishes"),
        ("Amy", "reward", "1.50", "3", "Homework"),
        ("Ben", "reward", "1.50", "4", "Homework"),
        ("Amy", "reward", "2.25", "2", "Tidy room"),
        ("Amy", "reward", "0.75", "6", "Walk dog"),
        ("Amy", "payout", "-3.00", "", "pocket money"),
        ("Amy", "penalty", "-0.50", "", "late"),
        ("Ben", "bonus", "2.00", "", "helped"),
    ]
    assert json.loads(run("approvals", "-f", "json").stdout) == []
    history = json.loads(run("ledger", "Ben", "-f", "json").stdout)
    assert sum(round(h["amount"] * 100) for h in history) == 350

    table = run("balance").stdout
    assert "$3.00" in table and "-$3.00" in table and "$3.50" in table

    # The database holds no PIN and no hash.
    raw = run.db.read_bytes()
    assert PIN.encode() not in raw and b"$2b$" not in raw


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


def test_database_file_is_private(run):
    run("init", pin=PIN)
    assert run.db.exists()
    assert oct(run.db.stat().st_mode & 0o777) == oct(0o600)


def test_python_dash_m_works(run):
    proc = subprocess.run([sys.executable, "-m", "chorectl", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert proc.stdout.startswith("chorectl ")
