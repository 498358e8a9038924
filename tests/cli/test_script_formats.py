"""The lines the database writes (the ledger, completions, the log) are render's, byte for byte.

render.Script.row() is the definition of every script format; for a RowStream,
render.write_rows() has the database write the lines instead (Script.lines). The
property test builds histories with odd text, odd amounts and moments around
changes of offset, and compares the two, in every format, raw or not, in zones
with whole-, half- and quarter-hour offsets. The command tests compare what the
commands print with the database's lines switched off, and with what they printed
before the database wrote them (main's output for a fixed history).

On PostgreSQL render writes every line (its Dialect.script_lines is None): the same
household must come out of both backends byte for byte the same, for odd histories
(a property test) and for every command, format and zone (the golden output too).
"""

from __future__ import annotations

import io
import json
import os
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chorectl.cli import render
from chorectl.cli.options import Format
from chorectl.db import sqlite
from chorectl.services import audit, export, ledger
from chorectl.services.rows import CompletionRow, LedgerRow, LogRow
from chorectl.services.uow import UnitOfWork
from tests.service.odd_history import History, build, sample

FORMATS = [Format.csv, Format.tsv, Format.json, Format.jsonl]
ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "UTC",
    "America/St_Johns",
    "Asia/Kathmandu",
    "Africa/Monrovia",
]
# Where those zones change their offset (UTC): moments are drawn around them.
CHANGES = [
    datetime(2026, 3, 29, 1),  # Berlin
    datetime(2026, 10, 25, 1),
    datetime(2026, 3, 8, 7),  # New York
    datetime(2026, 11, 1, 6),
    datetime(2026, 4, 4, 15),  # Lord Howe, +11 -> +10:30
    datetime(2026, 10, 3, 15, 30),  # and back, at half past
    datetime(2026, 3, 8, 5, 30),  # St John's
    datetime(1985, 12, 31, 18, 30),  # Kathmandu, +05:30 -> +05:45
    datetime(1972, 1, 7, 0, 44, 30),  # Monrovia, -00:44:30 -> +00:00
]
ODD = [*",\"'\r\n\t\\=+-@ %{}:;#", *"aZ0éß🧹\u2028\u2029\x7f\x0b\x85\ufeff\x1f"]

texts = st.text(alphabet=st.sampled_from(ODD), max_size=8)
notes = st.none() | texts
moments = st.one_of(
    st.builds(
        lambda change, delta: change.replace(tzinfo=UTC) + delta,
        st.sampled_from(CHANGES),
        st.timedeltas(min_value=timedelta(minutes=-90), max_value=timedelta(minutes=90)),
    ),
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2999, 12, 30), timezones=st.just(UTC)),
)
amounts = st.one_of(
    st.sampled_from([0, 1, -1, 99, -99, 100, -100, 150, -5, 2**63 - 1, -(2**63)]),
    st.integers(-(10**7), 10**7),
    st.integers(-(2**63), 2**63 - 1),
)


@st.composite
def histories(draw) -> History:
    people = draw(st.lists(texts, min_size=1, max_size=3))
    chores = draw(st.lists(st.tuples(texts, amounts, amounts), min_size=1, max_size=2))
    member = st.integers(1, len(people))
    chore = st.integers(1, len(chores))
    completions = draw(
        st.lists(
            st.tuples(
                chore,
                st.none() | member,
                st.sampled_from(["approved", "pending", "missed"]) | texts,
                st.none() | st.dates(date(1970, 1, 1), date(2999, 12, 31)),
                moments,
                st.none() | moments,
                st.none() | amounts,
                notes,
            ),
            max_size=6,
        )
    )
    kinds = st.sampled_from(["reward", "bonus", "penalty", "payout", "reversal"]) | texts
    entries = draw(
        st.lists(st.tuples(moments, member, kinds, amounts, st.none() | chore, st.none(), notes), max_size=8)
    )
    log = draw(st.lists(st.tuples(moments, texts, texts, notes, st.none() | amounts), max_size=6))
    return History(people, chores, entries, completions, log)


