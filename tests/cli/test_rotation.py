"""Rotating chores (``--rotate``, ``--rotate-by``) through the CLI, with a moved clock (time-machine).

Reads (chore list, chore show, today, done) and ``reset`` must name the same
child for every period, before and after ``reset`` runs, across DST changes
and month ends.
"""

from __future__ import annotations

import pytest

from tests.cli.test_recurrence import at, csv_rows
from tests.helpers import query, snapshot

# Each test on a SQLite file; on PostgreSQL too with CHORECTL_PG=all (tests/cli/test_both_backends.py
# keeps a few of them on both in every run).
pytestmark = [pytest.mark.usefixtures("backend"), pytest.mark.postgres_in_full_runs]


def turn(cli, chore="Dishes") -> tuple[str, str, str]:
    """(assignee, status, due) of the chore's one row in chore list."""
    rows = [r for r in csv_rows(cli.ok("chore list -f csv").stdout) if r["title"] == chore]
    assert len(rows) == 1, rows
    return rows[0]["assignee"], rows[0]["status"], rows[0]["due"]


def missed(chore_id=1) -> list[tuple]:
    return query(
        "SELECT c.period_due, m.name FROM completion c JOIN member m ON m.id = c.member_id"
        " WHERE c.status = 'missed' AND c.chore_id = ? ORDER BY c.period_due",
        chore_id,
    )


@pytest.fixture
def three(household):
    """Amy, Ben and Cat take turns at Dishes, daily from Monday 2026-11-16."""
    household.parent("member add Cat")
    with at(2026, 11, 16, 8):
        household.parent("chore add Dishes --reward 1 --every daily --rotate Amy,Ben,Cat")
    return household


def test_round_robin_gives_each_day_to_the_next_child_and_reads_agree_with_reset(three):
    cli = three
    expected = ["Amy", "Ben", "Cat", "Amy", "Ben", "Cat", "Amy"]
    for day, who in enumerate(expected, start=16):
        with at(2026, 11, day, 7):
            before = turn(cli)
            cli.ok("reset")
            after = turn(cli)
        assert before == after == (who, "open", f"2026-11-{day:02d}"), day
        with at(2026, 11, day, 18):
            cli.ok("done Dishes")  # no --as: it is one child's turn
            cli.parent("approve --all")
    assert missed() == []
    names = query(
        "SELECT c.period_due, m.name FROM completion c JOIN member m ON m.id = c.member_id ORDER BY c.period_due"
    )
    assert [n for _, n in names] == expected


def test_a_missed_period_is_charged_to_the_child_whose_turn_it_was(three):
    cli = three
    with at(2026, 11, 16, 18):
        cli.ok("done Dishes")  # Amy's day
        cli.parent("approve --all")
    with at(2026, 11, 20, 6):  # nobody ran reset, nobody did it since: the turn moved anyway
        assert turn(cli) == ("Ben", "open", "2026-11-20")
        cli.ok("reset")
        assert turn(cli) == ("Ben", "open", "2026-11-20")
    assert missed() == [("2026-11-17", "Ben"), ("2026-11-18", "Cat"), ("2026-11-19", "Amy")]
    report = csv_rows(cli.ok("report --since 2026-11-16 --until 2026-11-20 -f csv").stdout)
    assert [(r["member"], r["done"], r["missed"]) for r in report] == [
        ("Amy", "1", "1"),
        ("Ben", "0", "1"),
        ("Cat", "0", "1"),
    ]


@pytest.mark.parametrize("day, who", [(17, "Ben"), (18, "Cat"), (19, "Amy"), (20, "Ben")])
def test_reads_walk_forward_the_way_reset_rolls(three, day, who):
    cli = three
    with at(2026, 11, day, 6):
        assert turn(cli)[0] == who
        news = cli.ok("reset").stdout
        assert turn(cli)[0] == who
    misses = {17: [], 18: ["Ben"], 19: ["Ben", "Cat"], 20: ["Ben", "Cat", "Amy"]}[day]
    assert [n for _, n in missed()] == ["Amy", *misses]
    assert news.splitlines()[0] == "Dishes (Amy): missed the period due 2026-11-16"


