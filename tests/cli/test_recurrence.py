"""Recurring chores and ``reset`` with a moved clock (time-machine), through the CLI."""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import keyring
import pytest
import time_machine
from keyring.backends import fail

from tests.conftest import PIN
from tests.helpers import query, snapshot

pytestmark = pytest.mark.usefixtures("backend")  # each test on a SQLite file and on PostgreSQL

BERLIN = "Europe/Berlin"


@contextmanager
def at(y, m, d, h=12, minute=0, zone=BERLIN):
    with time_machine.travel(datetime(y, m, d, h, minute, tzinfo=ZoneInfo(zone)), tick=False):
        yield


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def lines(result) -> list[str]:
    return result.stdout.splitlines()


def missed_rows(chore_id=1):
    return query(
        "SELECT period_due, member_id FROM completion WHERE status = 'missed' AND chore_id = ? ORDER BY period_due, member_id",
        chore_id,
    )


@pytest.fixture
def daily(household):
    """Dishes, daily from Monday 2026-11-16, for Amy; created that morning."""
    with at(2026, 11, 16, 8):
        household.parent("chore add Dishes --reward 1 --every daily --assign Amy")
    return household


def test_reset_is_idempotent_and_quiet_when_nothing_changed(daily):
    cli = daily
    with at(2026, 11, 19, 6):
        first = cli.ok("reset -v")
        assert lines(first) == [
            "Dishes (Amy): missed the period due 2026-11-16",
            "Dishes (Amy): missed the period due 2026-11-17",
            "Dishes (Amy): missed the period due 2026-11-18",
            "Dishes (Amy): open, due 2026-11-19",
        ]
        before = snapshot()
        again = cli.ok("reset -v")
        assert again.stdout == "" and again.stderr == ""
        assert snapshot() == before
    with at(2026, 11, 19, 23, 59):
        assert cli.ok("reset -v").stdout == ""
    assert missed_rows() == [("2026-11-16", 1), ("2026-11-17", 1), ("2026-11-18", 1)]


def test_a_week_without_reset_leaves_one_open_period_and_each_miss_once(daily):
    cli = daily
    with at(2026, 11, 16, 20):
        cli.ok("done Dishes")
        cli.parent("approve 1")
    with at(2026, 11, 24, 7):
        out = lines(cli.ok("reset -v"))
    assert len(out) == 8  # 17th..23rd missed, then the open period
    assert out[-1] == "Dishes (Amy): open, due 2026-11-24"
    assert [r[0] for r in missed_rows()] == [f"2026-11-{d}" for d in range(17, 24)]
    with at(2026, 11, 24, 8):
        rows = cli.ok("chore list -f csv").stdout.splitlines()
    assert rows[1].split(",")[7:9] == ["open", "2026-11-24"]


def test_listing_is_right_even_before_reset_runs(daily):
    with at(2026, 11, 16, 9):
        daily.ok("done Dishes")
    with at(2026, 11, 17, 9):
        row = daily.ok("chore list -f csv").stdout.splitlines()[1].split(",")
    assert row[7:9] == ["open", "2026-11-17"]


def test_pending_completion_survives_resets_and_pays_later(daily):
    cli = daily
    with at(2026, 11, 16, 19):
        cli.ok("done Dishes --note 'all of them'")
    with at(2026, 11, 18, 7):
        out = lines(cli.ok("reset -v"))
        assert out == ["Dishes (Amy): missed the period due 2026-11-17", "Dishes (Amy): open, due 2026-11-18"]
        cli.ok("reset -v")
        pending = cli.ok("approvals -f csv").stdout.splitlines()
        assert len(pending) == 2 and ",pending," in pending[1] and pending[1].split(",")[9] == "2026-11-16"
        cli.parent("approve 1")
    assert query("SELECT amount, completion_id FROM ledger") == [(100, 1)]
    assert query("SELECT status, period_due FROM completion WHERE id = 1") == [("approved", "2026-11-16")]


