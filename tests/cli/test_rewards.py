"""The rewards catalog and redeem through the command line (issue 17), on both backends.

A child asks (no PIN), the request waits in ``approvals`` as ``r<N>``, a parent
approves it (a ``redeem`` debit) or rejects it; exact tables, CSV and messages.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.conftest import PIN

pytestmark = pytest.mark.usefixtures("backend")  # each test on a SQLite file and on PostgreSQL

BERLIN = ZoneInfo("Europe/Berlin")


def at(day: int, hour: int, minute: int = 0):
    return time_machine.travel(datetime(2026, 11, day, hour, minute, tzinfo=BERLIN), tick=False)


@pytest.fixture
def shop(household):
    """Amy with $2.00 from the dishes; a catalog of two rewards."""
    cli = household
    with at(20, 18):
        cli.parent("chore add Dishes --reward 2 --assign Amy")
        cli.parent("reward add '30 min screen time' 1.50")
        cli.parent("reward add 'Lego set' 25")
        cli.ok("done Dishes")
        cli.parent("approve 1")
    return cli


def test_the_catalog(shop):
    cli = shop
    assert cli.ok("reward list").stdout == (
        "ID   Reward                 Cost   Added           \n"
        "───────────────────────────────────────────────────\n"
        " 1   30 min screen time    $1.50   2026-11-20 18:00\n"
        " 2   Lego set             $25.00   2026-11-20 18:00\n"
    )
    assert cli.ok("reward list -f csv").stdout.splitlines() == [
        "id,title,cost,created_at,archived",
        "1,30 min screen time,1.50,2026-11-20T18:00:00+01:00,false",
        "2,Lego set,25.00,2026-11-20T18:00:00+01:00,false",
    ]
    added = cli("reward add 'LEGO SET' 3", pin=PIN)
    assert (added.exit_code, added.stderr) == (
        1,
        "Error: there is already a reward called Lego set (id 2)\n"
        "Hint: use another title, or remove the old one first: chorectl reward remove 2\n",
    )
    for cost in ("0", "1000.01", "-1", "abc"):
        assert cli(["reward", "add", "Pony", cost], pin=PIN).exit_code == 2, cost
    assert cli("reward add Pony 1").exit_code == 3  # no PIN
    removed = cli.parent("reward remove 'lego set'")
    assert removed.stderr == "Removed reward Lego set (id 2) from the catalog.\n"
    assert [r["id"] for r in json.loads(cli.ok("reward list -f json").stdout)] == [1]
    assert [(r["id"], r["archived"]) for r in json.loads(cli.ok("reward list --all -f json").stdout)] == [
        (1, False),
        (2, True),
    ]
    assert cli("reward remove 'Lego set'", pin=PIN).exit_code == 1
    cli.parent("reward remove 1")
    empty = cli.ok("reward list")
    assert (empty.stdout, empty.stderr) == ("", "No rewards yet. Add one: chorectl reward add TITLE COST\n")


def test_a_child_asks_and_a_parent_approves(shop):
    cli = shop
    with at(21, 9):
        short = cli("redeem Amy 'Lego set'")
        assert (short.exit_code, short.stderr) == (
            1,
            "Error: Amy's balance is $2.00; Lego set costs $25.00\nHint: do a chore or two first: chorectl today\n",
        )
        asked = cli.ok("redeem amy '30 MIN screen time' --note 'after homework'")  # no PIN
        assert asked.stderr == "Amy: 30 min screen time ($1.50) waits for approval (id r1).\n"
        again = cli("redeem Amy 1")
        assert again.stderr.splitlines()[0] == (
            "Error: Amy's balance is $2.00, with $1.50 of it asked for already; 30 min screen time costs $1.50"
        )
        assert cli("redeem Mum 1").stderr == "Error: Mum is a parent; only children redeem rewards\n"
    with at(22, 9):
        cli.parent("chore add Trash --reward 2 --assign Amy")
        cli.ok("done Trash")  # a chore waits too
    table = cli.ok("approvals").stdout
    assert table == (
        "Waiting for approval" + " " * 67 + "\n"
        "ID   Chore                Member   Done               Status    Reward   Note          \n"
        "───────────────────────────────────────────────────────────────────────────────────────\n"
        "2    Trash (#2)           Amy      2026-11-22 09:00   pending    $2.00                 \n"
        "r1   30 min screen time   Amy      2026-11-21 09:00   pending    $1.50   after homework\n"
    )
    rows = list(csv.reader(io.StringIO(cli.ok("approvals -f csv").stdout)))
    assert rows[0][-1] == "member_id" and rows[2] == [
        "r1",
        "",
        "30 min screen time",
        "Amy",
        "pending",
        "2026-11-21T09:00:00+01:00",
        "",
        "1.50",
        "after homework",
        "",
        "",
        "",
        "1",
    ]
    ids = [row["id"] for row in json.loads(cli.ok("approvals -f json").stdout)]
    assert ids == [2, "r1"]  # a completion's id stays a number
    with at(22, 10):
        alls = cli.parent("approve --all")
        assert alls.stderr == (
            "Approved 2: Amy, Trash, $2.00.\n"
            "1 reward request waits: --all leaves them to you; approve by id: chorectl approve r1\n"
        )
        done = cli.parent("approve R1")
        assert done.stderr == "Approved r1: Amy, 30 min screen time, $1.50; balance $2.50.\n"
    assert cli.ok("balance Amy -f csv").stdout.splitlines() == [
        "member,earned,bonuses,penalties,paid,balance,redeemed,goal,goal_target,goal_saved,member_id",
        "Amy,4.00,0.00,0.00,0.00,2.50,-1.50,,,,1",
    ]
    ledger = list(csv.DictReader(io.StringIO(cli.ok("ledger Amy -f csv").stdout)))
    assert (ledger[-1]["kind"], ledger[-1]["amount"], ledger[-1]["note"]) == ("redeem", "-1.50", "30 min screen time")
    assert "redeem   -$1.50" in cli.ok("ledger").stdout
    assert cli.ok("balance").stdout.splitlines()[:3] == [
        "Member   Earned   Bonuses   Penalties    Paid   Balance   Redeemed",
        "──────────────────────────────────────────────────────────────────",
        "Amy       $4.00     $0.00       $0.00   $0.00     $2.50     -$1.50",
    ]
    log = csv.DictReader(io.StringIO(cli.ok("log --kind rewards -f csv").stdout))
    assert [(r["actor"], r["action"], r["detail"], r["amount"]) for r in log] == [
        ("Mum", "reward add", "#1 30 min screen time (1.50)", ""),
        ("Mum", "reward add", "#2 Lego set (25.00)", ""),
        ("Amy", "redeem", "r1: Amy, 30 min screen time", ""),
        ("Mum", "reward approve", "r1: Amy, 30 min screen time", "-1.50"),
    ]


def test_approving_rechecks_the_balance_and_allow_debt_lets_it_go_below_zero(shop):
    cli = shop
    cli.ok("redeem Amy 1")
    cli.parent("pay Amy 1")
    short = cli("approve r1", pin=PIN)
    assert (short.exit_code, short.stderr) == (
        1,
        "Error: Amy's balance is $1.00; 30 min screen time costs $1.50\n"
        "Hint: reject it (chorectl reject r1), or let the balance go below zero: chorectl approve r1 --allow-debt\n",
    )
    assert cli("approve --all --allow-debt", pin=PIN).exit_code == 2  # only for requests named
    debt = cli.parent("approve r1 --allow-debt")
    assert debt.stderr == ("Approved r1: Amy, 30 min screen time, $1.50; balance -$0.50 (below zero: --allow-debt).\n")
    assert cli("approve r1", pin=PIN).stderr == "Error: reward request r1 is approved, not pending\n"


def test_reject_and_mixed_ids_all_or_nothing(shop):
    cli = shop
    cli.ok("redeem Amy 1")
    rejected = cli.parent("reject r1 --reason 'not on a school night'")
    assert rejected.stderr == "Rejected r1: Amy, 30 min screen time; nothing was spent.\n"
    assert cli.ok("balance Amy -f csv").stdout.splitlines()[1] == "Amy,2.00,0.00,0.00,0.00,2.00,0.00,,,,1"
    cli.ok("redeem Amy 1")
    missing = cli("approve r2 r9", pin=PIN)
    assert (missing.exit_code, missing.stderr.splitlines()[0]) == (1, "Error: no reward request r9")
    assert [r["id"] for r in json.loads(cli.ok("approvals -f json").stdout)] == ["r2"]  # r2 still waits
    bad = cli("approve x3", pin=PIN)
    assert bad.exit_code == 2 and "'x3' is not an id from 'chorectl approvals'" in bad.stderr


def test_redeem_approve_is_a_parent_command(shop):
    cli = shop
    denied = cli("redeem Amy 1 --approve")
    assert denied.exit_code == 3
    assert cli("redeem Amy 1 --allow-debt").exit_code == 2  # --allow-debt only with --approve
    assert cli("redeem Amy 'Lego set' --approve", pin=PIN).exit_code == 1
    both = cli.parent("redeem Amy 'Lego set' --approve --allow-debt")
    assert both.stderr == "Approved r1: Amy, Lego set, $25.00; balance -$23.00 (below zero: --allow-debt).\n"
    assert len(cli.ok("approvals -f csv").stdout.splitlines()) == 1  # the header alone: nothing waits


def test_undo_of_an_approved_request_shows_under_redeemed_in_balance(shop):
    """The debit's reversal names it (undo of redeem #N), so balance's breakdown puts the money
    back under redeemed, where it was taken, not under earned."""
    cli = shop
    with at(21, 9):
        cli.ok("redeem Amy '30 min screen time'")
        cli.parent("approve r1")
        before = csv_rows(cli.ok("balance Amy -f csv").stdout)[0]
        assert (before["earned"], before["redeemed"], before["balance"]) == ("2.00", "-1.50", "0.50")
        assert cli.parent("undo").stderr.endswith(
            " (reward approve): r1 waits for approval again (Amy, 30 min screen time); $1.50 back to Amy.\n"
        )
        after = csv_rows(cli.ok("balance Amy -f csv").stdout)[0]
        assert (after["earned"], after["redeemed"], after["balance"]) == ("2.00", "0.00", "2.00")
        assert [r["id"] for r in json.loads(cli.ok("approvals -f json").stdout)] == ["r1"]


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_request_redeem_never_makes_is_refused_at_approval(shop):
    """A request written behind chorectl's back (the file edited, an owner's psql) at a negative cost,
    or for a parent: `approve` refuses it (exit 1, nothing written), even with --allow-debt, so an
    approval never moves money to the child or spends a parent's; `reject` takes it away."""
    from tests.helpers import execute, query

    cli = shop
    with at(20, 19):
        cli.ok("redeem Amy 1")
        execute("UPDATE redemption SET cost = -500")
        refused = cli("approve r1 --allow-debt", pin=PIN)
        assert refused.exit_code == 1
        assert refused.stderr == (
            "Error: reward request r1 (Amy, 30 min screen time) costs -5.00: a request costs more than zero\n"
            "Hint: reject it: chorectl reject r1\n"
        )
        execute("UPDATE redemption SET cost = 150, member_id = (SELECT id FROM member WHERE name = 'Mum')")
        refused = cli("approve r1 --allow-debt", pin=PIN)
        assert refused.exit_code == 1
        assert "r1 is for Mum, a parent; only children redeem rewards" in refused.stderr
        assert query("SELECT count(*) FROM ledger WHERE kind = 'redeem'") == [(0,)]
        cli.parent("reject r1")


def test_a_child_with_a_request_waiting_is_not_archived_unless_forced(shop):
    """A request waiting is work left behind, like a completion: member remove refuses; --force
    turns it down (an archived child's money can no longer be spent), and undo asks it again."""
    cli = shop
    with at(21, 9):
        cli.parent("pay Amy 2")
        cli.parent("adjust Amy +1.50 --reason treat")
        cli.ok("redeem Amy '30 min screen time'")
        cli.parent("adjust Amy -1.50 --reason 'spent elsewhere'")
        refused = cli("member remove Amy", pin=PIN)
        assert (refused.exit_code, refused.stderr) == (
            1,
            "Error: cannot archive Amy: 1 of their reward requests waits for approval\n"
            "Hint: approve or reject what waits: chorectl approvals; or archive anyway: chorectl member remove Amy --force\n",
        )
        cli.parent("member remove Amy --force")
        assert cli.ok("approvals -f json").stdout == "[]\n"
        assert cli("approve r1", pin=PIN).exit_code == 1  # turned down: nothing to approve
        cli.parent("undo")
        assert [r["id"] for r in json.loads(cli.ok("approvals -f json").stdout)] == ["r1"]
