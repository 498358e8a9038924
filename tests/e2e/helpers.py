"""Helpers for the end-to-end tier: the installed chorectl, run as a shell, a script or cron would.

Only tests under tests/e2e/ may use these (tests/repo/test_tiers.py checks it).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

PIN = "1234"
PLAINTEXT = "keyrings.alt.file.PlaintextKeyring"
DEADLINE = 60  # seconds; generous, for slow shared CI machines
# CHORECTL_STRESS=1: the concurrency, crash and fuzzing tests at their full size. By default they
# run smaller, to keep the e2e tier's share of a test run down; they assert the same either way.
STRESS = os.environ.get("CHORECTL_STRESS") == "1"


def chorectl_path() -> str:
    """The installed chorectl, as a shell would run it: beside this Python, or on PATH."""
    beside = Path(sys.executable).parent / "chorectl"
    found = str(beside) if beside.exists() else shutil.which("chorectl")
    assert found, "chorectl is not installed (pip install -e .)"
    return found


def need(tool: str) -> str:
    """The path of *tool*; skip without it, fail on CI (where .ci/run installs it)."""
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is not installed; .ci/run installs it")
        package = {"mlr": "miller", "csvcut": "csvkit"}.get(tool, tool)
        pytest.skip(f"{tool} is not installed (apt-get install {package})")
    return path


def isolated_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without chorectl, keyring or D-Bus settings, homed in tmp_path."""
    dropped = ("PYTHON_KEYRING_BACKEND", "DBUS_SESSION_BUS_ADDRESS", "GNOME_KEYRING_CONTROL", "NO_COLOR", "FORCE_COLOR")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHORECTL_") and k not in dropped}
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    runtime.chmod(0o700)
    env.update(
        CHORECTL_DB=str(tmp_path / "family.db"),
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_RUNTIME_DIR=str(runtime),
        COLUMNS="100",
        TERM="dumb",
    )
    env.update(extra)
    return env


class Runner:
    """Runs the installed chorectl without a terminal (stdin is /dev/null) and keeps every output."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.db = Path(env["CHORECTL_DB"])
        self.exe = chorectl_path()
        self.outputs: list[tuple[tuple[str, ...], str, str]] = []

    def __call__(self, *args: str, pin: str | None = None, expect: int = 0, **env: str) -> subprocess.CompletedProcess:
        full_env = dict(self.env, **env)
        if pin is not None:
            full_env["CHORECTL_PIN"] = pin
        proc = subprocess.run(
            [self.exe, *args],
            check=False,
            env=full_env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=DEADLINE,
        )
        self.outputs.append((args, proc.stdout, proc.stderr))
        assert proc.returncode == expect, (args, proc.returncode, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr, (args, proc.stderr)
        return proc


def script_env(folder: Path) -> dict[str, str]:
    """A script's environment for a household in *folder*: ``folder/family.db``, a file keyring in ``folder/data``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHORECTL_") and k != "PYTHON_KEYRING_BACKEND"}
    env.update(
        CHORECTL_DB=str(folder / "family.db"),
        HOME=str(folder),
        XDG_DATA_HOME=str(folder / "data"),
        PYTHON_KEYRING_BACKEND=PLAINTEXT,
        COLUMNS="100",
    )
    return env


def runner(folder: Path) -> Runner:
    """The installed chorectl on ``folder/family.db`` with a file keyring in ``folder/data``."""
    return Runner(script_env(folder))


RACE_PIN = "6060race"


def cost12_household(folder: Path) -> None:
    """Amy's household with a PIN hash of chorectl's own bcrypt cost (12), for tests where PIN
    checks race each other: ``init`` and ``member add`` through the installed chorectl (never a
    Scene, whose hash is cost 4), in ``isolated_env(folder)`` with a file keyring. Built once per
    run (``made(cost12_household)``); each test races on a fresh copy."""
    run = Runner(isolated_env(folder, PYTHON_KEYRING_BACKEND=PLAINTEXT))
    run("init", pin=RACE_PIN)
    run("member", "add", "Amy", pin=RACE_PIN)
    (keyring,) = (folder / "home").rglob("keyring_pass.cfg")
    assert "$2b$12$" in keyring_hashes(keyring), "the race tests need chorectl's own cost"


def keyring_hashes(path: Path) -> str:
    """The values of a keyrings.alt file keyring, decoded (they are stored in base64)."""
    import base64
    import configparser

    parser = configparser.RawConfigParser()
    parser.read(path)
    values = [v for section in parser.sections() for _, v in parser.items(section)]
    return " ".join(base64.b64decode("".join(v.split())).decode("ascii", "replace") for v in values)


def copy_household(source: Path, target: Path) -> None:
    """Copy the folder *source* (databases, keyring files, exports) into *target*.

    A household records which keyring file holds its PIN hash, by path, and
    refuses a PIN from any other; the copy's keyring file is the copied one,
    so each copied database is told so, as ``init`` would have written it there.
    """
    shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
    old, new = str(source.resolve()), str(target.resolve())
    for db in target.rglob("*.db"):
        con = sqlite3.connect(db)
        try:
            if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'household'").fetchone():
                with con:
                    con.execute("UPDATE household SET keyring_location = replace(keyring_location, ?, ?)", (old, new))
        finally:
            con.close()


# Runs chorectl's own app for each step read from stdin, [[args, extra env, exit code], ...], in
# this one interpreter. Stops at the first step that exits with another code than its own.
#
# The PIN is hashed at bcrypt cost 4, not chorectl's 12 (as tests/conftest.py does in-process): a
# check reads the cost from the hash it checks, so every later parent command of the installed
# chorectl on a Scene's household checks the PIN for real, in ~1 ms instead of ~0.25 s of CPU.
# What a scene sets up is never about the cost; tests about bcrypt itself (parallel right and
# wrong PINs, guesses racing the lockout, the hash in a keyring) run `init` through the installed
# chorectl, at cost 12, and tests/service/test_services_gate.py holds chorectl's own cost at 12.
SCENE_DRIVER = r"""
import contextlib, io, json, os, sys

from chorectl.cli import app
from chorectl.security import pin

pin.BCRYPT_ROUNDS = 4

for args, env, expect in json.load(sys.stdin):
    saved = dict(os.environ)
    os.environ.update(env)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            app(args, prog_name="chorectl")
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    os.environ.clear()
    os.environ.update(saved)
    if code != expect:
        sys.exit(f"chorectl {' '.join(args)} exited {code}, not {expect}: {err.getvalue()}")
"""


class Scene:
    """Setup for e2e tests: chorectl commands queued, then ``play()``-ed one after another by
    chorectl's own app in one Python process started with *env* (``script_env`` is the usual
    one). A dozen commands of setup cost one process, not a dozen; the tests' own commands
    still run the installed chorectl, each in a process of its own. A step may be meant to
    fail (``expect=3``: a wrong PIN, to set up a lockout).
    """

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.steps: list[tuple[list[str], dict[str, str], int]] = []

    def __call__(self, *args: str, pin: str | None = None, expect: int = 0, **env: str) -> None:
        if pin is not None:
            env["CHORECTL_PIN"] = pin
        self.steps.append((list(args), env, expect))

    def play(self) -> None:
        proc = subprocess.run(
            [sys.executable, "-c", SCENE_DRIVER],
            input=json.dumps(self.steps),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=DEADLINE * 3,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        self.steps = []
