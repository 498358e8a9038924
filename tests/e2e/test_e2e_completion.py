"""Shell completion, run the way the shell runs it: a process with the
completion variables set, answering on stdout."""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from tests.e2e.helpers import PIN, Scene, chorectl_path, script_env

HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "keyring", "bcrypt", "rich")


def complete(run, line: str, *, shell: str = "bash", **env: str) -> list[str]:
    """What chorectl offers for the last word of ``line`` (empty if it ends with a space)."""
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    full = dict(
        os.environ,
        CHORECTL_DB=str(run.db),
        _CHORECTL_COMPLETE=f"complete_{shell}",
        COMP_WORDS=line,
        COMP_CWORD=str(cword),
    )
    full.update(env)
    proc = subprocess.run(
        [chorectl_path()], env=full, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return [line for line in proc.stdout.splitlines() if line]


def _household(folder):
    scene = Scene(dict(script_env(folder), CHORECTL_PIN=PIN))
    scene("init")
    for name in ("Amy", "Ben"):
        scene("member", "add", name)
    scene("member", "add", "Mum", "--parent")
    scene("member", "add", "Cleo")
    scene("member", "remove", "Cleo")
    scene("chore", "add", "Make bed", "--reward", "1", "--assign", "Amy")
    scene("chore", "add", "Mow lawn", "--reward", "3")
    scene("chore", "add", "Dishes", "--reward", "2")
    scene("chore", "remove", "Dishes")
    scene("--db", str(folder / "other.db"), "init")
    scene("--db", str(folder / "other.db"), "member", "add", "Zed")
    scene.play()


@pytest.fixture
def family(made):
    """Amy, Ben, parent Mum and archived Cleo; Make bed, Mow lawn and archived Dishes; other.db has Zed."""
    folder = made(_household)
    return SimpleNamespace(db=folder / "family.db", other=folder / "other.db")


def test_command_names(family):
    assert complete(family, "chorectl ch") == ["chore"]
    assert complete(family, "chorectl ap") == ["approvals", "approve"]
    assert complete(family, "chorectl member r") == ["rename", "remove", "restore"]


def test_member_names(family):
    assert complete(family, "chorectl pay ") == ["Amy", "Ben", "Mum"]
    assert complete(family, "chorectl balance A") == ["Amy"]
    assert complete(family, "chorectl done Make --as ") == ["Amy", "Ben"]  # --as takes children only
    assert complete(family, "chorectl member restore ") == ["Cleo"]  # the archived ones only


def test_chore_titles_with_spaces_and_not_archived(family):
    assert complete(family, "chorectl done M") == ["Make bed", "Mow lawn"]
    assert complete(family, "chorectl done D") == []  # Dishes is archived


def test_completion_follows_db_option(family):
    assert complete(family, f"chorectl --db {family.other} pay ") == ["Zed"]


def test_completion_without_a_database_offers_nothing_and_creates_nothing(run, tmp_path):
    assert complete(run, "chorectl pay ") == []
    assert not run.db.exists()
    assert complete(run, "chorectl ba") == ["balance", "backup"]


def test_completion_is_light(family):
    """A Tab press must not load the database libraries (or Pydantic, which Typer 0.29
    pulls in to parse any option, even for completion: why pyproject pins typer < 0.29)."""
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print(*sorted(sys.modules), file=sys.stderr))\n"
        "from chorectl.cli import main\n"
        "main()\n"
    )
    env = dict(
        os.environ,
        CHORECTL_DB=str(family.db),
        _CHORECTL_COMPLETE="complete_bash",
        COMP_WORDS="chorectl ch",
        COMP_CWORD="1",
    )
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert proc.stdout.splitlines() == ["chore"]
    loaded = {name.split(".")[0] for name in proc.stderr.split()}
    assert loaded & set(HEAVY) == set()