def test_reset_tells_each_miss_with_the_child_whose_turn_it_was(three):
    cli = three
    with at(2026, 11, 19, 0, 5):
        assert cli.ok("reset -v").stdout.splitlines() == [
            "Dishes (Amy): missed the period due 2026-11-16",
            "Dishes (Ben): missed the period due 2026-11-17",
            "Dishes (Cat): missed the period due 2026-11-18",
            "Dishes (Amy): open, due 2026-11-19",
        ]
        assert cli.ok("reset -v").stdout == ""  # rolled already: nothing to say
    assert missed() == [("2026-11-16", "Amy"), ("2026-11-17", "Ben"), ("2026-11-18", "Cat")]


def test_only_the_child_whose_turn_it_is_may_do_it(three):
    cli = three
    with at(2026, 11, 17, 9):
        result = cli("done Dishes --as Amy")
        assert result.exit_code == 1
        assert result.stderr.splitlines() == [
            "Error: 'Dishes' is Ben's turn until 2026-11-17, not Amy's",
            "Hint: the turns: chorectl chore show 1",
        ]
        cli.ok("done Dishes --as Ben")
        again = cli("done Dishes")
        assert again.exit_code == 1
        assert "Ben already marked 'Dishes' done" in again.stderr
        assert turn(cli) == ("Ben", "pending", "2026-11-17")


def test_a_turn_done_in_the_evening_and_approved_next_morning_counts_for_its_period(three):
    cli = three
    with at(2026, 11, 16, 20):
        cli.ok("done Dishes")
    with at(2026, 11, 17, 0, 5):
        assert cli.ok("reset").stdout == ""  # Amy's period is done, waiting: no miss
    with at(2026, 11, 17, 7):
        cli.parent("approve 1")
        assert turn(cli) == ("Ben", "open", "2026-11-17")


def test_least_done_gives_the_turn_to_whoever_did_it_least_ties_in_list_order(household):
    cli = household
    with at(2026, 11, 16, 8):
        cli.parent("chore add Dishes --reward 1 --every daily --rotate Amy,Ben --rotate-by least-done")
        assert turn(cli)[0] == "Amy"  # nobody did it yet: a tie, list order
        cli.ok("done Dishes")
        cli.parent("approve --all")
    with at(2026, 11, 17, 8):
        assert turn(cli)[0] == "Ben"  # last 2 periods: Amy 1, Ben 0
    with at(2026, 11, 18, 8):  # Ben missed the 17th: he still did it least
        assert turn(cli)[0] == "Ben"
        cli.ok("reset")
        assert turn(cli)[0] == "Ben"
        cli.ok("done Dishes")
        cli.parent("approve --all")
    with at(2026, 11, 19, 8):  # the 17th (nobody) and the 18th (Ben): Amy 0, Ben 1
        assert turn(cli)[0] == "Amy"
    with at(2026, 11, 20, 8):  # the 18th (Ben) and the 19th (Amy missed): Amy 0, Ben 1
        assert turn(cli)[0] == "Amy"
        cli.ok("reset")
    assert missed() == [("2026-11-17", "Ben"), ("2026-11-19", "Amy")]


def test_least_done_walks_forward_the_same_way_reset_rolls(household):
    """Several periods with no reset: the read before and the reset agree, done ones counted."""
    cli = household
    cli.parent("member add Cat")
    with at(2026, 11, 16, 8):
        cli.parent("chore add Dishes --every daily --rotate Amy,Ben,Cat --rotate-by least-done")
        cli.ok("done Dishes")
    with at(2026, 11, 17, 8):
        cli.ok("done Dishes")  # Ben's: the turn walked forward for done too
    with at(2026, 11, 22, 8):
        before = turn(cli)
        cli.ok("reset")
        assert turn(cli) == before
    # 16 Amy (done), 17 Ben (done), 18 Cat (missed), 19 Cat again (Amy 1, Ben 1, Cat 0 over 16-18),
    # 20 Amy (over 17-19: Ben 1, Amy and Cat 0: list order), 21 and 22 Amy (nobody did any: list order).
    assert missed() == [("2026-11-18", "Cat"), ("2026-11-19", "Cat"), ("2026-11-20", "Amy"), ("2026-11-21", "Amy")]
    assert before == ("Amy", "open", "2026-11-22")


