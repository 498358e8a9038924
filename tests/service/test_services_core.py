"""The service layer against a real SQLite file: members, chores, done/approve/reject, the ledger.

Every service call gets a fresh UnitOfWork (write or read) and an aware ``now``,
exactly like the CLI does. Raw SQL through a separate sqlite3 connection checks
what really landed in the file.
"""

from __future__ import annotations

import os
import re
import sqlite3
import stat
from contextlib import closing
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from chorectl.db.engine import APPLICATION_ID, SCHEMA_VERSION, ensure_schema, make_engine
from chorectl.domain.money import parse_reward_spec
from chorectl.errors import BadInput, InvalidState, NotFound, StorageError
from chorectl.services import chores, completions, household, ledger, members, slots
from chorectl.services.auth import Binding
from chorectl.services.rows import BalanceRow, ChoreRow, CompletionRow, LedgerRow, MemberRow
from chorectl.services.uow import UnitOfWork

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 21, 18, 0, tzinfo=BERLIN)
TODAY = date(2026, 11, 21)
NO_GOAL = {"goal": None, "goal_target": None, "goal_saved": None}  # a member without a savings goal


class World:
    """A database file plus short helpers that call the services like the CLI does."""

    def __init__(self, path: Path | str) -> None:
        self.path = path  # a file, or a PostgreSQL URL (the backend fixture)
        self.engine = make_engine(path)
        ensure_schema(self.engine)

    def w(self) -> UnitOfWork:
        return UnitOfWork(self.engine, write=True)

    def r(self) -> UnitOfWork:
        return UnitOfWork(self.engine)

    # -- raw access, bypassing the services --
    def sql(self, query: str, params=()) -> list[tuple]:
        if isinstance(self.path, str):  # PostgreSQL: the same SQL, its own placeholders
            with self.engine.connect() as conn:
                return [tuple(r) for r in conn.exec_driver_sql(query.replace("?", "%s"), tuple(params)).fetchall()]
        with closing(sqlite3.connect(self.path)) as conn:
            return conn.execute(query, params).fetchall()

    def raw_write(self, statement: str) -> None:
        """*statement* through the driver alone, committed: what chorectl's code cannot stop."""
        if isinstance(self.path, str):
            from tests.pg import connect

            with connect(self.path) as conn:
                conn.execute(statement)
            return
        with closing(sqlite3.connect(self.path)) as conn:
            conn.execute(statement)
            conn.commit()

    def ledger_rows(self) -> list[tuple]:
        return self.sql("SELECT member_id, kind, amount, chore_id, completion_id, note FROM ledger ORDER BY id")

    def raw_balances(self) -> dict[int, int]:
        return dict(self.sql("SELECT member_id, SUM(amount) FROM ledger GROUP BY member_id"))

    def count(self, table: str) -> int:
        return self.sql(f"SELECT count(*) FROM {table}")[0][0]

    # -- service shortcuts --
    def member(self, name: str, role: str = "child"):
        return members.add(self.w(), name, role, now=NOW)

    def chore(self, title, reward="2", assign=(), due=None, note=None):
        spec = parse_reward_spec(reward)
        return chores.add(self.w(), title, reward=spec, assign=list(assign), due=due, note=note, now=NOW)

    def done(self, ref, who=None, note=None, now=NOW):
        completion, _chore, _who = completions.done(self.w(), str(ref), member=who, now=now, note=note)
        return completion

    def approve(self, *ids, **kwargs):
        kwargs.setdefault("now", NOW)
        return completions.approve(self.w(), list(ids), **kwargs)

    def reject(self, *ids, reason=None):
        return completions.reject(self.w(), list(ids), reason=reason, now=NOW)

    def balance(self, name: str) -> int:
        (row,) = ledger.balances(self.r(), name)
        return row.balance

    def rows(self, **kwargs) -> list[ChoreRow]:
        return chores.listing(self.r(), today=TODAY, **kwargs)

    def statuses(self, **kwargs) -> list[tuple]:
        return [(r.id, r.assignee, r.status) for r in self.rows(**kwargs)]

    def completion_status(self, cid: int) -> str:
        return self.sql("SELECT status FROM completion WHERE id = ?", (cid,))[0][0]

    def bonus(self, name: str, cents: int, now=NOW):
        return ledger.adjust(self.w(), name, cents, reason="bonus", now=now)


def bound(household_id: str) -> Binding:
    """What storing a PIN in a keyring says: where it went, and the hash's fingerprint."""
    return Binding("tests' keyring", "f" * 32)


@pytest.fixture
def db(tmp_path, backend) -> World:
    world = World(tmp_path / "t.db" if not backend.postgres else backend.location)
    yield world
    world.engine.dispose()


@pytest.fixture
def home(db: World) -> World:
    """A household ($) with children Amy (id 1) and Ben (id 2) and parent Mum (id 3)."""
    household.initialise(db.w(), currency="$", now=NOW, store_pin=bound)
    assert db.member("Amy").id == 1
    assert db.member("Ben").id == 2
    assert db.member("Mum", "parent").id == 3
    return db


# =============================================================================
# The database file
# =============================================================================


def test_file_is_created_owner_only(tmp_path):
    path = tmp_path / "fresh" / "deeper" / "chorectl.db"
    old_umask = os.umask(0)  # the modes must not depend on a strict umask
    try:
        engine = make_engine(path)
        ensure_schema(engine)
        engine.dispose()
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700  # its own folder


@pytest.mark.sqlite_only  # reads the file itself
def test_pragmas_on_every_engine_connection(db: World):
    for _ in range(2):  # NullPool: each connect is a new connection
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA application_id").scalar() == APPLICATION_ID
            assert conn.exec_driver_sql("PRAGMA user_version").scalar() == SCHEMA_VERSION
    with db.r() as uow:
        assert uow.session.exec(text("PRAGMA foreign_keys")).scalar() == 1


@pytest.mark.sqlite_only  # reads the file itself
def test_file_identity_is_persistent(db: World):
    # Seen from a plain sqlite3 connection: the marks are in the file itself.
    assert db.sql("PRAGMA journal_mode") == [("wal",)]
    assert db.sql("PRAGMA application_id") == [(0x43484F52,)]
    assert db.sql("PRAGMA user_version") == [(SCHEMA_VERSION,)]


