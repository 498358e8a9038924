"""Long listings (the ledger, completions, the log), read as they are consumed.

A :class:`RowStream` is what a listing's service returns once it has checked its
input: iterating it reads typed rows (:mod:`chorectl.services.rows`) in one read
transaction; :meth:`RowStream.text` has the database write them as lines of a
script format instead, which is several times faster for an export of years of
history, and hands back, as typed rows, the few whose text the database must not
write as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

from sqlalchemy import Select

from chorectl.db import dialect
from chorectl.domain.scripts import ScriptForm
from chorectl.services.rows import Row
from chorectl.services.uow import UnitOfWork

R = TypeVar("R", bound=Row)


class Lines(NamedTuple):
    """Finished lines of a script format: *count* rows' worth of *text*."""

    count: int
    text: str


@dataclass(frozen=True)
class RowStream(Generic[R]):
    """The rows of *query* (plain columns in the order of *row*'s fields, the first its
    integer key), read in one transaction while they are consumed, so memory stays flat
    and the rows are one consistent snapshot however long they take to write."""

    uow: UnitOfWork
    query: Select
    row: type[R]

    def __iter__(self) -> Iterator[R]:
        make = self.row._make
        with self.uow:
            # Core rows from the unit of work's connection: the ORM adds nothing to plain columns.
            for values in self.uow.session.connection().execute(self.query.execution_options(yield_per=2000)):
                yield make(values)

    def text(self, form: ScriptForm) -> Iterator[Lines | R]:
        """The rows written as *form* says, as :class:`Lines` the database wrote, in order,
        with a typed row in their place wherever the database cannot write one: a text cell
        that holds one of ``form.special``, or a backend that writes none at all."""
        with self.uow:
            conn = self.uow.session.connection()
            batches = dialect.of(conn).script_lines(conn, self.query, form)
            if batches is None:
                make = self.row._make
                for values in conn.execute(self.query.execution_options(yield_per=2000)):
                    yield make(values)
                return
            with closing(batches):
                for lines in batches:
                    text = "".join(lines)
                    if form.clean(text, len(lines)):
                        yield Lines(len(lines), text)
                    else:
                        yield from self._mend(conn, lines, form)

    def _mend(self, conn, lines: list[str], form: ScriptForm) -> Iterator[Lines | R]:
        """*lines* with the rows of those that hold a special character in their place."""
        dirty = [i for i, line in enumerate(lines) if not form.clean(line, 1)]
        keys = [form.key(lines[i]) for i in dirty]
        key = self.query.selected_columns[0]
        typed = {values[0]: values for values in conn.execute(self.query.where(key.in_(keys)))}
        start = 0
        for i, found in zip(dirty, keys, strict=True):
            if i > start:
                yield Lines(i - start, "".join(lines[start:i]))
            yield self.row._make(typed[found])
            start = i + 1
        if start < len(lines):
            yield Lines(len(lines) - start, "".join(lines[start:]))
