"""The storage services and db helpers without Typer: file names, schema checks, where copies may go."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from sqlalchemy import text

from chorectl.db.engine import ensure_schema, make_engine, memory_engine
from chorectl.db.uri import connect, file_uri

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
