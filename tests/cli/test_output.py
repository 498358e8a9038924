"""Output for people and scripts through Typer's CliRunner: usage errors, tables at 80 columns, the log."""

from __future__ import annotations

import contextlib
import errno
import gc
import io
import os
import sqlite3
import sys

import pytest
from typer.testing import CliRunner

from tests.conftest import PIN
from tests.helpers import db_path, snapshot

# ---------------------------------------------------------------- usage errors

USAGE_ERRORS = [
    # (typed, words the Error line must name, the command whose --help the hint names)
    ("adjust Amy +1", ["--reason"], "chorectl adjust"),
    ("adjust Amy", ["AMOUNT"], "chorectl adjust"),
    ("chore list --bogus", ["--bogus"], "chorectl chore list"),
    ("chore list --status bogus", ["--status", "bogus"], "chorectl chore list"),
    ("member add", ["NAME"], "chorectl member add"),
    ("ledger -f xml", ["--format", "xml"], "chorectl ledger"),
    ("export ledger --format", ["--format"], "chorectl export"),
    ("export receipts", ["receipts"], "chorectl export"),
    ("approve abc", ["ID", "abc"], "chorectl approve"),
    ("unlock --minutes x", ["--minutes"], "chorectl unlock"),
    # A count is ASCII digits, as amounts and ids are: int() would take all of these.
    ("unlock --minutes ٣", ["--minutes", "٣", "digits 0-9"], "chorectl unlock"),
    ("unlock --minutes 1441", ["--minutes", "1441"], "chorectl unlock"),
    ("ledger --limit ٣", ["--limit", "٣", "digits 0-9"], "chorectl ledger"),
    ("log -n +3", ["--limit", "+3"], "chorectl log"),
    ("export ledger -n 1_000", ["--limit", "1_000"], "chorectl export"),
    ("ledger --limit ' 3'", ["--limit", "' 3'"], "chorectl ledger"),
    ("bogus", ["bogus"], "chorectl"),
    ("--bogus", ["--bogus"], "chorectl"),
    ("--db", ["--db"], "chorectl"),
    ("member bogus", ["bogus"], "chorectl member"),
    ("member --bogus", ["--bogus"], "chorectl member"),
    ("pin change --bogus", ["--bogus"], "chorectl pin change"),
    ("balance Amy Ben", ["Ben"], "chorectl balance"),
    ("balanc", ["balanc", "Did you mean 'balance'"], "chorectl"),
    ("member ad Zed", ["ad", "Did you mean 'add'"], "chorectl member"),
    ("chore list --statu open", ["--statu", "--status"], "chorectl chore list"),
]


@pytest.mark.parametrize(("typed", "named", "command"), USAGE_ERRORS, ids=[u[0] for u in USAGE_ERRORS])
def test_a_usage_error_is_one_error_line_and_a_hint(household, typed, named, command):
    before = snapshot()
    result = household(typed, pin=PIN)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    error, hint = result.stderr.splitlines()  # no usage block: exactly two lines
    assert error.startswith("Error: ")
    for word in named:
        assert word in error, (error, word)
    assert hint == f"Hint: see '{command} --help'"
    assert snapshot() == before


def test_a_group_without_a_command_still_shows_its_help(household):
    result = household("member")
    assert result.exit_code == 2
    assert "Commands:" in result.stderr and "rename" in result.stderr


# ---------------------------------------------------------------- tables at 80 columns

LONG = "A very long title for a chore that goes on and on and on forever and ever"
ZOE = "Zoë-Marie-Antoinette"


@pytest.fixture
def crowded(household):
    """Long titles, names and notes, and range rewards as wide as they come."""
    cli = household
    cli.parent(["member", "add", ZOE])
    cli.parent(["chore", "add", "Tidy room", "--reward", "1-3", "--assign", "Amy", "--note", "first line\nsecond line"])
    cli.parent(["chore", "add", LONG, "--reward", "2", "--assign", f"Amy,{ZOE}", "--every", "mon,wed,fri"])
    cli.parent(["chore", "add", "Walk dog", "--reward", "100-1000"])
    cli.ok(["done", LONG, "--as", "Amy"])
    cli.parent("approve 1")
    cli.parent(["adjust", "Amy", "+1", "--reason", "helped a neighbour carry heavy shopping up three floors"])
    cli.ok(["done", "Tidy room"])
    cli.parent(["reject", "2", "--reason", "not finished, the floor is still covered in toys"])
    cli.ok(["done", "Tidy room", "--note", "did it properly this time with the vacuum and the mop"])
    cli.ok(["done", LONG, "--as", ZOE])
    cli.parent(["pay", "Amy", "1", "--note", "cash in hand for the weekend trip to the seaside"])
    return cli