def test_foreign_keys_are_enforced(home: World):
    with pytest.raises(InvalidState, match=r"(?i)FOREIGN KEY"):
        with home.w() as uow:
            uow.session.exec(
                text("INSERT INTO ledger (at, member_id, kind, amount) VALUES (:at, 99, 'bonus', 1)"),
                params={"at": "2026-11-21T17:00:00.000000+00:00"},
            )
            uow.commit()
    assert home.count("ledger") == 0


@pytest.mark.sqlite_only  # reads the file itself
def test_ensure_schema_is_idempotent(home: World):
    home.bonus("Amy", 150)
    ensure_schema(home.engine)
    ensure_schema(make_engine(home.path))
    assert home.balance("Amy") == 150
    assert stat.S_IMODE(home.path.stat().st_mode) == 0o600


def test_an_empty_existing_file_becomes_a_database(tmp_path):
    path = tmp_path / "empty.db"
    path.touch(mode=0o600)
    engine = make_engine(path)
    ensure_schema(engine)
    engine.dispose()
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)


@pytest.mark.parametrize("content", [bytes(range(256)) * 16, b"hello, I am not a database\n" * 40])
def test_random_bytes_are_not_a_chorectl_database(tmp_path, content):
    path = tmp_path / "junk.db"
    path.write_bytes(content)
    with pytest.raises(StorageError):
        ensure_schema(make_engine(path))
    assert path.read_bytes() == content


def test_another_sqlite_database_is_refused_and_untouched(tmp_path):
    path = tmp_path / "other.db"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
        conn.execute("INSERT INTO recipes VALUES ('soup')")
        conn.commit()
    with pytest.raises(StorageError, match="not a chorectl database"):
        ensure_schema(make_engine(path))
    with closing(sqlite3.connect(path)) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert tables == ["recipes"]
        assert conn.execute("PRAGMA application_id").fetchone() == (0,)


@pytest.mark.sqlite_only  # reads the file itself
def test_a_newer_schema_is_refused(db: World):
    with closing(sqlite3.connect(db.path)) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        conn.commit()
    with pytest.raises(StorageError, match="newer chorectl"):
        ensure_schema(make_engine(db.path))


def test_a_folder_is_not_a_database(tmp_path):
    with pytest.raises(StorageError, match="folder"):
        make_engine(tmp_path)


def test_read_only_unit_of_work_cannot_commit(db: World):
    with pytest.raises(RuntimeError):
        with db.r() as uow:
            uow.commit()


# =============================================================================
# Household
# =============================================================================


def test_household_create_and_reuse_until_pin_set(db: World):
    with db.r() as uow:
        assert household.get(uow) is None
        assert household.currency(uow) == "$"
        with pytest.raises(NotFound):
            household.require(uow)
    stored = []

    def store(hid):
        stored.append(hid)
        return bound(hid)

    first = household.initialise(db.w(), currency=" € ", now=NOW, store_pin=store)
    assert len(first.id) == 32 and int(first.id, 16) >= 0
    assert first.currency == "€" and first.pin_set
    assert stored == [first.id]
    with pytest.raises(InvalidState, match="already has a parent PIN"):
        household.initialise(db.w(), currency="$", now=NOW, store_pin=store)
    with pytest.raises(InvalidState):
        household.refuse_if_pin_set(db.r())
    assert stored == [first.id] and db.count("household") == 1


def test_household_is_not_created_when_the_keyring_fails(db: World):
    def refuse(household_id):
        raise StorageError("no keyring")

    with pytest.raises(StorageError):
        household.initialise(db.w(), currency="$", now=NOW, store_pin=refuse)
    assert db.count("household") == 0


@pytest.mark.parametrize("symbol", ["", "   ", "EUROS!", "\x1b"])
def test_household_currency_is_cleaned(db: World, symbol):
    with pytest.raises(BadInput):
        household.initialise(db.w(), currency=symbol, now=NOW, store_pin=bound)
    assert db.count("household") == 0


# =============================================================================
# Members
# =============================================================================


def test_member_listing(home: World):
    assert members.listing(home.r()) == [
        MemberRow(id=1, name="Amy", role="child", active=True, balance=0, created_at=NOW),
        MemberRow(id=2, name="Ben", role="child", active=True, balance=0, created_at=NOW),
        MemberRow(id=3, name="Mum", role="parent", active=True, balance=0, created_at=NOW),
    ]


def test_member_add_is_cleaned(home: World):
    cara = home.member("  Cara  ")
    assert (cara.id, cara.name, cara.name_key, cara.role, cara.active) == (4, "Cara", "cara", "child", True)
    assert cara.created_at == NOW


@pytest.mark.parametrize("name", ["Amy", "amy", "AMY", "  aMy "])
def test_member_name_is_unique_case_insensitively(home: World, name):
    with pytest.raises(InvalidState, match="already a member called Amy"):
        home.member(name)
    assert home.count("member") == 3


def test_folded_names_clash(home: World):
    home.member("Straße")
    with pytest.raises(InvalidState):
        home.member("STRASSE")


@pytest.mark.parametrize(("name", "role"), [("123", "child"), ("A,B", "child"), ("", "child"), ("Cara", "admin")])
def test_member_add_refuses_bad_input(home: World, name, role):
    with pytest.raises(BadInput):
        members.add(home.w(), name, role, now=NOW)
    assert home.count("member") == 3


def test_member_rename(home: World):
    old, member = members.rename(home.w(), "amy", "Amelia", now=NOW)
    assert old == "Amy"
    assert (member.id, member.name, member.name_key) == (1, "Amelia", "amelia")
    with home.r() as uow:
        assert members.resolve(uow, "AMELIA").id == 1
        with pytest.raises(NotFound):
            members.resolve(uow, "Amy")


def test_member_rename_to_own_name_in_another_case(home: World):
    old, member = members.rename(home.w(), "Amy", "AMY", now=NOW)
    assert (old, member.name, member.id) == ("Amy", "AMY", 1)


