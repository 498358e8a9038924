"""The parent PIN done properly: lockout, unlock sessions, pin change/recover, log, doctor.

In-process through the CLI, with the clock moved by time-machine.
"""

from __future__ import annotations

import csv
import io
import json
import os
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import keyring
import pytest
import time_machine
from keyring.backends import fail

from chorectl.domain.lockout import LONGEST_LOCK, lock_after, wait_words
from chorectl.security import session
from tests.conftest import PIN
from tests.helpers import database_errors, execute, on_server, query, shows

pytestmark = pytest.mark.usefixtures("backend")  # each test on a SQLite file and on PostgreSQL

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 11, 21, 18, 0, tzinfo=BERLIN)


@contextmanager
def at(moment: datetime):
    with time_machine.travel(moment, tick=False):
        yield


def log_rows(cli) -> list[dict]:
    return list(csv.DictReader(io.StringIO(cli.ok("log -f csv").stdout)))


# ---------------------------------------------------------------- lockout rule


@pytest.mark.parametrize(
    ("failures", "lock"),
    [
        (0, None),
        (1, None),
        (2, None),
        (3, 30),
        (4, 60),
        (5, 120),
        (6, 240),
        (9, 1920),
        (10, 3600),
        (50, 3600),
        (10**6, 3600),
    ],
)
def test_lock_doubles_up_to_an_hour(failures, lock):
    expected = None if lock is None else timedelta(seconds=lock)
    assert lock_after(failures) == expected
    assert lock_after(failures) is None or lock_after(failures) <= LONGEST_LOCK


@pytest.mark.parametrize(
    ("seconds", "words"), [(0.2, "1 s"), (30, "30 s"), (125, "2 min 5 s"), (3600, "1 h"), (3661, "1 h 1 min 1 s")]
)
def test_wait_words(seconds, words):
    assert wait_words(timedelta(seconds=seconds)) == words


# ---------------------------------------------------------------- lockout in use


def test_wrong_pins_lock_out_and_the_lock_doubles(household):
    cli = household
    with at(START):
        for _ in range(2):
            assert cli("member add Cleo", pin="0000").stderr.startswith("Error: wrong parent PIN\n")
        third = cli("member add Cleo", pin="0000")
        assert third.exit_code == 3
        assert "locked after 3 wrong PINs; try again in 30 s" in third.stderr
        right = cli("member add Cleo", pin=PIN)  # even the right PIN waits
        assert right.exit_code == 3 and "try again in 30 s" in right.stderr
    with at(START + timedelta(seconds=29)):
        assert "try again in 1 s" in cli("member add Cleo", pin=PIN).stderr
    with at(START + timedelta(seconds=31)):
        fourth = cli("member add Cleo", pin="0000")
        assert "locked after 4 wrong PINs; try again in 1 min" in fourth.stderr
    with at(START + timedelta(seconds=31 + 61)):
        cli.ok("member add Cleo", pin=PIN)  # a right PIN clears the count
        assert query("SELECT failed_pins, locked_until FROM household") == [(0, None)]
        for _ in range(2):
            cli("member add Dora", pin="0000")
        cli.ok("member add Dora", pin=PIN)  # two typos then the right PIN: no lock
    assert query("SELECT name FROM member WHERE name IN ('Cleo', 'Dora')") == [("Cleo",), ("Dora",)]


def test_open_commands_ignore_the_lockout(household):
    for _ in range(3):
        household("member add Cleo", pin="0000")
    for command in ("member list", "balance", "chore list", "approvals", "ledger", "today", "digest", "reset", "log"):
        household.ok(command)


def test_pin_attempts_are_logged_without_the_pin(household):
    household("pay Amy 1", pin="9876")
    rows = log_rows(household)
    failed = [r for r in rows if r["action"] == "pin failed"]
    assert len(failed) == 1
    assert failed[0]["actor"] == "unknown"
    assert "chorectl pay" in failed[0]["detail"] and "CHORECTL_PIN" in failed[0]["detail"]
    assert [r["action"] for r in rows].count("pin ok") == 3  # one per parent command (the three member adds)
    text = household.ok("log -f json").stdout
    assert not shows("9876", text) and not shows(PIN, text)


# ---------------------------------------------------------------- unlock / lock


def test_unlock_lets_parent_commands_run_without_a_pin_until_it_expires(household):
    cli = household
    with at(START):
        result = cli.parent("unlock --minutes 10")
        assert "Unlocked until 2026-11-21T18:10:00+01:00" in result.stderr
        cli.ok("member add Cleo")  # no CHORECTL_PIN, no terminal
    with at(START + timedelta(minutes=9, seconds=59)):
        cli.ok("member add Dora")
    with at(START + timedelta(minutes=10)):
        expired = cli("member add Eve")
        assert expired.exit_code == 3 and "needs the parent PIN" in expired.stderr