def test_second_done_in_a_period_says_when_it_comes_back(daily):
    with at(2026, 11, 16, 9):
        daily.ok("done Dishes")
        again = daily("done Dishes")
    assert again.exit_code == 1
    assert again.stderr.splitlines()[0] == (
        "Error: Amy already marked 'Dishes' done; it waits for approval; it comes back on 2026-11-17"
    )
    with at(2026, 11, 17, 9):
        daily.ok("done Dishes")  # a new period


def test_rejecting_reopens_the_period(daily):
    with at(2026, 11, 16, 9):
        daily.ok("done Dishes")
        daily.parent("reject 1 --reason 'still dirty'")
        daily.ok("done Dishes")
    assert query("SELECT id, status FROM completion ORDER BY id") == [(1, "rejected"), (2, "pending")]


def test_a_rejection_after_reset_passed_the_period_leaves_it_missed(daily):
    with at(2026, 11, 16, 21):
        daily.ok("done Dishes")
    with at(2026, 11, 18, 7):
        daily.ok("reset -v")  # the 16th had a pending completion: not missed; the 17th was missed
        daily.parent("reject 1")
        assert daily.ok("reset -v").stdout == ""
    assert [r[0] for r in missed_rows()] == ["2026-11-16", "2026-11-17"]


def test_cooldown_is_measured_from_approval(household):
    cli = household
    with at(2026, 11, 16, 9):
        cli.parent("chore add Car --reward 5 --cooldown 3 --assign Ben")
        cli.ok("done Car")
    with at(2026, 11, 18, 20):  # approved two days after it was done
        cli.parent("approve 1")
    with at(2026, 11, 20, 9):
        refused = cli("done Car")
        assert refused.exit_code == 1
        assert "it comes back on 2026-11-21" in refused.stderr
        row = csv_rows(cli.ok("chore list -f csv").stdout)[0]
        assert (row["schedule"], row["cooldown_days"], row["status"], row["due"]) == ("", "3", "approved", "2026-11-21")
        assert "cooldown 3d" in cli.ok("chore list").stdout
        assert cli.ok("reset -v").stdout == ""
    with at(2026, 11, 21, 0, 5):
        assert lines(cli.ok("reset -v")) == ["Car (Ben): open, due 2026-11-21"]
        assert cli.ok("reset -v").stdout == ""
        cli.ok("done Car")


def test_weekday_and_interval_catch_up(household):
    cli = household
    with at(2026, 11, 16, 8):  # a Monday
        cli.parent("chore add Trash --every mon,thu --assign Ben")
        cli.parent("chore add Car --every 2w --assign Amy,Ben")
    with at(2026, 12, 1, 8):  # Tuesday two weeks later
        out = lines(cli.ok("reset -v"))
    assert [r[0] for r in missed_rows(1)] == ["2026-11-16", "2026-11-19", "2026-11-23", "2026-11-26", "2026-11-30"]
    # each assignee their own: every two weeks from the 16th, so the 16th and the 30th ended
    assert missed_rows(2) == [("2026-11-16", 1), ("2026-11-16", 2), ("2026-11-30", 1), ("2026-11-30", 2)]
    assert "Trash (Ben): open, due 2026-12-03" in out
    assert "Car (Amy): open, due 2026-12-14" in out and "Car (Ben): open, due 2026-12-14" in out


def test_monthly_on_the_31st_through_february(household):
    cli = household
    with at(2027, 1, 10):
        cli.parent("chore add Bills --reward 3 --every monthly --due 2027-01-31 --assign Amy")
    with at(2027, 2, 15):
        row = cli.ok("chore list -f csv").stdout.splitlines()[1].split(",")
        assert row[8] == "2027-02-28"
        cli.ok("done Bills")
    with at(2027, 3, 1):
        assert lines(cli.ok("reset -v")) == [
            "Bills (Amy): missed the period due 2027-01-31",
            "Bills (Amy): open, due 2027-03-31",
        ]
    show = cli.ok("chore show Bills").stdout
    assert "every month on the 31st" in show


