"""A PostgreSQL server that ends chorectl's connection mid-command (pg_terminate_backend, a
restart): one Error line and exit 1, never psycopg's own warnings beside it, and nothing half done."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.helpers import PIN, chorectl_path, script_env

ROOT = Path(__file__).resolve().parents[2]


def test_a_copy_whose_connection_the_server_ends_is_one_error_line_and_writes_nothing(pg_server, tmp_path):
    env = script_env(tmp_path)
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks/history.py"), "--db", env["CHORECTL_DB"], "--years", "0.5"],
        check=True, capture_output=True, env=env,
    )  # fmt: skip
    subprocess.run([chorectl_path(), "init"], check=True, capture_output=True, env=dict(env, CHORECTL_PIN=PIN))
    url = pg_server.new_household()
    schema = url.rpartition("%3D")[2]
    copy = subprocess.Popen(
        [chorectl_path(), "copy", "--to", url],
        env=dict(env, CHORECTL_PIN=PIN), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    ended = ""
    while not ended.strip() and copy.poll() is None and time.monotonic() < deadline:
        # the copy's writer, once it is inserting the rows (in psycopg's pipeline)
        ended = pg_server.psql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'chorectl'"
            " AND state <> 'idle' AND query ILIKE 'INSERT INTO%'"
        )
    out, err = copy.communicate(timeout=60)
    assert ended.strip(), ("the copy ended before its connection could be", out, err)
    assert copy.returncode == 1, (out, err)
    lines = err.splitlines()
    assert lines[0].startswith("Error: the copy to ") and "failed and wrote nothing" in lines[0], err
    assert "the PostgreSQL server ended the connection" in lines[0], err  # never "cannot connect"
    assert all(line.startswith("Hint: ") for line in lines[1:]), err
    assert "Traceback" not in err and "error ignored" not in err
    assert pg_server.psql(f"SELECT count(*) FROM pg_tables WHERE schemaname = '{schema}'") == "0\n"
