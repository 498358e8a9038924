"""Moving a household from one database to another, row for row (issue 15: ``chorectl copy``).

Every table of the models (``SQLModel.metadata``, so a table added later is
copied without a change here) is read in one read transaction on the source
and written, ids and all, in one write transaction on the target, which also
makes the target's schema: the target ends up with the whole household or
with nothing. ``ledger_total`` is never copied: the target's own trigger
rebuilds it from the ledger, and the copy is refused unless it then equals
the source's, to the cent. Written in SQLAlchemy Core only: what a backend
does its own way (a file built aside and put in place, a server's key
sequences) is behind :mod:`chorectl.db.dialect`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from chorectl.db import dialect
from chorectl.db.engine import APPLICATION_ID, SCHEMA_VERSION, create_schema, make_engine
from chorectl.errors import ChorectlError, InvalidState, StorageError

BATCH = 2000  # rows read and written at a time: a long history never sits in memory whole
TOTALS = "ledger_total"  # kept by the target's trigger: compared, never copied
# What a shared household keeps about its PIN: a verifier of it (readable by the parent role only)
# and each machine's keyring. Never written into a file a child could read: a copy into SQLite
# leaves them out (that machine's keyring still holds the hash, under the same household id).
SHARED_ONLY = {"pin_verifier", "pin_keyring"}
AUDIT = "audit"


@dataclass(frozen=True)
class Note:
    """The log line the target gets, after the copied ones: who, what, when."""

    at: datetime
    actor: str
    action: str
    detail: str


@dataclass(frozen=True)
class Copied:
    """What a copy wrote: the household's id, and the rows of each table (by name)."""

    household_id: str
    rows: dict[str, int]


def tables() -> list[Any]:
    """The tables a copy writes, parents before the rows that refer to them; ``ledger_total`` left out."""
    from sqlmodel import SQLModel

    from chorectl.db import models  # noqa: F401  (registers the tables)

    return [table for table in SQLModel.metadata.sorted_tables if table.name != TOTALS]


def copy_household(
    source: Path | str, target: Path | str, *, into_file: bool = False, note: Note | None = None
) -> Copied:
    """Copy the household at *source* to *target* (a file's path or a server's URL), whole or not at all.

    *into_file*: *target* is a backup file, which the caller has checked may be
    replaced, kept as one self-contained file. Otherwise *target* must be empty
    (a new file name, an empty file, a database or schema without tables), and
    becomes a household ready to use. *note* is added to the target's log.
    """
    into = dialect.at(target)
    source_engine = make_engine(source, create=False)
    try:
        with into.building(target, replace=into_file) as place:
            target_engine = make_engine(place, create=True)
            try:
                copied = _copy(source_engine, target_engine, where=into.display(target), note=note)
                if not into_file:
                    into.tune(target_engine)  # as init leaves a new household
            finally:
                target_engine.dispose()
    finally:
        source_engine.dispose()
    return copied


def refuse_taken(target: Path | str) -> None:
    """Refuse (:class:`~chorectl.errors.InvalidState`) a *target* that is not empty, before a PIN is asked
    for; changes nothing. The copy checks again, in its own transaction."""
    into = dialect.at(target)
    if not dialect.is_url(target):
        path = Path(target)
        if path.exists() and (not path.is_file() or path.stat().st_size):
            raise InvalidState(
                f"{path} exists already; a copy goes into a new file (or an empty one), never over another",
                hint="name a new file",
            )
        into.refuse_leftovers(path)
        return
    engine = make_engine(target, create=True)
    try:
        with _translated(), engine.connect() as conn:
            _refuse_holding(into, conn, into.display(target))
            conn.rollback()
    finally:
        engine.dispose()


def _refuse_holding(into, conn, where: str) -> None:
    stamp = into.read_stamp(conn)
    if stamp.app_id or stamp.has_tables:
        what = "a chorectl household" if stamp.app_id == APPLICATION_ID else "tables"
        raise InvalidState(
            f"{where} already holds {what}; a household is copied only into an empty database",
            hint="name a new file, or an empty PostgreSQL database or schema (nothing was changed)",
        )