def test_member_rename_onto_another_member_is_refused(home: World):
    with pytest.raises(InvalidState, match="already a member called Ben"):
        members.rename(home.w(), "Amy", "ben", now=NOW)
    assert [m.name for m in members.listing(home.r())] == ["Amy", "Ben", "Mum"]


def test_member_rename_errors(home: World):
    with pytest.raises(NotFound):
        members.rename(home.w(), "Zed", "Zoe", now=NOW)
    with pytest.raises(BadInput):
        members.rename(home.w(), "Amy", "42", now=NOW)


def test_member_remove_archives_and_keeps_the_ledger(home: World):
    home.chore("Dishes", "2", assign=["Amy"])
    home.approve(home.done("Dishes").id)
    removed = members.remove(home.w(), "amy", now=NOW, force=True)
    member, orphaned = removed.member, removed.orphaned
    assert (member.id, member.active) == (1, False)
    assert orphaned == ["Dishes"]
    assert [m.name for m in members.listing(home.r())] == ["Ben", "Mum"]
    assert members.listing(home.r(), include_archived=True)[0] == MemberRow(
        id=1,
        name="Amy",
        role="child",
        active=False,
        balance=200,
        created_at=NOW,
    )
    with home.r() as uow:
        with pytest.raises(InvalidState, match="Amy is archived"):
            members.resolve(uow, "Amy")
        assert members.resolve(uow, "Amy", include_archived=True).id == 1
    # History stays: the ledger row and the completion are still there.
    assert home.ledger_rows() == [(1, "reward", 200, 1, 1, "Dishes")]
    assert home.balance("Amy") == 200
    assert home.sql("SELECT member_id, status FROM completion") == [(1, "approved")]
    # Removing twice: there is no active Amy any more.
    with pytest.raises(InvalidState, match="Amy is archived"):
        members.remove(home.w(), "Amy", now=NOW)


def test_a_removed_members_name_stays_theirs(home: World):
    home.bonus("Amy", 300)
    members.remove(home.w(), "Amy", now=NOW, force=True)
    with pytest.raises(InvalidState, match="Amy is an archived member"):
        home.member("AMY")
    with home.r() as uow:
        assert members.resolve(uow, "amy", include_archived=True).id == 1
    # Renamed, the archived member keeps their money and frees the name.
    members.rename(home.w(), "1", "Amy (old)", now=NOW)
    again = home.member("AMY")
    assert again.id == 4 and again.active
    with home.r() as uow:
        assert members.resolve(uow, "amy").id == 4
        assert members.resolve(uow, "amy (OLD)", include_archived=True).id == 1
    assert home.balance("Amy") == 0
    assert home.raw_balances() == {1: 300}


def test_removed_members_chores_become_pool_chores(home: World):
    home.chore("Dishes", assign=["Amy"])
    home.chore("Bins", assign=["Amy", "Ben"])
    home.chore("Hoover", assign=["Amy"])
    chores.remove(home.w(), "Hoover", now=NOW)
    orphaned = members.remove(home.w(), "Amy", now=NOW).orphaned
    assert orphaned == ["Dishes"]  # Bins keeps Ben; Hoover is archived
    assert home.statuses() == [(1, None, "open"), (2, "Ben", "open")]
    assert home.sql("SELECT chore_id, member_id FROM assignment ORDER BY chore_id") == [(2, 2)]
    # Anyone may now do Dishes, but must say who.
    with pytest.raises(BadInput, match="say who did"):
        home.done("Dishes")
    assert home.done("Dishes", "Ben").member_id == 2


@pytest.mark.sqlite_only  # reads the file itself
def test_database_keeps_active_names_unique(home: World):
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        with closing(sqlite3.connect(home.path)) as conn:
            conn.execute(
                "INSERT INTO member (name, name_key, role, active, created_at) "
                "VALUES ('AMY', 'amy', 'child', 1, '2026-11-21T17:00:00.000000+00:00')"
            )


def test_resolve_child_refuses_a_parent(home: World):
    with home.r() as uow:
        assert members.resolve_child(uow, "ben").id == 2
        with pytest.raises(InvalidState, match="Mum is a parent"):
            members.resolve_child(uow, "mum")


# =============================================================================
# Chores
# =============================================================================


@pytest.mark.sqlite_only  # reads the file itself
def test_chore_add_fixed(home: World):
    chore = home.chore("  Dishes ", "2.50", assign=["amy"], due=date(2026, 11, 23), note="plates too")
    assert (chore.id, chore.title, chore.title_key, chore.reward_min, chore.reward_max) == (
        1,
        "Dishes",
        "dishes",
        250,
        250,
    )
    assert home.rows() == [
        ChoreRow(
            id=1,
            title="Dishes",
            assignee="Amy",
            reward=250,
            reward_min=None,
            reward_max=None,
            schedule=None,
            status="open",
            due=date(2026, 11, 23),
            created_at=NOW,
            note="plates too",
            cooldown_days=None,
        )
    ]
    assert home.sql("SELECT reward_min, reward_max, created_at FROM chore") == [
        (250, 250, "2026-11-21T17:00:00.000000+00:00")
    ]


def test_chore_add_range(home: World):
    home.chore("Garden", "1-3", assign=["Ben"])
    (row,) = home.rows()
    assert (row.reward, row.reward_min, row.reward_max) == (None, 100, 300)


def test_chore_add_multi_assignee_lists_one_row_each(home: World):
    home.chore("Bins", assign=["Ben", "amy", "AMY"])
    assert home.sql("SELECT chore_id, member_id FROM assignment ORDER BY member_id") == [(1, 1), (1, 2)]
    assert home.statuses() == [(1, "Amy", "open"), (1, "Ben", "open")]


def test_chore_add_pool(home: World):
    home.chore("Hoover", "1")
    assert home.statuses() == [(1, None, "open")]
    assert home.count("assignment") == 0


@pytest.mark.parametrize(
    ("assign", "error"),
    [(["Mum"], InvalidState), (["Amy", "Zed"], NotFound), (["Amy", "mum"], InvalidState)],
)
def test_chore_add_with_bad_assignee_changes_nothing(home: World, assign, error):
    with pytest.raises(error):
        home.chore("Dishes", assign=assign)
    assert home.count("chore") == 0
    assert home.count("assignment") == 0


