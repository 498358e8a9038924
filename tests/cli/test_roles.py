"""Roles as the real wall, through the command line (issue 15), on PostgreSQL only.

The household is made by the database owner (the test cluster's superuser);
login roles given the child or the parent role then run chorectl with their
own user in the URL. A child's login with the right PIN still cannot approve.
"""

from __future__ import annotations

import itertools

import pytest

from tests.conftest import PIN
from tests.helpers import query

_logins = itertools.count(1)


class Logins:
    """The owner's URL, and a child's and a parent's login on the same household."""

    def __init__(self, server, owner: str) -> None:
        self.server = server
        self.owner = owner
        self.schema = owner.rpartition("%3D")[2]
        n = next(_logins)
        self.kid, self.mum = f"kid_{self.schema}_{n}", f"mum_{self.schema}_{n}"

    def grant(self, parent: str = "chorectl_parent", child: str = "chorectl_child") -> None:
        self.server.psql(
            f"CREATE ROLE {self.kid} LOGIN; GRANT {child} TO {self.kid};"
            f" CREATE ROLE {self.mum} LOGIN; GRANT {parent} TO {self.mum};"
        )

    def env(self, user: str) -> dict[str, str]:
        return {"CHORECTL_DB": self.server.url(user=user, schema=self.schema)}


@pytest.fixture
def logins(pg_server, monkeypatch) -> Logins:
    owner = pg_server.new_household()
    monkeypatch.setenv("CHORECTL_DB", owner)
    return Logins(pg_server, owner)


@pytest.fixture
def home(cli, logins) -> Logins:
    """Made by the owner: Amy (child), Mum (parent), a chore for Amy; then the logins."""
    init = cli.parent("init")
    assert "Database roles: chorectl_parent for parents' logins, chorectl_child for children's." in init.stderr
    assert "GRANT chorectl_child TO ben;" in init.stderr
    cli.parent("member add Amy")
    cli.parent("member add Mum --parent")
    cli.parent("chore add Dishes --reward 1.50 --assign Amy")
    logins.grant()
    return logins


def test_a_child_login_marks_done_and_reads_balance_chores_and_members(cli, home):
    kid = home.env(home.kid)
    assert "waits for approval" in cli.ok("done Dishes", env=kid).stderr
    cli.parent("approve --all")
    assert "$1.50" in cli.ok("balance", env=kid).stdout
    assert "Dishes" in cli.ok("chore list", env=kid).stdout
    assert "Amy" in cli.ok("member list", env=kid).stdout
    assert cli.ok("approvals -f json", env=kid).stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("command", "verb"),
    [
        ("approve --all", "approve"),
        ("reject 1", "reject"),
        ("pay Amy 0.50", "pay"),
        ("adjust Amy +1 --reason x", "adjust"),
        ("log", "log"),
        ("ledger", "ledger"),
        ("export ledger", "export"),
        ("chore add Bins --reward 1", "chore add"),
        ("member add Zed", "member add"),
        ("unlock", "unlock"),
    ],
)
def test_a_child_login_with_the_right_pin_cannot_do_a_parent_s_work(cli, home, command, verb):
    kid = home.env(home.kid)
    cli.ok("done Dishes", env=kid)
    cli.parent("adjust Amy +5 --reason pocket")
    before = query("SELECT id, status FROM completion"), query("SELECT count(*) FROM ledger")
    refused = cli(command, pin=PIN, env=kid)
    assert refused.exit_code == 3, (refused.stdout, refused.stderr)
    assert refused.stderr.splitlines()[0] == f"Error: this database login cannot {verb}; connect as a parent"
    assert "Traceback" not in refused.stderr
    assert (query("SELECT id, status FROM completion"), query("SELECT count(*) FROM ledger")) == before


@pytest.mark.parametrize("given", [PIN, "0000"])
def test_a_child_login_cannot_touch_the_wrong_pin_count(cli, home, given):
    """The PIN gate writes the wrong-PIN count; a child's login may not read or write it: a right
    PIN cannot reset the count (nor a wrong one raise it, or lock the parents out)."""
    assert cli("balance", pin="0000").exit_code == 0  # not a parent command: no PIN asked
    assert cli("adjust Amy +1 --reason x", pin="0000").exit_code == 3
    assert query("SELECT failed_pins FROM household") == [(1,)]
    refused = cli("approve --all", pin=given, env=home.env(home.kid))
    assert refused.exit_code == 3
    assert refused.stderr.startswith("Error: this database login cannot approve; connect as a parent\n")
    assert query("SELECT failed_pins FROM household") == [(1,)]


