"""The household's database roles: on a shared database, the real wall between parents and children.

The PIN keeps a child at the kitchen laptop out of parent commands; a child with
a database login of their own is kept out by the database itself. ``init`` on a
server (run by the database owner) sets up a parent role and a child role, and
grants each what its commands need (the statements are the backend's). A
person's login is then given one of them: ``GRANT chorectl_child TO ben``.
A file database has no logins, and no roles.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from chorectl.db import dialect
from chorectl.errors import BadInput
from chorectl.services.uow import UnitOfWork

PARENT_ROLE = "chorectl_parent"
CHILD_ROLE = "chorectl_child"
NO_ROLES = "database roles are for a household on a PostgreSQL server; an SQLite file has no logins"


@dataclass(frozen=True)
class Roles:
    """The household's group roles: give a person's login one of them."""

    parent: str
    child: str


def has_roles(location: Path | str) -> bool:
    """Does the database at *location* have logins to give roles to (a server, not a file)?"""
    return dialect.at(location).SHARED  # a shared backend has logins (and role_sql, setup_roles)


def refuse_without_roles(location: Path | str) -> None:
    if not has_roles(location):
        raise BadInput(NO_ROLES, hint="--parent-role, --child-role and --roles-sql need --db postgresql+psycopg://...")


def setup(uow: UnitOfWork, *, parent: str = PARENT_ROLE, child: str = CHILD_ROLE, now: datetime) -> Roles:
    """Make (or reuse) the roles and grant them what they may do, in one write transaction; logged.

    Refused (exit 3, nothing changed) for a login that does not own the household's
    tables, or that may not make a role that is missing.
    """
    with uow:
        backend = dialect.of(uow.session)
        backend.setup_roles(uow.session.connection(), parent, child)
        uow.record("roles", f"parent role {parent}, child role {child}", at=now)
        uow.commit()
    return Roles(parent, child)


def sql(location: Path | str, *, parent: str = PARENT_ROLE, child: str = CHILD_ROLE) -> list[str]:
    """The statements :func:`setup` would run on the household at *location*, each ending in ``;``.

    Reads which schema the household is in and changes nothing: for a database owner
    or superuser to run with ``psql`` (after ``chorectl init`` made the tables).
    """
    refuse_without_roles(location)
    from sqlalchemy import exc as sa_exc

    from chorectl.db.engine import make_engine

    backend = dialect.at(location)
    engine = make_engine(location, create=True)  # a server: nothing is made by opening it
    try:
        with engine.connect() as conn:
            schema = backend.current_schema(conn)
            conn.rollback()
    except sa_exc.DBAPIError as exc:
        raise backend.translate_error(exc) from None
    finally:
        engine.dispose()
    return [f"{statement};" for statement in backend.role_sql(schema, parent, child)]
