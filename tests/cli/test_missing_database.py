"""A database file that does not exist is refused, and nothing is created (CLI.md).

Every command but ``init`` and ``restore`` names the missing path (exit 1) and
leaves no file, folder, ``-wal`` or ``-shm`` behind: a typo in ``CHORECTL_DB``
in a crontab must fail loudly, not start an empty household every night.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PIN
from tests.helpers import query

# Each command with the least it needs to get as far as the database.
MINIMAL: dict[str, list[str]] = {
    "pin change": [],
    "pin recover": ["--household-id", "0" * 32],
    "unlock": [],
    "lock": [],
    "member add": ["Amy"],
    "member list": [],
    "member rename": ["Amy", "Ann"],
    "member remove": ["Amy"],
    "member restore": ["Amy"],
    "chore add": ["Dishes"],
    "chore list": [],
    "chore show": ["Dishes"],
    "chore edit": ["Dishes", "--title", "Plates"],
    "chore assign": ["Dishes", "--to", "Amy"],
    "chore remove": ["Dishes"],
    "done": ["Dishes", "--as", "Amy"],
    "approvals": [],
    "approve": ["1"],
    "reject": ["1"],
    "reward add": ["Treat", "1"],
    "reward list": [],
    "reward remove": ["Treat"],
    "redeem": ["Amy", "Treat"],
    "balance": [],
    "pay": ["Amy", "1"],
    "adjust": ["Amy", "+1", "--reason", "bonus"],
    "ledger": [],
    "goal add": ["Amy", "Lego set", "25"],
    "goal list": [],
    "goal remove": ["1"],
    "reset": [],
    "export": ["members"],
    "doctor": [],
    "backup": ["copy.db"],
    "copy": ["--to", "copy.db"],
    "join": [],
    "log": [],
    "undo": [],
    "report": [],
    "today": [],
    "digest": [],
}
CREATES = {"init", "restore"}


def _commands() -> list[str]:
    from typer.main import get_command

    from chorectl.cli import app

    def walk(command, path):
        children = command.list_commands(None) if hasattr(command, "list_commands") else None
        if children is None:
            yield " ".join(path)
            return
        for name in children:
            yield from walk(command.get_command(None, name), [*path, name])

    return list(walk(get_command(app), []))


COMMANDS = [name for name in _commands() if name not in CREATES]


def test_every_command_has_minimal_arguments_here():
    assert set(COMMANDS) <= set(MINIMAL), "give the new command its minimal arguments in MINIMAL"


@pytest.mark.parametrize("nested", [False, True], ids=["folder", "missing-folder"])
@pytest.mark.parametrize("command", COMMANDS)
def test_a_missing_database_is_refused_and_nothing_is_created(cli, tmp_path, monkeypatch, command, nested):
    monkeypatch.chdir(tmp_path)  # backup's relative FILE, were it ever written
    place = tmp_path / "place"
    place.mkdir()
    db = place / "sub" / "chorectl.db" if nested else place / "chorectl.db"
    args = ["--db", str(db), *command.split(), *MINIMAL[command]]
    result = cli(args, env={"CHORECTL_PIN": PIN, "CHORECTL_NEW_PIN": "98765"})
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"Error: there is no chorectl database at {db}",
        "Hint: run 'chorectl init' to create it, or check --db / CHORECTL_DB",
    ]
    assert list(place.iterdir()) == []


def test_a_typo_in_chorectl_db_is_named_even_relative(cli, tmp_path, monkeypatch):
    here = tmp_path / "cwd"
    here.mkdir()
    monkeypatch.chdir(here)
    result = cli("reset", env={"CHORECTL_DB": "chorecl.db"})
    assert result.exit_code == 1
    assert f"Error: there is no chorectl database at {here / 'chorecl.db'}" in result.stderr
    assert list(here.iterdir()) == []


def test_init_creates_it_with_its_folder(cli, tmp_path):
    db = tmp_path / "place" / "sub" / "chorectl.db"
    cli.ok(["--db", str(db), "init"], pin=PIN)
    assert db.is_file() and oct(db.stat().st_mode & 0o777) == oct(0o600)
    assert oct(db.parent.stat().st_mode & 0o777) == oct(0o700)
    assert cli.ok(["--db", str(db), "member", "list", "-f", "csv"]).stdout.splitlines()[0].startswith("id,name")


def test_an_empty_folder_is_not_a_database(cli, tmp_path):
    result = cli(["--db", str(tmp_path), "reset"])
    assert result.exit_code in (1, 2)  # Click refuses a folder for --db (dir_okay=False) as usage
    assert "Traceback" not in result.stderr


# ------------------------------------------------------------ restore into nothing


@pytest.fixture
def backup(household, tmp_path) -> Path:
    household.parent("chore add Dishes --reward 2 --assign Amy")
    copy = tmp_path / "backup.db"
    household.ok(["backup", str(copy)])
    return copy


def test_restore_where_there_is_no_database_keeps_the_households_pin(household, backup, tmp_path):
    """The same machine, the database file lost: the keyring still holds the household's PIN."""
    db = tmp_path / "new" / "sub" / "chorectl.db"
    result = household.ok(["--db", str(db), "restore", str(backup)])  # no PIN asked: nothing is replaced
    assert "there was no database there before" in result.stderr
    assert "keeps its parent PIN" in result.stderr
    assert oct(db.stat().st_mode & 0o777) == oct(0o600)
    assert sorted(p.name for p in db.parent.iterdir()) == ["chorectl.db"]  # no staging folder left
    assert query("SELECT title FROM chore", path=db) == [("Dishes",)]
    household.parent(["--db", str(db), "member", "add", "Cat"])  # the parents' PIN works there
    wrong = household(["--db", str(db), "member", "add", "Dan"], pin="0000")
    assert wrong.exit_code == 3
    assert ("restore",) in query("SELECT action FROM audit", path=db)


