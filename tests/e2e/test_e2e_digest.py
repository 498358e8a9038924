"""``chorectl digest`` the way cron runs the README's line: a bare environment, no terminal, no keyring.

Cron mails a job's output only when there is some: on a quiet day the line
must print not a byte, and after a missed period it must say so.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.e2e.test_e2e_cron import _cron_shell, _users_home

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = "'/home/you/src/chorectl/.venv/bin/chorectl'"


def _readme_digest_line() -> str:
    """The command of the README's crontab line with the digest, as cron would run it."""
    blocks = re.findall(r"```crontab\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    (line,) = [line for block in blocks for line in block.splitlines() if " digest" in line]
    fields = line.split(None, 5)
    assert fields[:5] == ["5", "0", "*", "*", "*"]
    assert EXAMPLE in fields[5]
    return fields[5]


@pytest.fixture
def home(made, tmp_path):
    """A user's home after the README's install (see test_e2e_cron): Amy's daily Dishes in the default
    database, and the crontab line with this clone's chorectl in it."""
    made(_users_home)
    home = tmp_path / "home"
    db = home / ".local" / "share" / "chorectl" / "chorectl.db"
    command = _readme_digest_line().replace(EXAMPLE, f"'{home}/src/chorectl/.venv/bin/chorectl'")
    today = date.fromisoformat(_cron_shell("date +%F", home).stdout.strip())  # the zone cron runs in
    return home, db, command, today


def _started(db: Path, day: date) -> None:
    """The chore was first due on *day*, and cron's last reset rolled it there."""
    with sqlite3.connect(db) as con:
        con.execute("UPDATE chore SET due = ?", (day.isoformat(),))
        con.execute("UPDATE assignment SET rolled_due = ?", (day.isoformat(),))


def test_a_quiet_day_mails_nothing(home):
    home, db, command, today = home
    _started(db, today)
    run = _cron_shell(command, home)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")


def test_the_morning_after_a_miss_mails_it(home):
    home, db, command, today = home
    yesterday = today - timedelta(days=1)
    _started(db, yesterday)  # Amy had Dishes yesterday and did not do them
    expected = f"Missed yesterday, {yesterday.isoformat()}: 1\n  Dishes (Amy)\nBalances: Amy $0.00\n"
    run = _cron_shell(command, home)
    assert (run.returncode, run.stdout, run.stderr) == (0, expected, "")
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT period_due FROM completion WHERE status = 'missed'").fetchall() == [
            (yesterday.isoformat(),)
        ]
    again = _cron_shell(command, home)  # reset has nothing more to do; the digest still tells the same day
    assert (again.returncode, again.stdout, again.stderr) == (0, expected, "")
