"""The docs and the tool must not drift apart."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```sh\n(.*?)```", text, flags=re.S)


def test_readme_opens_with_install_and_test_commands():
    first, second = _readme_blocks()[:2]
    assert "pip install ." in first and "chorectl" in first
    assert "pip install" in second and "pytest" in second


def test_ci_runs_the_readme_test_command():
    test_command = _readme_blocks()[1].strip()
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_command in ci.splitlines()


def test_changelog_has_an_unreleased_section():
    assert "## [Unreleased]" in (ROOT / "CHANGELOG.md").read_text()