@pytest.mark.parametrize(
    "stamp, who, due",
    [
        ((2026, 10, 24, 23, 30), "Amy", "2026-10-24"),
        ((2026, 10, 25, 0, 30), "Ben", "2026-10-25"),  # the 25-hour day begins
        ((2026, 10, 25, 23, 30), "Ben", "2026-10-25"),  # still the same day, an hour more of it
        ((2026, 10, 26, 0, 30), "Amy", "2026-10-26"),
        ((2026, 3, 28, 23, 30), "Amy", "2026-03-28"),
        ((2026, 3, 29, 1, 59), "Ben", "2026-03-29"),  # the 23-hour day: 02:00 never comes
        ((2026, 3, 29, 3, 0), "Ben", "2026-03-29"),
        ((2026, 3, 30, 0, 0), "Amy", "2026-03-30"),
    ],
)
def test_the_turn_moves_at_local_midnight_across_dst(household, stamp, who, due):
    cli = household
    start = (2026, 10, 24) if stamp[1] == 10 else (2026, 3, 28)
    with at(*start, 8):
        cli.parent("chore add Dishes --every daily --rotate Amy,Ben")
    with at(*stamp):
        assert turn(cli) == (who, "open", due)
        cli.ok("reset")
        assert turn(cli) == (who, "open", due)


def test_a_weekly_rotation_over_both_dst_changes(household):
    cli = household
    with at(2026, 3, 22, 10):  # Sundays: the 29th is the spring change
        cli.parent("chore add Car --every weekly --rotate Ben,Amy")
    seen = []
    for stamp in [(2026, 3, 22, 10), (2026, 3, 29, 12), (2026, 4, 5, 12), (2026, 10, 25, 12), (2026, 11, 1, 12)]:
        with at(*stamp):
            cli.ok("reset")
            seen.append(turn(cli, "Car")[::2])
    # 22 Mar Ben, 29 Mar Amy, 5 Apr Ben ... 31 weeks from 22 Mar: 25 Oct, an odd number: Amy; 1 Nov Ben.
    assert seen == [
        ("Ben", "2026-03-22"),
        ("Amy", "2026-03-29"),
        ("Ben", "2026-04-05"),
        ("Amy", "2026-10-25"),
        ("Ben", "2026-11-01"),
    ]


def test_a_monthly_rotation_on_the_31st_through_short_months(household):
    cli = household
    with at(2026, 1, 10, 9):
        cli.parent("chore add Bills --every monthly --due 2026-01-31 --rotate Amy,Ben")
    for stamp, who, due in [
        ((2026, 1, 31, 23, 59), "Amy", "2026-01-31"),
        ((2026, 2, 1, 0, 1), "Ben", "2026-02-28"),
        ((2026, 2, 28, 12), "Ben", "2026-02-28"),
        ((2026, 3, 1, 12), "Amy", "2026-03-31"),
        ((2026, 4, 30, 12), "Ben", "2026-04-30"),
        ((2026, 5, 1, 12), "Amy", "2026-05-31"),
    ]:
        with at(*stamp):
            assert turn(cli, "Bills") == (who, "open", due), stamp
            cli.ok("reset")
            assert turn(cli, "Bills") == (who, "open", due), stamp
    assert missed() == [("2026-01-31", "Amy"), ("2026-02-28", "Ben"), ("2026-03-31", "Amy"), ("2026-04-30", "Ben")]


def test_removing_the_child_whose_turn_it_is_gives_it_to_the_next(three):
    cli = three
    with at(2026, 11, 17, 9):
        assert turn(cli)[0] == "Ben"
        cli.parent("member remove Ben")
        assert turn(cli) == ("Cat", "open", "2026-11-17")
        assert cli.ok("chore show Dishes").stdout.count("Amy, Cat (round robin)") == 1
    with at(2026, 11, 18, 9):
        assert turn(cli)[0] == "Amy"
        cli.ok("reset")
    with at(2026, 11, 19, 9):
        assert turn(cli)[0] == "Cat"
        cli.ok("reset")
    # Amy's 16th and Ben's 17th were judged when Ben left; Cat had the rest of the 17th.
    assert missed() == [("2026-11-16", "Amy"), ("2026-11-17", "Cat"), ("2026-11-18", "Amy")]