@pytest.mark.parametrize(("title", "note"), [("", None), ("x" * 121, None), ("Dishes", "a\x1bb")])
def test_chore_add_bad_text(home: World, title, note):
    with pytest.raises(BadInput):
        home.chore(title, note=note)
    assert home.count("chore") == 0


def test_chore_resolve_by_id_and_title(home: World):
    home.chore("Dishes")
    home.chore("Take out the bins")
    with home.r() as uow:
        assert chores.resolve(uow, "1").title == "Dishes"
        assert chores.resolve(uow, " 2 ").title == "Take out the bins"
        assert chores.resolve(uow, "dishes").id == 1
        assert chores.resolve(uow, "TAKE OUT THE BINS").id == 2
        with pytest.raises(NotFound, match="no chore with id 3"):
            chores.resolve(uow, "3")
        with pytest.raises(NotFound, match="no chore called 'Dish'"):
            chores.resolve(uow, "Dish")  # exact, not a prefix


def test_ambiguous_title_lists_the_ids(home: World):
    """Live titles are unique; archived chores may share one, and then only an id tells them apart."""
    home.chore("Dishes", assign=["Amy"])
    home.chore("Bins")
    chores.remove(home.w(), "Dishes", now=NOW)
    home.chore("DISHES", assign=["Ben"])
    chores.remove(home.w(), "3", now=NOW)
    with home.r() as uow:
        with pytest.raises(BadInput) as info:
            chores.resolve(uow, "dishes", include_archived=True)
    assert info.value.exit_code == 2
    assert "(ids 1, 3)" in info.value.message
    assert info.value.hint == "name it by id"
    # A live chore of that title is the one the title names.
    home.chore("Dishes")
    with home.r() as uow:
        assert chores.resolve(uow, "dishes", include_archived=True).id == 4
        assert chores.resolve(uow, "dishes").id == 4


def test_archived_chores_are_resolved_only_when_asked(home: World):
    home.chore("Dishes")
    archived = chores.remove(home.w(), "Dishes", now=NOW)
    assert archived.archived is True
    with home.r() as uow:
        with pytest.raises(InvalidState, match="archived"):
            chores.resolve(uow, "1")
        with pytest.raises(NotFound):
            chores.resolve(uow, "Dishes")
        assert chores.resolve(uow, "1", include_archived=True).id == 1
        assert chores.resolve(uow, "dishes", include_archived=True).id == 1
    with pytest.raises(InvalidState):
        home.done("1", "Amy")


def test_chore_edit(home: World):
    home.chore("Dishes", "2", assign=["Amy"])
    changes = chores.Changes(title="Wash up", reward=parse_reward_spec("1-4"), due=date(2026, 12, 1), note="pans")
    chores.edit(home.w(), "dishes", changes, now=NOW)
    (row,) = home.rows()
    assert (row.title, row.reward, row.reward_min, row.reward_max, row.due, row.note) == (
        "Wash up",
        None,
        100,
        400,
        date(2026, 12, 1),
        "pans",
    )
    with home.r() as uow:
        assert chores.resolve(uow, "WASH UP").id == 1


def test_chore_assign_replaces_assignees(home: World):
    home.chore("Dishes", assign=["Amy"])
    home.chore("Bins")
    result = chores.assign(home.w(), ["Dishes", "2", "1"], ["Ben", "Amy"], now=NOW)
    assert [(c.id, names) for c, names in result] == [(1, ["Ben", "Amy"]), (2, ["Ben", "Amy"])]
    assert home.statuses() == [(1, "Amy", "open"), (1, "Ben", "open"), (2, "Amy", "open"), (2, "Ben", "open")]
    chores.assign(home.w(), ["Dishes"], [], now=NOW)
    assert home.statuses() == [(1, None, "open"), (2, "Amy", "open"), (2, "Ben", "open")]
    with pytest.raises(InvalidState):
        chores.assign(home.w(), ["Bins"], ["Mum"], now=NOW)
    assert home.statuses()[1:] == [(2, "Amy", "open"), (2, "Ben", "open")]


def test_chore_listing_filters(home: World):
    home.chore("Dishes", assign=["Amy"])
    home.chore("Bins", assign=["Ben"])
    home.chore("Hoover")
    home.chore("Windows", assign=["Amy"])
    chores.remove(home.w(), "Windows", now=NOW)
    home.done("Dishes")
    assert home.statuses() == [(1, "Amy", "pending"), (2, "Ben", "open"), (3, None, "open")]
    assert home.statuses(member="amy") == [(1, "Amy", "pending"), (3, None, "open")]
    assert home.statuses(status="open") == [(2, "Ben", "open"), (3, None, "open")]
    assert home.statuses(status="pending") == [(1, "Amy", "pending")]
    assert home.statuses(status="archived") == [(4, "Amy", "archived")]
    assert len(home.rows(status="all")) == 4
    with pytest.raises(BadInput):
        home.rows(status="done")
    with pytest.raises(NotFound):
        home.rows(member="Zed")


def test_chore_show(home: World):
    home.chore("Bins", "1-2", assign=["Amy", "Ben"])
    home.done("Bins", "Ben")
    chore, rows = chores.show(home.r(), "bins", today=TODAY)
    assert chore.id == 1
    assert [(r.assignee, r.status, r.reward_min, r.reward_max) for r in rows] == [
        ("Amy", "open", 100, 200),
        ("Ben", "pending", 100, 200),
    ]


# =============================================================================
# Done
# =============================================================================


def test_done_by_the_only_assignee_needs_no_name(home: World):
    home.chore("Dishes", assign=["Amy"])
    completion, chore, who = completions.done(home.w(), "dishes", member=None, now=NOW, note=" quick ")
    assert (completion.id, completion.chore_id, completion.member_id, completion.status) == (1, 1, 1, "pending")
    assert (chore.title, who.name, completion.note, completion.reward) == ("Dishes", "Amy", "quick", None)
    assert completion.completed_at == NOW
    assert home.statuses() == [(1, "Amy", "pending")]
    assert completions.pending(home.r()) == [
        CompletionRow(
            id=1,
            chore_id=1,
            chore="Dishes",
            member="Amy",
            status="pending",
            completed_at=NOW,
            reviewed_at=None,
            reward=None,
            note="quick",
            due=None,
            reward_min=200,
            reward_max=200,
            member_id=1,
        )
    ]


