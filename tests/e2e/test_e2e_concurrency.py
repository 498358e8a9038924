"""Many chorectl processes at once, and a writer killed mid-transaction.

CLI.md promises that every command is one transaction: cron's ``reset``, a
child's ``done``, a parent's ``approve`` and ``pay`` queue behind each other
(WAL, busy timeout, ``BEGIN IMMEDIATE``) instead of failing, and a command
that dies half-way changes nothing. These tests run the installed chorectl in
subprocesses, as a family's terminals and cron would.

No sleeps and no wall-clock bounds: every loop runs a fixed number of commands,
and the crash test kills its writer after a seeded random number of progress
lines, so the kill lands somewhere inside a later transaction. The loops and
kills are fewer by default (eight processes still run at once);
``CHORECTL_STRESS=1`` runs them at full size.

Each test runs on a SQLite file and on PostgreSQL (the ``backend`` fixture; the
server is this run's own, tests/pg.py). On PostgreSQL the household is shared
by two machines, two HOME folders (B joined with the PIN, ``chorectl join``):
the children mark chores done on B while parents approve on both and pay on A,
and cron's ``reset`` runs four times at once, two on each machine.

Setting up a household costs one process per command (~0.6 s each), so the
setup and the crash test's writer run chorectl's own command line in one
interpreter (``DRIVER`` below: the same ``chorectl.cli.app`` the installed
script calls, one command = one transaction, as in a separate process).
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.helpers import STRESS, chorectl_path
from tests.helpers import execute, rows_at

pytestmark = pytest.mark.usefixtures("backend")  # each test on a SQLite file and on PostgreSQL

PIN = "1234"
TIMEOUT = 180  # seconds for any one subprocess: generous, a slow CI box is shared

# Runs chorectl commands in one interpreter, with chorectl's own entry point.
#   driver.py batch FILE   FILE: a JSON list of argv lists; one JSON line per command
#   driver.py writer TAG   loops forever (bounded) doing writes; prints progress:
#                          "S" after every SQL statement, "C KIND N" after every
#                          command that committed (N: ledger rows it added)
DRIVER = r"""
import contextlib
import io
import json
import re
import sys

from chorectl.cli import app

progress = sys.stdout


def run(args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            app(args, prog_name="chorectl")
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return code, out.getvalue(), err.getvalue()


def batch(path):
    # Setup only: the PIN hashed at bcrypt cost 4 (a check reads the cost from the hash). The
    # commands under test run on the unlock session that setup makes, never a PIN check.
    from chorectl.security import pin

    pin.BCRYPT_ROUNDS = 4
    failed = 0
    for args in json.load(open(path)):
        code, out, err = run(args)
        print(json.dumps({"args": args, "code": code, "stderr": err}), file=progress, flush=True)
        failed += code != 0
    return 1 if failed else 0


def writer(tag):
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "after_cursor_execute")
    def statement(*_):
        progress.write("S\n")
        progress.flush()

    for i in range(1_000_000):
        title = f"W{tag}-{i}"
        cycle = [
            ("chore", ["chore", "add", title, "--reward", "0.10", "--assign", "Amy"]),
            ("done", ["done", title]),
            ("approve", ["approve", "--all"]),
            ("adjust", ["adjust", "Amy", "+0.05", "--reason", title]),
            ("pay", ["pay", "Amy", "0.02", "--note", title]),
        ]
        for kind, args in cycle:
            code, out, err = run(args)
            if code != 0 or "Error" in err:
                progress.write(f"F {args} {code} {err!r}\n")
                progress.flush()
                return 1
            rows = {"chore": 0, "done": 0, "adjust": 1, "pay": 1}.get(kind)
            if rows is None:
                rows = len(re.findall(r"^Approved \d+:", err, re.MULTILINE))
            progress.write(f"C {kind} {rows}\n")
            progress.flush()
    return 0


if __name__ == "__main__":
    mode, arg = sys.argv[1], sys.argv[2]
    sys.exit(batch(arg) if mode == "batch" else writer(arg))
