"""What a parent looks at daily must not scan history: EXPLAIN QUERY PLAN for every statement.

Each everyday service runs against a database with some history while every
SQL statement it sends is captured; each is then explained, and none may
SCAN the tables that grow with the years (completions, ledger, audit).
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from chorectl.db.engine import ensure_schema, make_engine
from chorectl.domain.report import Window
from chorectl.services import chores, completions, ledger, members, reports, reset
from chorectl.services.uow import UnitOfWork

HISTORY = ("completion", "ledger", "audit")
NOW = datetime(2026, 11, 21, 18, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def _history(tmp_path_factory, years: float) -> Path:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from history import build

    path = tmp_path_factory.mktemp("plans") / "history.db"
    build(path, years=years, today=date(2026, 11, 21))
    return path


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Path:
    return _history(tmp_path_factory, 0.5)


def plans(database: Path, work) -> list[tuple[str, list[str]]]:
    engine = make_engine(database)
    ensure_schema(engine)
    statements: list[tuple[str, tuple]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "INSERT", "DELETE")) and not executemany:
            statements.append((statement, parameters))

    work(lambda write=False: UnitOfWork(engine, write=write))
    engine.dispose()
    con = sqlite3.connect(database)
    try:
        return [
            (sql, [row[3] for row in con.execute("EXPLAIN QUERY PLAN " + sql, params)]) for sql, params in statements
        ]
    finally:
        con.close()


def scans_of_history(found: list[tuple[str, list[str]]]) -> list[str]:
    bad = []
    for sql, steps in found:
        for step in steps:
            words = step.split()
            if words[:1] == ["SCAN"] and words[1] in HISTORY:
                bad.append(f"{step}  <-  {' '.join(sql.split())[:160]}")
    return bad


EVERYDAY = {
    "balance": lambda uow: ledger.balances(uow()),
    "balance of one": lambda uow: ledger.balances(uow(), "Child1"),
    "member list": lambda uow: members.listing(uow()),
    "chore list": lambda uow: chores.listing(uow(), today=date(2026, 11, 21)),
    "chore list --member": lambda uow: chores.listing(uow(), today=date(2026, 11, 21), member="Child2"),
    "approvals": lambda uow: completions.pending(uow()),
    "reset": lambda uow: reset.reset(uow(True), now=NOW, dry_run=True),
    "done": lambda uow: completions.done(uow(True), "Make bed", member="Child1", now=NOW),
    "report": lambda uow: reports.report(uow(), Window(date(2026, 11, 16), date(2026, 11, 21))),
    "report --month": lambda uow: reports.report(uow(), Window(date(2026, 11, 1), date(2026, 11, 21))),
    "chore show": lambda uow: (chores.show(uow(), "Make bed", today=date(2026, 11, 21)), completions.recent(uow(), 1)),
}


@pytest.mark.parametrize("name", EVERYDAY)
def test_everyday_commands_do_not_scan_history(database, name):
    found = plans(database, EVERYDAY[name])
    assert found, "no statement was captured"
    assert scans_of_history(found) == []


def test_chore_show_reads_only_the_last_completions(database):
    """The newest ten of a chore's completions come straight off an index, newest
    first: not every completion it ever had, read and then sorted."""
    ((sql, steps),) = plans(database, lambda uow: completions.recent(uow(), 1))
    assert "LIMIT" in sql
    assert "SEARCH completion USING INDEX ix_completion_chore (chore_id=?)" in steps
    assert not [step for step in steps if "TEMP B-TREE" in step], steps


def test_exporting_one_chores_completions_does_not_scan_them(database):
    from chorectl.services import export

    found = plans(database, lambda uow: list(export.rows(uow(), "completions", today=NOW.date(), chore="Make bed")))
    assert scans_of_history(found) == []
    assert any("SEARCH completion USING INDEX ix_completion_chore (chore_id=?)" in steps for _, steps in found)


def test_the_detector_sees_a_scan(database):
    """An export reads the whole ledger, so its plan does scan: the check above can fail."""
    found = plans(database, lambda uow: list(ledger.entries(uow())))
    assert any("SCAN ledger" in line for line in scans_of_history(found))


def loaded_history_rows(database: Path, work):
    """How many completions, ledger entries and log lines the ORM built while ``work`` ran."""
    from chorectl.db.models import AuditEntry, Completion, LedgerEntry

    engine = make_engine(database)
    ensure_schema(engine)
    loaded = []

    def count(target, _context):
        loaded.append(type(target).__name__)

    models = (Completion, LedgerEntry, AuditEntry)
    for model in models:
        event.listen(model, "load", count)
    try:
        result = work(lambda write=False: UnitOfWork(engine, write=write))
    finally:
        for model in models:
            event.remove(model, "load", count)
        engine.dispose()
    return loaded, result


def test_chore_list_reads_only_the_live_completion_of_each_slot(tmp_path_factory):
    """A search can still read all of history: cooldown and one-off chores look back over all
    time, and once loaded every approval of a daily-cooldown chore for ten years (2,510 rows
    at 10 years). Now only the newest live completion of each slot leaves SQL."""
    database = _history(tmp_path_factory, 2)
    loaded, rows = loaded_history_rows(database, EVERYDAY["chore list"])
    history = (
        sqlite3.connect(database)
        .execute(
            "SELECT COUNT(*) FROM completion c JOIN chore ch ON ch.id = c.chore_id"
            " WHERE c.period_due IS NULL AND c.status = 'approved'"
        )
        .fetchone()[0]
    )
    assert history > 2 * len(rows), "the history is too small to tell"
    assert len(loaded) <= 2 * len(rows)
