"""chorectl.domain.goals: how one balance fills a child's savings goals (oldest first), without a database."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from chorectl.domain.goals import Progress, current, fill, percent

LEGO, BOOK, BIKE = (1, "Lego set", 2500), (2, "Book", 500), (3, "Bike", 10000)


def saved(balance: int, goals) -> list[int]:
    return [p.saved for p in fill(balance, goals)]


def test_the_balance_fills_the_oldest_goal_first_then_spills_over():
    assert saved(1200, [LEGO, BOOK]) == [1200, 0]
    assert saved(2500, [LEGO, BOOK]) == [2500, 0]
    assert saved(2700, [LEGO, BOOK]) == [2500, 200]
    assert saved(9999, [LEGO, BOOK]) == [2500, 500]  # more than every target: each is full, the rest is free


def test_the_order_given_is_the_order_they_fill():
    assert saved(600, [BOOK, LEGO]) == [500, 100]


def test_a_negative_or_zero_balance_fills_nothing():
    assert saved(-300, [LEGO, BOOK]) == [0, 0]
    assert saved(0, [LEGO]) == [0]
    assert [p.percent for p in fill(-1, [LEGO])] == [0]


def test_progress_is_whole_percent_rounded_down_so_100_means_reached():
    assert percent(1200, 2500) == 48
    assert percent(2499, 2500) == 99  # not 100 until it is all there
    assert percent(2500, 2500) == 100
    assert percent(1, 3) == 33
    assert percent(0, 0) == 0  # no target: nothing to show
    goal = Progress(1, "Lego set", 2500, 2499)
    assert (goal.percent, goal.reached) == (99, False)
    assert Progress(1, "Lego set", 2500, 2500).reached


def test_the_goal_shown_is_the_first_not_reached_or_the_newest_when_all_are():
    assert current(fill(1200, [LEGO, BOOK])).title == "Lego set"
    assert current(fill(2700, [LEGO, BOOK])).title == "Book"
    reached = current(fill(3000, [LEGO, BOOK]))
    assert (reached.title, reached.reached) == ("Book", True)
    assert current(fill(1000, [])) is None


@given(
    st.integers(min_value=-(10**9), max_value=10**9),
    st.lists(st.integers(min_value=1, max_value=10**8), max_size=6),
)
def test_goals_never_hold_more_than_the_balance_nor_more_than_their_targets(balance, targets):
    goals = [(i, f"goal {i}", target) for i, target in enumerate(targets)]
    found = fill(balance, goals)
    assert [p.id for p in found] == [g[0] for g in goals]
    assert all(0 <= p.saved <= p.target for p in found)
    assert sum(p.saved for p in found) == min(max(balance, 0), sum(targets))
    # Filled in order: a goal holds something only when every older one is reached.
    for older, newer in pairwise(found):
        assert older.reached or newer.saved == 0