def test_pool_chore_first_done_wins_each_period(household):
    cli = household
    with at(2026, 11, 16, 8):
        cli.parent("chore add Dog --reward 0.5 --every daily")
        cli.ok("done Dog --as Amy")
        taken = cli("done Dog --as Ben")
        assert taken.exit_code == 1 and "already done by someone else" in taken.stderr
    with at(2026, 11, 18, 8):
        assert lines(cli.ok("reset -v")) == [
            "Dog (anyone): missed the period due 2026-11-17",
            "Dog (anyone): open, due 2026-11-18",
        ]
        cli.ok("done Dog --as Ben")
    assert missed_rows() == [("2026-11-17", None)]


def test_the_25_hour_day(household):
    """New York falls back on 2026-11-01: a 25-hour day is still one period."""
    cli = household
    zone = "America/New_York"
    with at(2026, 10, 31, 9, zone=zone):
        cli.parent("chore add Dishes --reward 1 --every daily --assign Amy")
    with at(2026, 11, 1, 23, 30, zone=zone):  # 24.5 hours after midnight
        cli.ok("done Dishes")
    with at(2026, 11, 2, 0, 10, zone=zone):
        assert lines(cli.ok("reset -v")) == [
            "Dishes (Amy): missed the period due 2026-10-31",
            "Dishes (Amy): open, due 2026-11-02",
        ]
    assert query("SELECT period_due FROM completion WHERE status = 'pending'") == [("2026-11-01",)]


def test_the_23_hour_day(household):
    """Berlin springs forward on 2026-03-29: 23:30 that night is still the 29th."""
    cli = household
    with at(2026, 3, 28, 9):
        cli.parent("chore add Dishes --reward 1 --every daily --assign Amy")
        cli.ok("done Dishes")
    with at(2026, 3, 29, 23, 30):
        cli.ok("done Dishes")
        assert lines(cli.ok("reset -v")) == ["Dishes (Amy): pending, due 2026-03-29"]
    with at(2026, 3, 30, 0, 30):
        assert lines(cli.ok("reset -v")) == ["Dishes (Amy): open, due 2026-03-30"]
    assert missed_rows() == []
    assert query("SELECT period_due FROM completion ORDER BY id") == [("2026-03-28",), ("2026-03-29",)]


def test_dry_run_changes_nothing(daily):
    with at(2026, 11, 18, 7):
        before = snapshot()
        out = lines(daily.ok("reset -v --dry-run"))
        assert out == [
            "would: Dishes (Amy): missed the period due 2026-11-16",
            "would: Dishes (Amy): missed the period due 2026-11-17",
            "would: Dishes (Amy): open, due 2026-11-18",
        ]
        assert snapshot() == before
        assert len(lines(daily.ok("reset -v"))) == 3


def test_quiet_reset_prints_nothing_but_still_works(daily):
    with at(2026, 11, 18, 7):
        assert daily.ok("reset -q").stdout == ""
    assert len(missed_rows()) == 2


def test_reset_needs_no_pin_and_no_keyring(daily):
    keyring.set_keyring(fail.Keyring())
    with at(2026, 11, 18, 7):
        result = daily.ok("reset -v")  # no CHORECTL_PIN, no terminal, no keyring
    assert len(lines(result)) == 3


def test_archived_chores_are_not_reset(daily):
    daily.parent("chore remove Dishes")
    with at(2026, 11, 20):
        assert daily.ok("reset -v").stdout == ""


def test_changing_the_schedule_judges_the_old_periods_then_starts_afresh(daily):
    with at(2026, 11, 18, 9):
        daily.parent("chore edit Dishes --every mon,thu")
        assert daily.ok("reset -v").stdout == ""
        row = csv_rows(daily.ok("chore list -f csv").stdout)[0]
        assert row["schedule"] == "mon,thu" and row["due"] == "2026-11-19"
        daily.parent("chore edit Dishes --once")
        assert csv_rows(daily.ok("chore list -f csv").stdout)[0]["schedule"] == ""
    # the two daily periods that had ended before the edit were missed, and stay recorded
    assert missed_rows() == [("2026-11-16", 1), ("2026-11-17", 1)]


