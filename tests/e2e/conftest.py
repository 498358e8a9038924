"""Fixtures of the end-to-end tier. Everything here is marked ``e2e`` by tests/conftest.py.

A household that several tests start from is made once per session (per
xdist worker) by the installed chorectl, with the real bcrypt cost, and each
test gets a copy of its folder (``made``): the processes a test starts are the
ones it is about, not a dozen to set the scene again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.helpers import copy_household, runner


@pytest.fixture
def run(tmp_path):
    """The installed chorectl on a database in tmp_path with a file keyring, as a script runs it."""
    return runner(tmp_path)


@pytest.fixture(scope="session")
def _households(tmp_path_factory) -> dict[str, Path]:
    return {}


@pytest.fixture
def made(_households, tmp_path_factory, tmp_path) -> Callable[[Callable[[Path], object]], Path]:
    """``made(build)``: tmp_path holds a copy of what ``build(folder)`` made in a folder of its own.

    ``build`` runs once per session (per worker) for all the tests that ask for it.
    """

    def _made(build: Callable[[Path], object]) -> Path:
        key = f"{build.__module__}.{build.__qualname__}"
        if key not in _households:
            folder = tmp_path_factory.mktemp("made")
            build(folder)
            _households[key] = folder
        copy_household(_households[key], tmp_path)
        return tmp_path

    return _made
