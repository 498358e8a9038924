"""Without HOME, as ``env -i`` or a bare service manager runs chorectl: the default
database is never guessed, an explicit one still works, completion offers nothing.

Split from tests/cli/test_missing_database.py: these need a process whose
environment really has no HOME.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.e2e.helpers import PIN, chorectl_path


def _bare(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["env", "-i", "PATH=/usr/bin:/bin", *(f"{k}={v}" for k, v in env.items()), chorectl_path(), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        timeout=60,
    )


def test_without_home_the_default_database_is_not_guessed(tmp_path):
    import pwd

    passwd_home = Path(pwd.getpwuid(os.getuid()).pw_dir)  # where expanduser would have gone
    before = (passwd_home / ".local/share/chorectl").exists()
    here = tmp_path / "cwd"
    here.mkdir()
    for args in (["reset"], ["init"], ["chore", "list"]):
        proc = _bare(args, here)
        assert proc.returncode == 1, (args, proc.stdout, proc.stderr)
        assert proc.stderr.splitlines() == [
            "Error: HOME is not set; chorectl will not guess where your default database is",
            "Hint: pass --db PATH or set CHORECTL_DB (or set HOME)",
        ]
        assert proc.stdout == ""
    assert (passwd_home / ".local/share/chorectl").exists() == before
    assert list(here.iterdir()) == []


def test_without_home_an_explicit_database_still_works(tmp_path):
    db = tmp_path / "family.db"
    init = _bare(
        ["--db", str(db), "init", "--keyring", "file"], tmp_path, CHORECTL_PIN=PIN, XDG_DATA_HOME=str(tmp_path)
    )
    assert init.returncode == 0, init.stderr
    assert _bare(["reset"], tmp_path, CHORECTL_DB=str(db)).returncode == 0
    data = _bare(["chore", "list", "-f", "csv"], tmp_path, XDG_DATA_HOME=str(tmp_path / "data"))
    assert data.returncode == 1 and str(tmp_path / "data" / "chorectl" / "chorectl.db") in data.stderr


def test_completion_without_home_or_database_offers_nothing_and_creates_nothing(tmp_path):
    here = tmp_path / "cwd"
    here.mkdir()
    for env in ({}, {"CHORECTL_DB": str(here / "missing.db")}):
        proc = _bare([], here, _CHORECTL_COMPLETE="complete_bash", COMP_WORDS="chorectl pay ", COMP_CWORD="2", **env)
        assert (proc.returncode, proc.stdout.strip(), proc.stderr) == (0, "", "")
    assert list(here.iterdir()) == []
