"""Dialect.script_lines: the lines SQLite writes for an export, and RowStream around them.

What the lines must be is render's (tests/cli/test_script_formats.py holds them to it
byte for byte, for any history); here they are spelt out for a small one, so that a
change in the SQL shows as the line it breaks.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chorectl.db import dialect, sqlite
from chorectl.domain.scripts import ScriptForm
from chorectl.services import audit, export, ledger
from chorectl.services.rows import LedgerRow, LogRow, columns
from chorectl.services.streams import Cells, Lines, RowStream
from chorectl.services.uow import UnitOfWork
from tests.service.odd_history import History, build, sample


def form(row, *, json=False, raw=False, start="", close=None) -> ScriptForm:
    kinds = tuple(c.kind for c in columns(row))
    if json:
        keys = [f'"{c.key}": ' for c in columns(row)]
        return ScriptForm(kinds, (start + "{" + keys[0], *[", " + k for k in keys[1:]]), close or "}\n", "null", True)
    escape = () if raw else ("=", "+", "-", "@", "\t", "\r")
    return ScriptForm(kinds, ("", *[","] * (len(kinds) - 1)), "\r\n", escape=escape, special=',"\r\n')


@pytest.fixture
def engine(tmp_path):
    return build(tmp_path / "odd.db", sample())


def lines(engine, stream_of, shape) -> list[str]:
    uow = UnitOfWork(engine)
    stream = stream_of(uow)
    with uow:
        conn = uow.session.connection()
        batches = dialect.of(conn).script_lines(conn, stream.query, shape)
        return [line for batch in batches for line in batch]


def test_ledger_as_csv_lines(engine):
    assert lines(engine, ledger.entries, form(LedgerRow)) == [
        "1,2026-03-29T01:59:59+01:00,Amy,reward,1.50,1,1,Dishes,1\r\n",  # a microsecond before summer time
        "2,2026-03-29T03:59:59+02:00,'=Ben, \"B\",penalty,-0.05,,,'-rude,2\r\n",  # unquoted: render's to quote
        "3,2026-03-29T04:59:59+02:00,Amy,payout,-92233720368547758.08,,,,1\r\n",
        '4,2026-03-29T05:59:59+02:00,\'=Ben, "B",bonus,92233720368547758.07,,,say "hi" 🧹\u2028,2\r\n',
        "5,2026-03-29T06:59:59+02:00,Amy,reward,0.00,2,2,a,b\r\nc,1\r\n",
    ]


def test_raw_leaves_text_as_it_is(engine):
    assert lines(engine, ledger.entries, form(LedgerRow, raw=True))[1] == (
        '2,2026-03-29T03:59:59+02:00,=Ben, "B",penalty,-0.05,,,-rude,2\r\n'
    )


def test_ledger_as_a_json_array(engine):
    got = lines(engine, ledger.entries, form(LedgerRow, json=True, start=",\n  ", close="}"))
    assert got[1] == (
        ',\n  {"id": 2, "at": "2026-03-29T03:59:59+02:00", "member": "=Ben, \\"B\\"", "kind": "penalty",'
        ' "amount": -0.05, "chore_id": null, "completion_id": null, "note": "-rude", "member_id": 2}'
    )
    assert '"note": "say \\"hi\\" 🧹\u2028"' in got[3] and '"amount": 92233720368547758.07' in got[3]
    assert '"note": "a,b\\r\\nc"' in got[4]


def test_completions_with_a_missing_review_and_member(engine):
    def completions(uow):
        return export.rows(uow, "completions", today=datetime(2026, 4, 1).date())

    csv = lines(engine, completions, form(export.EXPORTS["completions"]))
    assert (
        csv[0]
        == "1,1,Dishes,Amy,approved,2026-03-29T01:59:59+01:00,2026-03-29T07:59:59+02:00,1.50,'+done @home,2026-03-28,1.50,1.50,1\r\n"
    )
    assert csv[2] == "3,2,Tidy\troom,,missed,2026-03-29T10:59:59+02:00,,,C:\\new,2026-03-30,1.00,3.00,\r\n"
    json = lines(engine, completions, form(export.EXPORTS["completions"], json=True))
    assert json[2] == (
        '{"id": 3, "chore_id": 2, "chore": "Tidy\\troom", "member": null, "status": "missed",'
        ' "completed_at": "2026-03-29T10:59:59+02:00", "reviewed_at": null, "reward": null, "note": "C:\\\\new",'
        ' "due": "2026-03-30", "reward_min": 1.00, "reward_max": 3.00, "member_id": null}\n'
    )


def test_the_log_with_and_without_an_amount(engine):
    got = lines(engine, audit.entries, form(LogRow))
    assert got == [
        "1,2026-03-29T01:59:59+01:00,Amy,done,#1 Dishes,\r\n",
        "2,2026-03-29T11:59:59+02:00,parent,adjust,Ben: -rude,-0.05\r\n",
    ]


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "Australia/Lord_Howe", "UTC", "America/New_York"])
def test_moments_follow_the_local_zone(engine, monkeypatch, zone):
    import time

    from chorectl.domain.dates import iso

    monkeypatch.setenv("TZ", zone)
    time.tzset()
    got = [line.split(",")[1] for line in lines(engine, audit.entries, form(LogRow))]
    assert got == [
        iso(datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC)),
        iso(datetime(2026, 3, 29, 9, 59, 59, tzinfo=UTC)),
    ]


def test_batches_stream(engine, monkeypatch):
    monkeypatch.setattr(sqlite, "BATCH", 2)
    uow = UnitOfWork(engine)
    with uow:
        conn = uow.session.connection()
        batches = list(dialect.of(conn).script_lines(conn, ledger.entries(uow).query, form(LedgerRow)))
    assert [len(b) for b in batches] == [2, 2, 1]


def test_a_column_that_is_not_a_plain_column_is_left_to_render(engine):
    from sqlalchemy import func

    uow = UnitOfWork(engine)
    query = ledger.entries(uow).query
    *plain, last = query.selected_columns
    odd = query.with_only_columns(*plain, func.abs(last))
    with uow:
        conn = uow.session.connection()
        assert dialect.of(conn).script_lines(conn, odd, form(LedgerRow)) is None


def test_json_is_left_to_render_where_json_quote_is_not_json_dumps(engine, monkeypatch):
    monkeypatch.setattr(sqlite, "_JSON_QUOTE", {sqlite.sqlite3.sqlite_version: False})
    uow = UnitOfWork(engine)
    with uow:
        conn = uow.session.connection()
        assert dialect.of(conn).script_lines(conn, ledger.entries(uow).query, form(LedgerRow, json=True)) is None
        assert dialect.of(conn).script_lines(conn, ledger.entries(uow).query, form(LedgerRow)) is not None


def test_this_sqlite_json_quote_is_json_dumps(engine):
    sqlite._JSON_QUOTE.clear()
    with engine.connect() as conn:
        assert sqlite._json_quote_is_json_dumps(conn)


# ---------------------------------------------------------------- RowStream


def test_from_the_first_text_that_needs_quoting_a_stream_hands_back_cells(engine, monkeypatch):
    monkeypatch.setattr(sqlite, "BATCH", 1)
    got = list(ledger.entries(UnitOfWork(engine)).text(form(LedgerRow)))
    assert got[0] == Lines(1, "1,2026-03-29T01:59:59+01:00,Amy,reward,1.50,1,1,Dishes,1\r\n")
    assert got[1:] == [
        Cells([["2", "2026-03-29T03:59:59+02:00", '\'=Ben, "B"', "penalty", "-0.05", "", "", "'-rude", "2"]]),
        Cells([["3", "2026-03-29T04:59:59+02:00", "Amy", "payout", "-92233720368547758.08", "", "", "", "1"]]),
        Cells(
            [
                [
                    "4",
                    "2026-03-29T05:59:59+02:00",
                    '\'=Ben, "B"',
                    "bonus",
                    "92233720368547758.07",
                    "",
                    "",
                    'say "hi" 🧹\u2028',
                    "2",
                ]
            ]
        ),
        Cells([["5", "2026-03-29T06:59:59+02:00", "Amy", "reward", "0.00", "2", "2", "a,b\r\nc", "1"]]),
    ]


def test_a_cell_that_holds_the_unit_separator_too_comes_back_typed(tmp_path):
    history = sample()
    history.ledger[0] = (*history.ledger[0][:6], "a\x1fb, c")
    stream = ledger.entries(UnitOfWork(build(tmp_path / "unit.db", history)))
    got = list(stream.text(form(LedgerRow)))
    assert got[0] == next(iter(stream)) and got[0].note == "a\x1fb, c"
    assert [type(item).__name__ for item in got] == ["LedgerRow", "Cells"]
    assert [cells[0] for cells in got[1].rows] == ["2", "3", "4", "5"]


def test_a_backend_that_writes_no_lines_gets_typed_rows(engine, monkeypatch):
    monkeypatch.setattr(sqlite, "script_lines", lambda conn, query, shape: None)
    stream = ledger.entries(UnitOfWork(engine))
    assert list(stream.text(form(LedgerRow))) == list(stream)


def test_a_stream_is_typed_rows_when_iterated(engine):
    rows = list(audit.entries(UnitOfWork(engine)))
    assert rows[1] == LogRow(
        2, datetime(2026, 3, 29, 9, 59, 59, 999_999, tzinfo=UTC), "parent", "adjust", "Ben: -rude", -5
    )
    assert isinstance(audit.entries(UnitOfWork(engine)), RowStream)


def test_an_empty_history_writes_nothing(tmp_path):
    engine = build(tmp_path / "empty.db", History(members=["Amy"]))
    assert list(ledger.entries(UnitOfWork(engine)).text(form(LedgerRow))) == []
