"""Fixtures of the end-to-end tier. Everything here is marked ``e2e`` by tests/conftest.py."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.e2e.helpers import PLAINTEXT, chorectl_path


@pytest.fixture
def run(tmp_path):
    """The installed chorectl on a database in tmp_path with a file keyring, as a script runs it."""
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("CHORECTL_") and k != "PYTHON_KEYRING_BACKEND"}
    base_env.update(
        CHORECTL_DB=str(tmp_path / "family.db"),
        HOME=str(tmp_path),
        XDG_DATA_HOME=str(tmp_path / "data"),
        PYTHON_KEYRING_BACKEND=PLAINTEXT,
        COLUMNS="100",
    )
    exe = chorectl_path()

    def _run(*args: str, pin: str | None = None, expect: int = 0, **env: str) -> subprocess.CompletedProcess:
        full_env = dict(base_env, **env)
        if pin is not None:
            full_env["CHORECTL_PIN"] = pin
        proc = subprocess.run(
            [exe, *args], env=full_env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == expect, (args, proc.returncode, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr
        return proc

    _run.db = tmp_path / "family.db"
    return _run