def _lines(result) -> list[str]:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return [line for line in result.stdout.splitlines() if line.strip()]


# (command, rows it lists, amounts that must show whole, whether a long text is cut)
LISTINGS = [
    ("chore list", 4, [r"\$1\.00–\$3\.00", r"\$100\.00–\$1000\.00", r"\$2\.00"], True),
    ("approvals", 2, [r"\$1\.00–\$3\.00", r"\$2\.00"], True),
    ("balance", 3, [r"\$2\.00", r"-\$1\.00", r"\$1\.00"], False),
    ("ledger", 3, [r"\$2\.00", r"\$1\.00", r"-\$1\.00"], True),
    ("member list", 4, [r"\$2\.00", r"\$0\.00"], False),
    ("log", None, [r"\$2\.00", r"-\$1\.00"], True),
]


@pytest.mark.parametrize(("command", "rows", "amounts", "cut"), LISTINGS, ids=[c[0] for c in LISTINGS])
def test_tables_read_well_at_80_columns(crowded, command, rows, amounts, cut):
    import re

    from rich.cells import cell_len

    lines = _lines(crowded(command, env={"COLUMNS": "80"}))
    assert max(cell_len(line) for line in lines) <= 80, "\n".join(lines)
    body = [line for line in lines if not set(line.strip()) <= {"─"} and line.strip() != "Waiting for approval"][1:]
    if rows is not None:
        assert len(body) == rows, "\n".join(lines)  # one line a row: nothing wraps
    text = "\n".join(lines)
    for amount in amounts:
        assert re.search(rf"(?<![\d.]){amount}(?![\d.])", text), (amount, text)
    assert not re.search(r"(\$|\b\d{4}-)[\d.:$– -]*…", text)  # no amount or date is ever cut
    if cut:
        assert any(line.rstrip().endswith("…") or "…" in line for line in body), text


def test_a_long_title_is_cut_with_an_ellipsis_and_keeps_its_id(crowded):
    lines = _lines(crowded("approvals", env={"COLUMNS": "80"}))
    assert any("… (#2)" in line for line in lines), "\n".join(lines)
    titles = _lines(crowded("chore list", env={"COLUMNS": "80"}))
    assert any("A very" in line and "…" in line for line in titles)
    assert not any(LONG in line for line in titles)
    wide = _lines(crowded("chore list", env={"COLUMNS": "200"}))
    assert any(LONG in line for line in wide)  # a wide terminal shows it whole


@pytest.mark.parametrize("columns", ["0", "1", "7", "-3", "abc", "99999999999999999999", "١٢٠"])
@pytest.mark.parametrize(
    "command", ["chore list", "approvals", "balance", "ledger", "log", "member list", "chore show 2"]
)
def test_any_columns_value_gives_a_table_not_a_traceback(crowded, columns, command):
    result = crowded(command, env={"COLUMNS": columns})
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    assert result.stdout.strip() and "Traceback" not in result.stderr
    if columns in ("0", "-3", "abc", "99999999999999999999", "١٢٠"):
        assert "Amy" in result.stdout  # an unusable COLUMNS is ignored: the usual 80 columns


# ---------------------------------------------------------------- log: kinds, who and why

PIN_EVENTS = {"pin ok", "pin failed", "pin bind", "pin change", "pin recover", "unlock", "lock"}


def _log(cli, *args: str) -> list[dict]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(cli.ok(["log", *args, "-f", "csv"]).stdout)))


def test_the_log_table_hides_pin_events_unless_asked(crowded):
    crowded("member add Cleo", pin="0000")  # a wrong PIN: a 'pin failed' line
    table = crowded.ok("log", env={"COLUMNS": "80"})
    assert not any(event in table.stdout for event in ("pin ok", "pin failed"))
    assert "reject" in table.stdout and "adjust" in table.stdout
    assert "PIN events not shown" in table.stderr and "1 wrong PIN" in table.stderr
    assert "--kind pin" in table.stderr
    pins = crowded.ok("log --kind pin", env={"COLUMNS": "80"})
    assert "pin ok" in pins.stdout and "pin failed" in pins.stdout
    assert not any(line.split()[3:4] == ["reject"] for line in pins.stdout.splitlines())
    assert pins.stderr == ""
    everything = crowded.ok("log --kind all").stdout
    assert "pin ok" in everything and "reject" in everything


