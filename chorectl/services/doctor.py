"""``chorectl doctor``: is the database sound and does every balance equal its ledger?"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import inspect, text

from chorectl.db import dialect, schema
from chorectl.db.engine import APPLICATION_ID, SCHEMA_VERSION
from chorectl.errors import LoginDenied
from chorectl.services import auth
from chorectl.services import household as household_service
from chorectl.services.uow import UnitOfWork


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok | warn | fail
    detail: str


def database_checks(
    uow: UnitOfWork, progress: Callable[[], None] | None = None
) -> tuple[list[Check], auth.Gate | None]:
    """The database's own checks, and the household's PIN state (None: no household) for the keyring checks.

    *progress()* is called now and then during the integrity check, the one that reads the whole file."""
    checks = []
    with uow:
        conn = uow.session.connection()
        backend = dialect.of(conn)
        stamp = backend.read_stamp(conn)
        checks.append(
            Check(
                "schema",
                "ok" if stamp.version == SCHEMA_VERSION and stamp.app_id == APPLICATION_ID else "fail",
                f"version {stamp.version} (this chorectl: {SCHEMA_VERSION}), {backend.describe(conn)}",
            )
        )
        try:
            differ = schema.differences(conn)
        except LoginDenied as exc:  # on a server: only its owner may make the schema it compares with
            checks.append(
                Check(
                    "structure",
                    "warn",
                    f"not checked: this login may not make the throw-away schema it is compared with"
                    f" ({exc.reason}); run doctor as the database's owner",
                )
            )
        else:
            checks.append(
                Check(
                    "structure",
                    "fail" if differ else "ok",
                    "; ".join(differ)
                    if differ
                    else "tables, indexes and append-only triggers as this chorectl makes them",
                )
            )
        started = time.perf_counter()
        problems = backend.integrity_problems(conn, progress)
        took = f"{backend.INTEGRITY_READS} in {time.perf_counter() - started:.1f} s"
        checks.append(Check("integrity", "fail" if problems else "ok", "; ".join(problems[:5]) or f"ok ({took})"))
        dangling = backend.dangling_references(conn)
        checks.append(
            Check(
                "references",
                "ok" if not dangling else "fail",
                f"{len(dangling)} rows point at nothing" if dangling else "ok",
            )
        )
        tables = {name.lower() for name in inspect(conn).get_table_names()}
        missing = {"member", "ledger", "ledger_total"} - tables
        if missing:  # the structure row says what differs; this check cannot run without them
            checks.append(Check("balances", "fail", f"not checked: no table {', '.join(sorted(missing))}"))
        else:
            checks.append(_balances(uow))
        home = household_service.get(uow) if "household" in tables else None
    return checks, auth.gate_of(home) if home is not None else None


def _balances(uow: UnitOfWork) -> Check:
    mismatched = uow.session.execute(
        text(
            """
            SELECT m.name, COALESCE(l.total, 0), COALESCE(t.total, 0)
            FROM member m
            LEFT JOIN (SELECT member_id, SUM(amount) AS total FROM ledger GROUP BY member_id) l ON l.member_id = m.id
            LEFT JOIN (SELECT member_id, SUM(total) AS total FROM ledger_total GROUP BY member_id) t ON t.member_id = m.id
            WHERE COALESCE(l.total, 0) != COALESCE(t.total, 0)
            """
        )
    ).all()
    entries = uow.session.execute(text("SELECT COUNT(*) FROM ledger")).scalar()
    if mismatched:
        detail = "; ".join(f"{name}: ledger {a / 100:.2f}, balance {b / 100:.2f}" for name, a, b in mismatched)
        return Check("balances", "fail", detail)
    return Check("balances", "ok", f"every balance equals its ledger sum ({entries} entries)")


def run(uow: UnitOfWork, database: str, progress: Callable[[], None] | None = None) -> list[Check]:
    """Every check ``chorectl doctor`` makes, in order: the database's, then the household's
    keyring, PIN, lockout and unlock session. The caller prints them; any ``fail`` is exit 1.
    *progress()* is called now and then while the integrity check reads the file."""
    from chorectl.domain.dates import iso
    from chorectl.security import clock, keystore, session

    checks = [Check("database", "ok", database)]
    found, gate = database_checks(uow, progress)
    checks.extend(found)
    if gate is None:
        checks.append(Check("household", "warn", "none yet: run chorectl init"))
        return checks
    checks.append(Check("household", "ok", f"id {gate.household_id}"))
    from chorectl.services.gate import keyring_here

    joined = auth.keyrings(uow)  # a shared household's machines (None on a file)
    kind = keyring_here(gate, joined)
    checks.append(Check("keyring", "ok", f"{kind}: {keystore.describe(kind)}"))
    checks.append(_pin_check(gate, kind, joined))
    moment = clock.instant()
    left = auth.lock_left(gate, moment)
    if left:
        checks.append(
            Check("lockout", "warn", f"{gate.failed_pins} wrong PINs; locked until {iso(moment.wall + left)}")
        )
    else:
        checks.append(Check("lockout", "ok", f"{gate.failed_pins} wrong PINs in a row" if gate.failed_pins else "none"))
    fingerprint = gate.binding.fingerprint if gate.binding else None
    expires = session.active(gate.household_id, fingerprint, moment)
    checks.append(Check("unlock session", "ok", f"active until {iso(expires)}" if expires else "none"))
    return checks


def _pin_check(gate: auth.Gate, kind: str, joined: tuple[auth.Keyring, ...] | None) -> Check:
    """Is the PIN's hash where the household says, and the one it was set with?"""
    from chorectl.errors import Denied
    from chorectl.security import keystore

    if not gate.pin_set:
        return Check("parent PIN", "warn", "not set: run chorectl init")
    try:
        hashed = keystore.read(kind, gate.household_id, "look up the PIN")
    except keystore.Unusable as exc:
        return Check(
            "parent PIN", "fail", f"set, but the keyring cannot be reached ({exc}): parent commands are denied"
        )
    if not hashed and joined is not None:
        return Check(
            "parent PIN",
            "fail",
            "set, but not in this machine's keyring: parent commands are denied here;"
            " a parent joins this machine with: chorectl join",
        )
    if not hashed:
        return Check(
            "parent PIN",
            "fail",
            "set, but missing from the keyring: parent commands are denied; see chorectl pin recover",
        )
    if gate.binding is None:
        return Check("parent PIN", "warn", "set; not yet bound to its keyring (the next right PIN binds it)")
    try:
        here = auth.Binding(keystore.location(kind), keystore.fingerprint(gate.household_id, hashed))
        auth.check_binding(gate, here, joined)
    except (Denied, keystore.Unusable) as exc:
        return Check("parent PIN", "fail", f"{getattr(exc, 'message', exc)}: parent commands are denied")
    if joined is not None:
        return Check(
            "parent PIN",
            "ok",
            f"set; its hash is in this machine's keyring, one of {len(joined) or 1} that joined ({here.words()})",
        )
    return Check("parent PIN", "ok", f"set; its hash is in the keyring it was set in ({gate.binding.words()})")
