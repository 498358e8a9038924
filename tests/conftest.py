"""Every test runs in its own world: a temp database, an in-memory keyring,
no PIN or member in the environment, a pinned terminal width, no colour.

Like llm's autouse fixture, the user's real data folder is never touched.

The tests are in tiers, one folder each (tests/repo/test_tiers.py holds the
rule): unit/ (pure rules), service/ (services on a temp SQLite file), cli/
(Typer's CliRunner in this process), e2e/ (the installed chorectl in other
processes; marked ``e2e`` here, by folder) and repo/ (the tree itself: layers,
docs, lint, the tiers). The fixtures below serve every tier; ``cli`` and
``household`` import Typer only when a test asks for them.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import keyring
import pytest
from hypothesis import settings
from keyring.backend import KeyringBackend

from chorectl.security import pin as pin_module

PIN = "4321"

# Property tests: no wall-clock deadline (CI machines are slow and shared) and
# a fixed seed, so a run is repeatable.
settings.register_profile("chorectl", deadline=None, derandomize=True, database=None)
settings.load_profile("chorectl")

E2E = Path(__file__).parent / "e2e"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e/ is marked ``e2e``, so ``-m "not e2e"`` leaves that tier out."""
    for item in items:
        if E2E in item.path.parents:
            item.add_marker(pytest.mark.e2e)


class MemoryKeyring(KeyringBackend):
    """A keyring that lives and dies with the test."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


class KernelClock:
    """The kernel's clock since boot, as chorectl reads it (``chorectl.security.clock.kernel``).

    By default it follows the wall clock (so time-machine moves both, as real
    time would); a test of a moved wall clock sets ``follow_wall = False`` and
    moves ``uptime`` itself, or changes ``boot`` for a reboot.
    """

    def __init__(self) -> None:
        self.boot = "test-boot-1"
        self.follow_wall = True
        self.uptime = 1000.0

    def __call__(self) -> tuple[str | None, float | None]:
        import time

        if self.follow_wall:
            return self.boot, time.time() - 1.7e9
        return self.boot, self.uptime


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    home = tmp_path / "home"
    home.mkdir()
    for var in list(os.environ):
        if var.startswith("CHORECTL_") or var in ("PYTHON_KEYRING_BACKEND", "NO_COLOR", "FORCE_COLOR"):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))  # unlock sessions stay in the test
    monkeypatch.setenv("CHORECTL_DB", str(tmp_path / "chorectl.db"))
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setenv("TZ", "Europe/Berlin")  # every test: CET +01:00, CEST +02:00
    import time

    time.tzset()
    # Low bcrypt cost in-process; the cost is read from each hash, so checks stay real.
    monkeypatch.setattr(pin_module, "BCRYPT_ROUNDS", 4)
    from chorectl.security import clock

    monkeypatch.setattr(clock, "kernel", KernelClock())
    monkeypatch.setattr(clock, "realtime", time.time)  # the kernel's real time: time-machine moves it here
    ring = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)
    monkeypatch.undo()
    time.tzset()


# ---------------------------------------------------------------- both backends (issue 15)

BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that uses the ``backend`` fixture (or a module with ``usefixtures("backend")``)
    runs once on a SQLite file and once on PostgreSQL."""
    if "backend" in metafunc.fixturenames:
        only = metafunc.definition.get_closest_marker("sqlite_only")
        # What runs where: a few modules whose PostgreSQL half adds little that the others do not
        # (marked postgres_in_full_runs) run on SQLite alone unless CHORECTL_PG=all, to keep
        # .ci/run within ten minutes on two cores (README "Development").
        if metafunc.definition.get_closest_marker("postgres_in_full_runs") and os.environ.get("CHORECTL_PG") != "all":
            only = True
        metafunc.parametrize("backend", BACKENDS[:1] if only else BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def pg_server():
    """This worker's own throw-away PostgreSQL (tests/pg.py). Skipped where PostgreSQL is not
    installed, except under CI (``CI`` set), where a missing server fails the run."""
    from tests import pg

    server = pg.start_for_tests()
    yield server
    server.stop()


class Backend:
    """Where this test's household lives: ``name`` is "sqlite" or "postgresql"; ``location`` is
    CHORECTL_DB (a file's path or a URL); ``server`` the PostgreSQL server, if any."""

    def __init__(self, name: str, location: str, server=None) -> None:
        self.name = name
        self.location = location
        self.server = server

    @property
    def postgres(self) -> bool:
        return self.name == "postgresql"

    def __repr__(self) -> str:
        return self.name


@pytest.fixture
def backend(request: pytest.FixtureRequest, isolated, monkeypatch: pytest.MonkeyPatch) -> Backend:
    name = getattr(request, "param", "sqlite")
    if name == "sqlite":
        return Backend(name, os.environ["CHORECTL_DB"])
    server = request.getfixturevalue("pg_server")
    location = server.new_household()
    monkeypatch.setenv("CHORECTL_DB", location)
    return Backend(name, location, server)


@pytest.fixture
def ring(isolated) -> MemoryKeyring:
    return isolated


@pytest.fixture
def kernel(isolated) -> KernelClock:
    from chorectl.security import clock

    return clock.kernel


class Cli:
    """Runs chorectl in-process and keeps stdout and stderr apart."""

    def __init__(self) -> None:
        from typer.testing import CliRunner

        self.runner = CliRunner()

    def __call__(self, command: str | list[str], *, pin: str | None = None, input: str | None = None, env=None):
        args = shlex.split(command) if isinstance(command, str) else command
        from chorectl.cli import app

        env = dict(env or {})
        if pin is not None:
            env["CHORECTL_PIN"] = pin
        return self.runner.invoke(app, args, env=env, input=input, prog_name="chorectl")

    def ok(self, command: str | list[str], **kwargs):
        result = self(command, **kwargs)
        assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr, result.exception)
        return result

    def parent(self, command: str | list[str], **kwargs):
        return self.ok(command, pin=PIN, **kwargs)


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture
def household(cli: Cli) -> Cli:
    """An initialised household with children Amy and Ben and parent Mum."""
    cli.parent("init")
    cli.parent("member add Amy")
    cli.parent("member add Ben")
    cli.parent("member add Mum --parent")
    return cli
