"""``chorectl undo`` through the command line (issue 17), on a clock moved by time-machine.

The household (Amy, Ben, parent Mum) from Monday 2026-11-16, Europe/Berlin. An action is named
by its line in the log; lines are read from ``undo --list -f json`` where a test does not care
which number it is.
"""

from __future__ import annotations

import csv
import io
import json
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.conftest import PIN
from tests.helpers import execute, query, snapshot

# Each test on a SQLite file; on PostgreSQL too with CHORECTL_PG=all (tests/cli/test_both_backends.py
# keeps a few of them on both in every run).
pytestmark = [pytest.mark.usefixtures("backend"), pytest.mark.postgres_in_full_runs]


@contextmanager
def at(d, h=12, minute=0):
    with time_machine.travel(datetime(2026, 11, d, h, minute, tzinfo=ZoneInfo("Europe/Berlin")), tick=False):
        yield


def undoable(cli) -> list[dict]:
    return json.loads(cli.ok("undo --list -f json").stdout)


def line_of(cli, action: str) -> int:
    """The log line of the newest undoable *action*."""
    return next(row["id"] for row in undoable(cli) if row["action"] == action)


def balance(cli, name: str = "Amy") -> dict:
    (row,) = json.loads(cli.ok(f"balance {name} -f json").stdout)
    return {k: row[k] for k in ("earned", "bonuses", "penalties", "paid", "balance")}


def refused(cli, command: str) -> str:
    """A refused undo: exit 1, one Error line, nothing changed but the PIN's bookkeeping."""
    before = snapshot()
    result = cli(command, pin=PIN)
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert snapshot() == before
    return result.stderr


@pytest.fixture
def day(household):
    """Monday: Amy's Dishes (a one-off, $2) done and approved, then Amy paid $2."""
    cli = household
    with at(16, 8):
        cli.parent("chore add Dishes --reward 2 --assign Amy")
        cli.ok("done Dishes")
        cli.parent("approve 1")
        cli.parent("pay Amy 2 --note 'pocket money'")
    return cli


def offset() -> int:
    """How many more lines the log's start has here: PostgreSQL's init logs its roles too."""
    return query("SELECT count(*) FROM audit WHERE action = 'roles'")[0][0]


def test_two_undos_in_a_row_undo_two_actions_newest_first(day):
    cli = day
    n = offset()
    with at(16, 9):
        first = cli.parent("undo")
        second = cli.parent("undo")
    assert first.stdout == second.stdout == ""
    assert (
        first.stderr == f"Undid line {14 + n} (pay): the payout of $2.00 to Amy is reversed; Amy's balance is $2.00.\n"
    )
    assert second.stderr == (
        f"Undid line {12 + n} (approve): completion 1 (Amy, Dishes) waits for approval again; $2.00 reversed;"
        " Amy's balance is $0.00.\n"
    )
    ledger = json.loads(cli.ok("ledger Amy -f json").stdout)
    assert [(e["kind"], e["amount"], e["completion_id"], e["note"]) for e in ledger] == [
        ("reward", 2.0, 1, "Dishes"),
        ("payout", -2.0, None, "pocket money"),
        ("reversal", 2.0, None, "undo of payout #2: pocket money"),
        ("reversal", -2.0, 1, "undo of reward #1: Dishes"),
    ]
    # Each reversal counts beside what it reverses: the breakdown is as before the actions.
    assert balance(cli) == {"earned": 0, "bonuses": 0, "penalties": 0, "paid": 0, "balance": 0}
    (pending,) = json.loads(cli.ok("approvals -f json").stdout)
    assert (pending["id"], pending["status"], pending["reviewed_at"], pending["reward"]) == (1, "pending", None, None)
    log = list(csv.DictReader(io.StringIO(cli.ok("log --kind undo -f csv").stdout)))
    assert [(r["id"], r["action"], r["amount"]) for r in log] == [
        (str(16 + n), "undo", "2.00"),
        (str(18 + n), "undo", "-2.00"),
    ]
    assert log[0]["detail"] == f"line {14 + n} (pay): the payout of $2.00 to Amy is reversed; Amy's balance is $2.00"
    assert query("SELECT audit_id, undone_by FROM action WHERE undone_by IS NOT NULL ORDER BY audit_id") == [
        (12 + n, 18 + n),
        (14 + n, 16 + n),
    ]
    # The completion can be approved again, and that approval undone again: only its new reward goes.
    with at(16, 10):
        cli.parent("approve 1")
        cli.parent("undo")
    assert [e["amount"] for e in json.loads(cli.ok("ledger Amy -f json").stdout)][-2:] == [2.0, -2.0]
    assert balance(cli)["balance"] == 0


