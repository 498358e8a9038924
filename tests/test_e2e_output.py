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


# ---------------------------------------------------------------- a reader that stops early

ROWS = 3000  # ~200 kB in every format: far more than a pipe holds, so `head -1` closes it mid-stream


@pytest.fixture(scope="module")
def long_ledger(tmp_path_factory):
    """A household with a few thousand ledger rows, written straight into the file."""
    folder = tmp_path_factory.mktemp("long")
    env = _env(folder)
    subprocess.run([chorectl_path(), "init"], env=dict(env, CHORECTL_PIN=PIN), check=True, capture_output=True)
    subprocess.run([chorectl_path(), "member", "add", "Amy"], env=dict(env, CHORECTL_PIN=PIN), check=True, capture_output=True)
    con = sqlite3.connect(env["CHORECTL_DB"])
    with con:
        con.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
            " INSERT INTO ledger (at, member_id, kind, amount, note)"
            " SELECT '2026-01-01T12:00:00.000000+00:00', 1, 'bonus', 100, 'bonus number ' || i FROM n",
            (ROWS,),
        )
    con.close()
    return env


def _env(folder) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHORECTL_") and k != "PYTHON_KEYRING_BACKEND"}
    env.update(
        CHORECTL_DB=str(folder / "family.db"),
        HOME=str(folder),
        XDG_DATA_HOME=str(folder / "data"),
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        COLUMNS="100",
    )
    return env


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "jsonl", "table"])
@pytest.mark.parametrize("command", [["export", "ledger"], ["ledger"]], ids=["export", "listing"])
def test_a_reader_that_stops_early_ends_the_command_quietly(long_ledger, command, fmt):
    """`chorectl ... | head -1` under pipefail: exit 0 and nothing on stderr, in every format (README)."""
    script = 'set -o pipefail; "$@" | head -1'
    proc = subprocess.run(
        ["bash", "-c", script, "bash", chorectl_path(), *command, "-f", fmt],
        env=long_ledger,
        capture_output=True,
        timeout=120,
    )
    assert (proc.returncode, proc.stderr) == (0, b"")
    assert proc.stdout.count(b"\n") == 1


def test_the_whole_ledger_is_more_than_a_pipe_holds(long_ledger):
    """So the test above really closes the pipe early."""
    for fmt in ("csv", "tsv", "table"):
        out = subprocess.run([chorectl_path(), "ledger", "-f", fmt], env=long_ledger, capture_output=True).stdout
        assert len(out) > 150_000


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "jsonl", "table"])
def test_a_full_disk_on_stdout_is_one_error_line(long_ledger, fmt):
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [chorectl_path(), "ledger", "Amy", "--since", "2026-01-01", "-f", fmt],
            env=long_ledger, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
        )
    assert proc.returncode == 1
    assert proc.stderr.startswith("Error: ") and "No space left on device" in proc.stderr, proc.stderr
    assert len(proc.stderr.splitlines()) == 1, proc.stderr


# ---------------------------------------------------------------- member_id


def test_scripts_group_by_member_id(awkward, tmp_path):
    """csvkit and Miller find member_id and add up the ledger per member id, as balance has it."""
    csvcut = need("csvcut")
    awkward("member", "add", "Ben", pin=PIN)
    awkward("adjust", "Ben", "+0.25", "--reason", "kind", pin=PIN)
    ledger = tmp_path / "ledger.csv"
    awkward("export", "ledger", "-o", str(ledger))
    ids = subprocess.run([csvcut, "-c", "member_id", str(ledger)], capture_output=True, text=True, check=True)
    assert ids.stdout.split() == ["member_id", "1", "1", "2"]
    mlr = need("mlr")
    sums = subprocess.run(
        [mlr, "--icsv", "--ojson", "stats1", "-a", "sum", "-f", "amount", "-g", "member_id", str(ledger)],
        capture_output=True, text=True, check=True,
    )
    by_id = {row["member_id"]: round(row["amount_sum"], 2) for row in json.loads(sums.stdout)}
    balances = json.loads(awkward("balance", "-f", "json").stdout)
    assert by_id == {b["member_id"]: b["balance"] for b in balances} == {1: 3.0, 2: 0.25}
    completions = subprocess.run(
        [csvcut, "-c", "member,member_id"], input=awkward("export", "completions").stdout,
        capture_output=True, text=True, check=True,
    )
    assert completions.stdout.splitlines() == ["member,member_id", "Amy,1"]