def test_log_kinds(crowded):
    every = {r["action"] for r in _log(crowded)}  # scripts get the whole trail by default
    assert "pin ok" in every and "reject" in every
    assert {r["action"] for r in _log(crowded, "--kind", "changes")} == every - PIN_EVENTS
    assert {r["action"] for r in _log(crowded, "--kind", "pin")} == {"pin ok"}
    assert {r["action"] for r in _log(crowded, "--kind", "money")} == {"approve", "adjust", "pay"}
    both = {r["action"] for r in _log(crowded, "--kind", "money,members")}
    assert both == {r["action"] for r in _log(crowded, "--kind", "money", "--kind", "members")}
    assert both == {"approve", "adjust", "pay", "member add"}
    assert {r["action"] for r in _log(crowded, "--kind", "reject")} == {"reject"}  # one action by name
    assert {r["action"] for r in _log(crowded, "--kind", "pin ok")} == {"pin ok"}
    bad = crowded("log --kind bogus")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("Error: ") and "bogus" in bad.stderr and "Hint: " in bad.stderr
    assert "changes, pin" in bad.stderr


def test_the_log_says_why(crowded):
    rows = {r["action"]: r for r in _log(crowded, "--kind", "changes")}
    assert "not finished, the floor is still covered in toys" in rows["reject"]["detail"]
    assert "helped a neighbour carry heavy shopping" in rows["adjust"]["detail"]
    assert "cash in hand for the weekend" in rows["pay"]["detail"]
    table = crowded.ok("log", env={"COLUMNS": "80"}).stdout
    assert "Amy: not finished" in table and "Amy: helped a neighbour" in table and "Amy: cash in hand" in table
    lines = table.splitlines()
    assert len(lines) == 2 + len(rows_of_changes := _log(crowded, "--kind", "changes"))  # one line an entry
    assert max(len(line) for line in lines) <= 80 and len(rows_of_changes) > 10


def test_the_log_names_the_only_parent(crowded):
    rows = _log(crowded, "--kind", "all")
    by_action = {}
    for row in rows:
        by_action.setdefault(row["action"], set()).add(row["actor"])
    assert by_action["init"] == {"parent"}  # before Mum was a member: nobody to name
    assert by_action["approve"] == by_action["reject"] == by_action["pay"] == {"Mum"}
    assert by_action["pin ok"] >= {"Mum"}
    assert by_action["done"] == {"Amy", ZOE}
    table = crowded.ok("log", env={"COLUMNS": "80"}).stdout
    assert any(" Mum " in line and "reject" in line for line in table.splitlines())
    assert [r["action"] for r in _log(crowded, "--actor", "mum", "--kind", "money")] == ["approve", "adjust", "pay"]
    parent = _log(crowded, "--actor", "parent", "--kind", "changes")
    assert {r["actor"] for r in parent} == {"parent", "Mum"}  # 'parent' is still every PIN holder


def test_with_two_parents_the_log_names_the_one_chorectl_member_names(household):
    cli = household
    cli.parent("member add Dad --parent")
    cli.parent("chore add Dishes --reward 1 --assign Amy")
    cli.parent("chore add Trash --reward 1 --assign Amy", env={"CHORECTL_MEMBER": "dad"})
    cli.parent("chore add Sweep --reward 1 --assign Amy", env={"CHORECTL_MEMBER": "Amy"})  # a child: not a parent
    actors = {r["detail"].split(":")[0]: r["actor"] for r in _log(cli, "--kind", "chores")}
    assert actors == {"#1 Dishes": "parent", "#2 Trash": "Dad", "#3 Sweep": "parent"}
    bad = cli("chore add Mop --reward 1", pin=PIN, env={"CHORECTL_MEMBER": "\udcff"})
    assert bad.exit_code == 2 and bad.stderr.startswith("Error: CHORECTL_MEMBER is not valid UTF-8")


