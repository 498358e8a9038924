"""A household moved from its SQLite file into PostgreSQL and back by the installed chorectl (issue 15).

What a script reads from it (exports and the log as CSV) is the same, byte for
byte, on the file, on the server and on the file it came back into: the same
rows, the same times in the same local zone, the same money.
"""

from __future__ import annotations

import pytest

from tests.e2e.helpers import PIN, Scene, script_env


def _household(folder):
    run = Scene(script_env(folder))
    run("init", "--currency", "€", pin=PIN)
    for name in ("Amy", "Zoë", "Ben"):
        run("member", "add", name, pin=PIN)
    run("member", "add", "Mum", "--parent", pin=PIN)
    run("chore", "add", "Dishes, plates", "--reward", "1.10", "--assign", "Amy,Zoë", "--every", "daily", pin=PIN)
    run("chore", "add", "Bins", "--reward", "0.50-2", pin=PIN)
    run("done", "Dishes, plates", "--as", "Amy", "--note", 'with "soap", really')
    run("done", "Dishes, plates", "--as", "Zoë")
    run("done", "Bins", "--as", "Ben")
    run("approve", "1", pin=PIN)
    run("reject", "2", "--reason", "=not done", pin=PIN)
    run("approve", "3", "--reward", "1.25", pin=PIN)
    run("adjust", "Zoë", "-0.35", "--reason", "late", pin=PIN)
    run("pay", "Amy", "0.60", "--note", "ice cream", pin=PIN)
    run("reset")
    run("pay", "Ben", "0.01", pin="0909", expect=3)
    run.play()


@pytest.fixture
def home(made):
    return made(_household)


def _lines(run, db: str, *args: str) -> list[str]:
    return run("--db", db, *args).stdout.splitlines(keepends=True)


def test_a_household_copied_to_postgresql_and_back_reads_the_same(home, run, pg_server, tmp_path):
    file = str(run.db)
    url = pg_server.new_household()
    back = str(tmp_path / "back.db")
    run("copy", "--to", url, pin=PIN)
    run("--db", url, "copy", "--to", back, pin=PIN)

    for export in ("ledger", "completions", "members", "chores"):
        here = run("--db", file, "export", export, "-f", "csv").stdout
        assert here.count("\n") > 2, export
        assert run("--db", url, "export", export, "-f", "csv").stdout == here, export
        assert run("--db", back, "export", export, "-f", "csv").stdout == here, export

    # The log: each copy's log is its source's, line for line, then the copy's own lines.
    source, server, returned = (_lines(run, db, "log", "-f", "csv", "--all") for db in (file, url, back))
    assert server[: len(source)] == source
    # the copy, the roles a server's household is given (as init gives them), then the PIN that let
    # the copy back through, which also keeps the PIN's verifier there for other machines to join
    copied, roles, pin_ok, verifier = server[len(source) :]
    assert copied.split(",")[3:5] == ["copy", f"from {file}"]
    assert roles.split(",")[3] == "roles" and "chorectl_parent" in roles and "chorectl_child" in roles
    assert pin_ok.split(",")[3] == "pin ok"
    assert verifier.split(",")[3] == "pin verifier"
    assert returned[: len(server)] == server
    (copied_back,) = returned[len(server) :]
    assert copied_back.split(",")[3:5] == ["copy", f"from {url}"]

    # The PIN in this machine's keyring opens each copy.
    for db in (url, back):
        run("--db", db, "pay", "Ben", "0.01", pin=PIN)
        run("--db", db, "pay", "Ben", "0.01", pin="0909", expect=3)
