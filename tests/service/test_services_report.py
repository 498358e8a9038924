"""The report's service on both backends: who a completion counts for, archived chores and
members in past windows, a child added mid-window, pool chores and their misses."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from chorectl.db.engine import ensure_schema, make_engine
from chorectl.domain.money import parse_reward_spec
from chorectl.domain.report import Window
from chorectl.domain.schedule import parse_schedule
from chorectl.services import chores, completions, household, ledger, members, reports, reset
from chorectl.services.auth import Binding
from chorectl.services.uow import UnitOfWork

pytestmark = pytest.mark.usefixtures("backend")

BERLIN = ZoneInfo("Europe/Berlin")
WEEK = Window(date(2026, 11, 2), date(2026, 11, 8))  # Monday to Sunday


def at(day: int, hour: int = 18) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=BERLIN)


@pytest.fixture
def week(tmp_path, backend):
    """Nov 2-8, 2026: Amy's daily dishes go to Cleo (new on the 4th), then are removed on the 7th;
    a daily pool chore (Trash) done by Ben on the 2nd and Cleo on the 4th, by nobody else;
    Ben is paid what he earned and archived on the 8th."""
    engine = make_engine(tmp_path / "r.db" if not backend.postgres else backend.location)
    ensure_schema(engine)

    def w() -> UnitOfWork:
        return UnitOfWork(engine, write=True)

    def did(chore: str, who: str, day: int) -> None:
        completion, _, _ = completions.done(w(), chore, member=who, now=at(day))
        completions.approve(w(), [completion.id], now=at(day, 19))

    household.initialise(w(), currency="$", now=at(2, 8), store_pin=lambda _: Binding("tests", "f" * 32))
    members.add(w(), "Amy", "child", now=at(2, 8))
    members.add(w(), "Ben", "child", now=at(2, 8))
    daily = parse_schedule("daily")
    for title, cents, assign in (("Dishes", "1", ["Amy"]), ("Trash", "2", [])):
        chores.add(
            w(), title, reward=parse_reward_spec(cents), assign=assign, due=date(2026, 11, 2), note=None,
            now=at(2, 8), every=daily,
        )  # fmt: skip
    for day in range(2, 9):
        reset.reset(w(), now=at(day, 1))
        if day == 2:
            did("Dishes", "Amy", 2)
            did("Trash", "Ben", 2)
        if day == 4:
            members.add(w(), "Cleo", "child", now=at(4, 8))
            chores.assign(w(), ["Dishes"], ["Cleo"], now=at(4, 8))
            did("Dishes", "Cleo", 4)
            did("Trash", "Cleo", 4)
        if day == 5:
            did("Dishes", "Cleo", 5)
        if day == 7:
            chores.remove(w(), "Dishes", now=at(7, 9))
        if day == 8:
            ledger.pay(w(), "Ben", 200, note=None, now=at(8, 19))
            members.remove(w(), "Ben", now=at(8, 20))
    yield lambda: UnitOfWork(engine)
    engine.dispose()


def _numbers(result) -> dict[str, tuple]:
    return {
        c.row.member: (
            c.row.earned, c.row.balance, c.row.done, c.row.missed, c.row.completion_rate, c.row.streak,
            c.row.best_streak, c.row.top_chores,
        )
        for c in result.children
    }  # fmt: skip


def test_who_counts_for_what(week):
    result = reports.report(week(), WEEK)
    assert _numbers(result) == {
        # the 3rd missed: settled for Amy when the dishes went to Cleo
        "Amy": (100, 100, 1, 1, 50, 0, 1, "Dishes (1)"),
        # archived, and still in the week he was in; the pool chore credited to him
        "Ben": (200, 0, 1, 0, 100, 0, 1, "Trash (1)"),
        # added mid-week; the removed (archived) chore still counts, its 6th missed
        "Cleo": (400, 400, 3, 1, 75, 0, 2, "Dishes (2); Trash (1)"),
    }
    assert result.pool_missed == 4  # Trash on the 3rd, 5th, 6th and 7th: nobody's
    assert [c.row.member_id for c in result.children] == [1, 2, 3]
    assert not result.empty


def test_one_member_and_a_later_window(week):
    (ben,) = reports.report(week(), WEEK, member="ben").children
    assert (ben.row.member, ben.row.done, ben.row.paid, ben.row.balance) == ("Ben", 1, -200, 0)
    later = reports.report(week(), Window(date(2026, 11, 9), date(2026, 11, 10)))
    assert [c.row.member for c in later.children] == ["Amy", "Cleo"]  # archived Ben: nothing then, nothing owed
    assert later.empty and later.pool_missed == 0
    before = reports.report(week(), Window(date(2026, 10, 26), date(2026, 11, 1)))
    assert before.children == () and before.empty  # before anyone was added


def test_the_charts_weeks(week):
    result = reports.report(week(), WEEK)
    assert result.weeks[-1] == date(2026, 11, 2) and len(result.weeks) == 8
    cleo = result.children[2]
    assert cleo.earned_by_week == (0,) * 7 + (400,)
    assert cleo.rate_by_week == (None,) * 7 + (75,)
    sunday = reports.report(week(), WEEK, first_weekday=6)
    assert sunday.weeks[-2:] == (date(2026, 11, 1), date(2026, 11, 8))
    assert sunday.children[2].earned_by_week[-2:] == (400, 0)
