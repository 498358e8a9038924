"""`chorectl join`: the parent PIN on a second machine (issue 15), through the command line.

Two machines are two data folders, each with its own file keyring (and unlock
sessions); the household is on this run's PostgreSQL server, as a shared one is.
"""

from __future__ import annotations

import pytest

from tests.conftest import PIN
from tests.helpers import query

NEW_PIN = "8642"


@pytest.fixture
def shared(pg_server, isolated, monkeypatch) -> str:
    location = pg_server.new_household()
    monkeypatch.setenv("CHORECTL_DB", location)
    return location


@pytest.fixture
def machines(tmp_path):
    """on(machine) -> the environment that makes a command run there."""

    def on(name: str) -> dict[str, str]:
        runtime = tmp_path / f"run-{name}"
        runtime.mkdir(mode=0o700, exist_ok=True)
        return {"XDG_DATA_HOME": str(tmp_path / name), "XDG_RUNTIME_DIR": str(runtime)}

    return on


def test_a_second_machine_joins_and_a_pin_change_elsewhere_sends_it_back_to_join(cli, shared, machines):
    a, b = machines("kitchen"), machines("laptop")
    cli.ok("init --keyring file", pin=PIN, env=a)
    cli.ok("member add Amy", pin=PIN, env=a)

    assert cli.ok("balance", env=b).stdout  # a child's command needs no keyring anywhere
    refused = cli("member add Ben", pin=PIN, env=b)
    assert refused.exit_code == 3
    assert "has not joined" in refused.stderr and "chorectl join" in refused.stderr
    doctor = cli("doctor", env=b)
    assert doctor.exit_code == 1 and "chorectl join" in doctor.stdout

    wrong = cli("join --keyring file", pin="1357", env=b)
    assert wrong.exit_code == 3 and wrong.stderr.startswith("Error: wrong parent PIN")
    assert query("SELECT failed_pins FROM household") == [(1,)]
    joined = cli.ok("join --keyring file", pin=PIN, env=b)
    assert "This machine joined the household" in joined.stderr and "file keyring" in joined.stderr
    assert query("SELECT failed_pins FROM household") == [(0,)]
    cli.ok("member add Ben", pin=PIN, env=b)
    assert cli.ok("doctor", env=b).exit_code == 0

    cli.ok("pin change", pin=PIN, env={**a, "CHORECTL_NEW_PIN": NEW_PIN})
    for pin in (PIN, NEW_PIN):
        stale = cli("member add Cat", pin=pin, env=b)
        assert stale.exit_code == 3, stale.stderr
        error, hint = stale.stderr.splitlines()
        assert error == (
            "Error: the household's parent PIN was changed on another machine; this machine's keyring holds the old one"
        )
        assert hint.startswith("Hint: ") and hint.endswith("chorectl join")
    assert cli("doctor", env=b).exit_code == 1

    cli.ok("join --keyring file", pin=NEW_PIN, env=b)
    cli.ok("member add Cat", pin=NEW_PIN, env=b)
    cli.ok("member add Dan", pin=NEW_PIN, env=a)
    assert cli.ok("doctor", env=b).exit_code == 0 and cli.ok("doctor", env=a).exit_code == 0
    assert [r[0] for r in query("SELECT name FROM member ORDER BY id")] == ["Amy", "Ben", "Cat", "Dan"]
    (verifier,) = query("SELECT hash FROM pin_verifier")
    assert verifier[0].startswith("$2b$")
    assert query("SELECT count(*) FROM pin_keyring") == [(2,)]


def test_join_counts_wrong_pins_towards_the_lockout(cli, shared, machines):
    a, b = machines("kitchen"), machines("laptop")
    cli.ok("init --keyring file", pin=PIN, env=a)
    for _ in range(3):
        assert cli("join --keyring file", pin="1357", env=b).exit_code == 3
    locked = cli("join --keyring file", pin=PIN, env=b)
    assert locked.exit_code == 3 and "locked" in locked.stderr
    assert query("SELECT count(*) FROM pin_keyring") == [(1,)]


def test_join_without_a_pin_or_a_terminal_is_denied(cli, shared, machines):
    cli.ok("init --keyring file", pin=PIN, env=machines("kitchen"))
    result = cli("join --keyring file", env=machines("laptop"))
    assert result.exit_code == 3 and "needs the household's parent PIN" in result.stderr


def test_join_on_a_sqlite_file_is_refused_and_keeps_no_verifier(cli):
    cli.parent("init")
    result = cli("join", pin=PIN)
    assert result.exit_code == 1
    error, hint = result.stderr.splitlines()
    assert error == "Error: this household is in a SQLite file, which is one machine's: there is nothing to join"
    assert "postgresql+psycopg://" in hint
    cli.parent("pin change", env={"CHORECTL_NEW_PIN": NEW_PIN})
    assert query("SELECT count(*) FROM pin_verifier") == [(0,)]
    assert query("SELECT count(*) FROM pin_keyring") == [(0,)]
    assert query("SELECT failed_pins FROM household") == [(0,)]