def test_restore_on_a_new_machine_takes_a_new_pin(household, backup, tmp_path, ring):
    ring.store.clear()  # a new machine: the keyring has never seen this household
    db = tmp_path / "new" / "chorectl.db"
    refused = household(["--db", str(db), "restore", str(backup)])  # no terminal, no CHORECTL_PIN
    assert refused.exit_code == 3
    assert not (tmp_path / "new").exists()
    result = household(["--db", str(db), "restore", str(backup)], pin="24680")
    assert result.exit_code == 0, result.stderr
    assert "The parent PIN is the one you just gave" in result.stderr
    household.ok(["--db", str(db), "member", "add", "Cat"], pin="24680")
    assert household(["--db", str(db), "member", "add", "Dan"], pin=PIN).exit_code == 3


def test_restore_into_nothing_of_a_bad_backup_creates_nothing(household, tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    result = household(["--db", str(tmp_path / "new" / "chorectl.db"), "restore", str(bad)], pin=PIN)
    assert result.exit_code == 1
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("command", ["reset", "balance", "member list", "doctor", "backup copy.db"])
def test_an_empty_database_file_is_refused_not_made_a_new_household(cli, tmp_path, command):
    """A truncated or touched file: exit 1 naming it; it stays 0 bytes (issue 12, found by a helper)."""
    empty = tmp_path / "empty.db"
    empty.touch()
    result = cli(["--db", str(empty), *command.split()])
    assert result.exit_code == 1, result.stderr
    assert result.stderr.startswith(f"Error: the database file {empty} is empty (0 bytes)\nHint: ")
    assert empty.stat().st_size == 0 and sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("empty")) == [
        "empty.db"
    ]


def test_restoring_where_an_old_wal_is_left_is_refused(household, tmp_path):
    """The database file was lost but its -wal was not: a restore there would read the old pages."""
    cli = household
    backup = tmp_path / "backup.db"
    cli.ok(f"backup {backup}")
    target = tmp_path / "lost" / "chorectl.db"
    target.parent.mkdir()
    (target.parent / "chorectl.db-wal").write_bytes(b"old pages")
    result = cli(["--db", str(target), "restore", str(backup)], pin=PIN)
    assert result.exit_code == 1 and "is left from an earlier database" in result.stderr
    assert "\nHint: move chorectl.db-wal" in result.stderr
    assert not target.exists()
    (target.parent / "chorectl.db-wal").unlink()
    cli.ok(["--db", str(target), "restore", str(backup)])
    assert target.exists()


def test_a_relative_home_is_named_as_such(cli, monkeypatch):
    monkeypatch.delenv("CHORECTL_DB")
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", "rel")
    result = cli("balance")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: HOME is not an absolute path ('rel'); chorectl will not guess")


@pytest.mark.parametrize("command", ["reset", "init", "balance"])
def test_a_folder_as_the_database_is_unusable_not_bad_usage(cli, tmp_path, command):
    """exit 1 (database unusable), one Error line, no usage block: what cron mails is one line."""
    folder = tmp_path / "d.db"
    folder.mkdir()
    result = cli(command, env={"CHORECTL_DB": str(folder), "CHORECTL_PIN": PIN})
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {folder} is a folder, not a database file")
    assert "Usage:" not in result.stderr
