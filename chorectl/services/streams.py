"""Long listings (the ledger, completions, the log), read as they are consumed.

A :class:`RowStream` is what a listing's service returns once it has checked its
input: iterating it reads typed rows (:mod:`chorectl.services.rows`) in one read
transaction; :meth:`RowStream.text` has the database write them as lines of a
script format instead, which is several times faster for an export of years of
history, and hands back as cells the rows whose text must be quoted or escaped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

from sqlalchemy import Select

from chorectl.db import dialect
from chorectl.domain.scripts import UNIT, ScriptForm
from chorectl.services.rows import Row
from chorectl.services.uow import UnitOfWork

R = TypeVar("R", bound=Row)

BATCH = 2000  # typed rows a fetch


class Lines(NamedTuple):
    """Finished lines of a script format: *count* rows' worth of *text*."""

    count: int
    text: str


class Cells(NamedTuple):
    """Rows as their cells, each as the script format writes it, before CSV quoting or TSV escapes."""

    rows: list[list[str]]


@dataclass(frozen=True)
class RowStream(Generic[R]):
    """The rows of *query* (plain columns in the order of *row*'s fields, the first its
    integer key), in the order of their key, read in one transaction while they are
    consumed: memory stays flat, and the rows are one consistent snapshot however long
    they take to write."""

    uow: UnitOfWork
    query: Select
    row: type[R]

    @property
    def ordered(self) -> Select:
        """The query, in the order of the rows' keys."""
        return self.query.order_by(self.query.selected_columns[0])

    def __iter__(self) -> Iterator[R]:
        with self.uow:
            yield from self._typed(self.uow.session.connection(), self.ordered)

    def text(self, form: ScriptForm) -> Iterator[Lines | Cells | R]:
        """The rows written as *form* says: :class:`Lines` the database wrote, in order.

        Once a batch holds a text cell with one of ``form.special`` in it (which CSV would
        quote, TSV escape), that batch and the rest come as :class:`Cells` instead, for the
        caller to quote (the database writes ``form.cells()``); a row whose cells would not
        split comes typed, and so does every row where the backend writes no lines at all.
        """
        with self.uow:
            conn = self.uow.session.connection()
            batches = dialect.of(conn).script_lines(conn, self.ordered, form)
            if batches is None:
                yield from self._typed(conn, self.ordered)
                return
            with closing(batches):
                for lines in batches:
                    text = "".join(lines)
                    if not form.clean(text, len(lines)):
                        break
                    yield Lines(len(lines), text)
                else:
                    return
            # Text that needs quoting here: likely more to come (the log's "completion 7: Amy, Dishes").
            key = self.query.selected_columns[0]
            yield from self._cells(conn, self.ordered.where(key >= form.key(lines[0])), form.cells())

    def _cells(self, conn, query: Select, form: ScriptForm) -> Iterator[Cells | R]:
        key = self.query.selected_columns[0]
        width = len(form.kinds)
        batches = dialect.of(conn).script_lines(conn, query, form)
        if batches is None:
            yield from self._typed(conn, query)
            return
        with closing(batches):
            for lines in batches:
                rows = [line.split(UNIT) for line in lines]
                if all(len(cells) == width for cells in rows):
                    yield Cells(rows)
                    continue
                start = 0
                for i, cells in enumerate(rows):
                    if len(cells) != width:  # a cell holds the unit separator
                        if i > start:
                            yield Cells(rows[start:i])
                        (typed,) = self._typed(conn, self.query.where(key == form.key(lines[i])))
                        yield typed
                        start = i + 1
                if start < len(rows):
                    yield Cells(rows[start:])

    def _typed(self, conn, query: Select) -> Iterator[R]:
        make = self.row._make
        # Core rows from the unit of work's connection: the ORM adds nothing to plain columns.
        for values in conn.execute(query.execution_options(yield_per=BATCH)):
            yield make(values)