def test_reassigning_or_removing_never_loses_an_ended_period(household):
    cli = household
    with at(2026, 1, 5, 8):
        cli.parent("chore add D --every daily --assign Amy")
        cli.parent("chore add E --every daily --assign Amy")
        cli.parent("chore add F --every daily --assign Ben")
    with at(2026, 1, 9, 8):
        cli.parent("chore assign D --to Ben")
        cli.parent("member remove Amy")  # E becomes a pool chore
        cli.parent("chore remove F")
        out = lines(cli.ok("reset -v"))
    days = [("2026-01-05",), ("2026-01-06",), ("2026-01-07",), ("2026-01-08",)]
    assert [(d,) for d, m in missed_rows(1) if m == 1] == days  # Amy's D periods
    assert [(d,) for d, m in missed_rows(2) if m == 1] == days  # Amy's E periods, not "anyone"'s
    assert [m for _, m in missed_rows(2)] == [1, 1, 1, 1]
    assert [(d,) for d, m in missed_rows(3)] == days  # F, before it was archived
    assert out == []  # everything was judged when it happened


def test_new_assignee_starts_at_todays_period(daily):
    with at(2026, 11, 18, 9):
        daily.parent("chore assign Dishes --to Amy,Ben")
    with at(2026, 11, 19, 9):
        out = lines(daily.ok("reset -v"))
    assert "Dishes (Ben): missed the period due 2026-11-18" in out
    assert not any("Ben): missed the period due 2026-11-17" in line for line in out)


@pytest.mark.parametrize("bad", ["fortnightly", "0d", "-3d", "mon,funday", "1000d"])
def test_bad_schedule_is_exit_2(household, bad):
    before = snapshot()
    result = household(["chore", "add", "X", "--every", bad], pin=PIN)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")
    assert snapshot() == before


def test_every_and_cooldown_together_is_bad_input(household):
    result = household("chore add X --every daily --cooldown 2", pin=PIN)
    assert result.exit_code == 2
    assert "either a schedule" in result.stderr


# ------------------------------------------------------------ reset's stdout is news only


def test_a_quiet_night_prints_nothing(daily):
    """Every chore was done: reset rolls them all and cron has nothing to mail."""
    with at(2026, 11, 16, 19):
        daily.ok("done Dishes")
    with at(2026, 11, 17, 0, 5):
        quiet = daily.ok("reset")
        assert (quiet.stdout, quiet.stderr) == ("", "")
    assert query("SELECT rolled_due FROM assignment") == [("2026-11-17",)]  # it did roll
    assert missed_rows() == []


def test_a_night_after_a_miss_prints_exactly_the_misses(household):
    cli = household
    with at(2026, 11, 16, 8):
        cli.parent("chore add Dishes --reward 1 --every daily --assign Amy,Ben")
        cli.parent("chore add 'Walk dog' --reward 1 --every daily")
        cli.ok("done Dishes --as Ben")
    with at(2026, 11, 17, 0, 5):
        night = cli.ok("reset")
    assert lines(night) == [
        "Dishes (Amy): missed the period due 2026-11-16",
        "Walk dog (anyone): missed the period due 2026-11-16",
    ]
    assert night.stderr == ""
    with at(2026, 11, 17, 0, 10):
        assert cli.ok("reset").stdout == ""


