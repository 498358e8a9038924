"""Streak bonuses (``--streak N:AMOUNT``) through the CLI, with a moved clock (time-machine)."""

from __future__ import annotations

import pytest

from tests.cli.test_recurrence import at, csv_rows
from tests.helpers import query, snapshot

# Each test on a SQLite file; on PostgreSQL too with CHORECTL_PG=all (tests/cli/test_both_backends.py
# keeps a few of them on both in every run).
pytestmark = [pytest.mark.usefixtures("backend"), pytest.mark.postgres_in_full_runs]


def bonuses() -> list[tuple]:
    """(member, amount, completion's period, note) of every bonus on the ledger."""
    return query(
        "SELECT m.name, l.amount, c.period_due, l.note FROM ledger l JOIN member m ON m.id = l.member_id"
        " JOIN completion c ON c.id = l.completion_id WHERE l.kind = 'bonus' ORDER BY l.id"
    )


def day(cli, d: int, who: str = "Amy", *, approve: bool = True, chore: str = "Dishes") -> None:
    with at(2026, 11, d, 18):
        cli.ok(f"done {chore} --as {who}")
        if approve:
            cli.parent("approve --all")


@pytest.fixture
def dishes(household):
    """Dishes, daily from Monday 2026-11-16, for Amy: 1.00, and 0.50 more after 3 days in a row."""
    with at(2026, 11, 16, 8):
        household.parent("chore add Dishes --reward 1 --every daily --assign Amy --streak 3:0.50")
    return household


def test_the_approval_that_completes_the_streak_pays_the_bonus_once_per_n_periods(dishes):
    cli = dishes
    day(cli, 16)
    day(cli, 17)
    assert bonuses() == []
    day(cli, 18)
    assert bonuses() == [("Amy", 50, "2026-11-18", "streak: 3 × Dishes")]
    day(cli, 19)
    day(cli, 20)
    assert len(bonuses()) == 1  # 4 and 5 in a row: the next streak is not complete yet
    day(cli, 21)
    assert [b[2] for b in bonuses()] == ["2026-11-18", "2026-11-21"]  # a run of 2N pays twice
    rows = csv_rows(cli.ok("ledger Amy -f csv").stdout)
    bonus = next(r for r in rows if r["kind"] == "bonus")
    assert (bonus["amount"], bonus["chore_id"], bonus["completion_id"], bonus["note"]) == (
        "0.50",
        "1",
        "3",
        "streak: 3 × Dishes",
    )
    balance = csv_rows(cli.ok("balance Amy -f csv").stdout)[0]
    assert (balance["earned"], balance["bonuses"], balance["balance"]) == ("6.00", "1.00", "7.00")
    approve = [r for r in csv_rows(cli.ok("log -f csv --kind approve").stdout) if r["detail"].endswith("× Dishes")]
    assert [(r["detail"], r["amount"]) for r in approve] == [
        ("completion 3: Amy, Dishes; bonus 0.50, streak: 3 × Dishes", "1.50"),
        ("completion 6: Amy, Dishes; bonus 0.50, streak: 3 × Dishes", "1.50"),
    ]


def test_a_missed_period_breaks_the_streak(dishes):
    cli = dishes
    day(cli, 16)
    day(cli, 17)
    with at(2026, 11, 19, 0, 5):
        cli.ok("reset")  # the 18th: missed
    day(cli, 19)
    day(cli, 20)
    assert bonuses() == []
    day(cli, 21)
    assert [b[2] for b in bonuses()] == ["2026-11-21"]


def test_a_miss_reset_has_not_recorded_yet_breaks_it_too(dishes):
    cli = dishes
    day(cli, 16)
    day(cli, 17)
    day(cli, 19)  # nobody ran reset: the 18th has no row, and still is no part of a streak
    assert bonuses() == []