def test_lock_ends_the_session(household):
    cli = household
    cli.parent("unlock")
    assert cli.ok("lock").stderr == "Locked: parent commands need the PIN again.\n"
    assert cli("member add Cleo").exit_code == 3
    assert cli.ok("lock").stderr == "There was no unlock session.\n"
    actions = [r["action"] for r in log_rows(cli)]
    assert "unlock" in actions and "lock" in actions


def test_unlock_needs_the_real_pin(household):
    assert household("unlock").exit_code == 3
    assert household("unlock", pin="0000").exit_code == 3


def test_a_session_record_dated_in_the_future_is_ignored(household):
    cli = household
    with at(START + timedelta(hours=2)):
        cli.parent("unlock --minutes 60")
    with at(START):  # the clock went back: the record claims to be from the future
        assert cli("member add Cleo").exit_code == 3


def test_a_session_record_others_can_read_is_ignored(household):
    cli = household
    cli.parent("unlock")
    (record,) = session.folder().glob("unlock-*.json")
    os.chmod(record, 0o644)
    assert cli("member add Cleo").exit_code == 3
    os.chmod(record, 0o600)
    cli.ok("member add Cleo")


def test_a_forged_record_for_another_household_is_ignored(household):
    cli = household
    cli.parent("unlock")
    (record,) = session.folder().glob("unlock-*.json")
    data = json.loads(record.read_text())
    data["household"] = "someone-else"
    record.write_text(json.dumps(data))
    assert cli("member add Cleo").exit_code == 3


def test_a_session_made_on_a_terminal_serves_only_that_terminal(household, monkeypatch):
    cli = household
    monkeypatch.setattr(session, "_terminal", lambda: "/dev/pts/7")
    cli.parent("unlock")
    cli.ok("member add Cleo")  # same terminal
    monkeypatch.setattr(session, "_terminal", lambda: "/dev/pts/8")
    assert cli("member add Dora").exit_code == 3  # another terminal
    monkeypatch.setattr(session, "_terminal", lambda: None)
    assert cli("member add Dora").exit_code == 3  # a script
    cli.parent("unlock")  # made without a terminal: serves this user's scripts
    cli.ok("member add Dora")


def test_unlock_minutes_are_bounded(household):
    assert household("unlock --minutes 0", pin=PIN).exit_code == 2
    assert household("unlock --minutes 100000", pin=PIN).exit_code == 2


# ---------------------------------------------------------------- pin change / recover


def test_pin_change(household, ring):
    cli = household
    cli.parent("unlock")
    denied = cli("pin change", env={"CHORECTL_NEW_PIN": "8642"})
    assert denied.exit_code == 3  # an unlock session is not enough to change the PIN
    result = cli.parent("pin change", env={"CHORECTL_NEW_PIN": "8642"})
    assert result.stderr == "The parent PIN was changed.\n"
    assert cli("member add Cleo", pin=PIN).exit_code == 3  # the old PIN is gone, the session too
    cli.ok("member add Cleo", pin="8642")
    assert "pin change" in [r["action"] for r in log_rows(cli)]
    assert not shows("8642", str(ring.store)) and all(v.startswith("$2b$") for v in ring.store.values())


def test_pin_change_refuses_a_short_new_pin(household):
    result = household("pin change", pin=PIN, env={"CHORECTL_NEW_PIN": "12"})
    assert result.exit_code == 2
    household.ok("member add Cleo", pin=PIN)


def test_pin_recover_only_when_the_entry_is_lost(household, ring, monkeypatch):
    from chorectl.cli import household as household_cli

    cli = household
    (household_id,) = [row[0] for row in query("SELECT id FROM household")]
    refused = cli(["pin", "recover", "--household-id", household_id], env={"CHORECTL_NEW_PIN": "1357"})
    assert refused.exit_code == 1 and "still holds" in refused.stderr
    ring.store.clear()  # the keyring lost it
    assert cli("member add Cleo", pin=PIN).exit_code == 3
    script = cli(["pin", "recover", "--household-id", household_id], env={"CHORECTL_NEW_PIN": "1357"})
    assert script.exit_code == 3 and "at a terminal" in script.stderr  # never from a script
    monkeypatch.setattr(household_cli, "interactive", lambda: True)
    wrong = cli(["pin", "recover", "--household-id", "0" * 32], env={"CHORECTL_NEW_PIN": "1357"})
    assert wrong.exit_code == 1 and "not this household's id" in wrong.stderr
    cli.ok(["pin", "recover", "--household-id", household_id], env={"CHORECTL_NEW_PIN": "1357"})
    cli.ok("member add Cleo", pin="1357")
    recovered = [r for r in log_rows(cli) if r["action"] == "pin recover"]
    assert len(recovered) == 1 and "without the old one" in recovered[0]["detail"]
    assert recovered[0]["actor"] == "unknown"


