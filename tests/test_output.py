"""Output for people and scripts through Typer's CliRunner: usage errors, tables at 80 columns, the log."""

from __future__ import annotations

import pytest

from tests.conftest import PIN
from tests.helpers import snapshot


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
    assert not re.search(r"\d…|…\d", text)  # no amount, date or id is ever cut
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
@pytest.mark.parametrize("command", ["chore list", "approvals", "balance", "ledger", "log", "member list", "chore show 2"])
def test_any_columns_value_gives_a_table_not_a_traceback(crowded, columns, command):
    result = crowded(command, env={"COLUMNS": columns})
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    assert result.stdout.strip() and "Traceback" not in result.stderr
    if columns in ("0", "-3", "abc", "99999999999999999999", "١٢٠"):
        assert "Amy" in result.stdout  # an unusable COLUMNS is ignored: the usual 80 columns