def test_undo_of_an_approval_already_paid_out_says_the_balance_is_negative(day):
    cli = day
    approval = line_of(cli, "approve")
    with at(16, 9):
        done = cli.parent(f"undo {approval}")
    assert done.stderr == (
        f"Undid line {approval} (approve): completion 1 (Amy, Dishes) waits for approval again; $2.00 reversed;"
        " Amy's balance is now -$2.00: the reward was already paid out.\n"
    )
    assert balance(cli) == {"earned": 0, "bonuses": 0, "penalties": 0, "paid": -2, "balance": -2}
    # The payout is still there to undo; the approval is not.
    assert [(r["action"], r["detail"]) for r in undoable(cli)][:2] == [
        ("pay", "Amy: pocket money"),
        ("chore add", "#1 Dishes: reward 2.00, once, for Amy"),
    ]


def test_undo_after_reset_ran_past_the_approvals_period(household):
    cli = household
    with at(16, 8):
        cli.parent("chore add Dishes --reward 1 --every daily --assign Amy")
    with at(16, 18):
        cli.ok("done Dishes")
        cli.parent("approve 1")
    with at(18, 0, 5):
        assert cli.ok("reset").stdout == "Dishes (Amy): missed the period due 2026-11-17\n"
    with at(18, 8):
        approval = line_of(cli, "approve")
        done = cli.parent("undo")
        assert done.stderr == (
            f"Undid line {approval} (approve): completion 1 (Amy, Dishes) waits for approval again;"
            " its period (due 2026-11-16) is over; $1.00 reversed; Amy's balance is $0.00.\n"
        )
        assert cli.ok("reset").stdout == ""  # nothing new is missed
        assert [r["id"] for r in json.loads(cli.ok("approvals -f json").stdout)] == [1]
        rejected = cli.parent("reject 1 --reason 'not really'")
    assert "its period (due 2026-11-16) is over, so it counts as missed" in rejected.stderr
    with at(18, 9):
        rejection = line_of(cli, "reject")
        assert cli.parent("undo").stderr == (
            f"Undid line {rejection} (reject): completion 1 (Amy, Dishes) waits for approval again;"
            " its period (due 2026-11-16) is over; it no longer counts as missed.\n"
        )
    rows = query("SELECT id, status, period_due, note FROM completion ORDER BY id")
    assert rows == [(1, "pending", "2026-11-16", None), (2, "missed", "2026-11-17", None)]


@pytest.mark.parametrize("assign", ["--assign Amy", "", "--rotate Amy,Ben"])
def test_undo_of_a_rejection_whose_period_reset_recorded_as_missed_takes_the_miss_away(household, assign):
    """Rejected while its period was open (the chore reopened, nobody redid it), then reset judged
    the period missed: the rejection undone, the completion waits again and the period is no longer
    missed too, as when the rejection itself recorded the miss. A period is never done and missed."""
    cli = household
    with at(16, 8):
        cli.parent(f"chore add Dishes --reward 1 --every daily {assign}")
    with at(16, 18):
        cli.ok("done Dishes --as Amy")
        cli.parent("reject 1")
    with at(17, 0, 5):
        assert cli.ok("reset").stdout.endswith("missed the period due 2026-11-16\n")
    with at(17, 8):
        assert cli.parent("undo").stderr.endswith(
            "completion 1 (Amy, Dishes) waits for approval again; its period (due 2026-11-16) is over;"
            " it no longer counts as missed.\n"
        )
        assert query("SELECT id, status, period_due FROM completion ORDER BY id") == [(1, "pending", "2026-11-16")]
        assert cli.ok("reset").stdout == ""
        cli.parent("approve 1")
        (row,) = json.loads(cli.ok("report --member Amy -f json").stdout)
    assert (row["done"], row["missed"], row["completion_rate"]) == (1, 0, 100)


