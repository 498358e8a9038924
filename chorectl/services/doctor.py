"""``chorectl doctor``: is the database sound and does every balance equal its ledger?"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from chorectl.db.engine import APPLICATION_ID, SCHEMA_VERSION
from chorectl.services import household as household_service
from chorectl.services.uow import UnitOfWork


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok | warn | fail
    detail: str


def database_checks(uow: UnitOfWork) -> tuple[list[Check], object]:
    """The database's own checks, and the household (or None) for the caller's keyring checks."""
    checks = []
    with uow:
        run = uow.session.connection().exec_driver_sql
        version = run("PRAGMA user_version").scalar()
        app_id = run("PRAGMA application_id").scalar()
        mode = run("PRAGMA journal_mode").scalar()
        checks.append(
            Check(
                "schema",
                "ok" if version == SCHEMA_VERSION and app_id == APPLICATION_ID else "fail",
                f"version {version} (this chorectl: {SCHEMA_VERSION}), journal {mode}",
            )
        )
        problems = [row[0] for row in run("PRAGMA integrity_check").fetchall()]
        checks.append(Check("integrity", "ok" if problems == ["ok"] else "fail", "; ".join(problems[:5])))
        dangling = run("PRAGMA foreign_key_check").fetchall()
        checks.append(
            Check("references", "ok" if not dangling else "fail", f"{len(dangling)} rows point at nothing" if dangling else "ok")
        )
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
            checks.append(Check("balances", "fail", detail))
        else:
            checks.append(Check("balances", "ok", f"every balance equals its ledger sum ({entries} entries)"))
        home = household_service.get(uow)
    return checks, home
