"""Savings goals from the outside: the installed chorectl in a script, its rows read by jq,
Miller and a shell pipeline, as a parent's weekly script would read them."""

from __future__ import annotations

import subprocess

from tests.e2e.helpers import PIN, Scene, chorectl_path, need, script_env


def _saving(folder) -> None:
    """Amy (12.00, saving for a Lego set and then a book) and Ben (-1.00, saving for a bike)."""
    run = Scene(script_env(folder))
    run("init", pin=PIN)
    for name in ("Amy", "Ben"):
        run("member", "add", name, pin=PIN)
    run("adjust", "Amy", "+12", "--reason", "birthday", pin=PIN)
    run("adjust", "Ben", "-1", "--reason", "late", pin=PIN)
    run.play()


def _shell(script: str, run) -> subprocess.CompletedProcess:
    env = dict(run.env, PATH=f"{chorectl_path().rsplit('/', 1)[0]}:/usr/bin:/bin")
    return subprocess.run(
        ["sh", "-ec", script], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60
    )


def test_a_parents_script_adds_goals_and_reads_the_progress(made, run):
    made(_saving)
    added = run("goal", "add", "Amy", "Lego set", "25.00", pin=PIN)
    assert (added.stdout, added.stderr) == ("", "Added goal 1 for Amy: Lego set, $25.00; $12.00 saved so far (48%).\n")
    run("goal", "add", "Amy", "Book", "5", pin=PIN)
    run("goal", "add", "Ben", "Bike", "100", pin=PIN)
    denied = run("goal", "add", "Ben", "Kite", "3", expect=3)  # no PIN: a parent command
    assert denied.stdout == ""

    jq = need("jq")
    lines = _shell(f"chorectl goal list -f json | {jq} -r '.[] | \"\\(.member): \\(.title) \\(.progress)%\"'", run)
    assert (lines.returncode, lines.stdout, lines.stderr) == (
        0,
        "Amy: Lego set 48%\nAmy: Book 0%\nBen: Bike 0%\n",
        "",
    )
    mlr = need("mlr")
    saving = _shell(f"chorectl balance -f csv | {mlr} --icsv --ojsonl cut -o -f member,goal,goal_saved,member_id", run)
    assert saving.stdout == (
        '{"member": "Amy", "goal": "Lego set", "goal_saved": 12.00, "member_id": 1}\n'
        '{"member": "Ben", "goal": "Bike", "goal_saved": 0.00, "member_id": 2}\n'
    )
    # The goal is a view on the balance: the ledger has only the two adjustments.
    ledger = _shell("chorectl ledger -f tsv | awk -F'\\t' 'NR > 1 { n++ } END { print n }'", run)
    assert ledger.stdout == "2\n"

    run("adjust", "Amy", "+15", "--reason", "grandma", pin=PIN)  # 27.00: the Lego set is reached
    reached = _shell(f"chorectl goal list Amy -f jsonl | {jq} -c '[.title, .saved, .reached]'", run)
    assert reached.stdout == '["Lego set",25,true]\n["Book",2,false]\n'  # jq's numbers
    run("goal", "remove", "1", pin=PIN)
    today = run("today", "--as", "Amy", COLUMNS="80")
    assert today.stdout == "Amy  balance $27.00\n  Goal: Book, $5.00 of $5.00, reached\n  Nothing to do today.\n"
    log = _shell(
        "chorectl log --kind goals -f csv | tail -n +2 | cut -d, -f4 | sort | uniq -c | awk '{print $1, $2, $3}'", run
    )
    assert log.stdout == "3 goal add\n1 goal remove\n"
