"""Exports read by CSV consumers nobody here wrote: sqlite3's .import and Miller."""

from __future__ import annotations

import os
import pty
import subprocess

import pytest

from tests.e2e.helpers import PIN, Scene, chorectl_path, need, script_env


def _ledger(folder):
    run = Scene(script_env(folder))
    run("init", pin=PIN)
    for name in ("Amy", "Ben"):
        run("member", "add", name, pin=PIN)
    run("chore", "add", "Dishes, plates", "--reward", "1.10", "--assign", "Amy,Ben", pin=PIN)
    run("done", "Dishes, plates", "--as", "Amy")
    run("done", "Dishes, plates", "--as", "Ben")
    run("approve", "--all", pin=PIN)
    run("adjust", "Amy", "-0.35", "--reason", '-late, "again"', pin=PIN)
    run("adjust", "Ben", "+2", "--reason", "=bonus", pin=PIN)
    run("pay", "Ben", "0.05", pin=PIN)
    run("export", "ledger", "--output", str(folder / "ledger.csv"))
    run.play()


@pytest.fixture
def ledger_csv(run, made):
    """Amy and Ben paid, fined and rewarded, with commas, quotes and a formula in the notes; its ledger exported."""
    return made(_ledger) / "ledger.csv"


def test_sqlite3_imports_the_csv_and_gets_the_balances(ledger_csv, run):
    sqlite3 = need("sqlite3")
    script = (
        f".import --csv {ledger_csv} ledger\n"
        "SELECT member, printf('%.2f', SUM(CAST(amount AS REAL))), COUNT(*) FROM ledger GROUP BY member ORDER BY member;\n"
        "SELECT note FROM ledger WHERE kind = 'penalty';\n"
    )
    proc = subprocess.run([sqlite3, ":memory:"], input=script, capture_output=True, text=True, check=True)
    assert proc.stdout.splitlines() == ["Amy|0.75|2", "Ben|3.05|3", '\'-late, "again"']
    balances = run("balance", "-f", "csv").stdout.splitlines()
    # balance, redeemed, no savings goal (goal, goal_target, goal_saved), member_id
    assert balances[1].endswith(",0.75,0.00,,,,1") and balances[2].endswith(",3.05,0.00,,,,2")


def test_miller_sums_the_ledger(ledger_csv):
    mlr = need("mlr")
    proc = subprocess.run(
        [mlr, "--icsv", "--ojson", "stats1", "-a", "sum,count", "-f", "amount", "-g", "member", str(ledger_csv)],
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    got = {r["member"]: (round(r["amount_sum"], 2), r["amount_count"]) for r in json.loads(proc.stdout)}
    assert got == {"Amy": (0.75, 2), "Ben": (3.05, 3)}


def test_piped_export_is_only_data(ledger_csv, run):
    proc = run("export", "ledger", "-f", "jsonl")
    import json

    assert [json.loads(line)["kind"] for line in proc.stdout.splitlines()] == [
        "reward",
        "reward",
        "penalty",
        "bonus",
        "payout",
    ]
    assert proc.stderr == ""


def test_progress_bar_on_a_terminal(ledger_csv, run, tmp_path):
    """stderr on a terminal: a Rich progress bar; the file still gets only data."""
    controller, terminal = pty.openpty()
    env = dict(os.environ, CHORECTL_DB=str(run.db), TERM="xterm", COLUMNS="80")
    target = tmp_path / "again.csv"
    proc = subprocess.Popen(
        [chorectl_path(), "export", "ledger", "-o", str(target)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=terminal,
        env=env,
    )
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    out, _ = proc.communicate(timeout=60)
    os.close(controller)
    assert proc.returncode == 0
    assert out == b""
    assert b"Exporting" in shown and b"Wrote 5 ledger rows" in shown
    assert target.read_bytes() == ledger_csv.read_bytes()


def test_script_formats_are_utf8_whatever_the_locale(run):
    scene = Scene(run.env)  # the household: one process; the listing below is the installed chorectl's
    scene("init", pin=PIN)
    scene("member", "add", "Zoë 👩‍👧", pin=PIN)
    scene.play()
    proc = subprocess.run(
        [chorectl_path(), "member", "list", "-f", "csv"],
        env=dict(os.environ, CHORECTL_DB=str(run.db), PYTHONIOENCODING="latin-1", LC_ALL="C"),
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Zoë 👩‍👧".encode() in proc.stdout
    assert proc.stdout.count(b"\r\n") == 2  # RFC 4180 line ends, untranslated
