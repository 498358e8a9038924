"""What a parent's script does, run through CliRunner in this process.

Moved down from the e2e tier (tests/e2e/test_e2e_core.py, test_e2e_security.py
and test_e2e_output.py), where each command was a process of its own though
nothing in them needs one: no terminal, pipe, signal, cron or other tool. The
keyring is set here as the keyring library would set it from
PYTHON_KEYRING_BACKEND. Still run from the outside, by the installed chorectl:
a whole day (the README's, tests/e2e/test_e2e_readme.py), cron without a
keyring (test_e2e_cron.py), and the PIN's prompt, file keyring and Secret
Service (test_e2e_security.py).
"""

from __future__ import annotations

import csv
import io
import json
import stat
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from tests.conftest import PIN
from tests.helpers import db_path, shows

PLAINTEXT = "keyrings.alt.file.PlaintextKeyring"
NO_GOAL = {"goal": "", "goal_target": "", "goal_saved": ""}  # a child without a savings goal


class Script:
    """Runs chorectl commands as a script would, keeping every output; like the e2e tier's Runner."""

    def __init__(self, cli) -> None:
        self.cli = cli
        self.outputs: list[tuple[tuple[str, ...], str, str]] = []

    def __call__(self, *args: str, pin: str | None = None, expect: int = 0, **env: str):
        result = self.cli(list(args), pin=pin, env=env)
        self.outputs.append((args, result.stdout, result.stderr))
        assert result.exit_code == expect, (args, result.exit_code, result.stdout, result.stderr, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        return result


def test_a_family_session(cli):
    pin = "2468even"  # letters too: digits alone may turn up in the file's hex ids and timestamps
    run = Script(cli)
    run("init", pin=pin)
    for name in ("Amy", "Ben"):
        run("member", "add", name, pin=pin)
    run("member", "add", "Mum", "--parent", pin=pin)
    run("chore", "add", "Dishes", "--reward", "2", "--assign", "Amy", pin=pin)
    run("chore", "add", "Tidy room", "--reward", "1-3", "--assign", "Amy", pin=pin)
    run("chore", "add", "Homework", "--reward", "1.50", "--assign", "Amy,Ben", pin=pin)
    run("chore", "add", "Walk dog", "--reward", "$0.75", pin=pin)

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
    run("approve", "2", expect=2, pin=pin)  # a range reward in a script needs --reward
    run("approve", "1", "3", "4", pin=pin)
    run("approve", "2", "--reward", "2.25", pin=pin)
    run("reject", "5", "--reason", "the dog was not walked", pin=pin)
    run("done", "walk dog", "--as", "Amy")  # rejected: open again
    run("approve", "--all", pin=pin)
    run("pay", "Amy", "3", "--note", "pocket money", pin=pin)
    run("adjust", "Amy", "-0.50", "--reason", "late", pin=pin)
    run("adjust", "Ben", "+2", "--reason", "helped", pin=pin)

    balances = list(csv.DictReader(io.StringIO(run("balance", "-f", "csv").stdout)))
    assert balances == [
        {
            "member": "Amy",
            "earned": "6.50",
            "bonuses": "0.00",
            "penalties": "-0.50",
            "paid": "-3.00",
            "balance": "3.00",
            "redeemed": "0.00",
            **NO_GOAL,
            "member_id": "1",
        },
        {
            "member": "Ben",
            "earned": "1.50",
            "bonuses": "2.00",
            "penalties": "0.00",
            "paid": "0.00",
            "balance": "3.50",
            "redeemed": "0.00",
            **NO_GOAL,
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
    raw = db_path().read_bytes()
    assert pin.encode() not in raw and b"$2b$" not in raw


def test_without_any_keyring_children_and_listings_still_work(cli, ring):
    """As with PYTHON_KEYRING_BACKEND=keyring.backends.fail.Keyring (a process with it: test_e2e_cron.py)."""
    run = Script(cli)
    run("init", pin=PIN)
    run("member", "add", "Amy", pin=PIN)
    run("chore", "add", "Dishes", "--reward", "2", "--assign", "Amy", pin=PIN)
    keyring.set_keyring(fail.Keyring())  # no keyring at all
    run("done", "Dishes")
    for args in (["chore", "list"], ["approvals"], ["balance"], ["ledger"], ["member", "list"]):
        run(*args)
    denied = run("approve", "1", pin=PIN, expect=3)
    assert denied.stderr.startswith("Error: the parent PIN cannot be checked: no OS keyring is available")
    assert not shows(PIN, denied.stderr)
    keyring.set_keyring(ring)  # the keyring is back
    run("approve", "1", pin="0000", expect=3)
    run("approve", "1", expect=3)  # no PIN and no terminal
    run("approve", "1", pin=PIN)


def test_database_file_is_private(cli):
    cli.parent("init")
    assert stat.S_IMODE(db_path().stat().st_mode) == 0o600


@pytest.mark.parametrize("timeout", ["inf", "nan", "-1", "1e400", "\udcff"])
def test_any_keyring_timeout_is_a_number_of_seconds(household, timeout):
    """A CHORECTL_KEYRING_TIMEOUT that is no usable number (even bytes that are not UTF-8) is the default."""
    result = household(["member", "add", "Cleo"], pin=PIN, env={"CHORECTL_KEYRING_TIMEOUT": timeout})
    assert result.exit_code == 0, (result.stderr, result.exception)


def test_a_whole_session_never_shows_or_stores_the_pin(cli, tmp_path, monkeypatch):
    """With keyrings.alt's file keyring, so a file the keyring writes is searched too."""
    from keyrings.alt.file import PlaintextKeyring

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", PLAINTEXT)
    keyring.set_keyring(PlaintextKeyring())  # its file is in this test's XDG_DATA_HOME
    pin = "7391zebra"
    # Wrong PINs no timestamp or number holds: "0000" once matched a stored time's microseconds.
    wrongs = ["7391zebrb", "00qq", "7391ZEBRA", "zebra7391"]
    run = Script(cli)
    db = db_path()

    run("init", "--currency", "€", pin=pin)
    run("member", "add", "Amy", pin=pin)
    run("member", "add", "Ben", pin=pin)
    run("member", "add", "Mum", "--parent", pin=pin)
    run("chore", "add", "Dishes", "--reward", "2", "--assign", "Amy", pin=pin)
    run("chore", "add", "Homework", "--reward", "1-3", "--assign", "Amy,Ben", pin=pin)
    run("done", "Dishes")
    run("done", "Homework", "--as", "Ben")
    run("approve", "1", pin=wrongs[0], expect=3)
    run("approve", "1", pin=wrongs[1], expect=3)
    run("approve", "1", pin=pin)  # a right PIN clears the count: no lockout
    run("approve", "2", "--reward", "2.50", pin=wrongs[2], expect=3)
    run("approve", "2", "--reward", "2.50", pin=wrongs[3], expect=3)
    run("approve", "2", "--reward", "2.50", pin=pin)
    run("approve", "2", expect=3)  # no PIN and no terminal
    run("pay", "Amy", "1", "--note", "pocket money", pin=pin)
    run("adjust", "Ben", "+0.50", "--reason", "helped", pin=pin)
    run("member", "rename", "Ben", "Benny", pin=pin)
    run("log", "-f", "csv")
    run("log")
    run("export", "ledger")
    run("export", "ledger", "--output", str(tmp_path / "ledger.csv"))
    run("export", "completions", "-f", "json")
    run("export", "members", "-f", "jsonl")
    run("doctor")
    run("ledger")
    run("ledger", "-f", "json")
    run("balance")
    run("balance", "-f", "csv")

    log = run("log", "-f", "csv").stdout
    assert "pin failed" in log  # the wrong attempts are audited, without what was typed
    assert "keyrings.alt.file.PlaintextKeyring at " in run("doctor").stdout  # the file keyring was the one used

    secrets = [pin, *wrongs]
    for args, out, err in run.outputs:
        for secret in secrets:
            assert secret not in out and secret not in err, (args, secret, out, err)

    raw = db.read_bytes()
    assert pin.encode() not in raw
    assert b"$2b$" not in raw  # the hash lives in the keyring only
    for sidecar in (Path(f"{db}-wal"), Path(f"{db}-journal")):
        if sidecar.exists():
            data = sidecar.read_bytes()
            assert pin.encode() not in data and b"$2b$" not in data, sidecar

    # No file chorectl wrote anywhere (database, exports, unlock folder, keyring) holds the PIN.
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert any(path.name == "keyring_pass.cfg" for path in files), files
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, (path, secret)
