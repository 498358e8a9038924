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