def test_a_parent_login_does_the_whole_daily_loop(cli, home):
    mum, kid = home.env(home.mum), home.env(home.kid)
    cli.parent("chore add Bins --reward 1 --every weekly", env=mum)
    cli.parent("member add Ben", env=mum)
    cli.parent("chore assign Bins --to Ben", env=mum)
    cli.ok("done Dishes", env=kid)
    cli.ok("done Bins --as Ben", env=mum)
    cli.parent("approve 1", env=mum)
    cli.parent("reject 2 --reason muddy", env=mum)
    cli.parent("pay Amy 1", env=mum)
    cli.parent("adjust Amy +0.25 --reason tidy", env=mum)
    cli.parent("chore edit Bins --reward 2", env=mum)
    cli.parent("member rename Ben Benjamin", env=mum)
    cli.parent("chore assign Bins --to Amy", env=mum)  # deletes Ben's assignment row
    cli.ok("reset", env=mum)
    assert "$0.75" in cli.ok("balance Amy", env=mum).stdout
    assert "tidy" in cli.ok("ledger", env=mum).stdout
    assert "approve" in cli.ok("log", env=mum).stdout
    assert len(cli.ok("export ledger -f jsonl", env=mum).stdout.splitlines()) == 3
    cli.parent("unlock", env=mum)
    cli.ok("lock", env=mum)
    assert query("SELECT actor FROM audit WHERE action = 'pay'") == [("Mum",)]


def test_init_roles_sql_prints_the_statements_and_changes_nothing(cli, logins):
    shown = cli.ok("init --roles-sql --parent-role sql_parent --child-role sql_child")
    assert f'GRANT USAGE ON SCHEMA "{logins.schema}" TO "sql_parent", "sql_child";' in shown.stdout
    assert "ENABLE ROW LEVEL SECURITY;" in shown.stdout
    assert query("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()") == [(0,)]
    assert query("SELECT count(*) FROM pg_roles WHERE rolname IN ('sql_parent', 'sql_child')") == [(0,)]
    # What it prints is what init runs: the owner can run it with psql once the tables are there.
    cli.parent("init --parent-role sql_parent --child-role sql_child")
    logins.server.psql(shown.stdout)
    logins.grant(parent="sql_parent", child="sql_child")
    cli.parent("member add Amy")
    cli.parent("chore add Dishes --reward 1")
    assert cli("done Dishes --as Amy", env=logins.env(logins.kid)).exit_code == 0
    assert cli("approve --all", pin=PIN, env=logins.env(logins.kid)).exit_code == 3


def test_a_second_init_in_another_schema_reuses_the_roles(cli, home, pg_server):
    oids = "SELECT oid FROM pg_roles WHERE rolname IN ('chorectl_parent', 'chorectl_child') ORDER BY 1"
    before = pg_server.psql(oids)
    second = Logins(pg_server, pg_server.new_household())
    cli.parent("init", env={"CHORECTL_DB": second.owner})
    assert pg_server.psql(oids) == before
    cli.parent("member add Amy", env={"CHORECTL_DB": second.owner})
    cli.parent("chore add Dishes --reward 1", env={"CHORECTL_DB": second.owner})
    kid = second.env(home.kid)  # the same login: a member of the child role in both
    assert cli("done Dishes --as Amy", env=kid).exit_code == 0
    assert cli("adjust Amy +1 --reason x", pin=PIN, env=kid).exit_code == 3


def test_an_owner_who_may_not_make_roles_is_told_how(cli, pg_server):
    """A schema's owner without CREATEROLE: init refuses (exit 3, no PIN set) while a role is
    missing, and succeeds once a superuser made the roles: the owner grants on its own tables."""
    n = next(_logins)
    owner, schema = f"owner_{n}", f"owned_{n}"
    pg_server.psql(f"CREATE ROLE {owner} LOGIN; CREATE SCHEMA {schema} AUTHORIZATION {owner}")
    env = {"CHORECTL_DB": pg_server.url(user=owner, schema=schema)}
    names = f"--parent-role p_{n} --child-role c_{n}"
    refused = cli(f"init {names}", pin=PIN, env=env)
    assert refused.exit_code == 3
    assert refused.stderr.startswith(f"Error: this database login cannot set up the roles p_{n} and c_{n}")
    assert "CREATEROLE" in refused.stderr
    assert pg_server.psql(f"SELECT count(*) FROM {schema}.household").strip() == "0"
    pg_server.psql(f"CREATE ROLE p_{n} NOLOGIN; CREATE ROLE c_{n} NOLOGIN")
    assert "Database roles: p_" in cli.parent(f"init {names}", env=env).stderr


@pytest.mark.parametrize("option", ["--roles-sql", "--parent-role mum", "--child-role kids"])
def test_roles_are_refused_for_a_file(cli, tmp_path, option):
    result = cli(f"--db {tmp_path / 'x.db'} init {option}", pin=PIN)
    assert result.exit_code == 2
    assert "PostgreSQL" in result.stderr
    assert not (tmp_path / "x.db").exists()


def test_a_bad_role_name_is_bad_input(cli, logins):
    result = cli("init --roles-sql --child-role 'Robert; DROP TABLE ledger'")
    assert result.exit_code == 2
    assert "not a role name" in result.stderr