def test_only_an_assignee_may_do_it(home: World):
    home.chore("Dishes", assign=["Amy"])
    with pytest.raises(InvalidState, match="assigned to Amy, not Ben"):
        home.done("Dishes", "Ben")
    assert home.count("completion") == 0


def test_second_done_while_pending_is_refused(home: World):
    home.chore("Dishes", assign=["Amy"])
    home.done("Dishes")
    with pytest.raises(InvalidState, match="waits for approval"):
        home.done("Dishes", "amy")
    assert home.count("completion") == 1


def test_done_after_approval_of_a_one_off_is_refused(home: World):
    home.chore("Dishes", assign=["Amy"])
    home.approve(home.done("Dishes").id)
    with pytest.raises(InvalidState, match="approved"):
        home.done("Dishes")
    assert home.statuses() == [(1, "Amy", "approved")]


def test_pool_chore_first_done_wins(home: World):
    home.chore("Hoover", "1")
    with pytest.raises(BadInput, match="say who did") as info:
        home.done("Hoover")
    assert info.value.hint == "add --as NAME, or set CHORECTL_MEMBER"
    first = home.done("Hoover", "ben")
    assert first.member_id == 2
    with pytest.raises(InvalidState, match="already done by someone else"):
        home.done("Hoover", "Amy")
    with pytest.raises(InvalidState, match="waits for approval"):
        home.done("Hoover", "Ben")
    assert home.statuses() == [(1, None, "pending")]
    assert home.count("completion") == 1


def test_several_assignees_each_do_their_own_copy(home: World):
    home.chore("Bins", "1", assign=["Amy", "Ben"])
    with pytest.raises(BadInput, match="say who did"):
        home.done("Bins")
    a = home.done("Bins", "Amy")
    assert home.statuses() == [(1, "Amy", "pending"), (1, "Ben", "open")]
    b = home.done("Bins", "Ben")
    assert home.statuses() == [(1, "Amy", "pending"), (1, "Ben", "pending")]
    home.approve(a.id, b.id)
    assert home.raw_balances() == {1: 100, 2: 100}


@pytest.mark.parametrize("assign", [[], ["Amy"]])
def test_a_parent_cannot_do_chores(home: World, assign):
    home.chore("Dishes", assign=assign)
    with pytest.raises(InvalidState, match="Mum is a parent"):
        home.done("Dishes", "Mum")
    assert home.count("completion") == 0


def test_done_by_unknown_or_removed_member(home: World):
    home.chore("Hoover")
    with pytest.raises(NotFound):
        home.done("Hoover", "Zed")
    members.remove(home.w(), "Ben", now=NOW)
    with pytest.raises(InvalidState, match="Ben is archived"):
        home.done("Hoover", "Ben")
    with pytest.raises(NotFound):
        home.done("Nothing", "Amy")
    assert home.count("completion") == 0


def test_done_note_is_checked(home: World):
    home.chore("Dishes", assign=["Amy"])
    with pytest.raises(BadInput):
        home.done("Dishes", note="x" * 501)
    assert home.count("completion") == 0


# =============================================================================
# Approve
# =============================================================================


@pytest.mark.sqlite_only  # reads the file itself
def test_approve_fixed_reward_pays(home: World):
    home.chore("Dishes", "2.50", assign=["Amy"])
    cid = home.done("Dishes").id
    approve_at = NOW + timedelta(hours=1)
    (row,) = home.approve(cid, now=approve_at)
    assert (row.id, row.status, row.reward, row.member, row.reviewed_at) == (
        1,
        "approved",
        250,
        "Amy",
        approve_at,
    )
    assert home.ledger_rows() == [(1, "reward", 250, 1, 1, "Dishes")]
    assert home.sql("SELECT at FROM ledger") == [("2026-11-21T18:00:00.000000+00:00",)]
    assert home.sql("SELECT status, reward, reviewed_at FROM completion") == [
        ("approved", 250, "2026-11-21T18:00:00.000000+00:00")
    ]
    assert home.balance("Amy") == 250
    assert completions.pending(home.r()) == []


def test_approve_range_reward_needs_an_amount_within_bounds(home: World):
    home.chore("Garden", "1-3", assign=["Ben"])
    cid = home.done("Garden").id
    assert completions.needing_reward(home.r(), [cid], False) == [
        completions.RewardToDecide(id=cid, chore="Garden", reward_min=100, reward_max=300)
    ]
    with pytest.raises(BadInput, match=re.escape("range reward 1.00-3.00")):
        home.approve(cid)
    with pytest.raises(BadInput, match=re.escape("outside 1.00-3.00")):
        home.approve(cid, reward=301)
    with pytest.raises(BadInput, match="outside"):
        home.approve(cid, reward=99)
    assert home.completion_status(cid) == "pending"
    assert home.count("ledger") == 0
    home.approve(cid, reward=300)
    assert home.ledger_rows() == [(2, "reward", 300, 1, 1, "Garden")]


@pytest.mark.parametrize("cents", [100, 199, 300])
def test_approve_range_reward_bounds_are_inclusive(home: World, cents):
    home.chore("Garden", "1-3", assign=["Ben"])
    cid = home.done("Garden").id
    home.approve(cid, rewards={cid: cents})
    assert home.balance("Ben") == cents


def test_reward_option_is_for_range_chores_only(home: World):
    home.chore("Dishes", "2", assign=["Amy"])
    cid = home.done("Dishes").id
    with pytest.raises(BadInput, match="range reward"):
        home.approve(cid, reward=200)
    assert home.completion_status(cid) == "pending"


