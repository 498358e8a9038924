"""``chorectl today`` and ``chorectl digest`` through the command line, on a clock moved by time-machine.

The household (Amy, Ben, parent Mum) from Monday 2026-11-16: Amy's daily
Dishes, Ben's Thursday Trash, Tidy room for both (no date, a range reward),
Amy's Bills (once, due Tuesday), Ben's long-titled chore (once, due Monday),
the pool's daily Walk dog, and Amy's Mow lawn, archived on the first day.
On Monday Amy does the Dishes (approved) and Ben walks the dog (waiting);
on Tuesday nobody does anything.
"""

from __future__ import annotations

import csv
import io
import json
import re
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

pytestmark = pytest.mark.usefixtures("backend")  # each test on a SQLite file and on PostgreSQL

LONG = "A very long title for a chore that goes on and on and on forever and ever"
SGR = re.compile(r"\x1b\[[0-9;]*m")
COLOUR = re.compile(r"\x1b\[[0-9;]*3[0-7](;[0-9;]*)?m")


@contextmanager
def at(d, h=12, minute=0):
    with time_machine.travel(datetime(2026, 11, d, h, minute, tzinfo=ZoneInfo("Europe/Berlin")), tick=False):
        yield


@pytest.fixture
def week(household):
    cli = household
    with at(16, 8):
        cli.parent("chore add Dishes --reward 1 --every daily --assign Amy")
        cli.parent("chore add Trash --reward 0.50 --every thu --assign Ben")
        cli.parent(["chore", "add", "Tidy room", "--reward", "1-3", "--assign", "Amy,Ben"])
        cli.parent("chore add Bills --reward 5 --due 2026-11-17 --assign Amy")
        cli.parent(["chore", "add", LONG, "--reward", "2", "--due", "2026-11-16", "--assign", "Ben"])
        cli.parent(["chore", "add", "Walk dog", "--reward", "0.75", "--every", "daily"])
        cli.parent(["chore", "add", "Mow lawn", "--reward", "2", "--every", "daily", "--assign", "Amy"])
        cli.parent(["chore", "remove", "Mow lawn"])
    with at(16, 17):
        cli.ok("done Dishes")
        cli.parent("approve 1")
        cli.ok(["done", "walk dog", "--as", "Ben"])
    return cli


TUESDAY_80 = """\
Amy                                                                balance $1.00
  today    Dishes (#1)                                   2026-11-17        $1.00
  today    Bills (#4)                                    2026-11-17        $5.00
  no date  Tidy room (#3)                                            $1.00–$3.00

Ben                                                                balance $0.00
  overdue  A very long title for a chore that goe… (#5)  2026-11-16        $2.00
  no date  Tidy room (#3)                                            $1.00–$3.00
  later    Trash (#2)                                    2026-11-19        $0.50
  waiting  Walk dog (#6)                                 2026-11-16        $0.75

Anyone
  today    Walk dog (#6)                                 2026-11-17        $0.75
"""

TUESDAY_100 = """\
Amy                                                                                    balance $1.00
  today    Dishes (#1)                                                       2026-11-17        $1.00
  today    Bills (#4)                                                        2026-11-17        $5.00
  no date  Tidy room (#3)                                                                $1.00–$3.00

Ben                                                                                    balance $0.00
  overdue  A very long title for a chore that goes on and on and on f… (#5)  2026-11-16        $2.00
  no date  Tidy room (#3)                                                                $1.00–$3.00
  later    Trash (#2)                                                        2026-11-19        $0.50
  waiting  Walk dog (#6)                                                     2026-11-16        $0.75

Anyone
  today    Walk dog (#6)                                                     2026-11-17        $0.75
"""


@pytest.mark.parametrize(("columns", "expected"), [("80", TUESDAY_80), ("100", TUESDAY_100)])
def test_the_household_s_day_fits_the_terminal(week, columns, expected):
    with at(17, 18):
        result = week.ok("today", env={"COLUMNS": columns})
    assert result.stdout == expected
    assert result.stderr == ""
    assert max(len(line) for line in result.stdout.splitlines()) == int(columns)