def test_a_rejection_redone_and_approved_in_the_same_period_does_not_break_it(dishes):
    cli = dishes
    day(cli, 16)
    with at(2026, 11, 17, 18):
        cli.ok("done Dishes")
        cli.parent("reject 2 --reason 'greasy'")
        cli.ok("done Dishes")
        cli.parent("approve --all")
    day(cli, 18)
    assert [b[2] for b in bonuses()] == ["2026-11-18"]


def test_a_rejection_never_redone_is_a_miss_that_breaks_it(dishes):
    cli = dishes
    day(cli, 16)
    day(cli, 17, approve=False)
    with at(2026, 11, 18, 9):
        cli.ok("reset")
        cli.parent("reject 2")  # the 17th is over: missed
    day(cli, 18)
    day(cli, 19)
    assert bonuses() == []


def test_approvals_out_of_order_pay_when_the_run_is_whole(dishes):
    cli = dishes
    for d in (16, 17, 18):
        day(cli, d, approve=False)
    with at(2026, 11, 19, 9):
        cli.parent("approve 3")
        cli.parent("approve 1")
        assert bonuses() == []
        cli.parent("approve 2")
    assert bonuses() == [("Amy", 50, "2026-11-17", "streak: 3 × Dishes")]


def test_approve_undone_and_approved_again_leaves_one_bonus(dishes):
    """`undo` of the approval that completed a streak reverses its reward and its bonus (both carry
    the completion's id); approving again pays the bonus once more: one in the balance."""
    cli = dishes
    for d in (16, 17, 18):
        day(cli, d)
    with at(2026, 11, 18, 20):
        assert query("SELECT sum(amount) FROM ledger WHERE completion_id = 3") == [(150,)]
        assert "waits for approval again; $1.50 reversed" in cli.parent("undo").stderr
        assert query("SELECT sum(amount) FROM ledger WHERE completion_id = 3") == [(0,)]
        assert csv_rows(cli.ok("balance Amy -f csv").stdout)[0]["balance"] == "2.00"
        cli.parent("approve 3")
    assert len(bonuses()) == 2  # paid, reversed, paid again
    assert query("SELECT sum(amount) FROM ledger WHERE completion_id = 3") == [(150,)]
    balance = csv_rows(cli.ok("balance Amy -f csv").stdout)[0]
    assert balance["balance"] == "3.50"  # three rewards and one bonus


def test_a_bonus_undone_with_its_approval_no_longer_counts_as_paid(dishes):
    """A streak bonus reversed by `undo` is not paid any more: once the run is whole again, the
    periods it was for pay, whichever approval completes them (here: a later one, not its own)."""
    cli = dishes
    for d in (16, 17, 18, 19, 20, 21):
        day(cli, d, approve=False)
    with at(2026, 11, 21, 20):
        for completion in (1, 2, 3, 4, 5, 6):
            cli.parent(f"approve {completion}")
        assert [b[2] for b in bonuses()] == ["2026-11-18", "2026-11-21"]
        cli.parent("undo")  # completion 6's approval: its reward and the second bonus reversed
        cli.parent("undo")  # completion 5's
        cli.parent("undo")  # completion 4's
        cli.parent("approve 6")  # 16-18 approved, 19-20 waiting: no whole second run yet
        cli.parent("approve 4")
        cli.parent("approve 5")  # 16-21 approved again: the second run pays, once
    assert query("SELECT sum(amount) FROM ledger WHERE kind IN ('bonus', 'reversal') AND note LIKE '%streak%'") == [
        (100,)
    ]
    balance = csv_rows(cli.ok("balance Amy -f csv").stdout)[0]
    assert (balance["earned"], balance["bonuses"], balance["balance"]) == ("6.00", "1.00", "7.00")


def test_each_child_has_their_own_streak_at_a_chore_they_both_do(household):
    cli = household
    with at(2026, 11, 16, 8):
        cli.parent("chore add Dishes --reward 1 --every daily --assign Amy,Ben --streak 2:1")
    day(cli, 16, "Amy")
    day(cli, 16, "Ben")
    day(cli, 17, "Amy")
    assert [b[0] for b in bonuses()] == ["Amy"]
    day(cli, 18, "Ben")
    day(cli, 19, "Ben")
    assert [b[0] for b in bonuses()] == ["Amy", "Ben"]