"""


def machine(home: Path, db: str) -> dict[str, str]:
    """The environment of one machine (a HOME of its own) on the household at *db*."""
    runtime = home / "xdg-run"
    runtime.mkdir(mode=0o700, parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHORECTL_") and k != "PYTHON_KEYRING_BACKEND"}
    env.update(
        CHORECTL_DB=db,
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_RUNTIME_DIR=str(runtime),
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        COLUMNS="100",
    )
    return env


class World:
    """One household: its database (a file in tmp_path, or a PostgreSQL schema), and the machines
    that use it, each a HOME with its keyring file, unlock sessions and environment: ``env``
    (machine A, tmp_path itself) and, on PostgreSQL, ``second`` (machine B, tmp_path/b)."""

    def __init__(self, tmp_path: Path, backend) -> None:
        self.tmp = tmp_path
        self.postgres = backend.postgres
        self.db = backend.location if self.postgres else str(tmp_path / "family.db")
        self.env = machine(tmp_path, self.db)
        self.second = machine(tmp_path / "b", self.db) if self.postgres else self.env
        self.exe = chorectl_path()
        self.driver = tmp_path / "driver.py"
        self.driver.write_text(DRIVER)

    def run(self, *args: str, pin: str | None = None, on: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """The installed chorectl, without a terminal, as a script runs it (on machine *on*: A by default)."""
        env = on or self.env
        env = dict(env, CHORECTL_PIN=pin) if pin else env
        return subprocess.run(
            [self.exe, *args],
            check=False,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )

    def ok(self, *args: str, pin: str | None = None) -> subprocess.CompletedProcess:
        proc = self.run(*args, pin=pin)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, (args, proc.returncode, proc.stderr)
        return proc

    def setup(self, commands: list[list[str]]) -> None:
        """init (with the PIN), unlock for scripts, then *commands*: one interpreter, no terminal, on A.
        On PostgreSQL machine B then joins the household with the PIN and unlocks for its scripts too."""
        self.batch([["init"], ["unlock", "--minutes", "60"], *commands], self.env)
        if self.postgres:
            self.batch([["join", "--keyring", "file"], ["unlock", "--minutes", "60"]], self.second)

    def batch(self, commands: list[list[str]], on: dict[str, str]) -> None:
        plan = self.tmp / "setup.json"
        plan.write_text(json.dumps(commands))
        proc = subprocess.run(
            [sys.executable, str(self.driver), "batch", str(plan)],
            check=False,
            env=dict(on, CHORECTL_PIN=PIN),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        results = [json.loads(line) for line in proc.stdout.splitlines()]
        bad = [r for r in results if r["code"] != 0]
        assert proc.returncode == 0 and not bad and len(results) == len(commands), (bad, proc.stderr[-3000:])

    def query(self, sql: str, *params) -> list[tuple]:
        return rows_at(self.db, sql, *params)

    def check_books(self) -> dict[str, int]:
        """The database is sound and every balance is its ledger sum. Returns balances in cents."""
        proc = self.ok("balance", "-f", "json")
        shown = {row["member"]: row for row in json.loads(proc.stdout)}
        if not self.postgres:  # PostgreSQL keeps its own files whole and every foreign key, always
            assert self.query("PRAGMA integrity_check") == [("ok",)]
            assert self.query("PRAGMA foreign_key_check") == []
        sums = dict(
            self.query(
                "SELECT m.name, COALESCE(SUM(l.amount), 0) FROM member m "
                "LEFT JOIN ledger l ON l.member_id = m.id GROUP BY m.id"
            )
        )
        for name, row in shown.items():
            cents = round(row["balance"] * 100)
            assert cents == sums[name], (name, row, sums)
            parts = sum(round(row[k] * 100) for k in ("earned", "bonuses", "penalties", "paid"))
            assert parts == cents, row
        # ledger_total (kept by a trigger) is the ledger's sum and count, per member and kind
        totals = self.query("SELECT member_id, kind, total, entries FROM ledger_total ORDER BY 1, 2")
        ledger = self.query(
            "SELECT member_id, kind, SUM(amount), COUNT(*) FROM ledger GROUP BY member_id, kind ORDER BY 1, 2"
        )
        assert totals == ledger
        return {name: round(row["balance"] * 100) for name, row in shown.items()}


@pytest.fixture
def world(tmp_path: Path, backend) -> World:
    return World(tmp_path, backend)


def _failures(results: list[tuple[list[str], subprocess.CompletedProcess]]) -> list[tuple]:
    bad = []
    for args, proc in results:
        text = proc.stderr.lower()
        if (
            proc.returncode != 0
            or "Error" in proc.stderr
            or "Traceback" in proc.stderr
            or "locked" in text
            or "busy" in text
        ):
            bad.append((args, proc.returncode, proc.stderr.strip()))
    return bad


CHILDREN = ("Amy", "Ben", "Cat", "Dan")
TASKS = [f"Task {i:02d}" for i in range(1, 9)]
DAILY = {"Feed fish": 25, "Make bed": 20}
TASK_REWARD = 50
SEED = 500  # cents of bonus per child: the payer never overdraws
# Commands per looping process (eight processes at once either way). CI's full size runs on SQLite;
# PostgreSQL (the same code above the seam) runs the default size, to keep CI within its time.


def full_size(world: World) -> bool:
    return STRESS and not world.postgres


def test_many_processes_at_once_lose_nothing(world: World):
    one_off = TASKS[: 8 if full_size(world) else 3]
    rounds = 10 if full_size(world) else 5
    everyone = ",".join(CHILDREN)
    commands = [["member", "add", name] for name in CHILDREN] + [["member", "add", "Mum", "--parent"]]
    commands += [["chore", "add", t, "--reward", "0.50", "--assign", everyone] for t in one_off]
    commands += [
        ["chore", "add", t, "--reward", f"0.{c:02d}", "--every", "daily", "--assign", everyone]
        for t, c in DAILY.items()
    ]
    commands += [["adjust", name, "+5", "--reason", "seed"] for name in CHILDREN]
    world.setup(commands)
    first_day = date.today()

    rng = random.Random(1234)
    plans: list[tuple[dict[str, str], list[list[str]]]] = []
    for name in CHILDREN:  # each child marks their own copies done, once each, in a random order
        titles = one_off + list(DAILY)
        rng.shuffle(titles)
        plans.append((world.second, [["done", t, "--as", name] for t in titles]))  # machine B on PostgreSQL
    plans += [(on, [["approve", "--all"]] * rounds) for on in (world.env, world.second)]  # a parent on each
    plans.append((world.env, [["pay", CHILDREN[i % len(CHILDREN)], "0.01"] for i in range(rounds)]))
    plans.append((world.env, [["reset"]] * rounds))
    assert len(plans) >= 8

    start = threading.Barrier(len(plans))

    def work(plan: tuple[dict[str, str], list[list[str]]]) -> list[tuple[list[str], subprocess.CompletedProcess]]:
        on, commands = plan
        start.wait(timeout=TIMEOUT)
        return [(args, world.run(*args, on=on)) for args in commands]  # no PIN: each machine's unlock session

    with ThreadPoolExecutor(max_workers=len(plans)) as pool:
        results = [r for rs in pool.map(work, plans) for r in rs]
    final = world.run("approve", "--all")
    results.append((["approve", "--all"], final))

    assert _failures(results) == []
    if date.today() != first_day:
        pytest.skip("the local date changed during the run: daily chores rolled into a new period")

    # every done that succeeded made exactly one completion, the one it named
    completions = {
        cid: (title, name, status, reward)
        for cid, title, name, status, reward in world.query(
            "SELECT c.id, ch.title, m.name, c.status, c.reward FROM completion c "
            "JOIN chore ch ON ch.id = c.chore_id JOIN member m ON m.id = c.member_id"
        )
    }
    done_ids = {}
    for args, proc in results:
        if args[0] == "done":
            found = re.search(r"\(id (\d+)\)", proc.stderr)
            assert found, proc.stderr
            done_ids[int(found.group(1))] = (args[1], args[3])
    assert len(done_ids) == len(CHILDREN) * (len(one_off) + len(DAILY))
    assert {cid: c[:2] for cid, c in completions.items()} == done_ids
    assert Counter(c[:2] for c in completions.values()).most_common(1)[0][1] == 1

    # each completion was approved exactly once (by whichever approver got it), none is left pending
    approved = Counter(
        int(m)
        for args, proc in results
        if args[0] == "approve"
        for m in re.findall(r"^Approved (\d+):", proc.stderr, re.MULTILINE)
    )
    assert set(approved) == set(completions) and set(approved.values()) == {1}
    assert {c[2] for c in completions.values()} == {"approved"}

    # every approved completion has exactly one reward row, of the chore's reward
    rewards = {
        cid: (n, total)
        for cid, n, total in world.query(
            "SELECT completion_id, COUNT(*), SUM(amount) FROM ledger WHERE kind = 'reward' GROUP BY completion_id"
        )
    }
    expected = {cid: (1, DAILY.get(title, TASK_REWARD)) for cid, (title, _, _, _) in completions.items()}
    assert rewards == expected
    assert all(reward == DAILY.get(title, TASK_REWARD) for title, _, _, reward in completions.values())

    # one payout row per successful pay; nothing else moved money
    pays = [args for args, proc in results if args[0] == "pay" and proc.returncode == 0]
    payouts = world.query(
        "SELECT m.name, l.amount FROM ledger l JOIN member m ON m.id = l.member_id WHERE kind = 'payout'"
    )
    assert len(payouts) == len(pays) == rounds
    assert sorted(payouts) == sorted((args[1], -1) for args in pays)
    assert world.query("SELECT kind, COUNT(*) FROM ledger GROUP BY kind ORDER BY kind") == [
        ("bonus", len(CHILDREN)),
        ("payout", rounds),
        ("reward", len(completions)),
    ]

    balances = world.check_books()
    earned = TASK_REWARD * len(one_off) + sum(DAILY.values())
    paid = Counter(args[1] for args in pays)
    assert balances == {name: SEED + earned - paid[name] for name in CHILDREN}

    doctor = world.run("doctor")
    assert doctor.returncode == 0, (doctor.stdout, doctor.stderr)


def test_a_writer_killed_at_random_moments_loses_no_commit(world: World):
    kills = 25 if full_size(world) else 12
    world.setup([["member", "add", "Amy"], ["adjust", "Amy", "+1", "--reason", "seed"]])
    rng = random.Random(1234)
    reported = Counter({"chore": 0, "done": 0, "approve": 0, "adjust": 1, "pay": 0})  # ledger rows, and commands
    commands = Counter()
    log = world.tmp / "writer.err"
    for kill in range(kills):
        wanted = rng.randint(1, 150)  # progress lines: SQL statements and commits
        with open(log, "w") as err:
            writer = subprocess.Popen(
                [sys.executable, str(world.driver), "writer", str(kill)],
                env=world.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
            )
        watchdog = threading.Timer(TIMEOUT, writer.kill)  # a hung writer fails the test, never hangs it
        watchdog.start()
        try:
            lines = []
            while len(lines) < wanted:
                line = writer.stdout.readline()
                assert line, f"the writer stopped early: {lines[-3:]} {log.read_text()[-3000:]}"
                assert not line.startswith("F "), line
                lines.append(line)
            os.kill(writer.pid, signal.SIGKILL)
            rest = writer.stdout.read()  # what it printed before it died was committed too
            writer.wait(timeout=TIMEOUT)
        finally:
            watchdog.cancel()
            writer.stdout.close()
        assert writer.returncode == -signal.SIGKILL, (writer.returncode, log.read_text()[-3000:])
        for line in lines + rest.splitlines(keepends=True):
            if line.startswith("C ") and line.endswith("\n"):
                _, kind, rows = line.split()
                reported[kind] += int(rows)
                commands[kind] += 1
            assert not line.startswith("F "), line

        # the database opens, is intact, and its balances are its ledger sums
        world.check_books()
        # committed work is never lost
        kinds = dict(world.query("SELECT kind, COUNT(*) FROM ledger GROUP BY kind"))
        assert kinds.get("reward", 0) >= reported["approve"], (kinds, reported)
        assert kinds.get("bonus", 0) >= reported["adjust"], (kinds, reported)
        assert kinds.get("payout", 0) >= reported["pay"], (kinds, reported)
        ledger_rows = world.query("SELECT COUNT(*) FROM ledger")[0][0]
        assert ledger_rows >= reported["approve"] + reported["adjust"] + reported["pay"]
        assert world.query("SELECT COUNT(*) FROM chore")[0][0] >= commands["chore"]
        assert world.query("SELECT COUNT(*) FROM completion")[0][0] >= commands["done"]
        # and a command is all or nothing: its rows and its audit line stand or fall together
        audit = dict(world.query("SELECT action, COUNT(*) FROM audit GROUP BY action"))
        assert audit.get("pay", 0) == kinds.get("payout", 0)
        assert audit.get("adjust", 0) == kinds.get("bonus", 0)
        assert audit.get("approve", 0) == world.query("SELECT COUNT(*) FROM completion WHERE status = 'approved'")[0][0]
        assert audit.get("done", 0) == world.query("SELECT COUNT(*) FROM completion")[0][0]
        assert (
            world.query(
                "SELECT c.id FROM completion c LEFT JOIN ledger l ON l.completion_id = c.id AND l.kind = 'reward' "
                "GROUP BY c.id HAVING COUNT(l.id) != CASE WHEN c.status = 'approved' THEN 1 ELSE 0 END"
            )
            == []
        )
        assert (
            world.query(
                "SELECT ch.id FROM chore ch LEFT JOIN assignment a ON a.chore_id = ch.id "
                "GROUP BY ch.id HAVING COUNT(a.member_id) != 1"
            )
            == []
        )

    assert commands["pay"] > 0 and commands["approve"] > 0, commands  # the writer got through whole cycles
    doctor = world.run("doctor")
    assert doctor.returncode == 0, (doctor.stdout, doctor.stderr)


def test_concurrent_resets_record_each_period_missed_once(world: World):
    """Cron's reset, late by three days, started four times at once (on PostgreSQL two on each
    machine): each missed period is recorded once, by one of them; the others find nothing to do."""
    world.setup(
        [["member", "add", "Amy"], ["chore", "add", "Dishes", "--every", "daily", "--reward", "1", "--assign", "Amy"]]
    )
    today = datetime.now(ZoneInfo(world.env["TZ"])).date()
    three_days_ago = (today - timedelta(days=3)).isoformat()
    execute("UPDATE chore SET due = ?", three_days_ago, at=world.db)
    execute("UPDATE assignment SET rolled_due = ?", three_days_ago, at=world.db)
    crons = []
    for env in (world.env, world.second) * 2:
        cron = {k: env[k] for k in ("PATH", "TZ", "CHORECTL_DB", "HOME")}  # cron's bare environment
        crons.append(dict(cron, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring"))
    procs = [
        subprocess.Popen(
            [world.exe, "reset"], env=cron, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            stdin=subprocess.DEVNULL,
        )
        for cron in crons
    ]  # fmt: skip
    results = [(*p.communicate(timeout=TIMEOUT), p.returncode) for p in procs]
    assert all(code == 0 and err == "" for _, err, code in results), results
    printed = [out for out, _, _ in results if out]
    assert len(printed) == 1, results  # one of them did the work
    days = [(today - timedelta(days=n)).isoformat() for n in (3, 2, 1)]
    assert printed[0].splitlines() == [f"Dishes (Amy): missed the period due {d}" for d in days]
    missed = world.query("SELECT period_due FROM completion WHERE status = 'missed' ORDER BY period_due")
    assert [day for (day,) in missed] == days
    assert world.query("SELECT COUNT(*) FROM audit WHERE action = 'reset'") == [(1,)]
    assert world.run("doctor").returncode == 0