def test_mixed_batch_uses_reward_for_the_range_chore_only(home: World):
    home.chore("Dishes", "2", assign=["Amy"])
    home.chore("Garden", "1-3", assign=["Amy"])
    a = home.done("Dishes").id
    b = home.done("Garden").id
    rows = home.approve(a, b, reward=150)
    assert [(r.id, r.reward) for r in rows] == [(a, 200), (b, 150)]
    assert home.balance("Amy") == 350


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"ids": [99]}, id="missing-id"),
        pytest.param({"ids": [3]}, id="range-without-reward"),
        pytest.param({"ids": [4]}, id="already-approved"),
        pytest.param({"ids": [3], "reward": 5000}, id="range-reward-out-of-bounds"),
    ],
)
def test_approve_is_all_or_nothing(home: World, bad):
    home.chore("Dishes", "2", assign=["Amy"])
    home.chore("Bins", "1", assign=["Ben"])
    home.chore("Garden", "1-3", assign=["Amy"])
    home.chore("Hoover", "0.50", assign=["Ben"])
    assert [home.done(c).id for c in ("Dishes", "Bins", "Garden", "Hoover")] == [1, 2, 3, 4]
    home.approve(4)
    before_ledger, before_completions = home.ledger_rows(), home.sql("SELECT * FROM completion ORDER BY id")
    with pytest.raises((BadInput, InvalidState, NotFound)):
        home.approve(1, 2, *bad["ids"], reward=bad.get("reward"))
    assert home.ledger_rows() == before_ledger == [(2, "reward", 50, 4, 4, "Hoover")]
    assert home.sql("SELECT * FROM completion ORDER BY id") == before_completions
    assert [home.completion_status(i) for i in (1, 2, 3)] == ["pending"] * 3
    assert home.raw_balances() == {2: 50}


@pytest.mark.parametrize(("spec", "reward"), [("0-2", 0), ("0", None)])
def test_zero_reward_writes_no_ledger_row(home: World, spec, reward):
    home.chore("Tidy", spec, assign=["Amy"])
    cid = home.done("Tidy").id
    (row,) = home.approve(cid, reward=reward)
    assert (row.status, row.reward) == ("approved", 0)
    assert home.count("ledger") == 0
    assert home.count("ledger_total") == 0
    assert home.balance("Amy") == 0
    assert home.statuses() == [(1, "Amy", "approved")]


def test_approve_everything_and_nothing(home: World):
    assert completions.approve(home.w(), [], everything=True, now=NOW) == []  # nothing waits: fine
    with pytest.raises(BadInput):
        completions.approve(home.w(), [], now=NOW)
    home.chore("Dishes", "2", assign=["Amy"])
    home.chore("Bins", "1", assign=["Ben"])
    home.done("Dishes")
    home.done("Bins")
    rows = completions.approve(home.w(), [], everything=True, now=NOW)
    assert [(r.id, r.member, r.reward) for r in rows] == [(1, "Amy", 200), (2, "Ben", 100)]
    assert home.raw_balances() == {1: 200, 2: 100}


def test_approve_same_id_twice_in_one_batch_pays_once(home: World):
    home.chore("Dishes", "2", assign=["Amy"])
    cid = home.done("Dishes").id
    assert len(home.approve(cid, cid)) == 1
    assert home.ledger_rows() == [(1, "reward", 200, 1, 1, "Dishes")]
    with pytest.raises(InvalidState, match="is approved, not pending"):
        home.approve(cid)
    assert home.count("ledger") == 1


def test_approving_a_removed_members_completion_pays_them(home: World):
    home.chore("Dishes", "2", assign=["Amy"])
    cid = home.done("Dishes").id
    members.remove(home.w(), "Amy", now=NOW, force=True)
    home.approve(cid)
    assert home.raw_balances() == {1: 200}
    assert home.balance("Amy") == 200  # balances() finds archived members by name


# =============================================================================
# Reject
# =============================================================================


def test_reject_reopens_and_keeps_the_childs_note(home: World):
    home.chore("Dishes", "2", assign=["Amy"])
    cid = home.done("Dishes", note="all done!").id
    ((row, missed),) = home.reject(cid, reason="  pans still dirty ")
    assert not missed
    assert (row.status, row.note, row.reviewed_at, row.reward) == (
        "rejected",
        "all done!; pans still dirty",
        NOW,
        None,
    )
    assert home.sql("SELECT status, note FROM completion") == [("rejected", "all done!; pans still dirty")]
    assert home.statuses() == [(1, "Amy", "open")]
    assert home.count("ledger") == 0
    again = home.done("Dishes")
    assert again.id == 2
    assert home.statuses() == [(1, "Amy", "pending")]
    with pytest.raises(InvalidState, match="rejected, not pending"):
        home.approve(cid)
    home.approve(again.id)
    assert home.balance("Amy") == 200


@pytest.mark.parametrize(
    ("child", "reason", "note"),
    [("done", None, "done"), (None, "not done", "not done"), (None, None, None), ("done", "   ", "done")],
)
def test_reject_note_combinations(home: World, child, reason, note):
    home.chore("Dishes", assign=["Amy"])
    cid = home.done("Dishes", note=child).id
    home.reject(cid, reason=reason)
    assert home.sql("SELECT note FROM completion") == [(note,)]


def test_reject_pool_chore_lets_someone_else_do_it(home: World):
    home.chore("Hoover", "1")
    cid = home.done("Hoover", "Amy").id
    home.reject(cid)
    assert home.done("Hoover", "Ben").member_id == 2


def test_reject_is_all_or_nothing(home: World):
    home.chore("Dishes", assign=["Amy"])
    cid = home.done("Dishes").id
    with pytest.raises(NotFound):
        home.reject(cid, 42, reason="no")
    assert home.sql("SELECT status, note FROM completion") == [("pending", None)]
    home.approve(cid)
    with pytest.raises(InvalidState):
        home.reject(cid)
    assert home.completion_status(cid) == "approved"


# =============================================================================
# Ledger
# =============================================================================


def test_pay_refuses_overdraft(home: World):
    home.bonus("Amy", 200)
    with pytest.raises(InvalidState) as info:
        ledger.pay(home.w(), "Amy", 201, note=None, now=NOW)
    assert info.value.message == "Amy's balance is $2.00; cannot pay out $2.01"
    assert home.ledger_rows() == [(1, "bonus", 200, None, None, "bonus")]
    member, left = ledger.pay(home.w(), "amy", 200, note="pocket money", now=NOW)
    assert (member.name, left) == ("Amy", 0)
    assert home.ledger_rows()[-1] == (1, "payout", -200, None, None, "pocket money")
    assert home.balance("Amy") == 0
    with pytest.raises(InvalidState, match=r"balance is \$0.00"):
        ledger.pay(home.w(), "Amy", 1, note=None, now=NOW)


