"""Fixtures of the end-to-end tier. Everything here is marked ``e2e`` by tests/conftest.py.

A household that several tests start from is made once per run (shared by the
xdist workers) and each test gets a copy of its folder (``made``): the
processes a test starts are the ones it is about, not a dozen to set the scene
again. Builds use :class:`tests.e2e.helpers.Scene` (all the setup in one process).
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.helpers import copy_household, runner

Build = Callable[[Path], object]


@pytest.fixture
def run(tmp_path):
    """The installed chorectl on a database in tmp_path with a file keyring, as a script runs it."""
    return runner(tmp_path)


@pytest.fixture(scope="session")
def households(tmp_path_factory) -> Callable[[Build, Path], Path]:
    """``households(build, into)``: *into* holds a copy of what ``build(folder)`` made in a folder of its own.

    Each build runs once per run: the xdist workers share the folder above their own
    temporary folders, and a lock lets one build while the others wait for it.
    """
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "households"
    root.mkdir(exist_ok=True)

    def make(build: Build, into: Path) -> Path:
        key = f"{build.__module__}.{build.__qualname__}"
        folder, done = root / key, root / f"{key}.done"
        with open(root / f"{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not done.exists():
                shutil.rmtree(folder, ignore_errors=True)  # what a failed build left
                folder.mkdir()
                build(folder)
                done.touch()
        copy_household(folder, into)
        return into

    return make


@pytest.fixture
def made(households, tmp_path) -> Callable[[Build], Path]:
    """``made(build)``: tmp_path holds a copy of what ``build(folder)`` made, once per run."""
    return lambda build: households(build, tmp_path)