def test_one_child_s_day_with_the_pool_s_chores(week):
    with at(17, 18):
        assert week.ok("today --as amy").stdout == (
            "Amy                                  balance $1.00\n"
            "  today    Dishes (#1)     2026-11-17        $1.00\n"
            "  today    Bills (#4)      2026-11-17        $5.00\n"
            "  no date  Tidy room (#3)              $1.00–$3.00\n"
            "\n"
            "Anyone\n"
            "  today    Walk dog (#6)   2026-11-17        $0.75\n"
        )


def test_a_child_with_nothing_to_do_gets_a_friendly_line(week):
    week.parent("member add Cleo")
    week.parent(["adjust", "Cleo", "+2.50", "--reason", "birthday"])
    with at(17, 18):
        lines = week.ok("today").stdout.splitlines()
        assert lines[lines.index("Cleo" + " " * 83 + "balance $2.50") + 1] == "  Nothing to do today."
        assert week.ok("today --as Cleo").stdout == (
            "Cleo                        balance $2.50\n"
            "  Nothing to do today.\n"
            "\n"
            "Anyone\n"
            "  today  Walk dog (#6)  2026-11-17  $0.75\n"
        )
    with at(17, 20):
        week.ok(["done", "walk dog", "--as", "Ben"])
        week.ok(["done", "Dishes"])
        week.ok(["done", "Bills"])
        week.ok(["done", "tidy room", "--as", "Amy"])
        assert week.ok("today --as Amy").stdout == (
            "Amy                                  balance $1.00\n"
            "  Nothing to do today.\n"
            "  waiting  Dishes (#1)     2026-11-17        $1.00\n"
            "  waiting  Bills (#4)                        $5.00\n"
            "  waiting  Tidy room (#3)              $1.00–$3.00\n"
        )


def test_a_child_with_only_later_chores_has_nothing_due_today(household):
    with at(16, 8):
        household.parent("chore add Trash --reward 0.50 --every thu --assign Ben")
        assert household.ok("today --as Ben").stdout == (
            "Ben                      balance $0.00\n  Nothing due today.\n  later  Trash (#1)  2026-11-19  $0.50\n"
        )


def test_colour_on_a_terminal_and_none_under_no_color(week):
    terminal = {"TERM": "xterm-256color", "FORCE_COLOR": "1", "COLUMNS": "80"}
    with at(17, 18):
        coloured = week.ok("today", env=terminal).stdout
        plain = week.ok("today", env={**terminal, "NO_COLOR": "1"}).stdout
    assert COLOUR.search(coloured)  # overdue red, today yellow, waiting cyan...
    assert "\x1b[1;31moverdue" in coloured and "\x1b[1;33mtoday" in coloured and "\x1b[36mwaiting" in coloured
    assert not COLOUR.search(plain)  # ...and no colour at all under NO_COLOR
    assert SGR.sub("", coloured) == SGR.sub("", plain) == TUESDAY_80  # the same words either way