def test_pay_message_uses_the_households_symbol(db: World):
    household.initialise(db.w(), currency="€", now=NOW, store_pin=bound)
    db.member("Amy")
    with pytest.raises(InvalidState, match=re.escape("balance is €0.00; cannot pay out €5.00")):
        ledger.pay(db.w(), "Amy", 500, note=None, now=NOW)


def test_pay_an_archived_member_to_settle_up(home: World):
    home.bonus("Ben", 500)
    members.remove(home.w(), "Ben", now=NOW, force=True)
    _, left = ledger.pay(home.w(), "Ben", 500, note="settled", now=NOW)
    assert left == 0
    assert home.raw_balances() == {2: 0}


def test_adjust_is_signed(home: World):
    member, left = ledger.adjust(home.w(), "Amy", 200, reason="helped granny", now=NOW)
    assert (member.id, left) == (1, 200)
    member, left = ledger.adjust(home.w(), "AMY", -150, reason="\nslammed door\n", now=NOW)
    assert left == 50
    assert home.ledger_rows() == [
        (1, "bonus", 200, None, None, "helped granny"),
        (1, "penalty", -150, None, None, "slammed door"),
    ]
    assert ledger.balances(home.r(), "Amy") == [
        BalanceRow(
            member="Amy", earned=0, bonuses=200, penalties=-150, paid=0, balance=50, redeemed=0, **NO_GOAL, member_id=1
        )
    ]


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_adjust_needs_a_reason(home: World, reason):
    with pytest.raises(BadInput, match="reason"):
        ledger.adjust(home.w(), "Amy", 200, reason=reason, now=NOW)
    assert home.count("ledger") == 0


def test_ledger_errors_name_unknown_members(home: World):
    with pytest.raises(NotFound):
        ledger.pay(home.w(), "Zed", 1, note=None, now=NOW)
    with pytest.raises(NotFound):
        ledger.adjust(home.w(), "Zed", 1, reason="x", now=NOW)
    with pytest.raises(NotFound):
        ledger.balances(home.r(), "Zed")
    with pytest.raises(NotFound):
        ledger.entries(home.r(), name="Zed")  # refused before the first row
    assert home.count("ledger") == 0


def test_ten_approvals_of_ten_cents_make_exactly_one_unit(home: World):
    for i in range(10):
        home.chore(f"Sock {i}", "0.10", assign=["Amy"])
        home.approve(home.done(f"Sock {i}").id)
    assert home.balance("Amy") == 100
    assert home.raw_balances() == {1: 100}
    assert home.sql("SELECT total, entries FROM ledger_total WHERE member_id = 1 AND kind = 'reward'") == [(100, 10)]
    _, left = ledger.pay(home.w(), "Amy", 100, note=None, now=NOW)
    assert left == 0


def test_balances_breakdown_and_who_is_listed(home: World):
    home.chore("Dishes", "3", assign=["Amy"])
    home.approve(home.done("Dishes").id)
    ledger.adjust(home.w(), "Amy", 100, reason="bonus", now=NOW)
    ledger.adjust(home.w(), "Amy", -50, reason="penalty", now=NOW)
    ledger.pay(home.w(), "Amy", 120, note=None, now=NOW)
    assert ledger.balances(home.r()) == [
        BalanceRow(
            member="Amy",
            earned=300,
            bonuses=100,
            penalties=-50,
            paid=-120,
            balance=230,
            redeemed=0,
            **NO_GOAL,
            member_id=1,
        ),
        BalanceRow(
            member="Ben", earned=0, bonuses=0, penalties=0, paid=0, balance=0, redeemed=0, **NO_GOAL, member_id=2
        ),
    ]  # Mum: a parent without money is left out
    ledger.adjust(home.w(), "Mum", 100, reason="birthday", now=NOW)
    assert [r.member for r in ledger.balances(home.r())] == ["Amy", "Ben", "Mum"]
    members.remove(home.w(), "Ben", now=NOW)  # archived with no money: left out
    assert [r.member for r in ledger.balances(home.r())] == ["Amy", "Mum"]
    assert {r.name: r.balance for r in members.listing(home.r())} == {"Amy": 230, "Mum": 100}


def test_balances_leaves_out_settled_archived_members(home: World):
    home.bonus("Ben", 200)
    ledger.pay(home.w(), "Ben", 200, note=None, now=NOW)
    members.remove(home.w(), "Ben", now=NOW)
    assert [r.member for r in ledger.balances(home.r())] == ["Amy"]


def test_balances_are_the_sums_of_ledger_rows(home: World):
    home.chore("Dishes", "2", assign=["Amy", "Ben"])
    home.chore("Garden", "0.5-4.25", assign=["Ben"])
    home.chore("Hoover", "0.35")
    for who in ("Amy", "Ben"):
        home.done("Dishes", who)
    home.done("Garden")
    home.done("Hoover", "Amy")
    completions.approve(home.w(), [], everything=True, reward=333, now=NOW)
    ledger.adjust(home.w(), "Ben", 75, reason="extra", now=NOW)
    ledger.adjust(home.w(), "Amy", -25, reason="late", now=NOW)
    ledger.pay(home.w(), "Ben", 400, note=None, now=NOW)
    ledger.adjust(home.w(), "Mum", -10, reason="swear jar", now=NOW)
    raw = home.raw_balances()
    assert raw == {1: 200 + 35 - 25, 2: 200 + 333 + 75 - 400, 3: -10}
    by_name = {r.member: r.balance for r in ledger.balances(home.r())}
    assert by_name == {"Amy": raw[1], "Ben": raw[2], "Mum": raw[3]}
    for row in ledger.balances(home.r()):
        assert row.balance == row.earned + row.bonuses + row.penalties + row.paid