def test_a_pool_chore_streak_is_one_child_period_after_period(household):
    cli = household
    with at(2026, 11, 16, 8):
        cli.parent("chore add Dishes --reward 1 --every daily --streak 2:1")
    day(cli, 16, "Amy")
    day(cli, 17, "Ben")  # someone else's period ends Amy's run
    day(cli, 18, "Amy")
    assert bonuses() == []
    day(cli, 19, "Amy")
    assert [(b[0], b[2]) for b in bonuses()] == [("Amy", "2026-11-19")]


def test_a_rotating_chore_counts_a_childs_own_turns_in_a_row(household):
    cli = household
    with at(2026, 11, 16, 8):
        cli.parent("chore add Dishes --reward 1 --every daily --rotate Amy,Ben --streak 2:1")
    day(cli, 16, "Amy")
    day(cli, 17, "Ben")
    day(cli, 18, "Amy")
    assert [(b[0], b[2]) for b in bonuses()] == [("Amy", "2026-11-18")]
    day(cli, 20, "Amy")  # Ben's 19th: not done, nobody ran reset; Amy's own turns go on
    with at(2026, 11, 21, 18):
        assert cli("done Dishes --as Ben").exit_code == 0
        cli.parent("approve --all")
    assert [(b[0], b[2]) for b in bonuses()] == [("Amy", "2026-11-18")]  # Ben's 19th was missed: no run
    day(cli, 22, "Amy")
    assert [(b[0], b[2]) for b in bonuses()] == [("Amy", "2026-11-18"), ("Amy", "2026-11-22")]


def test_chore_show_says_the_streak_bonus(dishes, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    with at(2026, 11, 16, 9):
        out = dishes.ok("chore show Dishes").stdout
    assert "Streak bonus  $0.50 after 3 periods in a row by one child, done and approved" in out


def test_edit_sets_changes_and_drops_the_bonus(dishes):
    cli = dishes
    cli.parent("chore edit Dishes --streak 5:2")
    assert query("SELECT streak_n, streak_bonus FROM chore") == [(5, 200)]
    cli.parent('chore edit Dishes --streak ""')
    assert query("SELECT streak_n, streak_bonus FROM chore") == [(None, None)]
    cli.parent("chore edit Dishes --streak 2:0.25")
    log = csv_rows(cli.ok("log -f csv --kind 'chore edit'").stdout)
    assert log[-1]["detail"] == "#1 Dishes: reward 1.00, daily, streak 2:0.25"


@pytest.mark.parametrize(
    "command, message",
    [
        ("chore add X --streak 3:1", "a streak bonus needs a schedule (--every)"),
        ("chore add X --cooldown 2 --streak 3:1", "a streak bonus needs a schedule (--every)"),
        ("chore add X --every daily --streak 1:1", "N must be a whole number from 2 to 1000"),
        ("chore add X --every daily --streak 3", "is not N:AMOUNT"),
        ("chore add X --every daily --streak x:1", "N must be a whole number"),
        ("chore add X --every daily --streak 3:0", "a bonus of zero pays nothing"),
        ("chore add X --every daily --streak 3:-1", "-1"),
        ("chore add X --every daily --streak 3:1001", "out of range"),
        ("chore add X --every daily --streak ''", "a new chore has none"),
        ("chore edit Dishes --once", "Dishes has a streak bonus: it needs a schedule"),
        ("chore edit Trash --streak 2:1", "a streak bonus needs a schedule (--every)"),
    ],
)
def test_what_the_streak_refuses_is_exit_2_and_changes_nothing(dishes, command, message):
    cli = dishes
    cli.parent("chore add Trash")
    before = snapshot()
    result = cli(command, pin="4321")
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert snapshot() == before