def test_the_script_formats(week):
    with at(17, 18):
        rows = list(csv.DictReader(io.StringIO(week.ok("today -f csv").stdout)))
        assert [(r["member"], r["status"], r["chore_id"], r["due"], r["member_id"]) for r in rows] == [
            ("Amy", "today", "1", "2026-11-17", "1"),
            ("Amy", "today", "4", "2026-11-17", "1"),
            ("Amy", "undated", "3", "", "1"),
            ("Ben", "overdue", "5", "2026-11-16", "2"),
            ("Ben", "undated", "3", "", "2"),
            ("Ben", "later", "2", "2026-11-19", "2"),
            ("Ben", "pending", "6", "2026-11-16", "2"),
            ("", "today", "6", "2026-11-17", ""),
        ]
        assert rows[0]["balance"] == "1.00" and rows[3]["balance"] == "0.00" and rows[-1]["balance"] == ""
        assert (rows[6]["completion_id"], rows[6]["reward"]) == ("2", "0.75")
        assert (rows[2]["reward"], rows[2]["reward_min"], rows[2]["reward_max"]) == ("", "1.00", "3.00")
        assert rows[3]["chore"] == LONG  # scripts never cut anything
        assert json.loads(week.ok("today --as Ben -f json").stdout)[0] == {
            "member": "Ben",
            "status": "overdue",
            "chore_id": 5,
            "chore": LONG,
            "due": "2026-11-16",
            "reward": 2.0,
            "reward_min": None,
            "reward_max": None,
            "completion_id": None,
            "balance": 0.0,
            "goal": None,
            "goal_target": None,
            "goal_saved": None,
            "member_id": 2,
        }
        jsonl = week.ok("today -f jsonl").stdout.splitlines()
        assert [json.loads(line)["status"] for line in jsonl] == [r["status"] for r in rows]
        tsv = week.ok("today -f tsv").stdout.splitlines()
        assert tsv[0].split("\t")[-1] == "member_id" and len(tsv) == len(rows) + 1


def test_a_few_days_with_the_digest_after_cron_s_reset(week):
    # Monday night: Ben's walk waits for approval, so there is news.
    with at(16, 20):
        assert week.ok("digest").stdout == (
            "Waiting for approval: 1 (chorectl approvals)\n"
            "  2  Walk dog (Ben), done 2026-11-16 17:00\n"
            "Balances: Amy $1.00, Ben $0.00\n"
        )
        week.parent("approve 2")
    # Tuesday, after cron's reset: nothing was missed and nothing waits. Not a byte.
    with at(17, 0, 5):
        assert week.ok("reset").stdout == ""
        quiet = week.ok("digest")
        assert (quiet.stdout, quiet.stderr) == ("", "")
    # Nobody does anything on Tuesday: Wednesday's reset records two misses, the digest tells them.
    with at(18, 0, 5):
        week.ok("reset -q")
        assert week.ok("digest").stdout == (
            "Missed yesterday, 2026-11-17: 2\n  Dishes (Amy)\n  Walk dog (anyone)\nBalances: Amy $1.00, Ben $0.75\n"
        )
    with at(18, 7, 30):  # read again in the morning: the same news
        assert week.ok("digest").stdout.startswith("Missed yesterday, 2026-11-17: 2\n")
    with at(18, 12):
        today = week.ok("today").stdout.splitlines()
        assert "  overdue  Bills (#4)" in "\n".join(today)  # a one-off chore is late; a scheduled one was missed
        assert not any("Mow lawn" in line for line in today)  # archived
    with at(19, 0, 5):  # Thursday: Wednesday was missed too, but not Tuesday again
        week.ok("reset -q")
        assert week.ok("digest").stdout.splitlines()[:3] == [
            "Missed yesterday, 2026-11-18: 2",
            "  Dishes (Amy)",
            "  Walk dog (anyone)",
        ]


def test_the_digest_names_ten_that_wait_and_counts_the_rest(household):
    with at(16, 8):
        for n in range(12):
            household.parent(["chore", "add", f"Job {n}", "--reward", "1", "--assign", "Amy"])
            household.ok(["done", f"Job {n}"])
        lines = household.ok("digest").stdout.splitlines()
    assert lines[0] == "Waiting for approval: 12 (chorectl approvals)"
    assert lines[1:11] == [f"  {n + 1}  Job {n} (Amy), done 2026-11-16 08:00" for n in range(10)]
    assert lines[11:] == ["  and 2 more", "Balances: Amy $0.00, Ben $0.00"]


