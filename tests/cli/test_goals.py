"""``chorectl goal`` through the command line, and the goal beside the balance in ``balance``,
``today`` and ``report``: exact tables at 80 columns, the script formats, the refusals.

The household (Amy, Ben, parent Mum) on Monday 2026-11-16: Amy earns 2.00 for the dishes
and gets a 10.00 bonus; Ben is fined 1.00. Amy saves for a Lego set (25.00), then a book
with a long title (5.00); Ben for a bike (100.00).
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

# Each test on a SQLite file; on PostgreSQL too with CHORECTL_PG=all (tests/cli/test_both_backends.py
# keeps a few of them on both in every run).
pytestmark = [pytest.mark.usefixtures("backend"), pytest.mark.postgres_in_full_runs]

BOOK = "A very long title for the most wonderful book anyone could save for"


@contextmanager
def at(d: int, h: int = 12, minute: int = 0):
    with time_machine.travel(datetime(2026, 11, d, h, minute, tzinfo=ZoneInfo("Europe/Berlin")), tick=False):
        yield


def crlf(result) -> str:
    """stdout as written, line ends and all (CliRunner's .stdout turns CRLF into LF)."""
    return result.stdout_bytes.decode()


@pytest.fixture
def saving(household, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    cli = household
    with at(16, 8):
        cli.parent("chore add Dishes --reward 2 --assign Amy --every daily")
        cli.ok("done Dishes")
        cli.parent("approve 1")
        cli.parent("adjust Amy +10 --reason birthday")
        cli.parent("adjust Ben -1 --reason late")
    with at(16, 9):
        added = cli.parent(["goal", "add", "Amy", "Lego set", "25.00"])
        assert added.stderr == "Added goal 1 for Amy: Lego set, $25.00; $12.00 saved so far (48%).\n"
        assert added.stdout == ""
        cli.parent(["goal", "add", "Amy", BOOK, "5"])
        cli.parent(["goal", "add", "ben", "Bike", "$100"])
    return cli


GOALS_80 = """\
ID   Child   Goal                                     Target    Saved   Progress
────────────────────────────────────────────────────────────────────────────────
 1   Amy     Lego set                                 $25.00   $12.00        48%
 2   Amy     A very long title for the most wonde…     $5.00    $0.00         0%
 3   Ben     Bike                                    $100.00    $0.00         0%
"""

BALANCE_80 = """\
Member   Earned   Bonuses   Penalties    Paid   Balance   Goal
──────────────────────────────────────────────────────────────────────
Amy       $2.00    $10.00       $0.00   $0.00    $12.00   Lego set 48%
Ben       $0.00     $0.00      -$1.00   $0.00    -$1.00   Bike 0%
"""

TODAY_80 = """\
Amy  balance $12.00
  Goal: Lego set, $12.00 of $25.00 (48%)
  Nothing to do today.

Ben  balance -$1.00
  Goal: Bike, $0.00 of $100.00 (0%)
  Nothing to do today.
"""


def test_goals_at_80_columns(saving):
    cli = saving
    with at(16, 18):
        assert cli.ok("goal list").stdout == GOALS_80
        balance = cli.ok("balance").stdout  # (Rich pads the last column's cells: not compared)
        assert [line.rstrip() for line in balance.splitlines()] == BALANCE_80.splitlines()
        assert {len(line) for line in balance.splitlines()} == {70}
        assert cli.ok("today").stdout == TODAY_80
        assert cli.ok("goal list Ben").stdout.splitlines()[2:] == [
            " 3   Ben     Bike   $100.00   $0.00         0%",
        ]


REACHED_80 = """\
ID   Child   Goal                                     Target    Saved   Progress
────────────────────────────────────────────────────────────────────────────────
 1   Amy     Lego set                                 $25.00   $25.00    reached
 2   Amy     A very long title for the most wonder…    $5.00    $2.00        40%
"""

TODAY_REACHED_80 = """\
Amy                      balance $27.00
  Goal: Lego set, $25.00 of $25.00, reached
  today  Dishes (#1)  2026-11-17  $2.00
"""


def test_a_reached_goal_says_so_and_the_next_one_fills(saving):
    cli = saving
    with at(17, 9):
        cli.parent("adjust Amy +15 --reason 'grandma'")  # 27.00: the Lego set is there, 2.00 toward the book
        assert cli.ok("goal list Amy").stdout == REACHED_80
        rows = list(csv.DictReader(io.StringIO(cli.ok("goal list Amy -f csv").stdout)))
        assert [(r["title"], r["saved"], r["progress"], r["reached"]) for r in rows] == [
            ("Lego set", "25.00", "100", "true"),
            (BOOK, "2.00", "40", "false"),
        ]
        assert cli.ok("balance Amy").stdout.splitlines()[2] == (
            "Amy       $2.00    $25.00       $0.00   $0.00    $27.00   A very long title… 40%"
        )
        cli.parent(["goal", "remove", "2"])
        assert cli.ok("balance Amy").stdout.splitlines()[2] == (
            "Amy       $2.00    $25.00       $0.00   $0.00    $27.00   Lego set reached"
        )
        assert cli.ok("today --as Amy").stdout == TODAY_REACHED_80


def test_the_script_formats(saving):
    cli = saving
    with at(16, 18):
        assert crlf(cli.ok("goal list -f csv")) == (
            "id,member,title,target,saved,progress,reached,created_at,member_id\r\n"
            "1,Amy,Lego set,25.00,12.00,48,false,2026-11-16T09:00:00+01:00,1\r\n"
            f"2,Amy,{BOOK},5.00,0.00,0,false,2026-11-16T09:00:00+01:00,1\r\n"
            "3,Ben,Bike,100.00,0.00,0,false,2026-11-16T09:00:00+01:00,2\r\n"
        )
        assert json.loads(cli.ok("goal list Ben -f json").stdout) == [
            {
                "id": 3,
                "member": "Ben",
                "title": "Bike",
                "target": 100.0,
                "saved": 0.0,
                "progress": 0,
                "reached": False,
                "created_at": "2026-11-16T09:00:00+01:00",
                "member_id": 2,
            }
        ]
        assert cli.ok("goal list -f tsv").stdout.splitlines()[1].split("\t")[:6] == [
            "1",
            "Amy",
            "Lego set",
            "25.00",
            "12.00",
            "48",
        ]
        assert crlf(cli.ok("balance -f csv")) == (
            "member,earned,bonuses,penalties,paid,balance,redeemed,goal,goal_target,goal_saved,member_id\r\n"
            "Amy,2.00,10.00,0.00,0.00,12.00,0.00,Lego set,25.00,12.00,1\r\n"
            "Ben,0.00,0.00,-1.00,0.00,-1.00,0.00,Bike,100.00,0.00,2\r\n"
        )
        assert cli.ok("balance Ben -f json").stdout == (
            '[\n  {"member": "Ben", "earned": 0.00, "bonuses": 0.00, "penalties": -1.00, "paid": 0.00,'
            ' "balance": -1.00, "redeemed": 0.00, "goal": "Bike", "goal_target": 100.00, "goal_saved": 0.00, "member_id": 2}\n]\n'
        )
        today = list(csv.DictReader(io.StringIO(cli.ok("today -f csv").stdout)))
        assert [(r["member"], r["status"], r["goal"], r["goal_target"], r["goal_saved"]) for r in today] == [
            ("Amy", "none", "Lego set", "25.00", "12.00"),
            ("Ben", "none", "Bike", "100.00", "0.00"),
        ]
        assert list(today[0])[-4:] == ["goal", "goal_target", "goal_saved", "member_id"]
    assert cli.ok("goal list -f json").stdout.count('"reached": false') == 3


def test_the_report_shows_the_goals_at_the_windows_end(saving):
    cli = saving
    with at(20, 18):
        cli.parent("pay Amy 4")  # after the week of the 16th: its report still has 12.00
        report = cli.ok("report --since 2026-11-16 --until 2026-11-16").stdout
        assert report.split("Top chores")[1].split("Earned per week")[0] == (
            "\n"
            "  Amy: Dishes (1)\n"
            "\n"
            "Goals (at the balance on 2026-11-16)\n"
            "  Amy: Lego set, $12.00 of $25.00 (48%)\n"
            "  Ben: Bike, $0.00 of $100.00 (0%)\n"
            "\n"
        )
        assert "  Amy: Lego set, $8.00 of $25.00 (32%)" in cli.ok("report").stdout  # this week: after the payout
        rows = list(csv.DictReader(io.StringIO(cli.ok("report --since 2026-11-16 --until 2026-11-16 -f csv").stdout)))
        assert [(r["member"], r["balance"], r["goal"], r["goal_target"], r["goal_saved"]) for r in rows] == [
            ("Amy", "12.00", "Lego set", "25.00", "12.00"),
            ("Ben", "-1.00", "Bike", "100.00", "0.00"),
        ]
        assert list(rows[0])[-5:] == ["until", "goal", "goal_target", "goal_saved", "member_id"]
        before = cli.ok("report --since 2026-11-09 --until 2026-11-15").stdout  # before any goal was set
        assert "Goals" not in before


def test_removing_a_goal_moves_no_money_and_the_log_has_both(saving):
    cli = saving
    with at(16, 10):
        ledger = cli.ok("ledger -f csv").stdout
        removed = cli.parent("goal remove 1")
        assert removed.stderr == "Removed goal 1 of Amy: Lego set, $25.00; their balance stays $12.00.\n"
        assert cli.ok("ledger -f csv").stdout == ledger
        assert [r["title"] for r in json.loads(cli.ok("goal list -f json").stdout)] == [BOOK, "Bike"]
        assert json.loads(cli.ok("balance Amy -f json").stdout)[0]["goal_saved"] == 5.0  # the book fills now
        log = json.loads(cli.ok("log --kind goals -f json").stdout)
        assert [(r["actor"], r["action"], r["detail"], r["amount"]) for r in log] == [
            ("Mum", "goal add", "#1 Amy: Lego set, $25.00", None),
            ("Mum", "goal add", f"#2 Amy: {BOOK}, $5.00", None),
            ("Mum", "goal add", "#3 Ben: Bike, $100.00", None),
            ("Mum", "goal remove", "#1 Amy: Lego set, $25.00", None),
        ]
        again = cli(["goal", "remove", "1"], pin="4321")
        assert (again.exit_code, again.stderr) == (
            1,
            "Error: goal 1 (Lego set) was removed already\nHint: see: chorectl goal list\n",
        )


@pytest.mark.parametrize(
    ("args", "code", "error"),
    [
        (["goal", "add", "Amy", "LEGO SET", "3"], 1, "Error: Amy already has a goal called Lego set (goal 1)"),
        (["goal", "add", "Mum", "Holiday", "300"], 1, "Error: Mum is a parent; goals are for children"),
        (["goal", "add", "Zed", "Kite", "3"], 1, "Error: no member called 'Zed'"),
        (["goal", "add", "Amy", "Kite", "0"], 2, "Error: amount '0' must be more than zero"),
        (["goal", "add", "Amy", "Kite", "1.005"], 2, "Error: '1.005' is not an amount"),
        (["goal", "add", "Amy", "Kite", "200000"], 2, "Error: amount '200000' is too large"),
        (["goal", "add", "Amy", "", "3"], 2, "Error: a title must not be empty"),
        (["goal", "add", "Amy", "12", "3"], 2, "Error: a title cannot be only digits ('12')"),
        (["goal", "remove", "9"], 1, "Error: no goal with id 9"),
        (["goal", "remove", "one"], 2, "Error: 'one' is not a goal id"),
        (["goal", "list", "Mum"], 1, "Error: Mum is a parent; goals are for children"),
    ],
)
def test_what_is_refused(saving, args, code, error):
    cli = saving
    before = cli.ok("goal list -f csv").stdout
    result = cli(args, pin="4321")
    assert (result.exit_code, result.stdout) == (code, "")
    assert result.stderr.splitlines()[0].startswith(error), result.stderr
    assert cli.ok("goal list -f csv").stdout == before


def test_add_and_remove_are_parent_commands_and_list_is_open(saving):
    cli = saving
    for args in (["goal", "add", "Amy", "Kite", "3"], ["goal", "remove", "1"]):
        denied = cli(args)
        assert denied.exit_code == 3
        assert denied.stderr.startswith("Error: this is a parent command and needs the parent PIN\n")
        wrong = cli(args, pin="0000")
        assert wrong.exit_code == 3
    assert len(cli.ok("goal list -f json").stdout.split('"id"')) == 4  # nothing changed; no PIN to list


def test_an_archived_childs_goals_are_not_shown(saving):
    cli = saving
    cli.parent("member remove Ben --force")
    assert [r["member"] for r in json.loads(cli.ok("goal list -f json").stdout)] == ["Amy", "Amy"]
    assert json.loads(cli.ok("balance Ben -f json").stdout)[0]["goal"] is None
    gone = cli(["goal", "list", "Ben"])
    assert (gone.exit_code, gone.stderr.splitlines()[0]) == (1, "Error: Ben is archived (member 2)")
    cli.parent("member restore Ben")
    assert [r["member"] for r in json.loads(cli.ok("goal list -f json").stdout)] == ["Amy", "Amy", "Ben"]


def test_no_goals_yet(household):
    empty = household.ok("goal list")
    assert (empty.stdout, empty.stderr) == ("", "No goals yet. Add one: chorectl goal add NAME TITLE AMOUNT\n")
    assert household.ok("goal list -f json").stdout == "[]\n"
    assert crlf(household.ok("goal list -f csv")) == (
        "id,member,title,target,saved,progress,reached,created_at,member_id\r\n"
    )
    assert "Goal" not in household.ok("today").stdout
    household.parent("adjust Amy +2 --reason x")
    # No child has a goal: balance's table leaves the empty Goal column out (the script formats keep it).
    assert household.ok("balance").stdout.splitlines() == [
        "Member   Earned   Bonuses   Penalties    Paid   Balance",
        "───────────────────────────────────────────────────────",
        "Amy       $0.00     $2.00       $0.00   $0.00     $2.00",
        "Ben       $0.00     $0.00       $0.00   $0.00     $0.00",
    ]
    assert (
        household.ok("balance -f csv")
        .stdout.splitlines()[0]
        .endswith(",balance,redeemed,goal,goal_target,goal_saved,member_id")
    )
