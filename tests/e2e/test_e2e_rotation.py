"""A rotating chore with a streak bonus, run as a family and cron would: the installed chorectl
in subprocesses, a week of days under ``faketime``, its output read by ``jq`` and ``mlr``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tests.e2e.helpers import PLAINTEXT, Runner, isolated_env, need

PIN = "2468"
FAKETIME = shutil.which("faketime")
pytestmark = pytest.mark.skipif(FAKETIME is None, reason="faketime is not installed (Debian: faketime)")


def _libfaketime() -> str:
    for folder in ("/usr/lib/x86_64-linux-gnu/faketime", "/usr/lib/aarch64-linux-gnu/faketime", "/usr/lib/faketime"):
        lib = os.path.join(folder, "libfaketime.so.1")
        if os.path.exists(lib):
            return lib
    pytest.skip("libfaketime.so.1 not found")


def test_a_week_of_turns_and_streaks_as_cron_and_scripts_see_it(tmp_path):
    jq, mlr = need("jq"), need("mlr")
    env = isolated_env(tmp_path, PYTHON_KEYRING_BACKEND=PLAINTEXT, TZ="Europe/Berlin", COLUMNS="80")
    run = Runner(env)
    lib = _libfaketime()

    def at(stamp: str, *args: str, **kw):
        return run(*args, FAKETIME=f"@2026-11-{stamp}:00", LD_PRELOAD=lib, **kw)

    at("16 08:00", "init", pin=PIN)
    for name in ("Amy", "Ben"):
        at("16 08:00", "member", "add", name, pin=PIN)
    at("16 08:00", "chore", "add", "Dishes", "--every", "daily", "--reward", "1", "--rotate", "Amy,Ben",
       "--streak", "2:0.50", pin=PIN)  # fmt: skip

    cron = []
    for day in range(16, 22):
        cron.append(at(f"{day} 00:05", "reset").stdout)
        turn = json.loads(at(f"{day} 07:00", "chore", "list", "-f", "json").stdout)
        who = subprocess.run([jq, "-r", ".[0].assignee"], input=json.dumps(turn), text=True, capture_output=True)
        assert who.stdout.strip() == ("Amy" if day % 2 == 0 else "Ben"), day
        if day != 20:  # Amy forgets the 20th
            at(f"{day} 18:00", "done", "Dishes")
            at(f"{day} 19:00", "approve", "--all", pin=PIN)
    # cron's mail: the one night after a turn nobody did, naming whose turn it was
    assert cron == ["", "", "", "", "", "Dishes (Amy): missed the period due 2026-11-20\n"]
    assert at("22 00:05", "reset").stdout == ""

    ledger = at("22 08:00", "ledger", "-f", "csv").stdout
    bonuses = subprocess.run(
        [mlr, "--icsv", "--ojson", "filter", '$kind == "bonus"', "then", "cut", "-o", "-f", "member,amount,note"],
        input=ledger,
        text=True,
        capture_output=True,
        check=True,
    )
    # Amy's own turns 16 and 18, Ben's 17 and 19 (and 21: a third, not a second streak); Amy's 20th broke hers.
    assert json.loads(bonuses.stdout) == [
        {"member": "Amy", "amount": 0.50, "note": "streak: 2 × Dishes"},
        {"member": "Ben", "amount": 0.50, "note": "streak: 2 × Dishes"},
    ]
    show = at("22 08:00", "chore", "show", "Dishes").stdout
    words = [line.split() for line in show.splitlines()]
    assert ["Turn", "Amy,", "until", "2026-11-22"] in words
    assert ["Next", "turn", "Ben,", "from", "2026-11-23"] in words
    assert [
        "Streak",
        "bonus",
        "$0.50",
        "after",
        "2",
        "turns",
        "in",
        "a",
        "row",
        "by",
        "one",
        "child,",
        "done",
        "and",
    ] in [w[:14] for w in words]