def _copy(source, target, *, where: str, note: Note | None) -> Copied:
    from sqlalchemy import exc as sa_exc
    from sqlalchemy import insert
    from sqlmodel import SQLModel

    into = dialect.of(target)
    with _translated(), source.connect() as reading, reading.begin():  # one snapshot of the source
        _check_source(reading)
        totals_table = SQLModel.metadata.tables[TOTALS]
        totals = _ordered(reading, totals_table).all()
        with dialect.writing(target.connect()) as writing, writing.begin():  # the target's write lock
            _refuse_holding(into, writing, where)
            try:
                create_schema(writing)
                counts: dict[str, int] = {}
                household_id = None
                for table in tables():
                    if table.name in SHARED_ONLY and not into.SHARED:
                        continue
                    counts[table.name] = 0
                    for batch in _ordered(reading, table, stream=True).partitions():
                        rows = [dict(zip(table.columns.keys(), row, strict=True)) for row in batch]
                        if table.name == "household" and household_id is None:
                            household_id = rows[0]["id"]
                        writing.execute(insert(table), rows)
                        counts[table.name] += len(rows)
                if household_id is None:
                    raise InvalidState("the source holds no household: there is nothing to copy")
                rebuilt = _ordered(writing, totals_table).all()
                if rebuilt != totals:
                    raise InvalidState(
                        "the copied ledger does not add up to the source's balances"
                        f" ({_difference(totals, rebuilt)}); nothing was copied",
                        hint="run 'chorectl doctor' on the source: its ledger and its totals disagree",
                    )
                into.advance_keys(writing, tables())
                if note is not None:
                    audit = SQLModel.metadata.tables[AUDIT]
                    writing.execute(
                        insert(audit).values(at=note.at, actor=note.actor, action=note.action, detail=note.detail)
                    )
            except sa_exc.DBAPIError as exc:
                raise _nothing_written(_translate(exc), where) from None
            except ChorectlError as exc:
                raise _nothing_written(exc, where) from None
    return Copied(household_id, counts)


def _ordered(conn, table, *, stream: bool = False):
    from sqlalchemy import select

    query = select(table).order_by(*table.primary_key.columns)
    if stream:
        query = query.execution_options(yield_per=BATCH)
    return conn.execute(query)


def _check_source(conn) -> None:
    stamp = dialect.of(conn).read_stamp(conn)
    if stamp.app_id != APPLICATION_ID or stamp.version != SCHEMA_VERSION:
        raise InvalidState(
            f"the source is not a chorectl household of schema {SCHEMA_VERSION} (it says schema {stamp.version})",
            hint="open it with this chorectl once (any command upgrades it), then copy",
        )


def _difference(expected: list, found: list) -> str:
    wanted = {tuple(row[:2]): tuple(row[2:]) for row in expected}
    got = {tuple(row[:2]): tuple(row[2:]) for row in found}
    for key in sorted(wanted.keys() | got.keys(), key=repr):
        if wanted.get(key) != got.get(key):
            member, kind = key
            return f"member {member}, {kind}: {_total(wanted.get(key))} in the source, {_total(got.get(key))} copied"
    return "they differ"


def _total(found: tuple | None) -> str:
    return "none" if found is None else f"{found[0]} cents in {found[1]} entries"


def _nothing_written(exc: ChorectlError, where: str) -> ChorectlError:
    """*exc*, its message saying the copy wrote nothing (its class, and so its exit code, kept)."""
    exc.message = f"the copy to {where} failed and wrote nothing: {exc.message}"
    exc.args = (exc.message,)
    return exc


@contextmanager
def _translated() -> Iterator[None]:
    from sqlalchemy import exc as sa_exc

    try:
        yield
    except sa_exc.DBAPIError as exc:
        raise _translate(exc) from None


def _translate(exc) -> ChorectlError:
    """A driver's error, from either database, as one chorectl error (by the backend that raised it)."""
    try:
        found = dialect.of(exc.orig).translate_error(exc)
    except StorageError:
        found = None
    return found if isinstance(found, ChorectlError) else StorageError(f"database error: {exc.orig}")
