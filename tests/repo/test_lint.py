"""The tree is clean under ruff (lint and format), configured in pyproject.toml.

Run inside the README's test command, so CI and a newcomer both see it; fix with
``ruff check --fix . && ruff format .``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _ruff() -> str:
    here = Path(sys.executable).with_name("ruff")
    found = str(here) if here.exists() else shutil.which("ruff")
    if found is None:
        pytest.fail("ruff is not installed: pip install -e '.[test]'")
    return found


@pytest.mark.parametrize("args", [["check", "--no-cache"], ["format", "--check", "--no-cache"]], ids=["lint", "format"])
def test_the_tree_is_clean_under_ruff(args):
    proc = subprocess.run([_ruff(), *args, "."], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