def test_ledger_total_equals_the_ledger_after_many_operations(home: World):
    for i in range(40):
        who = ("Amy", "Ben")[i % 2]
        home.chore(f"Job {i}", "0.10-9.99", assign=[who])
        cid = home.done(f"Job {i}").id
        if i % 5 == 4:
            home.reject(cid)
        else:
            home.approve(cid, reward=10 + 23 * i)
        if i % 3 == 0:
            ledger.adjust(home.w(), who, (-1) ** i * (i + 1), reason=f"adj {i}", now=NOW)
        if i % 7 == 6 and home.balance(who) > 1:
            ledger.pay(home.w(), who, home.balance(who) // 2, note=None, now=NOW)
    assert home.count("ledger") > 50
    by_kind = home.sql(
        "SELECT member_id, kind, SUM(amount), count(*) FROM ledger GROUP BY member_id, kind ORDER BY 1, 2"
    )
    assert home.sql("SELECT member_id, kind, total, entries FROM ledger_total ORDER BY 1, 2") == by_kind
    raw = home.raw_balances()
    assert {r.member: r.balance for r in ledger.balances(home.r())} == {"Amy": raw[1], "Ben": raw[2]}
    approved = home.sql("SELECT member_id, SUM(reward) FROM completion WHERE status = 'approved' GROUP BY 1")
    rewards = home.sql("SELECT member_id, SUM(amount) FROM ledger WHERE kind = 'reward' GROUP BY 1")
    assert approved == rewards


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger SET amount = 1000000",
        "UPDATE ledger SET note = 'edited' WHERE id = 1",
        "DELETE FROM ledger",
        "DELETE FROM ledger WHERE id = 1",
    ],
)
def test_ledger_is_append_only_in_the_database(home: World, statement):
    home.bonus("Amy", 200)
    with pytest.raises(Exception, match=r"never (edited|deleted)"):
        home.raw_write(statement)  # the driver alone, past chorectl: the database refuses
    with pytest.raises(InvalidState, match=r"never (edited|deleted)"):
        with home.w() as uow:
            uow.session.exec(text(statement))
            uow.commit()
    assert home.ledger_rows() == [(1, "bonus", 200, None, None, "bonus")]
    assert home.balance("Amy") == 200


def _at(y, m, d, hh, mm, tz=BERLIN):
    return datetime(y, m, d, hh, mm, tzinfo=tz)


def test_ledger_since_until_are_local_days(home: World):
    moments = [
        _at(2026, 11, 20, 23, 59),  # 1: the 20th
        _at(2026, 11, 21, 0, 0),  # 2: the 21st, though 23:00 UTC on the 20th
        _at(2026, 11, 21, 23, 59),  # 3: the 21st
        _at(2026, 11, 22, 0, 30),  # 4: the 22nd, though 23:30 UTC on the 21st
        _at(2026, 11, 22, 12, 0),  # 5: the 22nd, Ben
    ]
    for i, moment in enumerate(moments):
        home.bonus("Ben" if i == 4 else "Amy", i + 1, now=moment)

    def ids(**kwargs):
        return [row.id for row in ledger.entries(home.r(), **kwargs)]

    assert ids() == [1, 2, 3, 4, 5]
    assert ids(since=date(2026, 11, 21), until=date(2026, 11, 21)) == [2, 3]
    assert ids(since=date(2026, 11, 21)) == [2, 3, 4, 5]
    assert ids(until=date(2026, 11, 20)) == [1]
    assert ids(since=date(2026, 11, 22)) == [4, 5]
    assert ids(since=date(2026, 11, 22), name="amy") == [4]
    assert ids(name="Ben") == [5]
    assert ids(since=date(2026, 11, 23)) == []
    with pytest.raises(BadInput, match="--since is after --until"):
        ledger.entries(home.r(), since=date(2026, 11, 22), until=date(2026, 11, 21))


def test_ledger_day_filter_on_dst_days(home: World):
    home.bonus("Amy", 1, now=_at(2026, 10, 25, 0, 0))  # +02:00 at midnight
    home.bonus("Amy", 2, now=_at(2026, 10, 25, 23, 59))  # +01:00 after fall-back
    home.bonus("Amy", 3, now=_at(2026, 10, 26, 0, 0))
    home.bonus("Amy", 4, now=_at(2026, 3, 29, 23, 30))  # after spring-forward
    home.bonus("Amy", 5, now=_at(2026, 3, 30, 0, 0))
    day = date(2026, 10, 25)
    assert [r.amount for r in ledger.entries(home.r(), since=day, until=day)] == [1, 2]
    day = date(2026, 3, 29)
    assert [r.amount for r in ledger.entries(home.r(), since=day, until=day)] == [4]


def test_ledger_entry_rows(home: World):
    home.chore("Dishes", "2", assign=["Amy"])
    home.approve(home.done("Dishes").id)
    ledger.pay(home.w(), "Amy", 150, note="cash", now=_at(2026, 11, 22, 9, 15))
    assert list(ledger.entries(home.r(), name="Amy")) == [
        LedgerRow(
            id=1,
            at=NOW,
            member="Amy",
            kind="reward",
            amount=200,
            chore_id=1,
            completion_id=1,
            note="Dishes",
            member_id=1,
        ),
        LedgerRow(
            id=2,
            at=_at(2026, 11, 22, 9, 15),
            member="Amy",
            kind="payout",
            amount=-150,
            chore_id=None,
            completion_id=None,
            note="cash",
            member_id=1,
        ),
    ]
    # Times come back aware, as the same instants.
    assert all(r.at.tzinfo is not None for r in ledger.entries(home.r()))


def test_slot_state_of_a_pool_chore_follows_the_live_completion(home: World):
    home.chore("Hoover")
    with home.r() as uow:
        chore = chores.resolve(uow, "Hoover")
        (slot,) = slots.slots_of(uow, [chore])
        assert slot.member is None
        assert slots.state(uow, slot, TODAY).status == "open"
    home.done("Hoover", "Amy")
    with home.r() as uow:
        state = slots.state(uow, slots.slots_of(uow, [chore])[0], TODAY)
        assert (state.status, state.completion.member_id, state.period_due) == ("pending", 1, None)