# ---------------------------------------------------------------- keyrings


def test_file_keyring_fallback_is_chosen_explicitly(cli, tmp_path):
    keyring.set_keyring(fail.Keyring())
    refused = cli("init", pin=PIN)
    assert refused.exit_code == 1 and "--keyring file" in refused.stderr
    cli.ok("init --keyring file", pin=PIN)
    path = tmp_path / "home" / ".local/share" / "chorectl" / "pin-keyring.cfg"
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert not shows(PIN, path.read_text())
    cli.ok("member add Amy", pin=PIN)  # the file keyring is the household's, whatever the OS offers
    assert cli("member add Ben", pin="0000").exit_code == 3


def test_a_keyring_that_hangs_is_denied_in_time(household, monkeypatch):
    cli = household
    release = threading.Event()

    class Wedged(fail.Keyring):
        priority = 1

        def get_password(self, service, username):
            release.wait(30)  # a D-Bus call that never returns
            return None

    monkeypatch.setenv("CHORECTL_KEYRING_TIMEOUT", "0.2")
    keyring.set_keyring(Wedged())
    try:
        result = cli("member add Cleo", pin=PIN)
    finally:
        release.set()
    assert result.exit_code == 3
    assert "did not answer within 0.2 s" in result.stderr


# ---------------------------------------------------------------- log


def test_the_log_names_who_did_what(household):
    cli = household
    cli.parent("chore add Dishes --reward 2 --every daily --assign Amy")
    cli.ok("done Dishes")
    cli.parent("approve 1")
    cli.parent("adjust Ben +1.50 --reason helped")
    with at(datetime.now(BERLIN) + timedelta(days=2)):
        cli.ok("reset")
    rows = log_rows(cli)
    assert list(rows[0]) == ["id", "at", "actor", "action", "detail", "amount"]
    # (on PostgreSQL, init's "roles" line is set-up too)
    seen = [(r["actor"], r["action"], r["amount"]) for r in rows if r["action"] not in ("pin ok", "roles")]
    assert seen[:4] == [
        ("parent", "init", ""),
        ("parent", "member add", ""),
        ("parent", "member add", ""),
        ("parent", "member add", ""),
    ]
    assert seen[4:] == [  # Mum, the only parent member, is named for what the PIN allowed once she is one
        ("Mum", "chore add", ""),
        ("Amy", "done", ""),
        ("Mum", "approve", "2.00"),
        ("Mum", "adjust", "1.50"),
        ("cron", "reset", ""),
    ]
    assert [r["actor"] for r in log_rows(cli) if r["action"] == "reset"] == ["cron"]
    only_amy = list(csv.DictReader(io.StringIO(cli.ok("log --actor Amy -f csv").stdout)))
    assert [r["action"] for r in only_amy] == ["done"]


def test_the_log_is_append_only(household):
    before = query("SELECT COUNT(*) FROM audit")
    for statement in ("UPDATE audit SET actor = 'nobody'", "DELETE FROM audit"):
        with pytest.raises(database_errors(), match="append-only"):
            execute(statement)
    assert query("SELECT COUNT(*) FROM audit") == before


def test_a_failed_command_leaves_no_log_line(household):
    before = len(log_rows(household))
    assert household("pay Amy 5", pin=PIN).exit_code == 1  # overdraft: refused after the PIN
    actions = [r["action"] for r in log_rows(household)]
    assert len(actions) == before + 1 and actions[-1] == "pin ok"  # only the PIN check


# ---------------------------------------------------------------- doctor


def test_doctor_on_a_healthy_household(household):
    result = household.ok("doctor")
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["ok"] * len(lines)
    text = result.stdout
    for word in ("schema", "integrity", "balances", "keyring", "parent PIN", "lockout", "unlock session"):
        assert word in text


def test_doctor_fails_when_the_keyring_entry_is_gone(household, ring):
    ring.store.clear()
    result = household("doctor")
    assert result.exit_code == 1
    assert "fail  parent PIN" in result.stdout
    assert ("chorectl join" if on_server() else "pin recover") in result.stdout  # PostgreSQL: this machine joins


def test_doctor_fails_when_a_balance_disagrees_with_the_ledger(household):
    household.parent("adjust Amy +2 --reason x")
    execute("UPDATE ledger_total SET total = total + 1")  # as the file's owner (or PostgreSQL's superuser) could
    result = household("doctor")
    assert result.exit_code == 1
    assert "fail  balances" in result.stdout and "Amy: ledger 2.00, balance 2.01" in result.stdout


def test_doctor_reports_lockout_and_unlock(household):
    for _ in range(3):
        household("pay Amy 1", pin="0000")
    out = household.ok("doctor").stdout
    assert "warn  lockout" in out and "3 wrong PINs" in out