def test_an_approval_of_a_chore_done_again_since_is_refused_with_the_reason(household):
    cli = household
    with at(16, 8):
        cli.parent("chore add 'Fish tank' --reward 2 --cooldown 2 --assign Amy")
        cli.ok(["done", "Fish tank"])
        cli.parent("approve 1")
    with at(18, 8):
        cli.ok(["done", "Fish tank"])  # back after its cooldown, done again
        assert refused(cli, f"undo {line_of(cli, 'approve')}") == (
            "Error: 'Fish tank' was done again since by Amy (completion 2, pending)\n"
            "Hint: undo or reject that one first: completion 1 and it cannot both count\n"
        )


def test_a_rejection_of_a_chore_done_again_since_is_refused(household):
    cli = household
    with at(16, 8):
        cli.parent("chore add Dishes --reward 1 --every daily --assign Amy")
        cli.ok("done Dishes --note 'all of them'")
        cli.parent("reject 1 --reason streaky")
        assert query("SELECT note FROM completion WHERE id = 1") == [("all of them; streaky",)]
        cli.ok("done Dishes")
        assert refused(cli, "undo").startswith("Error: 'Dishes' was done again since by Amy (completion 2, pending)")
        cli.parent("reject 2")
        cli.parent(f"undo {line_of(cli, 'reject')}")  # the newest rejection: nothing was done since
        assert query("SELECT id, status, note FROM completion ORDER BY id") == [
            (1, "rejected", "all of them; streaky"),
            (2, "pending", None),
        ]


def test_nothing_to_undo_an_undone_an_unknown_or_an_undoable_line_is_one_line_exit_1(cli):
    cli.parent("init")
    assert refused(cli, "undo") == "Error: nothing to undo\n"
    cli.parent("member add Amy")
    added = line_of(cli, "member add")
    with at(16):
        cli.parent("undo")
    (undone,) = query("SELECT id FROM audit WHERE action = 'undo'")[0]
    assert refused(cli, f"undo {added}") == f"Error: line {added} (member add) was undone already, by line {undone}\n"
    assert refused(cli, f"undo {undone}") == (
        f"Error: line {undone} is an undo; an undo cannot be undone (there is no redo)\n"
    )
    (init,) = query("SELECT id FROM audit WHERE action = 'init'")[0]
    assert refused(cli, f"undo {init}") == f"Error: line {init} (init) cannot be undone: see chorectl undo --list\n"
    assert refused(cli, "undo 999") == "Error: no log line 999\n"
    # an id past the database's integers is no line either, named as typed
    assert refused(cli, "undo 99999999999999999999999") == "Error: no log line 99999999999999999999999\n"
    assert refused(cli, "undo 0009223372036854775808") == "Error: no log line 9223372036854775808\n"
    assert refused(cli, "undo") == "Error: nothing to undo\n"


def test_undo_needs_the_pin_and_its_list_does_not(day):
    cli = day
    denied = cli("undo")
    assert denied.exit_code == 3
    listed = cli("undo --list")
    assert listed.exit_code == 0 and "pay" in listed.stdout
    assert cli("undo -f csv", pin=PIN).exit_code == 2
    assert cli("undo --list 3").exit_code == 2
    assert cli("undo x", pin=PIN).exit_code == 2


LIST_80 = """\
Can be undone, newest first
ID   When               Who      What         Detail                      Amount
────────────────────────────────────────────────────────────────────────────────
{l12}   2026-11-16 08:00   Mum      pay          Amy: pocket money           -$2.00
{l10}   2026-11-16 08:00   Mum      approve      completion 1: Amy, Dishes    $2.00
 {l7}   2026-11-16 08:00   Mum      chore add    #1 Dishes: reward 2.00, …
 {l5}   2026-11-16 08:00   parent   member add   Mum (parent)
 {l3}   2026-11-16 08:00   parent   member add   Amy (child)
"""