def test_verbose_prints_the_whole_roll(household):
    cli = household
    with at(2026, 11, 16, 8):
        cli.parent("chore add Dishes --reward 1 --every daily --assign Amy,Ben")
        cli.ok("done Dishes --as Ben")
    with at(2026, 11, 17, 9):
        cli.ok("done Dishes --as Ben")
    with at(2026, 11, 17, 23):
        assert lines(cli.ok("reset --dry-run")) == ["would: Dishes (Amy): missed the period due 2026-11-16"]
        assert lines(cli.ok("reset -v --dry-run")) == [
            "would: Dishes (Amy): missed the period due 2026-11-16",
            "would: Dishes (Amy): open, due 2026-11-17",
            "would: Dishes (Ben): pending, due 2026-11-17",
        ]
        assert lines(cli.ok("reset --verbose")) == [
            "Dishes (Amy): missed the period due 2026-11-16",
            "Dishes (Amy): open, due 2026-11-17",
            "Dishes (Ben): pending, due 2026-11-17",
        ]


def test_quiet_and_verbose_together_is_bad_usage(daily):
    with at(2026, 11, 18, 7):
        before = snapshot()
        result = daily("reset -q -v")
    assert result.exit_code == 2 and result.stderr.startswith("Error: ")
    assert snapshot() == before


# ------------------------------------------------------------ a clock that went backwards


def test_a_clock_that_went_back_never_moves_a_chore_to_an_earlier_period(daily):
    """reset rolled Dishes to the 19th; then the clock went back to the 16th (a dead RTC
    battery, a wrong NTP answer). The chore stays in the 19th's period until that one ends."""
    cli = daily
    with at(2026, 11, 19, 6):
        cli.ok("reset")
    assert missed_rows() == [("2026-11-16", 1), ("2026-11-17", 1), ("2026-11-18", 1)]
    with at(2026, 11, 16, 12):  # three days back
        row = csv_rows(cli.ok("chore list -f csv").stdout)[0]
        assert (row["status"], row["due"]) == ("open", "2026-11-19")
        before = snapshot()
        quiet = cli.ok("reset -v")
        assert quiet.stdout == ""  # nothing to roll, and the watermark does not go back
        assert snapshot() == before
        cli.ok("done Dishes")  # counts for the period reset rolled to, not the missed 16th
        again = cli("done Dishes")
        assert again.exit_code == 1 and "it comes back on 2026-11-20" in again.stderr
        row = csv_rows(cli.ok("chore list -f csv").stdout)[0]
        assert (row["status"], row["due"]) == ("pending", "2026-11-19")
    assert query("SELECT status, period_due FROM completion WHERE status = 'pending'") == [("pending", "2026-11-19")]
    assert query("SELECT rolled_due FROM assignment") == [("2026-11-19",)]
    with at(2026, 11, 20, 6):  # time has caught up: the 19th was done, so not missed
        assert lines(cli.ok("reset -v")) == ["Dishes (Amy): open, due 2026-11-20"]
    with at(2026, 11, 21, 6):
        assert lines(cli.ok("reset")) == ["Dishes (Amy): missed the period due 2026-11-20"]
    assert [r[0] for r in missed_rows()] == ["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-20"]


def test_a_clock_back_in_a_pool_chore_and_a_weekly_one(household):
    cli = household
    with at(2026, 11, 16, 8):  # a Monday
        cli.parent("chore add 'Walk dog' --reward 1 --every daily")
        cli.parent("chore add Trash --every mon,thu --assign Ben")
    with at(2026, 11, 20, 6):  # Friday: Walk dog rolled to the 20th, Trash to Monday the 23rd
        cli.ok("reset")
    with at(2026, 11, 17, 9):  # back to Tuesday
        rows = {r["title"]: r["due"] for r in csv_rows(cli.ok("chore list -f csv").stdout)}
        assert rows == {"Walk dog": "2026-11-20", "Trash": "2026-11-23"}
        cli.ok("done 'Walk dog' --as Amy")
        cli.ok("done Trash")
        assert cli.ok("reset -v").stdout == ""
    assert query("SELECT chore_id, period_due FROM completion WHERE status = 'pending' ORDER BY id") == [
        (1, "2026-11-20"),
        (2, "2026-11-23"),
    ]
    assert query("SELECT rolled_due FROM chore WHERE id = 1") == [("2026-11-20",)]
    assert query("SELECT rolled_due FROM assignment") == [("2026-11-23",)]


