"""Savings goals as services, on both backends: one balance filling a child's goals oldest
first, never a ledger entry, what is refused, what balance, today and report show, and the
reversers ``undo`` calls for ``goal add`` and ``goal remove``."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from chorectl.domain.report import Window
from chorectl.errors import BadInput, InvalidState, NotFound
from chorectl.services import goals, ledger, members, reports
from chorectl.services import today as today_service
from chorectl.services.actions import REVERSERS
from chorectl.services.rows import GoalRow
from tests.service.test_services_core import BERLIN, NOW, World, db, home  # noqa: F401 (fixtures)

pytestmark = pytest.mark.usefixtures("backend")  # each test on a SQLite file and on PostgreSQL

LATER = NOW + timedelta(minutes=5)


def progress(world: World, name: str | None = None) -> list[tuple]:
    return [(r.id, r.member, r.title, r.target, r.saved, r.progress, r.reached) for r in goals.listing(world.r(), name)]


def shown(world: World) -> dict[str, tuple]:
    return {r.member: (r.goal, r.goal_target, r.goal_saved) for r in ledger.balances(world.r())}


def test_goals_share_the_balance_filled_oldest_first_and_move_no_money(home: World):
    home.bonus("Amy", 1200)
    lego = goals.add(home.w(), "amy", "Lego set", 2500, now=NOW)
    assert (lego.id, lego.member, lego.title, lego.target, lego.saved, lego.percent, lego.reached) == (
        1,
        "Amy",
        "Lego set",
        2500,
        1200,
        48,
        False,
    )
    goals.add(home.w(), "Amy", "Book", 500, now=LATER)
    goals.add(home.w(), "2", "Bike", 10000, now=LATER)
    assert home.count("ledger") == 1  # the bonus: goals are a view on the balance
    assert progress(home) == [
        (1, "Amy", "Lego set", 2500, 1200, 48, False),
        (2, "Amy", "Book", 500, 0, 0, False),
        (3, "Ben", "Bike", 10000, 0, 0, False),
    ]
    assert progress(home, "Ben") == [(3, "Ben", "Bike", 10000, 0, 0, False)]
    home.bonus("Amy", 1500)  # 27.00: the Lego set is reached, 2.00 spill over to the Book
    assert progress(home, "Amy") == [
        (1, "Amy", "Lego set", 2500, 2500, 100, True),
        (2, "Amy", "Book", 500, 200, 40, False),
    ]
    assert shown(home) == {"Amy": ("Book", 500, 200), "Ben": ("Bike", 10000, 0)}
    ledger.pay(home.w(), "Amy", 2700, note=None, now=NOW)
    ledger.adjust(home.w(), "Amy", -300, reason="broke a window", now=NOW)  # a negative balance fills nothing
    assert progress(home, "Amy") == [
        (1, "Amy", "Lego set", 2500, 0, 0, False),
        (2, "Amy", "Book", 500, 0, 0, False),
    ]
    assert shown(home)["Amy"] == ("Lego set", 2500, 0)


def test_every_goal_reached_shows_the_newest(home: World):
    home.bonus("Amy", 5000)
    goals.add(home.w(), "Amy", "Lego set", 2500, now=NOW)
    goals.add(home.w(), "Amy", "Book", 500, now=NOW)
    assert shown(home)["Amy"] == ("Book", 500, 500)
    assert [r.reached for r in goals.listing(home.r())] == [True, True]


def test_what_is_refused(home: World):
    goals.add(home.w(), "Amy", "Lego set", 2500, now=NOW)
    with pytest.raises(InvalidState, match="Amy already has a goal called Lego set"):
        goals.add(home.w(), "Amy", "LEGO SET", 100, now=NOW)
    goals.add(home.w(), "Ben", "Lego set", 2500, now=NOW)  # another child may want one too
    with pytest.raises(InvalidState, match="Mum is a parent; goals are for children"):
        goals.add(home.w(), "Mum", "Holiday", 100000, now=NOW)
    with pytest.raises(NotFound, match="no member called 'Zed'"):
        goals.add(home.w(), "Zed", "Kite", 100, now=NOW)
    with pytest.raises(BadInput, match="more than zero"):
        goals.add(home.w(), "Amy", "Kite", 0, now=NOW)
    with pytest.raises(BadInput, match="must not be empty"):
        goals.add(home.w(), "Amy", "  ", 100, now=NOW)
    with pytest.raises(NotFound, match="no goal with id 9"):
        goals.remove(home.w(), "9", now=NOW)
    with pytest.raises(BadInput, match="'one' is not a goal id"):
        goals.remove(home.w(), "one", now=NOW)
    with pytest.raises(InvalidState, match="Mum is a parent"):
        goals.listing(home.r(), "Mum")
    assert home.count("goal") == 2
    assert home.sql("SELECT action FROM audit WHERE action IN ('goal add', 'goal remove') ORDER BY id") == [
        ("goal add",),
        ("goal add",),
    ]


def test_a_removed_goal_is_archived_and_the_others_fill_as_before(home: World):
    home.bonus("Amy", 3000)
    goals.add(home.w(), "Amy", "Lego set", 2500, now=NOW)
    goals.add(home.w(), "Amy", "Book", 1000, now=NOW)
    removed = goals.remove(home.w(), "1", now=NOW)
    assert (removed.title, removed.saved, removed.balance) == ("Lego set", 2500, 3000)  # what it held
    assert progress(home) == [(2, "Amy", "Book", 1000, 1000, 100, True)]
    assert home.sql("SELECT id, archived FROM goal ORDER BY id") == [(1, True), (2, False)]
    with pytest.raises(InvalidState, match=r"goal 1 \(Lego set\) was removed already"):
        goals.remove(home.w(), "1", now=NOW)
    goals.add(home.w(), "Amy", "Lego set", 3000, now=NOW)  # the title is free again
    assert home.count("ledger") == 1
    assert home.sql("SELECT detail FROM audit WHERE action = 'goal remove'") == [("#1 Amy: Lego set, $25.00",)]


def test_an_archived_childs_goals_show_nowhere_until_restored(home: World):
    home.bonus("Amy", 500)
    goals.add(home.w(), "Amy", "Lego set", 2500, now=NOW)
    members.remove(home.w(), "Amy", now=NOW, force=True)
    assert progress(home) == []
    assert ledger.balances(home.r(), "Amy")[0].goal is None  # still owed money: listed, without the goal
    assert [r.member for r in today_service.today(home.r(), today=NOW.date())] == ["Ben"]
    with pytest.raises(InvalidState, match="Amy is archived"):
        goals.add(home.w(), "Amy", "Kite", 100, now=NOW)
    members.restore(home.w(), "Amy", now=NOW)
    assert progress(home) == [(1, "Amy", "Lego set", 2500, 500, 20, False)]


def test_today_gives_each_childs_goal_on_their_rows(home: World):
    home.bonus("Ben", 250)
    goals.add(home.w(), "Ben", "Kite", 1000, now=NOW)
    home.chore("Walk dog", "1")  # a pool chore: no member, no goal
    rows = today_service.today(home.r(), today=NOW.date())
    assert [(r.member, r.status, r.goal, r.goal_target, r.goal_saved) for r in rows] == [
        ("Amy", "none", None, None, None),
        ("Ben", "none", "Kite", 1000, 250),
        (None, "undated", None, None, None),
    ]


def test_the_report_takes_the_goals_set_by_the_windows_end_at_its_end_balance(home: World):
    def at(day: int) -> datetime:
        return datetime(2026, 11, day, 18, tzinfo=BERLIN)

    home.bonus("Amy", 1000, now=at(2))
    goals.add(home.w(), "Amy", "Lego set", 2500, now=at(3))
    home.bonus("Ben", 300, now=at(4))
    home.bonus("Amy", 1000, now=at(10))  # after the first week
    goals.add(home.w(), "Ben", "Kite", 1000, now=at(10))  # set after the first week
    first = reports.report(home.r(), Window(date(2026, 11, 2), date(2026, 11, 8)))
    assert {c.row.member: (c.row.goal, c.row.goal_target, c.row.goal_saved) for c in first.children} == {
        "Amy": ("Lego set", 2500, 1000),
        "Ben": (None, None, None),  # his goal came later
    }
    second = reports.report(home.r(), Window(date(2026, 11, 9), date(2026, 11, 22)))
    assert {c.row.member: (c.row.goal, c.row.goal_saved) for c in second.children} == {
        "Amy": ("Lego set", 2000),
        "Ben": ("Kite", 300),
    }


def _undo(world: World, action: str, data: dict, now: datetime = LATER) -> str:
    uow = world.w()
    with uow:
        said = REVERSERS[action](uow, data, now)
        uow.commit()
    return said


def _recorded(world: World) -> list[tuple[str, dict]]:
    rows = world.sql("SELECT kind, data FROM action WHERE kind IN ('goal add', 'goal remove') ORDER BY id")
    return [(kind, json.loads(data)) for kind, data in rows]


def test_goal_add_and_remove_are_recorded_for_undo_and_reversed(home: World):
    goals.add(home.w(), "Amy", "Lego set", 2500, now=NOW)
    goals.remove(home.w(), "1", now=NOW)
    assert _recorded(home) == [("goal add", {"goal_id": 1}), ("goal remove", {"goal_id": 1})]
    lines = "SELECT audit.action FROM action JOIN audit ON audit.id = action.audit_id"
    assert home.sql(f"{lines} WHERE action.kind IN ('goal add', 'goal remove') ORDER BY action.id") == [
        ("goal add",),
        ("goal remove",),
    ]
    assert _undo(home, "goal remove", {"goal_id": 1}) == "Amy's goal Lego set (goal 1) is back"
    assert [r.id for r in goals.listing(home.r())] == [1]
    assert _undo(home, "goal add", {"goal_id": 1}) == "removed Amy's goal Lego set (goal 1) again"
    assert goals.listing(home.r()) == []
    assert home.count("goal") == 1 and home.count("ledger") == 0


def test_undo_refuses_what_is_no_longer_so(home: World):
    goals.add(home.w(), "Amy", "Lego set", 2500, now=NOW)
    goals.remove(home.w(), "1", now=NOW)
    with pytest.raises(InvalidState, match=r"goal 1 \(Lego set\) of Amy was removed since"):
        _undo(home, "goal add", {"goal_id": 1})
    goals.add(home.w(), "Amy", "lego set", 3000, now=NOW)  # the title is taken again
    with pytest.raises(InvalidState, match="Amy already has a goal called lego set"):
        _undo(home, "goal remove", {"goal_id": 1})
    assert progress(home) == [(2, "Amy", "lego set", 3000, 0, 0, False)]


def test_the_listing_is_plain_rows(home: World):
    goals.add(home.w(), "Amy", "Lego set", 2500, now=NOW)
    (row,) = goals.listing(home.r())
    assert row == GoalRow(1, "Amy", "Lego set", 2500, 0, 0, False, row.created_at, 1)
    assert row.created_at == NOW
