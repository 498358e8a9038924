"""A few tests of the modules whose PostgreSQL half runs only in full runs (``CHORECTL_PG=all``),
kept on both backends in every run, so that CI still drives each of those features through
PostgreSQL: exports, rotation, streak bonuses, savings goals and undo.

They are the same test functions (and the fixtures they need), collected here a second time
without the ``postgres_in_full_runs`` marker; see ``pytest_generate_tests`` in tests/conftest.py
and the README's "Development" section for what runs where.
"""

from __future__ import annotations

import pytest

from tests.cli.test_export import data, test_filters, test_json_equals_jsonl_and_amounts_are_numbers  # noqa: F401
from tests.cli.test_goals import saving, test_goals_at_80_columns  # noqa: F401
from tests.cli.test_rotation import (  # noqa: F401
    test_a_missed_period_is_charged_to_the_child_whose_turn_it_was,
    test_least_done_walks_forward_the_same_way_reset_rolls,
    three,
)
from tests.cli.test_streak import (  # noqa: F401
    dishes,
    test_approve_undone_and_approved_again_leaves_one_bonus,
    test_the_approval_that_completes_the_streak_pays_the_bonus_once_per_n_periods,
)
from tests.cli.test_undo import (  # noqa: F401
    day,
    test_two_undos_in_a_row_undo_two_actions_newest_first,
    test_undo_after_reset_ran_past_the_approvals_period,
)

pytestmark = pytest.mark.usefixtures("backend")  # each test on a SQLite file and on PostgreSQL


def test_a_new_household_has_schema_7s_tables_and_records_what_undo_can_reverse(household):
    """On each backend: the tables issue 17 added are there, and the three `member add` of the
    household fixture are the undoable actions so far (init is not one)."""
    from tests.helpers import query

    for table in ("rotation", "goal", "reward", "redemption"):
        assert query(f"SELECT count(*) FROM {table}") == [(0,)], table
    assert query("SELECT kind FROM action ORDER BY id") == [("member add",)] * 3