STREAMS = {
    LedgerRow: lambda uow: ledger.entries(uow),
    CompletionRow: lambda uow: export.rows(uow, "completions", today=date(2026, 11, 30)),
    LogRow: lambda uow: audit.entries(uow),
}


def written(kind, rows, fmt: Format, raw: bool) -> tuple[int, str]:
    out = io.StringIO(newline="")
    count = render.write_rows(kind, rows, fmt, out, raw=raw)
    return count, out.getvalue()


def assert_same_as_render(engine, raw: bool) -> None:
    for kind, stream_of in STREAMS.items():
        for fmt in FORMATS:
            stream = stream_of(UnitOfWork(engine))
            by_row = written(kind, iter(stream), fmt, raw)  # a plain iterator: Script.row() for each row
            assert written(kind, stream, fmt, raw) == by_row, (kind.__name__, fmt, raw)


@settings(max_examples=60)
@given(histories(), st.sampled_from(ZONES), st.booleans(), st.integers(1, 4))
def test_the_database_writes_what_render_writes(history, zone, raw, batch):
    os.environ["TZ"] = zone  # conftest's isolated fixture puts TZ back after the test
    time.tzset()
    before, sqlite.BATCH = sqlite.BATCH, batch  # small batches: odd rows at their edges too
    try:
        engine = build(None, history)
        assert_same_as_render(engine, raw)
    finally:
        sqlite.BATCH = before


@pytest.mark.parametrize("zone", ZONES)
def test_the_sample_history_in_every_zone(tmp_path, monkeypatch, zone):
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    engine = build(tmp_path / "odd.db", sample())
    for raw in (False, True):
        assert_same_as_render(engine, raw)


def test_json_written_without_json_quote_is_the_same(tmp_path, monkeypatch):
    """Where SQLite's json_quote() differs from json.dumps, render writes JSON itself."""
    engine = build(tmp_path / "odd.db", sample())
    monkeypatch.setattr(sqlite, "_JSON_QUOTE", {sqlite.sqlite3.sqlite_version: False})
    assert_same_as_render(engine, raw=False)


# ---------------------------------------------------------------- the commands


COMMANDS = [
    "export ledger",
    "export ledger --raw",
    "export completions",
    "export completions --raw",
    "log",
    "log --raw",
    "ledger",
    "export ledger --member Amy --since 2026-03-29 --until 2026-03-29",
    "export completions --chore 2",
    "export completions --member Amy --since 2026-03-28",
    "log --actor Amy --kind chores",
    "log --since 2026-03-29 --until 2026-03-29",
    "ledger Amy --since 2026-03-28",
    "export ledger --limit 2",
    "export completions --limit 1 --raw",
    "log --limit 1",
    "ledger --limit 3",
]


@pytest.fixture
def odd(cli, backend):
    """The sample history where the commands look for the database (CHORECTL_DB), on each backend."""
    build(backend.location if backend.postgres else Path(backend.location), sample()).dispose()
    return cli


@pytest.fixture
def by_row(monkeypatch):
    """Switch the database's lines off: every row is written by render.Script.row()."""

    def switch_off() -> None:
        monkeypatch.setattr(sqlite, "script_lines", lambda conn, query, form: None)

    return switch_off


@pytest.mark.sqlite_only  # SQLite's own lines (db/sqlite.py) against render's; PostgreSQL's are render's
@pytest.mark.parametrize("fmt", [f.value for f in FORMATS])
@pytest.mark.parametrize("command", COMMANDS)
def test_commands_print_what_render_writes_row_by_row(odd, by_row, command, fmt):
    args = [*command.split(), "-f", fmt]
    fast = odd.ok(args).stdout_bytes
    by_row()
    assert fast == odd.ok(args).stdout_bytes


# What main printed (chorectl 9793b4a, before the database wrote the lines) for sample(), by zone
# and command: python -m chorectl COMMAND with that code, TZ and CHORECTL_DB on sample()'s database.
GOLDEN = Path(__file__).with_name("script_formats.golden.json")


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Asia/Kolkata"])
def test_commands_print_what_they_printed_before(odd, monkeypatch, zone):
    """What main (before the database wrote the lines) printed for the sample history: see GOLDEN."""
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))[zone]
    for command, expected in golden.items():
        assert odd.ok(command.split()).stdout_bytes.decode("utf-8") == expected, command