def test_removing_a_child_whose_turn_it_is_not_leaves_the_others_turns(three):
    cli = three
    with at(2026, 11, 17, 9):
        cli.parent("member remove Cat")
        assert turn(cli)[0] == "Ben"
    with at(2026, 11, 18, 9):
        assert turn(cli)[0] == "Amy"
    with at(2026, 11, 19, 9):
        assert turn(cli)[0] == "Ben"


def test_a_restored_child_does_not_come_back_into_the_rotation(three):
    cli = three
    with at(2026, 11, 16, 9):
        cli.parent("member remove Cat")
        cli.parent("member restore Cat")
    with at(2026, 11, 18, 9):
        assert turn(cli)[0] == "Amy"  # 16 Amy, 17 Ben, 18 Amy: Cat is out


def test_the_last_child_leaving_makes_it_a_pool_chore(household):
    cli = household
    with at(2026, 11, 16, 9):
        cli.parent("chore add Dishes --every daily --rotate Ben")
        result = cli.parent("member remove Ben")
        assert "Dishes" in result.stderr
        assert turn(cli) == ("", "open", "2026-11-16")
        assert query("SELECT rotate_by FROM chore") == [(None,)]


def test_a_rotation_of_one_child_is_that_child_every_period(household):
    cli = household
    with at(2026, 11, 16, 9):
        cli.parent("chore add Dishes --every daily --rotate Amy")
    with at(2026, 11, 17, 9):
        assert turn(cli) == ("Amy", "open", "2026-11-17")
        cli.ok("done Dishes")
    with at(2026, 11, 19, 9):
        assert cli.ok("reset").stdout.splitlines() == [
            "Dishes (Amy): missed the period due 2026-11-16",
            "Dishes (Amy): missed the period due 2026-11-18",
        ]
        assert turn(cli) == ("Amy", "open", "2026-11-19")


def test_today_shows_the_chore_on_the_turn_childs_day(three):
    cli = three
    with at(2026, 11, 18, 9):
        rows = csv_rows(cli.ok("today -f csv").stdout)
    assert [(r["member"], r["status"], r["chore"]) for r in rows] == [
        ("Amy", "none", ""),
        ("Ben", "none", ""),
        ("Cat", "today", "Dishes"),
    ]


