"""Storage where a process or another tool is needed: files made immutable with
chattr, a full disk (a file-size limit on the installed chorectl), and what a
fresh interpreter imports for an everyday command.

Split from tests/cli/test_storage.py, which keeps everything that runs in this process.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import PIN
from tests.e2e.helpers import chorectl_path
from tests.helpers import snapshot


@contextmanager
def immutable(*paths: Path):
    """Make paths read-only even for root (chattr +i); skip where the filesystem cannot."""
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("chattr is not installed")
    done = []
    try:
        for path in paths:
            if subprocess.run([chattr, "+i", str(path)], capture_output=True).returncode != 0:
                pytest.skip("this filesystem or user cannot make files immutable")
            done.append(path)
        yield
    finally:
        for path in reversed(done):
            subprocess.run([chattr, "-i", str(path)], capture_output=True)


def test_a_folder_where_the_database_cannot_be_created(cli, tmp_path, monkeypatch):
    place = tmp_path / "ro"
    place.mkdir()
    monkeypatch.setenv("CHORECTL_DB", str(place / "chorectl.db"))
    with immutable(place):
        result = cli("init", pin=PIN)
    assert result.exit_code == 1, result.stderr
    assert result.stderr.startswith("Error: cannot create the database at ") and "Traceback" not in result.stderr


def test_a_read_only_database_fails_cleanly_and_changes_nothing(household, tmp_path):
    db = Path(os.environ["CHORECTL_DB"])
    household.parent("chore add Dishes --assign Amy")
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    before = db.read_bytes()
    with immutable(db):
        for command in (["done", "Dishes"], ["member", "add", "Zed"], ["adjust", "Amy", "+1", "--reason", "x"]):
            result = household(command, pin=PIN)
            assert result.exit_code in (1, 3), (command, result.stderr)
            errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
            assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    assert db.read_bytes() == before


def test_a_read_only_database_that_needs_an_upgrade_says_so_and_changes_nothing(household):
    """Any command upgrades an older file first, a read like `ledger` too: on a read-only
    schema-4 file that was "the database cannot be written", which did not say why a
    read would write. (Each new schema step makes every such file unreadable until then.)"""
    from chorectl.db.engine import SCHEMA_VERSION
    from tests.helpers import BEFORE_SCHEMA_7

    db = Path(os.environ["CHORECTL_DB"])
    household.parent("adjust Amy +1 --reason x")
    con = sqlite3.connect(db)
    with con:
        for statement in BEFORE_SCHEMA_7:  # as the step before it left the file
            con.execute(statement)
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    before = db.read_bytes()
    with immutable(db):
        for command in ("ledger", "log", "balance", "doctor"):
            result = household(command)
            assert result.exit_code == 1, (command, result.stderr)
            error, hint = result.stderr.splitlines()
            assert error.startswith(
                f"Error: the database (schema {SCHEMA_VERSION - 1}) must be upgraded to schema {SCHEMA_VERSION}"
            ), error
            assert error.endswith("cannot be written (attempt to write a readonly database)"), error
            assert hint.startswith("Hint: chorectl upgrades an older database once"), hint
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.glob(f"{db.name}.schema*")) == []  # no copy left behind


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_FSIZE behaviour is Linux's")
def test_a_full_disk_is_one_clear_line_and_changes_nothing(household, tmp_path):
    import resource
    import signal

    db = Path(os.environ["CHORECTL_DB"])
    household.parent(["chore", "add", "Big", "--assign", "Amy"])
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the WAL is empty: the next write must grow a file
    con.close()
    before = snapshot(db, everything=True)

    def no_room():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1, 1))  # no file may grow: the disk is "full"

    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(
        [chorectl_path(), "done", "Big", "--note", "x" * 400],
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=no_room,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1, (result.stdout, result.stderr)
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    assert snapshot(db, everything=True) == before
    household.ok("done Big")  # with room again, it works


def test_everyday_commands_do_not_load_the_schema_comparison(household):
    code = (
        "import sys\n"
        "from chorectl.cli import main\n"
        "sys.argv = ['chorectl', 'balance']\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert not exit.code, exit.code\n"
        "print('chorectl.db.schema' in sys.modules, 'alembic' in sys.modules, file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr[-500:]
    assert proc.stderr.split()[-2:] == ["False", "False"]