def test_the_digest_says_which_rewards_a_child_asked_for(household):
    """A reward request waits for a parent as a completion does: the morning's mail says so, even
    when it is the only news (it reads the requests' partial index, not the history)."""
    with at(16, 8):
        household.parent("adjust Amy +3 --reason start")
        household.parent("reward add 'Screen time' 1.50")
        assert household.ok("digest").stdout == ""  # nothing waits: no mail
        household.ok("redeem Amy 'Screen time'")
    with at(17, 0, 5):
        assert household.ok("digest").stdout.splitlines() == [
            "Rewards asked for: 1 (chorectl approvals)",
            "  r1  Screen time (Amy), $1.50, asked 2026-11-16 08:00",
            "Balances: Amy $3.00, Ben $0.00",
        ]
        household.parent("approve r1")
        assert household.ok("digest").stdout == ""


def test_a_household_with_no_children(cli):
    cli.parent("init")
    cli.parent("member add Mum --parent")
    cli.parent(["chore", "add", "Walk dog", "--every", "daily"])
    empty = cli.ok("today")
    assert (empty.stdout, empty.stderr) == ("", "No children yet. Add one: chorectl member add NAME\n")
    assert cli.ok("today -f csv").stdout.splitlines() == [
        "member,status,chore_id,chore,due,reward,reward_min,reward_max,completion_id,balance,goal,goal_target,goal_saved,member_id"
    ]
    assert cli.ok("today -f json").stdout == "[]\n"
    assert cli.ok("digest").stdout == ""


@pytest.mark.parametrize(
    ("who", "code", "error"),
    [
        ("Nobody", 1, "Error: no member called 'Nobody'"),
        ("99", 1, "Error: no member with id 99"),
        ("Mum", 1, "Error: Mum is a parent; chores are for children"),
    ],
)
def test_a_bad_as_is_one_error_line(week, who, code, error):
    result = week(["today", "--as", who])
    assert (result.exit_code, result.stdout, result.stderr.splitlines()[0]) == (code, "", error)
    assert week(["done", "Dishes", "--as", who]).exit_code == code  # as done says it


def test_an_archived_child_is_refused_as_done_refuses_them(week):
    week.parent(["member", "remove", "Ben", "--force"])
    result = week("today --as Ben")
    assert (result.exit_code, result.stderr.splitlines()[0]) == (1, "Error: Ben is archived (member 2)")
    with at(17, 18):
        assert "Ben" not in week.ok("today").stdout


def test_the_whole_household_whatever_chorectl_member_says(week):
    """CHORECTL_MEMBER names whoever acts (a parent's shell sets it for the log); today shows everyone."""
    with at(17, 18):
        assert week.ok("today", env={"CHORECTL_MEMBER": "Mum", "COLUMNS": "80"}).stdout == TUESDAY_80


def test_usage_errors_are_exit_2(week):
    assert week("today -f xml").exit_code == 2
    assert week("digest --as Amy").exit_code == 2


def test_the_digest_across_a_dst_change_tells_only_yesterday(household):
    """Berlin springs forward on Sunday 2026-03-29 (a 23-hour day). A reset that catches up on Monday
    records Saturday's and Sunday's misses; the digest tells Sunday's, the periods due yesterday."""
    spring = ZoneInfo("Europe/Berlin")
    with time_machine.travel(datetime(2026, 3, 28, 8, tzinfo=spring), tick=False):
        household.parent("chore add Dishes --reward 1 --every daily --assign Amy")
    with time_machine.travel(datetime(2026, 3, 30, 0, 5, tzinfo=spring), tick=False):
        assert household.ok("reset").stdout.splitlines() == [
            "Dishes (Amy): missed the period due 2026-03-28",
            "Dishes (Amy): missed the period due 2026-03-29",
        ]
        assert household.ok("digest").stdout == (
            "Missed yesterday, 2026-03-29: 1\n  Dishes (Amy)\nBalances: Amy $0.00, Ben $0.00\n"
        )
        assert household.ok("today --as Amy").stdout == (
            "Amy                       balance $0.00\n  today  Dishes (#1)  2026-03-30  $1.00\n"
        )
