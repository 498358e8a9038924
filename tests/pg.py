"""A throw-away PostgreSQL server for the tests: a real one, never a mock (issue 15).

The PostgreSQL tests need the server's programs (Debian's ``postgresql``
package; ``.ci/run`` installs it). The server is this run's own: ``initdb`` in
a temp folder (as the ``postgres`` user when the tests run as root, since
PostgreSQL refuses to run as root), listening only on a socket in that folder,
``fsync`` off (it dies with the run), trust authentication for the roles it
has. Each pytest worker starts its own; each test gets a fresh schema in it
(:meth:`Server.new_household`), so tests never see each other's rows.

This is the one module outside tests/e2e/ that starts a process: the database
server, the PostgreSQL counterpart of the SQLite file (tests/repo/test_tiers.py
names it).
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

DATABASE = "chorectl"  # the database each server's tests make their schemas in
SUPERUSER = "postgres"


def programs() -> Path | None:
    """The folder with initdb and pg_ctl (the newest installed version), or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class Server:
    """A running throw-away cluster: :attr:`socket` is its folder; :meth:`url` names a database in it."""

    def __init__(self, root: Path, bin_dir: Path) -> None:
        self.root = root
        self.bin = bin_dir
        self.data = root / "data"
        self.socket = root
        self._names = itertools.count(1)
        self._admin = None  # a superuser's connection for new_household, opened on first use

    def url(self, database: str = DATABASE, *, user: str = SUPERUSER, schema: str | None = None) -> str:
        url = f"postgresql+psycopg://{user}@/{database}?host={self.socket}"
        if schema:
            url += f"&options=-csearch_path%3D{schema}"
        return url

    def psql(self, sql: str, *, database: str = DATABASE, user: str = SUPERUSER) -> str:
        """Run *sql* with psql (stop at the first error); its output, or CalledProcessError."""
        done = subprocess.run(
            [str(self.bin / "psql"), "-h", str(self.socket), "-U", user, "-d", database, "-v", "ON_ERROR_STOP=1",
             "-qAtc", sql],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return done.stdout

    def psql_script(self, script: str, *, database: str = DATABASE) -> None:
        """Run a whole psql script (a pg_dump, with its COPY data) read from standard input."""
        subprocess.run(
            [str(self.bin / "psql"), "-h", str(self.socket), "-U", SUPERUSER, "-d", database, "-v", "ON_ERROR_STOP=1",
             "-qAt", "-f", "-"],
            input=script, capture_output=True, text=True, check=True,
        )  # fmt: skip

    def new_household(self) -> str:
        """A fresh, empty schema for one test, and the URL that makes it the household's.

        Made on a connection the server keeps (not a psql process: a thousand tests each
        start one, and the process costs more than the schema)."""
        name = f"t{os.getpid()}_{next(self._names)}"
        if self._admin is None or self._admin.closed:
            import psycopg

            self._admin = psycopg.connect(host=str(self.socket), user=SUPERUSER, dbname=DATABASE, autocommit=True)
        self._admin.execute(f"CREATE SCHEMA {name}")
        return self.url(schema=name)

    def new_database(self, owner: str = SUPERUSER) -> str:
        name = f"d{os.getpid()}_{next(self._names)}"
        self.psql(f"CREATE DATABASE {name} OWNER {owner}", database="postgres")
        return name

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.close()
        _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(self.root, ignore_errors=True)


def connect(url: str):
    """A psycopg connection for a test's URL, past chorectl (as psql would be): what the server itself allows."""
    import psycopg
    from sqlalchemy.engine import make_url

    parts = make_url(url)
    return psycopg.connect(dbname=parts.database, user=parts.username, **parts.query)


def _as_postgres(argv: list[str]) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:  # PostgreSQL will not run as root
        argv = ["runuser", "-u", "postgres", "--", *argv]
    return subprocess.run(argv, capture_output=True, text=True, check=True)


def start_for_tests(starter: Callable[[], Server] | None = None) -> Server:
    """A server for this run's tests (the ``pg_server`` fixture). Where PostgreSQL cannot start
    the tests that need it are skipped, but never under CI (``CI`` set): there ``.ci/run``
    installs PostgreSQL, and a server that does not start fails the run instead of turning half
    of the suite into skips that nobody reads (tests/repo/test_ci.py holds this)."""
    import pytest

    try:
        return (starter or start)()
    except RuntimeError as exc:
        if os.environ.get("CI"):
            raise RuntimeError(f"CI must run the PostgreSQL tests, and {exc}") from None
        pytest.skip(f"no PostgreSQL here: {exc}")


def start() -> Server:
    """Start a new cluster; raises RuntimeError naming what is missing."""
    bin_dir = programs()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL's server programs are not installed (Debian: apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="chorectl-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    server = Server(root, bin_dir)
    try:
        _as_postgres(
            [str(bin_dir / "initdb"), "-D", str(server.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
             "--locale=C.UTF-8", "--no-sync"]
        )  # fmt: skip
        options = f"-k {root} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(server.data), "-o", options, "-l", str(root / "log"), "-w",
                      "start"])  # fmt: skip
        server.psql(f"CREATE DATABASE {DATABASE}", database="postgres")
    except subprocess.CalledProcessError as exc:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"could not start PostgreSQL: {exc.stderr or exc.stdout}{log}") from None
    return server


FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load_first_schema(server: Server) -> str:
    """A new schema holding the household of tests/fixtures/chorectl-pg-schema6.sql (the first
    PostgreSQL schema, with its roles); the URL that opens it."""
    url = server.new_household()
    name = url.rpartition("%3D")[2]
    server.psql(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'chorectl_parent')"
        " THEN CREATE ROLE chorectl_parent NOLOGIN; END IF;"
        " IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'chorectl_child')"
        " THEN CREATE ROLE chorectl_child NOLOGIN; END IF; END $$"
    )
    server.psql_script((FIXTURES / "chorectl-pg-schema6.sql").read_text().replace("@SCHEMA@", name))
    return url
