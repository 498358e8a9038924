"""A PostgreSQL connection's set-up (issue 15): every command opens its own, so its round trips count."""

from __future__ import annotations

from chorectl.db.engine import make_engine


def test_a_connection_has_its_settings_and_skips_what_chorectl_does_not_use(pg_server):
    """The lock timeout and UTC hold for every transaction after the connection's set-up (made
    outside a transaction, in one round trip); no lookup of hstore, a type chorectl never uses."""
    engine = make_engine(pg_server.new_household())
    try:
        assert engine.dialect.use_native_hstore is False
        for _ in range(2):
            with engine.connect() as conn:
                assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "15s"
                assert conn.exec_driver_sql("SHOW TimeZone").scalar() == "UTC"
                conn.rollback()
    finally:
        engine.dispose()