# ---------------------------------------------------------------- odd environments


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (None, 10.0),
        ("2.5", 2.5),
        ("0.01", 0.1),
        ("7200", 3600.0),
        ("inf", 10.0),
        ("-inf", 10.0),
        ("nan", 10.0),
        ("-1", 10.0),
        ("0", 10.0),
        ("1e400", 10.0),
        ("1e300", 3600.0),
        ("abc", 10.0),
        ("", 10.0),
        ("\udcff", 10.0),
    ],
)
def test_the_keyring_timeout_is_always_a_usable_number(monkeypatch, value, seconds):
    from chorectl.security import keystore

    if value is None:
        monkeypatch.delenv("CHORECTL_KEYRING_TIMEOUT", raising=False)
    else:
        monkeypatch.setenv("CHORECTL_KEYRING_TIMEOUT", value)
    assert keystore._timeout() == seconds


@pytest.mark.parametrize("zone", ["UTC+24", "XYZ-25", "UTC-24:30", "UTC-24", "ABC+24:00:00"])
def test_a_zone_of_24_hours_or_more_is_refused_before_anything_runs(household, monkeypatch, zone):
    import time

    monkeypatch.setenv("TZ", zone)
    time.tzset()
    before = snapshot()
    for command in ("chore list", "export ledger", "done Dishes --as Amy", "member add Cleo", "log", "ledger"):
        result = household(command, pin=PIN)
        assert result.exit_code == 2, (command, result.stderr, result.exception)
        assert result.stderr.startswith(f"Error: the time zone TZ='{zone}' is 24 hours or more away from UTC")
    assert snapshot() == before
    monkeypatch.setenv("TZ", "UTC+23:59")
    time.tzset()
    household.ok("chore list")


def test_arguments_that_are_not_utf8_are_refused_before_anything_runs(household):
    before = snapshot()
    here = db_path().parent  # file names below are absolute: a command that ran would write here, not in the cwd
    for args in (
        ["member", "add", "Zo\udce9"],
        ["member", "add", "\udcff"],
        ["chore", "list", "--member", "\udcff"],
        ["done", "Dish\udcffes"],
        ["\udcff"],
        ["log", "--actor", "\udcff"],
        ["chore", "add", "T\udcffdy", "--assign", "Amy"],
        ["--db", f"{here}/\udcff.db", "chore", "list"],
        ["export", "ledger", "-o", f"{here}/\udcff.csv"],
    ):
        result = household(args, pin=PIN)
        assert result.exit_code == 2
        assert result.stderr.splitlines()[0].startswith("Error: the argument ") and "\\x" in result.stderr
        assert len(result.stderr.splitlines()) <= 2, result.stderr  # the error and at most a hint
    assert snapshot() == before
    assert [p.name for p in here.iterdir() if "\udcff" in p.name] == []  # no file made under such a name


# ---------------------------------------------------------------- stdout that cannot take it all
#
# In this process, for every command and format: stdout is a pipe whose reader leaves early
# (EPIPE), a full disk (ENOSPC), or a terminal whose encoding cannot show every name.
# tests/e2e/test_e2e_output.py keeps one of each kind that a real process sets up (`| head -1`
# under pipefail, /dev/full, PYTHONIOENCODING read at interpreter start) for the stream writer
# and the table alike.


class Stdout(io.BytesIO):
    """stdout that takes *room* bytes, then fails every write with *error*: a reader that
    stopped reading and closed the pipe (EPIPE), or a full disk (ENOSPC)."""

    def __init__(self, room: int, error: int) -> None:
        super().__init__()
        self.room, self.error, self.refused = room, error, 0

    def write(self, data) -> int:
        if self.tell() + len(data) > self.room:
            self.refused += 1
            raise OSError(self.error, os.strerror(self.error))  # BrokenPipeError for EPIPE
        return super().write(data)


class StdoutRunner(CliRunner):
    """CliRunner with *stdout* as the command's standard output, under a text layer of *charset*."""

    def __init__(self, stdout: io.BytesIO, **kwargs) -> None:
        super().__init__(**kwargs)
        self.stdout = stdout

    @contextlib.contextmanager
    def isolation(self, *args, **kwargs):
        with super().isolation(*args, **kwargs) as (_, err, both):
            sys.stdout = text = io.TextIOWrapper(self.stdout, encoding=self.charset)
            try:
                yield self.stdout, err, both
            finally:
                text.detach()  # leave self.stdout open for the test to read


def run_with(stdout: io.BytesIO, args: list[str], **kwargs):
    from chorectl.cli import app

    return StdoutRunner(stdout, **kwargs).invoke(app, args, prog_name="chorectl")


