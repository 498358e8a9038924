"""Roles as the real wall, from outside chorectl (issue 15): as the child role, ``psql`` cannot
insert into the ledger, approve a completion or read the PIN's columns; as the parent role it
cannot change or empty the ledger or the log. The household is made by the installed chorectl,
run by the database owner; the logins are the test cluster's (trust authentication).
"""

from __future__ import annotations

import itertools
import subprocess

import pytest

from tests.e2e.helpers import PIN, PLAINTEXT, Runner, isolated_env

_logins = itertools.count(1)


@pytest.fixture(scope="module")
def home(pg_server, tmp_path_factory):
    """One household for the module (each test is refused, or only reads): chorectl's own
    bcrypt cost makes every PIN check a quarter of a second in the installed chorectl."""
    tmp_path = tmp_path_factory.mktemp("roles")
    owner = pg_server.new_household()
    schema = owner.rpartition("%3D")[2]
    run = Runner(isolated_env(tmp_path, PYTHON_KEYRING_BACKEND=PLAINTEXT, CHORECTL_DB=owner))
    made = run("init", pin=PIN)
    assert "GRANT chorectl_child TO ben;" in made.stderr
    run("member", "add", "Amy", pin=PIN)
    run("member", "add", "Mum", "--parent", pin=PIN)
    run("chore", "add", "Dishes", "--reward", "1.50", "--assign", "Amy", pin=PIN)
    run("done", "Dishes")
    n = next(_logins)
    kid, mum = f"kid_{schema}_{n}", f"mum_{schema}_{n}"
    pg_server.psql(f"CREATE ROLE {kid} LOGIN; GRANT chorectl_child TO {kid};")
    pg_server.psql(f"CREATE ROLE {mum} LOGIN; GRANT chorectl_parent TO {mum};")
    return pg_server, schema, run, kid, mum


def as_login(home, user: str, sql: str) -> subprocess.CompletedProcess:
    server, schema, *_ = home
    return subprocess.run(
        [str(server.bin / "psql"), "-h", str(server.socket), "-U", user, "-d", "chorectl", "-v", "ON_ERROR_STOP=1",
         "-qAt", "-c", f"SET search_path = {schema}; {sql}"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip


def owner_sees(home, sql: str) -> str:
    server, schema, *_ = home
    return server.psql(f"SET search_path = {schema}; {sql}")


CHILD_REFUSED = {
    "INSERT INTO ledger (at, member_id, kind, amount) VALUES (now(), 1, 'bonus', 10000)": "permission denied",
    "UPDATE completion SET status = 'approved', reward = 150 WHERE id = 1": "permission denied",
    "SELECT pin_fingerprint FROM household": "permission denied",
    "SELECT failed_pins, locked_until FROM household": "permission denied",
    "UPDATE household SET failed_pins = 0": "permission denied",
    "SELECT * FROM ledger": "permission denied",
    "SELECT detail FROM audit": "permission denied",
    "DELETE FROM completion": "permission denied",
    "UPDATE ledger_total SET total = 100000": "permission denied",
    "INSERT INTO completion (chore_id, member_id, status, completed_at, reward)"
    " VALUES (1, 1, 'approved', now(), 150)": "row-level security",
    "INSERT INTO audit (at, actor, action, amount) VALUES (now(), 'Mum', 'approve', 150)": "row-level security",
}


@pytest.mark.parametrize("sql", list(CHILD_REFUSED))
def test_psql_as_the_child_role_is_refused(home, sql):
    before = owner_sees(
        home, "SELECT count(*) FROM ledger; SELECT status FROM completion; SELECT sum(total) FROM ledger_total"
    )
    refused = as_login(home, home[3], sql)
    assert refused.returncode != 0
    assert CHILD_REFUSED[sql] in refused.stderr, refused.stderr
    assert (
        owner_sees(
            home, "SELECT count(*) FROM ledger; SELECT status FROM completion; SELECT sum(total) FROM ledger_total"
        )
        == before
    )


def test_psql_as_the_child_role_reads_what_a_child_sees(home):
    seen = as_login(
        home,
        home[3],
        "SELECT currency FROM household; SELECT status FROM completion; SELECT name FROM member ORDER BY id",
    )
    assert seen.returncode == 0, seen.stderr
    assert seen.stdout.split() == ["$", "pending", "Amy", "Mum"]


PARENT_REFUSED = [
    "UPDATE ledger SET amount = 0",
    "DELETE FROM ledger",
    "TRUNCATE ledger",
    "UPDATE audit SET detail = ''",
    "DELETE FROM audit",
    "TRUNCATE audit",
    "INSERT INTO ledger_total (member_id, kind, total, entries) VALUES (1, 'bonus', 100000, 1)",
]


@pytest.mark.parametrize("sql", PARENT_REFUSED)
def test_psql_as_the_parent_role_cannot_rewrite_money_or_the_log(home, sql):
    refused = as_login(home, home[4], sql)
    assert refused.returncode != 0
    assert "permission denied" in refused.stderr, refused.stderr


def test_the_installed_chorectl_tells_a_child_s_login_to_connect_as_a_parent(home):
    server, schema, run, kid, _ = home
    child = server.url(user=kid, schema=schema)
    refused = run("approve", "--all", pin=PIN, expect=3, CHORECTL_DB=child)
    assert refused.stderr.splitlines()[0] == "Error: this database login cannot approve; connect as a parent"
    assert owner_sees(home, "SELECT status FROM completion").split() == ["pending"]