def test_undo_list_at_80_columns_and_as_csv(cli, monkeypatch):
    with at(16, 8):
        cli.parent("init")
        for command in ("member add Amy", "member add Mum --parent", "chore add Dishes --reward 2 --assign Amy"):
            cli.parent(command)
        cli.ok("done Dishes")
        cli.parent("approve 1")
        cli.parent("pay Amy 2 --note 'pocket money'")
    monkeypatch.setenv("COLUMNS", "80")
    table = cli.ok("undo --list").stdout
    n = offset()
    lines = LIST_80.format(**{f"l{i}": i + n for i in (3, 5, 7, 10, 12)})
    assert [line.rstrip() for line in table.splitlines()] == lines.splitlines()
    assert max(len(line) for line in table.splitlines()) <= 80
    assert cli.ok("undo --list -f csv").stdout.splitlines() == [
        "id,at,actor,action,detail,amount",
        f"{12 + n},2026-11-16T08:00:00+01:00,Mum,pay,Amy: pocket money,-2.00",
        f'{10 + n},2026-11-16T08:00:00+01:00,Mum,approve,"completion 1: Amy, Dishes",2.00',
        f'{7 + n},2026-11-16T08:00:00+01:00,Mum,chore add,"#1 Dishes: reward 2.00, once, for Amy",',
        f"{5 + n},2026-11-16T08:00:00+01:00,parent,member add,Mum (parent),",
        f"{3 + n},2026-11-16T08:00:00+01:00,parent,member add,Amy (child),",
    ]


def test_member_changes_go_back(household):
    cli = household
    with at(16, 8):
        cli.parent("chore add Dishes --reward 1 --every daily --assign Amy,Ben")
        cli.parent("member rename Ben Benny")
        assert cli.parent("undo").stderr.endswith("(member rename): Benny is called Ben again.\n")
        cli.parent("member remove Ben")
        assert [r["assignee"] for r in json.loads(cli.ok("chore list -f json").stdout)] == ["Amy"]
    with at(17, 8):
        assert cli.parent("undo").stderr.endswith("(member remove): Ben is back, with Dishes.\n")
        assert [r["assignee"] for r in json.loads(cli.ok("chore list -f json").stdout)] == ["Amy", "Ben"]
        # The undo judged Amy's Monday before Ben joined again; Ben's slot starts at today's period
        # (he had left before Monday ended), so reset has nothing left to judge.
        assert cli.ok("reset").stdout == ""
        assert query("SELECT member_id, period_due FROM completion WHERE status = 'missed'") == [(1, "2026-11-16")]
        cli.parent("member remove Ben")
        cli.parent("member restore Ben")
        assert cli.parent("undo").stderr.endswith("(member restore): Ben is archived again.\n")
        cli.parent("member restore Ben")
        cli.parent("reward add Treat 0.50")
        cli.parent("adjust Ben +1 --reason 'welcome back'")
        cli.ok("redeem Ben Treat")  # asked since the restore: undoing it would strand the request
        restored = line_of(cli, "member restore")
        assert refused(cli, f"undo {restored}") == (
            "Error: Ben has work or reward requests waiting for approval since they were restored\n"
            "Hint: approve or reject what waits first: chorectl approvals\n"
        )
        cli.parent("reject r1")
        cli.parent("adjust Ben -1 --reason 'settled'")
        cli.parent("member remove Ben")
        cli.parent("member add Cat")
        cli.parent("chore assign Dishes --to Cat")
        added = line_of(cli, "member add")
        assert refused(cli, f"undo {added}") == (
            "Error: Cat has chores (Dishes) since they were added\nHint: archive them instead: chorectl member remove Cat\n"
        )
        cli.parent("member rename Amy Annie")
        cli.parent("member add Amy")
        renamed = line_of(cli, "member rename")
        assert refused(cli, f"undo {renamed}") == (
            "Error: cannot rename Annie back to Amy: there is already a member called Amy\n"
        )


# Every column of a chore but its watermark (the undo judged Monday: it moved on, as reset moves it).
COLUMNS = "id, title, title_key, reward_min, reward_max, schedule, cooldown_days, due, note, archived, created_at,"
COLUMNS += " rotate_by, streak_n, streak_bonus"


