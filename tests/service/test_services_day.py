"""``today`` and ``digest`` as services, on both backends: a scripted few days of a household.

Amy and Ben (children), Mum (parent); from Monday 2026-11-16: Amy's daily
Dishes, Ben's weekly Trash (Thursdays), Tidy room for both (no date, a range
reward), Bills for Amy (once, due Tuesday), the pool's daily Walk dog, and
Amy's daily Mow lawn, archived on the first day.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from chorectl.domain.money import parse_reward_spec
from chorectl.domain.schedule import parse_schedule
from chorectl.errors import InvalidState, NotFound
from chorectl.services import chores, household, reset
from chorectl.services import digest as digest_service
from chorectl.services import today as today_service
from chorectl.services.rows import TodayRow
from tests.service.test_query_plans import plans, scans_of_history
from tests.service.test_services_core import BERLIN, World, bound

pytestmark = pytest.mark.usefixtures("backend")  # each test on a SQLite file and on PostgreSQL


def at(day: int, hour: int = 18, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN)


@pytest.fixture
def world(tmp_path, backend) -> World:
    world = World(tmp_path / "t.db" if not backend.postgres else backend.location)
    household.initialise(world.w(), currency="$", now=at(16, 8), store_pin=bound)
    yield world
    world.engine.dispose()


def add(world: World, title: str, reward: str, assign=(), *, every=None, due=None, now=None):
    return chores.add(
        world.w(),
        title,
        reward=parse_reward_spec(reward),
        assign=list(assign),
        due=due,
        note=None,
        now=now or at(16, 8),
        every=parse_schedule(every) if every else None,
    )


@pytest.fixture
def family(world: World) -> World:
    from chorectl.services import members

    for name, role in (("Amy", "child"), ("Ben", "child"), ("Mum", "parent")):
        members.add(world.w(), name, role, now=at(16, 8))
    add(world, "Dishes", "1", ["Amy"], every="daily")  # 1
    add(world, "Trash", "0.50", ["Ben"], every="thu")  # 2
    add(world, "Tidy room", "1-3", ["Amy", "Ben"])  # 3
    add(world, "Bills", "5", ["Amy"], due=date(2026, 11, 17))  # 4
    add(world, "Walk dog", "0.75", every="daily")  # 5
    add(world, "Mow lawn", "2", ["Amy"], every="daily")  # 6
    chores.remove(world.w(), "Mow lawn", now=at(16, 9))
    return world


def day_of(world: World, day: int, member: str | None = None) -> list[tuple]:
    rows = today_service.today(world.r(), today=date(2026, 11, day), member=member)
    return [(r.member, r.status, r.chore, r.due and r.due.isoformat(), r.completion_id) for r in rows]


def news(world: World, day: int, hour: int = 0, minute: int = 5) -> tuple:
    found = digest_service.digest(world.r(), today=at(day, hour, minute).date())
    return (
        found.day.isoformat(),
        [(r.id, r.chore, r.member) for r in found.waiting],
        [(r.chore, r.member, r.due.isoformat()) for r in found.missed],
        [(b.member, b.balance) for b in found.balances],
        found.news,
    )


def test_a_few_days_of_today_and_the_digest(family):
    world = family
    # Monday: everything open; the archived Mow lawn is nowhere.
    assert day_of(world, 16) == [
        ("Amy", "today", "Dishes", "2026-11-16", None),
        ("Amy", "undated", "Tidy room", None, None),
        ("Amy", "later", "Bills", "2026-11-17", None),
        ("Ben", "undated", "Tidy room", None, None),
        ("Ben", "later", "Trash", "2026-11-19", None),
        (None, "today", "Walk dog", "2026-11-16", None),
    ]
    world.done("Dishes", now=at(16, 17))
    world.done("Walk dog", "Ben", now=at(16, 17, 30))  # a pool chore: Ben's, waiting
    assert day_of(world, 16) == [
        ("Amy", "undated", "Tidy room", None, None),
        ("Amy", "later", "Bills", "2026-11-17", None),
        ("Amy", "pending", "Dishes", "2026-11-16", 1),
        ("Ben", "undated", "Tidy room", None, None),
        ("Ben", "later", "Trash", "2026-11-19", None),
        ("Ben", "pending", "Walk dog", "2026-11-16", 2),
    ]
    assert news(world, 16, 20) == (
        "2026-11-15",
        [(1, "Dishes", "Amy"), (2, "Walk dog", "Ben")],
        [],
        [("Amy", 0), ("Ben", 0)],
        True,
    )
    world.approve(1, 2, now=at(16, 19))

    # Tuesday, after cron's reset: a quiet night, nothing to say.
    reset.reset(world.w(), now=at(17, 0, 5))
    assert news(world, 17) == ("2026-11-16", [], [], [("Amy", 100), ("Ben", 75)], False)
    assert day_of(world, 17) == [
        ("Amy", "today", "Dishes", "2026-11-17", None),  # the same day: by chore id
        ("Amy", "today", "Bills", "2026-11-17", None),
        ("Amy", "undated", "Tidy room", None, None),
        ("Ben", "undated", "Tidy room", None, None),
        ("Ben", "later", "Trash", "2026-11-19", None),
        (None, "today", "Walk dog", "2026-11-17", None),
    ]
    # Nobody does anything on Tuesday. Wednesday's reset records two misses; the digest tells them.
    assert [str(c) for c in reset.reset(world.w(), now=at(18, 0, 5)) if c.news] == [
        "Dishes (Amy): missed the period due 2026-11-17",
        "Walk dog (anyone): missed the period due 2026-11-17",
    ]
    assert news(world, 18) == (
        "2026-11-17",
        [],
        [("Dishes", "Amy", "2026-11-17"), ("Walk dog", None, "2026-11-17")],
        [("Amy", 100), ("Ben", 75)],
        True,
    )
    assert news(world, 18, 7) == news(world, 18)  # later that day: the same news
    assert news(world, 19)[2] == []  # and the next day, not again
    # Wednesday: the one-off Bills is overdue (a scheduled chore never is: its period was missed).
    assert day_of(world, 18, "amy") == [
        ("Amy", "overdue", "Bills", "2026-11-17", None),
        ("Amy", "today", "Dishes", "2026-11-18", None),
        ("Amy", "undated", "Tidy room", None, None),
        (None, "today", "Walk dog", "2026-11-18", None),
    ]


def test_a_child_with_nothing_gets_one_row_with_the_balance(family):
    world = family
    world.member("Cleo")
    world.bonus("Cleo", 250, now=at(16, 10))
    nothing = TodayRow("Cleo", "none", None, None, None, None, None, None, None, 250, None, None, None, 4)
    rows = today_service.today(world.r(), today=date(2026, 11, 16), member="Cleo")
    assert [(r.member, r.status, r.chore) for r in rows] == [("Cleo", "none", None), (None, "today", "Walk dog")]
    assert rows[0] == nothing  # the pool's chores are hers to do too, but not hers alone
    assert [r for r in today_service.today(world.r(), today=date(2026, 11, 16)) if r.member == "Cleo"] == [nothing]


def test_rewards_and_balances_on_each_row(family):
    world = family
    world.bonus("Amy", 150, now=at(16, 10))
    rows = {(r.member, r.chore): r for r in today_service.today(world.r(), today=date(2026, 11, 16))}
    tidy = rows[("Amy", "Tidy room")]
    assert (tidy.reward, tidy.reward_min, tidy.reward_max, tidy.balance, tidy.member_id) == (None, 100, 300, 150, 1)
    dishes = rows[("Amy", "Dishes")]
    assert (dishes.reward, dishes.reward_min, dishes.reward_max) == (100, None, None)
    pool = rows[(None, "Walk dog")]
    assert (pool.balance, pool.member_id) == (None, None)


def test_a_household_with_no_children_has_no_rows_and_no_news(world):
    from chorectl.services import members

    members.add(world.w(), "Mum", "parent", now=at(16, 8))
    add(world, "Walk dog", "1", every="daily")
    assert today_service.today(world.r(), today=date(2026, 11, 16)) == []
    assert news(world, 17) == ("2026-11-16", [], [], [], False)


def test_a_pending_completion_of_an_archived_chore_still_waits(family):
    world = family
    world.done("Tidy room", "Amy", now=at(16, 10))
    chores.remove(world.w(), "Tidy room", now=at(16, 11))
    assert ("Amy", "pending", "Tidy room", None, 1) in day_of(world, 16)
    assert ("Ben", "undated", "Tidy room", None, None) not in day_of(world, 16)


def test_only_children_by_their_name_or_id(family):
    world = family
    with pytest.raises(InvalidState, match="Mum is a parent"):
        today_service.today(world.r(), today=date(2026, 11, 16), member="Mum")
    with pytest.raises(NotFound):
        today_service.today(world.r(), today=date(2026, 11, 16), member="Nobody")
    assert day_of(world, 16, "2") == day_of(world, 16, "Ben") != []


@pytest.mark.sqlite_only  # EXPLAIN QUERY PLAN on a SQLite file of half a year (benchmarks/history.py)
@pytest.mark.parametrize(
    "work",
    [
        lambda uow: today_service.today(uow(), today=date(2026, 11, 21)),
        lambda uow: today_service.today(uow(), today=date(2026, 11, 21), member="Child2"),
        lambda uow: digest_service.digest(uow(), today=date(2026, 11, 21)),
    ],
    ids=["today", "today --as", "digest"],
)
def test_today_and_the_digest_do_not_scan_history(tmp_path_factory, work):
    from tests.service.test_query_plans import _history

    found = plans(_history(tmp_path_factory, 0.5), work)
    assert found, "no statement was captured"
    assert scans_of_history(found) == []
