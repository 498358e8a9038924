"""``chorectl copy --to``, and backup and restore on a server's household, through the command line.

Each test runs on both backends: the household starts on SQLite and is copied
into a PostgreSQL schema, or starts on PostgreSQL and is copied into a new file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PIN
from tests.helpers import query, shows, snapshot

pytestmark = pytest.mark.usefixtures("backend")


@pytest.fixture
def target(tmp_path, backend, request) -> str:
    """Where the copy goes: the other backend."""
    if backend.postgres:
        return str(tmp_path / "copy.db")
    return request.getfixturevalue("pg_server").new_household()


@pytest.fixture
def busy(household):
    household.parent("chore add Dishes --reward 1.50 --assign Amy")
    household.ok("done Dishes")
    household.parent("approve 1")
    household.parent("adjust Ben +2 --reason birthday")
    household.parent("pay Amy 1")
    return household


def test_copy_moves_the_household_and_the_pin_opens_it(busy, target, backend):
    result = busy.parent(["copy", "--to", target])
    assert result.stdout == ""
    assert result.stderr.startswith("Copied household ")
    assert "3 members, 1 chores, 1 completions, 3 ledger entries" in result.stderr
    assert f"--db {target}" in result.stderr
    there = ["--db", target]
    assert busy.ok([*there, "balance", "-f", "csv"]).stdout == busy.ok("balance -f csv").stdout
    assert busy.ok([*there, "ledger", "-f", "csv"]).stdout == busy.ok("ledger -f csv").stdout
    # The same machine's keyring holds the PIN under the household's id: the copy takes it.
    busy.parent([*there, "member", "add", "Cleo"])
    denied = busy([*there, "member", "add", "Dan"], pin="9999")
    assert denied.exit_code == 3
    log = busy.ok([*there, "log", "--all", "-f", "csv"]).stdout
    copy_line = next(line for line in log.splitlines() if ",copy," in line)
    assert copy_line.endswith(f"from {backend.location if backend.postgres else Path(backend.location).absolute()},")
    assert not shows(PIN, log)


def test_copy_back_again_keeps_the_pin(busy, target, tmp_path, backend, request):
    busy.parent(["copy", "--to", target])
    back = request.getfixturevalue("pg_server").new_household() if backend.postgres else str(tmp_path / "back.db")
    busy.parent(["--db", target, "copy", "--to", back])
    busy.parent(["--db", back, "pay", "Ben", "1"])
    assert busy.ok(["--db", back, "balance", "Ben", "-f", "csv"]).stdout.splitlines()[1].split(",")[5] == "1.00"


def test_copy_is_a_parent_command(busy, target):
    result = busy(["copy", "--to", target])
    assert result.exit_code == 3, result.stderr
    assert result.stderr.startswith("Error: this is a parent command")
    assert busy(["copy", "--to", target], pin="9999").exit_code == 3
    nothing = busy(["--db", target, "balance"])
    assert nothing.exit_code == 1 and "Error: there is no chorectl" in nothing.stderr


def test_copy_refuses_a_target_that_holds_a_household(busy, target):
    busy.parent(["copy", "--to", target])
    before = busy.ok(["--db", target, "log", "--all", "-f", "csv"]).stdout
    source = snapshot(everything=True)
    result = busy(["copy", "--to", target])  # refused before the PIN is asked for: no PIN needed to be told
    assert result.exit_code == 1
    assert snapshot(everything=True) == source  # not even a PIN check in the source's log
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
    assert "already holds a chorectl household" in result.stderr or "exists already" in result.stderr
    assert busy.ok(["--db", target, "log", "--all", "-f", "csv"]).stdout == before


def test_copy_needs_to_and_refuses_a_password_in_the_url(busy):
    missing = busy("copy", pin=PIN)
    assert missing.exit_code == 2 and "--to" in missing.stderr
    password = busy(["copy", "--to", "postgresql+psycopg://amy:secret@/chorectl?host=/nowhere"], pin=PIN)
    assert password.exit_code == 2, password.stderr
    assert "password" in password.stderr and "secret" not in password.stderr


def test_copy_never_writes_over_the_live_database_or_a_device(busy, backend):
    if backend.postgres:
        pytest.skip("a file source")
    before = snapshot()
    for place in (backend.location, "/dev/null"):
        result = busy(["copy", "--to", place], pin=PIN)
        assert result.exit_code == 1, (place, result.stderr)
        assert result.stderr.startswith("Error: will not write the copy to ")
    assert snapshot() == before


def test_a_failed_copy_leaves_the_target_empty(busy, target, backend):
    """The source's running totals tampered with: the rebuilt ones differ, and nothing is copied."""
    if backend.postgres:
        backend.server.psql(f"SET search_path = {backend.location.rpartition('%3D')[2]};"
                            " UPDATE ledger_total SET total = total + 1")  # fmt: skip
    else:
        import sqlite3

        with sqlite3.connect(backend.location) as con:
            con.execute("UPDATE ledger_total SET total = total + 1")
    result = busy(["copy", "--to", target], pin=PIN)
    assert result.exit_code == 1
    assert "wrote nothing: the copied ledger does not add up to the source's balances" in result.stderr
    missing = busy(["--db", target, "balance"])
    assert missing.exit_code == 1 and "Error: there is no chorectl" in missing.stderr


def test_backup_of_a_server_household_restores_into_a_file(busy, tmp_path, backend, monkeypatch):
    if not backend.postgres:
        pytest.skip("a server's household")
    file = tmp_path / "family-backup.db"
    busy.ok(["backup", str(file)])
    refused = busy(["restore", str(file)], pin=PIN)
    assert refused.exit_code == 1
    assert "chorectl copy" in refused.stderr
    monkeypatch.setenv("CHORECTL_DB", str(tmp_path / "restored.db"))
    busy.ok(["restore", str(file)])  # no database there: nothing to check a PIN against
    busy.parent("pay Ben 1")  # the keyring's PIN for this household opens it
    assert query("SELECT count(*) FROM ledger", path=tmp_path / "restored.db") == [(4,)]


def test_help_names_pg_dump():
    from typer.testing import CliRunner

    from chorectl.cli import app

    runner = CliRunner()
    for command in ("copy", "backup"):
        shown = runner.invoke(app, [command, "--help"]).stdout
        assert "pg_dump" in shown, command
