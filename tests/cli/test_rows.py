"""Each kind of row is defined once (chorectl/services/rows.py); what the command line shows derives from it."""

from __future__ import annotations

import pytest

from chorectl.cli import render
from chorectl.cli.chores import StatusFilter
from chorectl.cli.export import ExportKind
from chorectl.services import chores, export
from chorectl.services.rows import ROWS, columns, table_columns


def test_the_command_lines_choices_are_the_services():
    assert [kind.value for kind in ExportKind] == list(export.KINDS)
    assert [status.value for status in StatusFilter] == list(chores.STATUSES)


@pytest.mark.parametrize("name", ROWS)
def test_every_field_is_a_column_in_order(name):
    row = ROWS[name]
    assert tuple(c.key for c in columns(row)) == row._fields
    assert set(table_columns(row)) <= set(columns(row))


@pytest.mark.parametrize("name", ROWS)
def test_the_table_decorates_only_columns_it_shows(name):
    row = ROWS[name]
    assert set(render.LOOKS.get(row, {})) <= {c.key for c in table_columns(row)}
    assert row in render.EMPTY
