"""Whose turn it is (chorectl.domain.rotation), the streak bonus's setting and its runs: pure rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chorectl.domain.money import parse_streak
from chorectl.domain.report import Period, run_through, streaks
from chorectl.domain.rotation import LEAST_DONE, TURNS, after, holders, next_turn
from chorectl.errors import BadInput

A, B, C = 1, 2, 3
D0 = date(2026, 11, 16)


def daily(n: int) -> list[date]:
    return [D0 + timedelta(days=k) for k in range(n)]


def previous(due: date) -> date | None:
    return due - timedelta(days=1) if due > D0 else None


def test_turns_go_round_the_list():
    assert [next_turn([A, B, C], TURNS, who, []) for who in (A, B, C)] == [B, C, A]
    assert next_turn([A], TURNS, A, []) == A  # one child: always theirs
    assert next_turn([A, B], TURNS, C, []) == A  # a holder not in the list: the first


def test_least_done_counts_the_last_n_periods_ties_in_list_order():
    assert next_turn([A, B, C], LEAST_DONE, A, []) == A  # nobody did any: list order
    assert next_turn([A, B, C], LEAST_DONE, A, [{A}, {B}]) == C
    assert next_turn([A, B], LEAST_DONE, B, [{A}, {B}]) == A
    assert next_turn([A, B], LEAST_DONE, B, [{B}, {B}, {A}, set()]) == B  # only the last 2 count
    assert next_turn([A, B], LEAST_DONE, A, [{9}]) == A  # someone no longer in it: not counted


def test_least_done_shares_it_evenly_when_each_does_their_turn():
    """A tie goes to whoever did it longest ago: two children who each do every turn they get
    alternate (list order alone gave the first two turns of every three), three go round."""
    for order in ([A, B], [A, B, C]):
        dues = daily(12)
        done: dict[date, set[int]] = {}
        turns = [A]
        for k, due in enumerate(dues):
            turn = holders(order, LEAST_DONE, A, dues[: k + 1], done, previous)[-1]
            done[due] = {turn}
            turns.append(turn)
        assert turns[1:] == (order * 12)[:12], order
    assert next_turn([A, B], LEAST_DONE, A, [{A}, {B}]) == A  # one each: A did it longer ago
    assert next_turn([A, B, C], LEAST_DONE, A, [{C}, set(), set()]) == A  # never beats long ago


def test_holders_walk_each_period_from_the_stored_turn():
    dues = daily(5)
    assert holders([A, B, C], TURNS, B, dues, {}, previous) == [B, C, A, B, C]
    assert holders([A, B], LEAST_DONE, A, dues, {dues[0]: {A}, dues[1]: {B}}, previous) == [A, B, A, A, A]
    assert holders([A, B], TURNS, A, dues[:1], {}, previous) == [A]


def test_after_skips_to_the_next_place_and_wraps():
    position = {A: 0, B: 1, C: 2}
    assert after([A, C], B, position) == C
    assert after([A, B], C, position) == A
    assert after([], A, position) is None


@pytest.mark.parametrize("text, value", [("3:0.50", (3, 50)), (" 7 : $2 ", (7, 200)), ("1000:1000", (1000, 100000))])
def test_streak_setting(text, value):
    assert parse_streak(text) == value


@pytest.mark.parametrize("text", ["3", ":1", "1:1", "0:1", "1001:1", "x:1", "٣:1", "3:", "3:0", "3:-1", "3:1001"])
def test_bad_streak_setting(text):
    with pytest.raises(BadInput):
        parse_streak(text)


def test_run_through_is_the_whole_run_a_period_is_in():
    dues = daily(6)
    periods = [Period(d, d != dues[2]) for d in dues]  # the 3rd missed
    assert run_through(periods, previous, dues[1]) == dues[:2]
    assert run_through(periods, previous, dues[4]) == dues[3:]
    assert run_through(periods, previous, dues[2]) == []
    assert streaks(periods, previous, dues[5]) == (3, 3)  # the same runs as the report's