def test_chore_show_says_the_order_whose_turn_it_is_and_who_is_next(three, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    cli = three
    with at(2026, 11, 18, 9):
        out = cli.ok("chore show Dishes").stdout
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines[5:8] == [
        "Rotates    Amy, Ben, Cat (round robin)",
        "Turn       Cat, until 2026-11-18",
        "Next turn  Amy, from 2026-11-19",
    ]
    assert lines[10:12] == ["  Assignee    Status    Due", "  Cat         open      2026-11-18"]


def test_chore_show_of_a_least_done_rotation(household):
    cli = household
    with at(2026, 11, 16, 9):
        cli.parent("chore add Dishes --every daily --rotate Amy,Ben --rotate-by least-done --reward 1")
        cli.ok("done Dishes")
        out = cli.ok("chore show Dishes").stdout
    assert "Rotates    Amy, Ben (least done over the last periods)" in out
    assert "Next turn  Ben, from 2026-11-17" in out


def test_edit_changes_the_order_and_keeps_the_turn_with_its_child(three):
    cli = three
    with at(2026, 11, 17, 9):
        cli.parent("chore edit Dishes --rotate Cat,Ben,Amy")
        assert turn(cli)[0] == "Ben"
    with at(2026, 11, 18, 9):
        assert turn(cli)[0] == "Amy"
    with at(2026, 11, 19, 9):
        cli.parent("chore edit Dishes --rotate Ben,Cat")  # Cat's turn, and Cat stays
        assert turn(cli)[0] == "Cat"
        cli.parent("chore edit Dishes --rotate Amy,Ben")  # Cat is out: the first takes it
        assert turn(cli)[0] == "Amy"
        cli.parent("chore edit Dishes --rotate-by least-done")
        assert query("SELECT rotate_by FROM chore") == [("least-done",)]


def test_an_assigned_chore_becomes_a_rotating_one_and_back(household):
    cli = household
    with at(2026, 11, 16, 9):
        cli.parent("chore add Dishes --every daily --assign Amy,Ben")
        cli.parent("chore edit Dishes --rotate Ben,Amy")
        assert turn(cli) == ("Ben", "open", "2026-11-16")
    with at(2026, 11, 17, 9):
        result = cli.parent("chore assign Dishes --to Amy")
        assert result.stderr == "Chore 1 (Dishes): Amy.\n"
        assert turn(cli) == ("Amy", "open", "2026-11-17")
        assert query("SELECT count(*) FROM rotation") == [(0,)]
        assert query("SELECT rotate_by FROM chore") == [(None,)]
        log = csv_rows(cli.ok("log -f csv").stdout)
    assert log[-1]["detail"] == "#1 Dishes -> Amy (no longer rotates)"
    assert any(r["detail"] == "#1 Dishes: reward 0.00, daily, in turns: Ben, Amy" for r in log)
    assert missed() == [("2026-11-16", "Ben")]


@pytest.mark.parametrize(
    "command, message",
    [
        ("chore add X --rotate Amy,Ben", "a rotating chore needs a schedule (--every)"),
        ("chore add X --cooldown 3 --rotate Amy", "a rotating chore needs a schedule (--every)"),
        ("chore add X --every daily --rotate Amy --assign Ben", "a chore either rotates (--rotate) or has assignees"),
        ("chore add X --every daily --rotate-by least-done", "--rotate-by goes with --rotate NAME,NAME..."),
        ("chore add X --every daily --rotate Amy,amy", "Amy is in --rotate twice"),
        ("chore add X --every daily --rotate ''", "--rotate needs the children who take turns"),
        ("chore add X --every daily --rotate Amy --rotate-by often", "'often' is not one of"),
        ("chore edit Dishes --once", "Dishes rotates: it needs a schedule (--every)"),
        ("chore edit Dishes --cooldown 2", "Dishes rotates: it needs a schedule (--every)"),
        ("chore edit Trash --rotate-by turns", "Trash does not rotate"),
        ("chore edit Trash --rotate Amy", "a rotating chore needs a schedule (--every)"),
    ],
)
def test_what_rotation_refuses_is_exit_2_and_changes_nothing(household, command, message):
    cli = household
    cli.parent("chore add Dishes --every daily --rotate Amy,Ben")
    cli.parent("chore add Trash")
    before = snapshot()
    result = cli(command, pin="4321")
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert snapshot() == before


def test_rotation_is_for_children(household):
    result = household("chore add X --every daily --rotate Amy,Mum", pin="4321")
    assert result.exit_code == 1
    assert "Mum is a parent" in result.stderr


def test_undo_of_a_member_remove_puts_them_back_in_the_turn_order(household):
    """Ben removed while it is his turn: the next child takes it. Undone, Ben is back where he stood
    in the order (never a second assignee of the chore), and the turns go on through him."""
    cli = household
    with at(2026, 11, 16, 8):
        cli.parent("member add Cleo")
        cli.parent("chore add Trash --reward 1 --every daily --rotate Ben,Amy,Cleo")
        cli.parent("member remove Ben")
        assert query("SELECT member_id FROM assignment") == [(1,)]  # Amy took Ben's turn
        assert cli.parent("undo").stderr.endswith("(member remove): Ben is back, with Trash.\n")
        assert query("SELECT member_id FROM assignment") == [(1,)]  # one turn, still Amy's
        assert query("SELECT member_id, position FROM rotation ORDER BY position") == [(2, 0), (1, 1), (4, 2)]
        assert "Rotates    Ben, Amy, Cleo (round robin)" in cli.ok("chore show Trash").stdout
    with at(2026, 11, 18, 8):
        cli.ok("reset")
    assert query("SELECT member_id FROM assignment") == [(2,)]  # Amy, Cleo, then Ben again


def test_undo_of_removing_the_last_child_of_a_rotation_makes_it_rotate_again(household):
    cli = household
    with at(2026, 11, 16, 8):
        cli.parent("chore add Trash --reward 1 --every daily --rotate Ben")
        cli.parent("member remove Ben")
        assert query("SELECT rotate_by, (SELECT count(*) FROM assignment) FROM chore") == [(None, 0)]  # a pool chore
        cli.parent("undo")
        assert query("SELECT rotate_by FROM chore") == [("turns",)]
        assert query("SELECT member_id FROM assignment") == [(2,)]
