"""Rewards end to end: the installed chorectl in processes of its own (issue 17).

Two parents approving reward requests for the same child at the same moment, when
the balance covers only one: each ``approve`` takes the write lock before it reads
the balance, so one wins and the other is refused with the balance in its message.
And a parent's script that approves what the children asked for, read with jq and
Miller as a script would.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.e2e.helpers import STRESS, Scene, chorectl_path, need, runner, script_env

PIN = "1234"
ROUNDS = 6 if STRESS else 2


@pytest.fixture
def family(tmp_path: Path) -> Path:
    scene = Scene(script_env(tmp_path))
    scene("init", pin=PIN)
    scene("member", "add", "Amy", pin=PIN)
    scene("member", "add", "Mum", "--parent", pin=PIN)
    scene("reward", "add", "30 min screen time", "1.50", pin=PIN)
    scene.play()
    return tmp_path


def test_two_parents_approving_at_once_one_wins(family: Path):
    run = runner(family)
    env = dict(script_env(family), CHORECTL_PIN=PIN)
    for n in range(ROUNDS):
        first, second = f"r{2 * n + 1}", f"r{2 * n + 2}"
        run("adjust", "Amy", "+3", "--reason", "pocket money", pin=PIN)
        run("redeem", "Amy", "30 min screen time")
        run("redeem", "Amy", "30 min screen time")
        run("adjust", "Amy", "-1", "--reason", "broke a plate", pin=PIN)  # 2.00: one of the two fits
        procs = [
            subprocess.Popen(
                [chorectl_path(), "approve", ref],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for ref in (first, second)
        ]
        results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
        for p in procs:
            p.stdout.close()
            p.stderr.close()
        codes = sorted(code for code, _ in results)
        assert codes == [0, 1], results
        (refused,) = [err for code, err in results if code == 1]
        assert refused.splitlines()[0] == "Error: Amy's balance is $0.50; 30 min screen time costs $1.50", results
        (won,) = [err for code, err in results if code == 0]
        assert won.endswith("30 min screen time, $1.50; balance $0.50.\n"), won
        # the loser still waits, and is rejected to start the next round from a clean queue
        loser = first if results[1][0] == 0 else second
        run("reject", loser, pin=PIN)
        run("pay", "Amy", "0.50", pin=PIN)
    balance = run("balance", "Amy", "-f", "csv").stdout.splitlines()[1]
    # each round: +3 bonus, -1 penalty, one -1.50 redeem, -0.50 paid
    money = [3 * ROUNDS, -ROUNDS, -0.5 * ROUNDS, 0, -1.5 * ROUNDS]
    assert (
        balance == "Amy,0.00," + ",".join(f"{m:.2f}" for m in money) + ",,,,1"
    )  # no savings goal: goal, goal_target, goal_saved empty


def test_a_parents_script_approves_what_the_children_asked_for(family: Path):
    need("jq")
    need("mlr")
    run = runner(family)
    run("adjust", "Amy", "+5", "--reason", "birthday", pin=PIN)
    run("redeem", "Amy", "30 min screen time", "--note", "after homework")
    script = """
        set -eu
        for id in $(chorectl approvals -f json | jq -r '.[] | select(.chore_id == null) | .id'); do
            chorectl approve "$id"
        done
        chorectl balance -f csv | mlr --icsv --ojsonl cut -o -f member,balance,redeemed
        chorectl ledger -f tsv | awk -F'\\t' 'NR > 1 && $4 == "redeem" { print $5, $8 }'
    """
    env = dict(script_env(family), CHORECTL_PIN=PIN, PATH=f"{Path(chorectl_path()).parent}:/usr/bin:/bin")
    proc = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ('{"member": "Amy", "balance": 3.50, "redeemed": -1.50}\n-1.50 30 min screen time\n')
    assert proc.stderr == "Approved r1: Amy, 30 min screen time, $1.50; balance $3.50.\n"