def test_export_to_a_file_counts_every_row(odd, by_row, tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite, "BATCH", 2)
    target = tmp_path / "out.csv"
    result = odd.ok(["export", "ledger", "-o", str(target)])
    assert result.stderr == f"Wrote 5 ledger rows to {target}.\n"
    fast = target.read_bytes()
    by_row()
    odd.ok(["export", "ledger", "-o", str(target)])
    assert target.read_bytes() == fast


def test_the_progress_bar_ticks_once_a_row(odd, monkeypatch, tmp_path):
    from chorectl.cli import export as export_cli

    ticks: list[int] = []
    monkeypatch.setattr(sqlite, "BATCH", 2)
    monkeypatch.setattr(export_cli, "_progress", lambda total: _Ticks(ticks))
    odd.ok(["export", "ledger", "-o", str(tmp_path / "ledger.csv")])
    assert len(ticks) == 5


class _Ticks:
    def __init__(self, ticks: list) -> None:
        self.ticks = ticks

    def __enter__(self):
        return lambda: self.ticks.append(1)

    def __exit__(self, *exc) -> None:
        pass


def test_a_zone_python_cannot_use_is_still_refused(odd, monkeypatch):
    """TZ checks come before any export (chorectl.domain.dates.check_zone), as they did."""
    monkeypatch.setenv("TZ", "UTC+24")
    time.tzset()
    result = odd(["export", "ledger"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("Error: the time zone TZ='UTC+24' is 24 hours or more away from UTC")


def test_a_posix_rule_runs_as_the_c_library_reads_it(odd, by_row, monkeypatch):
    """glibc takes "A+1B+25,M3.2.0,M11.1.0" as UTC (or the check refuses it): the same either way."""
    monkeypatch.setenv("TZ", "A+1B+25,M3.2.0,M11.1.0")
    time.tzset()
    fast = odd(["export", "ledger"])
    by_row()
    slow = odd(["export", "ledger"])
    assert (fast.exit_code, fast.stdout_bytes, fast.stderr) == (slow.exit_code, slow.stdout_bytes, slow.stderr)


# ---------------------------------------------------------------- the same bytes from PostgreSQL


@settings(max_examples=15)
@given(histories(), st.sampled_from(ZONES), st.booleans())
def test_postgresql_writes_what_sqlite_writes(pg_server, history, zone, raw):
    """One odd history in a SQLite database and in a PostgreSQL schema: every stream, every format,
    the same bytes (times through timestamptz, cents at BIGINT's ends, text with every odd character)."""
    os.environ["TZ"] = zone  # conftest's isolated fixture puts TZ back after the test
    time.tzset()
    on_file, on_server = build(None, history), build(pg_server.new_household(), history)
    try:
        for kind, stream_of in STREAMS.items():
            for fmt in FORMATS:
                expected = written(kind, stream_of(UnitOfWork(on_file)), fmt, raw)
                assert written(kind, stream_of(UnitOfWork(on_server)), fmt, raw) == expected, (kind.__name__, fmt)
    finally:
        on_file.dispose()
        on_server.dispose()


@pytest.mark.parametrize("zone", ["Asia/Kathmandu", "America/St_Johns"])  # Berlin: the golden test, on both
def test_every_command_prints_the_same_bytes_on_both_backends(cli, pg_server, tmp_path, monkeypatch, zone):
    """Every export, log and ledger command, in every format, raw or not: PostgreSQL's bytes are SQLite's."""
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    on_file, on_server = tmp_path / "odd.db", pg_server.new_household()
    for location in (on_file, on_server):
        build(location, sample()).dispose()
    for command in COMMANDS:
        for fmt in FORMATS:
            args = [*command.split(), "-f", fmt.value]
            expected = cli.ok(["--db", str(on_file), *args]).stdout_bytes
            assert cli.ok(["--db", on_server, *args]).stdout_bytes == expected, args
