"""``chorectl reset`` the way cron runs it: a bare environment, no keyring, no terminal."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.test_e2e_core import PIN, chorectl_path

pytestmark = pytest.mark.e2e


@pytest.fixture
def family(tmp_path):
    db = tmp_path / "family.db"
    zone = os.environ.get("TZ", "UTC")  # the test's own zone, so "today" agrees on both sides of midnight
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TZ": zone,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "CHORECTL_DB": str(db),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "CHORECTL_PIN": PIN,
    }
    exe = chorectl_path()
    for args in (["init"], ["member", "add", "Amy"], ["chore", "add", "Dishes", "--every", "daily", "--reward", "1", "--assign", "Amy"]):
        subprocess.run([exe, *args], env=env, check=True, capture_output=True, stdin=subprocess.DEVNULL)
    # The chore started three days ago and cron has not run since: move its
    # first due date and its watermark back three days.
    today = datetime.now(ZoneInfo(zone)).date()
    three_days_ago = (today - timedelta(days=3)).isoformat()
    with sqlite3.connect(db) as con:
        con.execute("UPDATE chore SET due = ?", (three_days_ago,))
        con.execute("UPDATE assignment SET rolled_due = ?", (three_days_ago,))
    cron_env = {
        "PATH": env["PATH"],
        "TZ": zone,
        "CHORECTL_DB": str(db),
        "HOME": str(tmp_path),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    return exe, cron_env, db, today


def _missed(db):
    with sqlite3.connect(db) as con:
        return [r[0] for r in con.execute("SELECT period_due FROM completion WHERE status = 'missed' ORDER BY period_due")]


def test_cron_reset_catches_up_once_and_then_stays_quiet(family):
    exe, env, db, today = family
    first = subprocess.run([exe, "reset"], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert first.returncode == 0, first.stderr
    days = [(today - timedelta(days=n)).isoformat() for n in (3, 2, 1)]
    assert first.stdout.splitlines() == [f"Dishes (Amy): missed the period due {d}" for d in days]  # news only
    assert first.stderr == ""
    second = subprocess.run([exe, "reset"], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert (second.returncode, second.stdout, second.stderr) == (0, "", "")
    assert _missed(db) == days


def test_concurrent_resets_record_each_miss_once(family):
    exe, env, db, today = family
    procs = [
        subprocess.Popen([exe, "reset"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
        for _ in range(4)
    ]
    results = [p.communicate(timeout=60) + (p.returncode,) for p in procs]
    assert all(code == 0 and err == "" for _, err, code in results), results
    printed = [out for out, _, _ in results if out]
    assert len(printed) == 1  # one of them did the work; the others found nothing to do
    assert len(_missed(db)) == 3
