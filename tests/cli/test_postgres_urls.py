"""`--db URL`: what a PostgreSQL URL may and may not say, and a server that is not there (issue 15)."""

from __future__ import annotations

import pytest

from tests.helpers import shows

SOCKET = "/nonexistent-chorectl-socket"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://mum:s3cret-pw@/family?host={SOCKET}",
        "postgresql://mum:s3cret-pw@localhost/family",
        f"postgresql+psycopg://mum@/family?host={SOCKET}&password=s3cret-pw",
    ],
)
@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_password_in_the_url_is_refused_and_never_repeated(cli, url, how):
    args = ["--db", url, "balance"] if how == "option" else ["balance"]
    result = cli(args, env={"CHORECTL_DB": url} if how == "environment" else None)
    assert result.exit_code == 2, result.output
    assert "password in the database URL" in result.stderr
    assert "PGPASSWORD" in result.stderr and ".pgpass" in result.stderr
    assert not shows("s3cret-pw", result.stderr + result.stdout)
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("url", ["mysql://u@h/db", "sqlite:///tmp/x.db", "redis://localhost/0"])
def test_another_kind_of_url_is_a_usage_error(cli, url):
    result = cli(["--db", url, "balance"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: chorectl cannot use a {url.split('://')[0]}:// database\n")


def test_a_url_without_a_database_is_a_usage_error(cli):
    result = cli(["--db", f"postgresql+psycopg://mum@?host={SOCKET}", "balance"])
    assert result.exit_code == 2
    assert "names no database" in result.stderr


@pytest.mark.parametrize("query", ["port=abc", "port=5432,x"])
def test_a_port_that_is_not_a_number_is_a_usage_error(cli, query):
    """make_url reads the host's port; the query's port= is read by the driver only when the
    engine is made, and was a traceback there."""
    result = cli(["--db", f"postgresql+psycopg://mum@/family?host={SOCKET}&{query}", "balance"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: --db is not a PostgreSQL URL chorectl can read (")
    assert len(result.stderr.splitlines()) == 1


def test_a_server_that_is_not_there_is_one_line(cli):
    result = cli(["--db", f"postgresql+psycopg://mum@/family?host={SOCKET}", "balance"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot connect to the PostgreSQL server (")
    assert "Hint: is the server running" in result.stderr
    assert len(result.stderr.splitlines()) == 2


def test_a_missing_database_and_a_missing_role_say_what_to_do(cli, pg_server):
    missing = cli(["--db", pg_server.url("no_such_db"), "balance"])
    assert missing.exit_code == 1
    assert 'database "no_such_db" does not exist' in missing.stderr
    assert "createdb" in missing.stderr
    nobody = cli(["--db", pg_server.url(user="no_such_role"), "balance"])
    assert nobody.exit_code == 1
    assert "check the user in the URL" in nobody.stderr


def test_a_database_without_a_household_is_not_one_and_nothing_is_made(cli, pg_server):
    url = pg_server.new_household()  # an empty schema
    result = cli(["--db", url, "balance"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: there is no chorectl household in the PostgreSQL database chorectl\n")
    assert "chorectl init" in result.stderr
    schema = url.rpartition("%3D")[2]
    assert pg_server.psql(f"SELECT count(*) FROM pg_tables WHERE schemaname = '{schema}'") == "0\n"


def test_the_whole_daily_loop_on_a_server(cli, pg_server):
    url = pg_server.new_household()
    env = {"CHORECTL_DB": url}
    cli.parent("init", env=env)
    cli.parent("member add Amy", env=env)
    cli.parent("chore add Dishes --reward 1.50 --assign Amy", env=env)
    cli.ok("done Dishes --as Amy", env=env)
    cli.parent("approve 1", env=env)
    cli.parent("pay Amy 1", env=env)
    assert cli.ok("balance -f csv", env=env).stdout.splitlines()[1] == "Amy,1.50,0.00,0.00,-1.00,0.50,0.00,,,,1"
    doctor = cli.ok("doctor", env=env)
    assert "PostgreSQL 15" in doctor.stdout or "PostgreSQL" in doctor.stdout
    assert "the server's catalog read" in doctor.stdout


def test_the_first_postgresql_schemas_household_exports_as_it_did(cli, pg_server):
    from tests import pg

    url = pg.load_first_schema(pg_server)
    exported = cli.ok(["--db", url, "export", "ledger", "-f", "csv"]).stdout
    assert exported == (pg.FIXTURES / "chorectl-pg-schema6.ledger.csv").read_text()
    doctor = cli(["--db", url, "doctor"]).stdout  # (its PIN check fails: this machine never joined)
    assert "ok    structure" in doctor and "ok    balances" in doctor
