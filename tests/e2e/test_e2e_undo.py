"""``chorectl undo`` run as parents' terminals and scripts run it: the installed chorectl, in processes.

Two parents who type ``chorectl undo`` at the same moment undo two different actions: each undo
picks the newest action not undone yet inside its write transaction, under the household's write
lock (SQLite's, or PostgreSQL's advisory lock), so the second one sees the first one's undo.
On PostgreSQL the household is shared by two machines (see test_e2e_concurrency.World).
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.test_e2e_concurrency import TIMEOUT, World

pytestmark = pytest.mark.usefixtures("backend")  # on a SQLite file and on PostgreSQL

UNDOS = 4  # processes at once (on PostgreSQL two on each machine)


@pytest.fixture
def world(tmp_path, backend) -> World:
    return World(tmp_path, backend)


def test_undos_at_the_same_moment_undo_different_actions(world: World):
    world.setup(
        [["member", "add", "Amy"]] + [["adjust", "Amy", f"+{n}", "--reason", f"bonus {n}"] for n in range(1, UNDOS + 3)]
    )
    listed = json.loads(world.ok("undo", "--list", "-f", "json").stdout)
    bonuses = [row["id"] for row in listed if row["action"] == "adjust"]
    assert len(bonuses) == UNDOS + 2
    start = threading.Barrier(UNDOS)

    def undo(on: dict[str, str]) -> subprocess.CompletedProcess:
        start.wait(timeout=TIMEOUT)
        return world.run("undo", on=on)  # no PIN: each machine's unlock session

    with ThreadPoolExecutor(max_workers=UNDOS) as pool:
        results = list(pool.map(undo, [world.env, world.second] * (UNDOS // 2)))
    assert all(r.returncode == 0 and r.stdout == "" for r in results), [(r.returncode, r.stderr) for r in results]
    undone = sorted(int(re.match(r"Undid line (\d+) \(adjust\)", r.stderr).group(1)) for r in results)
    assert undone == sorted(bonuses[:UNDOS])  # the four newest, each once
    # The two oldest bonuses are left: $1 + $2.
    assert world.check_books() == {"Amy": 300}
    log = json.loads(world.ok("log", "--kind", "undo", "-f", "json").stdout)
    assert len(log) == UNDOS
    assert sorted(int(re.match(r"line (\d+) ", row["detail"]).group(1)) for row in log) == undone
    assert sorted(world.query("SELECT audit_id FROM action WHERE undone_by IS NOT NULL")) == [(n,) for n in undone]
    left = json.loads(world.ok("undo", "--list", "-f", "json").stdout)
    assert [row["id"] for row in left if row["action"] == "adjust"] == bonuses[UNDOS:]
    assert world.run("doctor").returncode == 0


def test_a_script_reads_what_can_be_undone_and_undoes_it_by_id(world: World):
    world.setup([["member", "add", "Amy"]])
    world.ok("adjust", "Amy", "+2", "--reason", "helped")
    world.ok("adjust", "Amy", "-1", "--reason", "late")
    csv_out = world.ok("undo", "--list", "-f", "csv").stdout
    header, *rows = csv_out.splitlines()
    assert header == "id,at,actor,action,detail,amount"
    wanted = next(row.split(",")[0] for row in rows if row.endswith(",Amy: helped,2.00"))
    done = world.ok("undo", wanted)
    assert done.stderr.startswith(f"Undid line {wanted} (adjust): the bonus of $2.00 for Amy is reversed;")
    assert done.stderr.endswith("Amy's balance is now -$1.00.\n")  # a penalty was left: no reason to give
    again = world.run("undo", wanted)
    assert again.returncode == 1 and again.stderr.startswith(f"Error: line {wanted} (adjust) was undone already")
    assert world.check_books() == {"Amy": -100}
