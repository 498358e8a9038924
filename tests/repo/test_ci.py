"""CI runs the PostgreSQL half of the suite, always (issue 15).

Every test that uses the ``backend`` fixture runs on a SQLite file and on a
PostgreSQL server that the run starts itself (tests/pg.py). On a developer's
machine without PostgreSQL that half is skipped; under CI (``CI`` set, as
``.ci/run`` is run) a server that cannot start must fail the run, or a broken
install step would quietly turn half of the suite into skips. These checks keep
both ends of that: ``.ci/run`` installs PostgreSQL, and the fixture's start fails
under CI where it skips elsewhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import pg

ROOT = Path(__file__).resolve().parents[2]


def _refuse() -> pg.Server:
    raise RuntimeError("PostgreSQL's server programs are not installed")


def test_ci_installs_postgresql():
    script = (ROOT / ".ci" / "run").read_text()
    (debs,) = re.findall(r'^DEBS="([^"]*)"', script, re.MULTILINE)
    assert "postgresql" in debs.split()


def test_a_missing_postgresql_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(RuntimeError, match="CI must run the PostgreSQL tests"):
        pg.start_for_tests(_refuse)


def test_a_missing_postgresql_is_a_skip_elsewhere(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL here"):
        pg.start_for_tests(_refuse)


def test_the_pg_server_fixture_starts_through_that_check():
    conftest = (ROOT / "tests" / "conftest.py").read_text()
    fixture = conftest.partition("def pg_server(")[2].partition("\ndef ")[0]
    assert "pg.start_for_tests()" in fixture and "skip" not in fixture.replace("Skipped", "")
