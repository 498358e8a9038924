"""Output for scripts, end to end: the installed chorectl read by tools nobody here wrote.

TSV read by Miller and awk, a pipe closed early by ``head`` under ``pipefail``,
a full disk on stdout, and the environments and bytes that used to end in a
traceback. See "Output for scripts" and "Exit codes" in CLI.md.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess

import pytest

from tests.test_e2e_core import PIN, chorectl_path, run  # noqa: F401  (run is a fixture)
from tests.test_e2e_export import need

pytestmark = pytest.mark.e2e

# What the database may hold, whatever the CLI lets in: titles are refused
# control characters at the door, but a cell must survive whatever it holds.
AWKWARD_TITLE = 'Tidy\t"the"\nroom\\now\r!'


@pytest.fixture
def awkward(run):
    """A household whose cells hold every character TSV has to escape."""
    run("init", pin=PIN)
    run("member", "add", "Amy", pin=PIN)
    run("chore", "add", "Quote \"it\" back\\slash", "--reward", "1-3", "--assign", "Amy", "--note", "one\ntwo", pin=PIN)
    run("chore", "add", "Placeholder", "--reward", "2", "--assign", "Amy", pin=PIN)
    run("chore", "add", "=SUM(A1)", "--reward", "0.50", pin=PIN)
    con = sqlite3.connect(run.db)
    with con:
        con.execute("UPDATE chore SET title = ? WHERE title = 'Placeholder'", (AWKWARD_TITLE,))
    con.close()
    run("done", "2")
    run("approve", "1", pin=PIN)
    run("adjust", "Amy", "+1", "--reason", "line\nbreak, back\\slash", pin=PIN)
    return run


def _mlr_rows(tsv: str) -> list[dict]:
    mlr = need("mlr")
    proc = subprocess.run(
        [mlr, "--itsv", "--ojson", "--infer-none", "cat"], input=tsv, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_miller_reads_the_tsv_back_exactly(awkward):
    tsv = awkward("chore", "list", "-f", "tsv").stdout
    rows = _mlr_rows(tsv)
    titles = [row["title"] for row in rows]
    assert titles == ['Quote "it" back\\slash', AWKWARD_TITLE, "'=SUM(A1)"]
    assert rows[0]["note"] == "one\ntwo"
    assert (rows[0]["reward"], rows[0]["reward_min"], rows[0]["reward_max"]) == ("", "1.00", "3.00")
    raw = _mlr_rows(awkward("chore", "list", "-f", "tsv", "--raw").stdout)
    assert raw[2]["title"] == "=SUM(A1)"  # --raw: no formula escape, the TSV escapes stay
    ledger = _mlr_rows(awkward("export", "ledger", "-f", "tsv").stdout)
    assert [r["note"] for r in ledger] == [AWKWARD_TITLE, "line\nbreak, back\\slash"]
    assert [r["amount"] for r in ledger] == ["2.00", "1.00"]


def test_tsv_is_one_record_a_line_for_awk(awkward):
    for args in (["chore", "list"], ["export", "chores"], ["export", "ledger"], ["approvals"], ["log"]):
        proc = subprocess.run(
            ["bash", "-c", f"{chorectl_path()} \"$@\" -f tsv | awk -F'\\t' '{{print NF}}'", "bash", *args],
            env=dict(os.environ, CHORECTL_DB=str(awkward.db)),
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stderr
        counts = proc.stdout.split()
        assert len(set(counts)) == 1, (args, counts)  # every line: the header's number of fields


def test_tsv_bytes(awkward):
    out = subprocess.run(
        [chorectl_path(), "export", "chores", "-f", "tsv"],
        env=dict(os.environ, CHORECTL_DB=str(awkward.db)),
        capture_output=True,
    ).stdout
    assert b"\r" not in out and b'"Tidy' not in out  # LF line ends, no CSV quoting
    assert b"Tidy\\t\"the\"\\nroom\\\\now\\r!" in out