@contextlib.contextmanager
def streams_left_behind():
    """A command whose reader left keeps the row stream it was writing suspended, its read
    transaction open, and exits: in a process, that is the end of them. Here the stream and the
    connection it reads are collected together, the connection first, and the stream's rollback
    then fails on the closed connection (unraisable: nobody is there to see it). That failure,
    and no other, is expected here; collected now, within the test."""
    seen: list[str] = []
    previous = sys.unraisablehook
    sys.unraisablehook = lambda what: seen.append(f"{what.object!r}: {what.exc_value!r}")
    try:
        yield
        gc.collect()
    finally:
        sys.unraisablehook = previous
    assert [what for what in seen if "Cannot operate on a closed database" not in what] == [], seen


LEDGER_ROWS = 400  # tens of kB in every format: far more than the pipe below takes


@pytest.fixture
def long_ledger(household):
    """Amy with a few hundred ledger rows, written straight into the file."""
    con = sqlite3.connect(os.environ["CHORECTL_DB"])
    with con:
        con.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
            " INSERT INTO ledger (at, member_id, kind, amount, note)"
            " SELECT '2026-01-01T12:00:00.000000+00:00', m.id, 'bonus', 100, 'bonus number ' || i"
            " FROM n, member m WHERE m.name = 'Amy'",
            (LEDGER_ROWS,),
        )
    con.close()
    return household


FORMATS = ["csv", "tsv", "json", "jsonl", "table"]
# A table shows the latest 50 rows unless --all: only --all is longer than the pipe.
WHOLE = {"table": ["--all"]}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("command", [["export", "ledger"], ["ledger"]], ids=["export", "listing"])
def test_a_reader_that_stops_early_ends_the_command_quietly(long_ledger, command, fmt):
    """`chorectl ... | head -c 4096`: exit 0 and nothing on stderr, in every format."""
    typed = [*command, "-f", fmt, *WHOLE.get(fmt, [])]
    pipe = Stdout(room=4096, error=errno.EPIPE)
    with streams_left_behind():
        result = run_with(pipe, typed)
    assert (result.exit_code, result.stderr) == (0, ""), result.exception
    assert pipe.refused and len(result.stdout_bytes) <= 4096  # the reader really left mid-way
    whole = long_ledger.ok(typed).stdout_bytes
    assert whole.startswith(result.stdout_bytes) and len(whole) > 4 * 4096


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_full_disk_on_stdout_is_one_error_line(long_ledger, fmt):
    with streams_left_behind():
        result = run_with(Stdout(room=0, error=errno.ENOSPC), ["ledger", "Amy", "--since", "2026-01-01", "-f", fmt])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "No space left on device" in result.stderr, result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr


NAME = "Zoë 👩‍👧"  # a name few terminals can show


@pytest.fixture
def family(household):
    """Amy, Ben, parent Mum and Zoë 👩‍👧, whose daily Dishes is done."""
    cli = household
    cli.parent(["member", "add", NAME])
    cli.parent(["chore", "add", "Dishes", "--reward", "2", "--assign", NAME, "--every", "daily", "--due", "2020-01-01"])
    cli.ok(["done", "Dishes"])
    return cli


@pytest.mark.parametrize(
    ("encoding", "args"),
    [
        ("ascii", ["member", "list"]),
        ("ascii", ["member", "list", "-f", "csv"]),
        ("latin-1", ["chore", "list"]),
        ("ascii", ["chore", "show", "Dishes"]),
        ("cp1252", ["approvals"]),
        ("ascii", ["log"]),
        ("latin-1", ["reset", "--dry-run"]),
        ("ascii", ["balance", "-f", "tsv"]),
    ],
    ids=lambda a: " ".join(a) if isinstance(a, list) else a,
)
def test_a_terminal_that_cannot_show_a_name_still_gets_the_rest(family, encoding, args):
    """stdout in an encoding without ë or emoji (PYTHONIOENCODING, a Latin-1 console): people's
    text shows them as '?', script formats are UTF-8 bytes whatever the encoding."""
    result = run_with(io.BytesIO(), args, charset=encoding)
    assert result.exit_code == 0, (result.stderr, result.exception)
    if "-f" in args:
        assert NAME.encode() in result.stdout_bytes
    else:
        result.stdout_bytes.decode(encoding)  # all of it in the terminal's encoding
        if args[0] in ("member", "chore", "approvals"):
            assert b"Zo" in result.stdout_bytes and b"?" in result.stdout_bytes
            assert b"Amy" in result.stdout_bytes or b"Dishes" in result.stdout_bytes