def test_a_chore_edit_and_assignment_go_back_as_they_were(household):
    cli = household
    with at(16, 8):
        cli.parent("chore add Dishes --reward 2 --every daily --assign Amy --note plates")
        execute("UPDATE chore SET streak_n = 3, streak_bonus = 100, rotate_by = 'turns'")  # schema 7's columns
    with at(17, 8):
        before = cli.ok("chore list -f json").stdout
        columns = query(f"SELECT {COLUMNS} FROM chore")
        cli.parent(["chore", "edit", "Dishes", "--title", "Cups", "--reward", "1-3", "--every", "weekly", "--note", ""])
        execute("UPDATE chore SET streak_n = 5")
        assert refused(cli, "undo") == (
            "Error: 'Cups' (#1) was changed again since it was changed\n"
            "Hint: undo the newer change first: chorectl undo --list\n"
        )
        execute("UPDATE chore SET streak_n = 3")
        assert cli.parent("undo").stderr.endswith(
            "(chore edit): 'Dishes' (#1) is as it was: reward 2.00, daily, for Amy, streak 3:1.00.\n"
        )
        assert cli.ok("chore list -f json").stdout == before
        assert query(f"SELECT {COLUMNS} FROM chore") == columns
        cli.parent("chore assign Dishes --to Ben")
        cli.parent("undo")
        assert cli.ok("chore list -f json").stdout == before
        assert query("SELECT member_id, rolled_due FROM assignment") == [(1, "2026-11-17")]
        cli.parent("chore edit Dishes --every weekly")
        cli.ok("done Dishes")
        assert refused(cli, "undo") == (
            "Error: 'Dishes' (#1) has completions under its new schedule\n"
            "Hint: change the schedule back with: chorectl chore edit\n"
        )


def test_a_chore_added_or_removed_by_mistake(household):
    cli = household
    with at(16, 8):
        cli.parent("chore add Walk --reward 1 --every daily")
        assert cli.parent("undo").stderr.endswith("(chore add): 'Walk' (#1) is archived.\n")
        cli.parent("chore add Walk --reward 1 --every daily")  # the title is free again
        cli.ok("done Walk --as Amy")
        assert refused(cli, "undo") == (
            "Error: 'Walk' (#2) has completions since it was added\nHint: archive it instead: chorectl chore remove 2\n"
        )
        cli.parent("chore remove Walk")
    with at(19, 8):  # three days later: the days it was archived are not missed
        assert cli.parent("undo").stderr.endswith("(chore remove): 'Walk' (#2) is back.\n")
        assert cli.ok("reset").stdout == ""
        cli.parent("chore remove Walk")
        cli.parent("chore add Walk --reward 2")
        removed = line_of(cli, "chore remove")
        assert refused(cli, f"undo {removed}") == (
            "Error: cannot bring 'Walk' (#2) back: there is already a chore called Walk (id 3)\n"
            "Hint: use another title, or remove the old one first: chorectl chore remove 3\n"
        )


def test_an_adjustment_undone_shows_where_it_was(household):
    cli = household
    with at(16, 8):
        cli.parent("adjust Ben +3 --reason helped")
        cli.parent("adjust Ben -1 --reason late")
        cli.parent("pay Ben 2")
        cli.parent(f"undo {line_of(cli, 'adjust')}")  # the penalty
        assert balance(cli, "Ben") == {"earned": 0, "bonuses": 3, "penalties": 0, "paid": -2, "balance": 1}
        done = cli.parent(f"undo {line_of(cli, 'adjust')}")  # the bonus, paid out since
    assert done.stderr.endswith(
        "the bonus of $3.00 for Ben is reversed; Ben's balance is now -$2.00: the bonus was already paid out.\n"
    )
    assert balance(cli, "Ben") == {"earned": 0, "bonuses": 0, "penalties": 0, "paid": -2, "balance": -2}
    ledger = json.loads(cli.ok("ledger Ben -f json").stdout)
    assert [(e["kind"], e["amount"], e["note"]) for e in ledger][-2:] == [
        ("reversal", 1.0, "undo of penalty #2: late"),
        ("reversal", -3.0, "undo of bonus #1: helped"),
    ]