# ------------------------------------------------------------ --since/--until and missed periods


def test_since_and_until_select_a_miss_by_the_period_it_missed(daily):
    """reset ran late, on the 25th: each miss is of its period, not of the night it was noticed."""
    cli = daily
    with at(2026, 11, 16, 20):
        cli.ok("done Dishes")
    with at(2026, 11, 17, 9):
        cli.parent("approve 1")
    with at(2026, 11, 25, 6):
        assert len(lines(cli.ok("reset"))) == 8  # the 17th to the 24th

        def selected(span: str) -> list[tuple[str, str]]:
            rows = csv_rows(cli.ok(f"export completions -f csv {span}").stdout)
            return [(r["status"], r["due"]) for r in rows]

        assert selected("--since 2026-11-20 --until 2026-11-20") == [("missed", "2026-11-20")]
        assert selected("--since 2026-11-16 --until 2026-11-16") == [("approved", "2026-11-16")]
        assert selected("--since 2026-11-25") == []  # the night reset ran missed nothing of its own
        assert selected("--until 2026-11-18") == [
            ("approved", "2026-11-16"),
            ("missed", "2026-11-17"),
            ("missed", "2026-11-18"),
        ]
        assert len(selected("--since 2026-11-17 --until 2026-11-24")) == 8
        assert len(selected("")) == 9


# ------------------------------------------------------------ cooldown due dates


def test_a_cooldown_chore_back_again_is_never_due_in_the_past(household):
    """Back three days after its approval (the 19th); nobody looked until the 22nd."""
    cli = household
    with at(2026, 11, 16, 9):
        cli.parent("chore add Car --reward 5 --cooldown 3 --assign Ben --due 2026-11-16")
        cli.ok("done Car")
        cli.parent("approve 1")
    with at(2026, 11, 18, 9):
        row = csv_rows(cli.ok("chore list -f csv").stdout)[0]
        assert (row["status"], row["due"]) == ("approved", "2026-11-19")  # cooling down: when it comes back
    with at(2026, 11, 22, 9):
        row = csv_rows(cli.ok("chore list -f csv").stdout)[0]
        assert (row["status"], row["due"]) == ("open", "2026-11-22")  # back since the 19th: due now
        assert lines(cli.ok("reset -v")) == ["Car (Ben): open, due 2026-11-22"]
        cli.ok("done Car")
        row = csv_rows(cli.ok("chore list -f csv").stdout)[0]
        assert (row["status"], row["due"]) == ("pending", "2026-11-22")  # not the first --due, the 16th
    with at(2026, 11, 24, 9):
        row = csv_rows(cli.ok("chore list -f csv").stdout)[0]
        assert (row["status"], row["due"]) == ("pending", "2026-11-24")
        assert cli.ok("reset -v").stdout == ""  # reported once, when it came back
        cli.parent("reject 2")
        row = csv_rows(cli.ok("chore list -f csv").stdout)[0]
        assert (row["status"], row["due"]) == ("open", "2026-11-24")
        cli.ok("done Car")
        cli.parent("approve 3")
        row = csv_rows(cli.ok("chore list -f csv").stdout)[0]
        assert (row["status"], row["due"]) == ("approved", "2026-11-27")
    with at(2026, 11, 27, 0, 5):
        assert lines(cli.ok("reset -v")) == ["Car (Ben): open, due 2026-11-27"]


def test_a_cooldown_chore_keeps_its_first_due_date_until_its_first_approval(household):
    cli = household
    with at(2026, 11, 16, 9):
        cli.parent("chore add Car --reward 5 --cooldown 3 --due 2026-11-20")
        cli.parent("chore add Bike --reward 1 --cooldown 3")
    with at(2026, 11, 22, 9):  # the parent's deadline passed: shown as it was set, like a one-off chore's
        rows = {r["title"]: (r["status"], r["due"]) for r in csv_rows(cli.ok("chore list -f csv").stdout)}
        assert rows == {"Car": ("open", "2026-11-20"), "Bike": ("open", "")}
