"""The storage services and db helpers without Typer: file names, schema checks, where copies may go."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text

from chorectl.db import schema
from chorectl.db.engine import SCHEMA_VERSION, ensure_schema, make_engine, memory_engine
from chorectl.db.uri import connect, file_uri
from chorectl.errors import InvalidState, StorageError
from chorectl.services import doctor, storage
from chorectl.services.targets import check_target
from chorectl.services.uow import UnitOfWork

# ---------------------------------------------------------------- a database name is a file name


def test_make_engine_opens_a_file_even_when_named_like_a_uri_or_memory(tmp_path, monkeypatch):
    tmp_path = tmp_path / "here"
    tmp_path.mkdir()
    monkeypatch.chdir(tmp_path)
    for name in (":memory:", "file:x.db", "file::memory:?cache=shared"):
        engine = make_engine(name)
        ensure_schema(engine)
        engine.dispose()
        with closing(sqlite3.connect(tmp_path / name)) as con:  # an absolute path: no URI reading
            assert con.execute("PRAGMA application_id").fetchone()[0] != 0, name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([":memory:", "file:x.db", "file::memory:?cache=shared"])


def test_memory_engine_is_a_private_database_with_the_schema():
    engine = memory_engine()
    ensure_schema(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM member")).scalar() == 0
    assert memory_engine() is not engine


def test_file_uri_escapes_every_special_character(tmp_path):
    path = tmp_path / "here" / "a:b?c=d#e%f g.db"
    path.parent.mkdir()
    assert file_uri(path, mode="ro").endswith("/a%3Ab%3Fc%3Dd%23e%25f%20g.db?mode=ro")
    with closing(connect(path)) as con:
        con.execute("CREATE TABLE t (x)")
    assert [p.name for p in path.parent.iterdir()] == [path.name]


# ---------------------------------------------------------------- the schema this chorectl makes

FIXTURE = Path(__file__).parents[1] / "fixtures" / "chorectl-schema1.db"


def fresh(path: Path) -> Path:
    engine = make_engine(path)
    ensure_schema(engine)
    engine.dispose()
    return path


def alter(path: Path, sql: str) -> None:
    with closing(sqlite3.connect(path)) as con:
        con.executescript(sql)


def differences(path: Path) -> list[str]:
    with closing(connect(path, mode="ro")) as con:
        return schema.differences(con)


def test_a_new_database_has_no_differences(tmp_path):
    assert differences(fresh(tmp_path / "new.db")) == []


def test_the_first_schema_upgraded_has_no_differences(tmp_path):
    """Upgrades and create_all must agree: the committed schema-1 file, upgraded, compares equal."""
    old = tmp_path / "old.db"
    shutil.copy(FIXTURE, old)
    before = differences(old)
    assert {"index ix_audit_actor is missing", "index ix_completion_member is missing"} <= set(before)  # schema 2
    assert "column household.pin_fingerprint is missing" in before  # schema 3
    upgraded = ensure_schema(make_engine(old), old)
    assert upgraded is not None and upgraded.from_version == 1
    assert differences(old) == []


def test_the_reference_is_what_a_new_file_gets():
    reference = schema.expected()
    tables = {"household", "member", "chore", "assignment", "completion", "ledger", "ledger_total", "audit"}
    schema7 = {"rotation", "goal", "reward", "redemption", "action"}  # issue 17
    assert tables | {"pin_verifier", "pin_keyring"} | schema7 == set(reference.tables)
    assert {"ledger_no_update", "ledger_no_delete", "audit_no_update", "audit_no_delete", "ledger_total_add"} == set(
        reference.triggers
    )
    assert reference.indexes["ux_member_name"][1:] == (1, (("name_key", 0, "BINARY"),), "")
    assert reference.indexes["ux_chore_live_title"][1:] == (1, (("title_key", 0, "BINARY"),), "archived = 0")


@pytest.mark.parametrize(
    "sql, found",
    [
        ("DROP TABLE assignment", ["table assignment is missing", "index ix_assignment_member_id is missing"]),
        ("CREATE TABLE notes (x)", ["extra table notes"]),
        ("ALTER TABLE member ADD COLUMN age INTEGER", ["extra column member.age"]),
        ("ALTER TABLE audit DROP COLUMN detail", ["column audit.detail is missing"]),
        ("DROP TRIGGER audit_no_delete", ["trigger audit_no_delete is missing"]),
        (
            "DROP TRIGGER ledger_no_delete; CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger BEGIN SELECT 1; END",
            ["trigger ledger_no_delete is altered"],
        ),
        (  # the same guard, but the message changed: a word of it, so it differs
            "DROP TRIGGER audit_no_update; CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
            "BEGIN SELECT RAISE(ABORT, 'The audit log is append-only'); END",
            ["trigger audit_no_update is altered"],
        ),
        ("DROP INDEX ix_completion_pending", ["index ix_completion_pending is missing"]),
        (  # the partial index without its WHERE clause
            "DROP INDEX ix_completion_pending; CREATE INDEX ix_completion_pending ON completion (status)",
            ["index ix_completion_pending is altered"],
        ),
        (  # unique no more
            "DROP INDEX ux_member_name; CREATE INDEX ux_member_name ON member (name_key)",
            ["index ux_member_name is altered"],
        ),
        ("CREATE VIEW v AS SELECT 1", ["extra view v"]),
    ],
)
def test_differences_name_what_differs(tmp_path, sql, found):
    db = fresh(tmp_path / "db.db")
    alter(db, sql)
    assert differences(db) == found


def test_a_changed_column_or_key_is_named(tmp_path):
    db = fresh(tmp_path / "db.db")
    alter(
        db,
        """PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = ON;
        CREATE TABLE ledger_total2 (member_id INTEGER NOT NULL, kind TEXT, total INTEGER NOT NULL,
                                    entries INTEGER NOT NULL);
        DROP TABLE ledger_total;
        ALTER TABLE ledger_total2 RENAME TO ledger_total;""",
    )
    assert differences(db) == [
        "column ledger_total.kind is TEXT nullable, not VARCHAR NOT NULL PRIMARY KEY",
        "column ledger_total.member_id is INTEGER NOT NULL, not INTEGER NOT NULL PRIMARY KEY",
        "the foreign keys of table ledger_total differ",
        "the primary key or unique constraints of table ledger_total differ",
    ]


def test_writing_sqlite_objects_and_formatting_do_not_count(tmp_path):
    db = fresh(tmp_path / "db.db")
    alter(
        db,
        """DROP TRIGGER ledger_no_update;
        CREATE TRIGGER "LEDGER_NO_UPDATE"
          /* the same guard, spelled differently */ Before Update On `ledger`
          Begin Select Raise(Abort, 'ledger entries are never edited; add a reversing entry') ; End;
        DROP INDEX ix_ledger_member_at;
        create index [ix_ledger_member_at] on "ledger"("member_id","at");
        CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT); INSERT INTO t DEFAULT VALUES; DROP TABLE t;
        ANALYZE;""",
    )
    names = {r[0] for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")}
    assert {"sqlite_sequence", "sqlite_stat1"} <= names
    assert differences(db) == []


def test_normalize():
    assert schema.normalize('CREATE UNIQUE INDEX IF NOT EXISTS "X" ON t (a) -- c\n WHERE Active == 1') == (
        "create unique index x on t ( a ) where active = 1"
    )
    assert schema.normalize('SELECT \'Keep Case\', "It""s"') == "select 'Keep Case' , it\"s"


# ---------------------------------------------------------------- restore and doctor, without Typer


def test_inspect_refuses_a_current_backup_with_an_altered_guard(tmp_path):
    db = fresh(tmp_path / "b.db")
    alter(
        db, "DROP TRIGGER ledger_no_update; CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger BEGIN SELECT 1; END"
    )
    with pytest.raises(InvalidState, match="trigger ledger_no_update is altered") as caught:
        storage.inspect(db)
    assert caught.value.hint


def test_stage_upgrades_an_old_backup_and_compares_it(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    candidate = storage.stage(FIXTURE, work)
    assert candidate.schema == SCHEMA_VERSION
    assert differences(candidate.path) == []


def test_stage_refuses_an_old_backup_with_a_dropped_guard(tmp_path):
    old = tmp_path / "old.db"
    shutil.copy(FIXTURE, old)
    alter(old, "DROP TRIGGER audit_no_delete")
    before = old.read_bytes()
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(InvalidState, match=r"old\.db cannot be restored: .*trigger audit_no_delete is missing"):
        storage.stage(old, work)
    assert old.read_bytes() == before


def test_opening_an_old_database_with_a_dropped_guard_refuses_it_unchanged(tmp_path):
    old = tmp_path / "old.db"
    shutil.copy(FIXTURE, old)
    alter(old, "DROP TRIGGER ledger_no_delete")
    before = old.read_bytes()
    with pytest.raises(StorageError, match="trigger ledger_no_delete is missing"):
        ensure_schema(make_engine(old), old)
    assert old.read_bytes() == before
    assert not list(tmp_path.glob("old.db.schema*"))  # nothing changed: no safety copy left behind


def test_doctor_checks_the_structure(tmp_path):
    db = fresh(tmp_path / "d.db")
    engine = make_engine(db)

    def structure():
        checks, _home = doctor.database_checks(UnitOfWork(engine))
        return next(c for c in checks if c.name == "structure")

    assert structure().status == "ok"
    alter(db, "DROP INDEX ix_ledger_at; DROP TRIGGER audit_no_update")
    assert structure() == doctor.Check(
        "structure", "fail", "index ix_ledger_at is missing; trigger audit_no_update is missing"
    )
    alter(db, "DROP TABLE ledger_total")
    checks, _home = doctor.database_checks(UnitOfWork(engine))
    assert ("balances", "fail") in {(c.name, c.status) for c in checks}
    engine.dispose()


# ---------------------------------------------------------------- where copies may be written


def test_check_target_allows_a_new_name_or_a_regular_file(tmp_path):
    db = fresh(tmp_path / "c.db")
    other = tmp_path / "other.db"
    other.write_text("x")
    assert check_target(other, db=db, what="backup") == other
    assert check_target(tmp_path / "new.db", db=db, what="backup") == tmp_path / "new.db"


def test_check_target_refuses_what_a_rename_would_destroy(tmp_path):
    db = fresh(tmp_path / "c.db")
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "link").symlink_to(tmp_path / "other.db")
    os.link(db, tmp_path / "hard.db")
    (tmp_path / "alias").symlink_to(tmp_path)
    ring = Path(os.environ["XDG_DATA_HOME"]) / "chorectl" / "pin-keyring.cfg"  # need not exist: its name is enough
    cases = {
        "folder": "not a regular file (a folder)",
        "fifo": "not a regular file (a named pipe)",
        "link": "symbolic link",
        "hard.db": "it is the live database",
        "c.db": "it is the live database",
        "c.db-journal": "journal files",
        "alias/c.db-wal": "journal files",
        "folder/../c.db-shm": "journal files",
        str(ring): "the PIN keyring file",
    }
    for name, says in cases.items():
        with pytest.raises(InvalidState, match=re.escape(says)) as caught:
            check_target(tmp_path / name, db=db, what="backup")
        assert caught.value.hint, name


def test_check_target_guards_the_journals_of_the_real_file_behind_a_linked_database(tmp_path):
    real = fresh(tmp_path / "real.db")
    link = tmp_path / "link.db"
    link.symlink_to(real)
    for name in ("real.db", "real.db-wal", "link.db-wal"):
        with pytest.raises(InvalidState, match="live database"):
            check_target(tmp_path / name, db=link, what="export")


def test_doctor_reports_progress_while_the_integrity_check_reads_the_file(tmp_path, monkeypatch):
    """The integrity check reads the whole file (a second or more at ten years): the caller
    hears from it as it goes, and the check says how long it took."""
    from chorectl.db import sqlite as sqlite_backend

    path = fresh(tmp_path / "doctor.db")
    monkeypatch.setattr(sqlite_backend, "PROGRESS_STEPS", 10)
    engine = make_engine(path)
    ticks = []
    found = doctor.run(UnitOfWork(engine), str(path), progress=lambda: ticks.append(1))
    integrity = next(check for check in found if check.name == "integrity")
    assert integrity.status == "ok"
    assert re.fullmatch(r"ok \(the whole file read in \d+\.\d s\)", integrity.detail)
    assert ticks, "no progress while the integrity check ran"
    ticks.clear()
    doctor.run(UnitOfWork(engine), str(path))  # no one listening: the handler is gone
    assert ticks == []
    engine.dispose()


class Stop(Exception):
    pass


@pytest.mark.parametrize("raised", [KeyboardInterrupt, Stop])
def test_what_the_progress_of_the_integrity_check_raises_ends_doctor_as_itself(tmp_path, monkeypatch, raised):
    """Ctrl-C during the integrity check lands in its progress handler (the only Python code
    running), and sqlite3 turns a handler's exception into "interrupted": doctor on a
    terminal ended in "Error: database error: interrupted" (exit 1) instead of as Ctrl-C (130)."""
    from chorectl.db import sqlite as sqlite_backend

    path = fresh(tmp_path / "doctor.db")
    monkeypatch.setattr(sqlite_backend, "PROGRESS_STEPS", 10)
    engine = make_engine(path)

    def progress():
        raise raised()

    with pytest.raises(raised):
        doctor.run(UnitOfWork(engine), str(path), progress=progress)
    found = doctor.run(UnitOfWork(engine), str(path))  # the handler is gone, the connection fine
    assert next(check for check in found if check.name == "integrity").status == "ok"
    engine.dispose()


def test_an_interruption_the_progress_handler_could_not_catch_is_ctrl_c(tmp_path, monkeypatch):
    """A KeyboardInterrupt can come as the handler is entered, before its try: sqlite3
    drops it and says "interrupted". Only Ctrl-C does that; it must end doctor as Ctrl-C."""
    from chorectl.db import sqlite as sqlite_backend

    path = fresh(tmp_path / "doctor.db")
    real_rows = sqlite_backend.rows

    def interrupted(conn, sql, *params):
        if sql == "PRAGMA integrity_check":
            raise sqlite3.OperationalError("interrupted")
        return real_rows(conn, sql, *params)

    monkeypatch.setattr(sqlite_backend, "rows", interrupted)
    with closing(sqlite3.connect(path)) as con:
        with pytest.raises(KeyboardInterrupt):
            sqlite_backend.integrity_problems(con, progress=lambda: None)
        with pytest.raises(sqlite3.OperationalError):  # no handler of ours: the error as it was
            sqlite_backend.integrity_problems(con)
