"""A household's history with odd text, odd amounts and odd moments, put straight into the tables.

Rows go in through the models' tables (the database's own types, so moments are
stored as chorectl stores them), not through the services: the services refuse
much of this text (tabs, CR, a leading "="), and an export must still write
whatever a database holds. Used by the tests of the script formats written in
SQL (tests/service/test_script_lines.py, tests/cli/test_script_formats.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import insert

from chorectl.db.dialect import writing
from chorectl.db.engine import ensure_schema, make_engine, memory_engine
from chorectl.db.models import AuditEntry, Chore, Completion, Household, LedgerEntry, Member
from chorectl.domain.text import fold

START = datetime(2016, 1, 1, tzinfo=UTC)


@dataclass
class History:
    """Rows by table, as the columns' values; members and chores are numbered from 1 in order."""

    members: list[str] = field(default_factory=list)
    chores: list[tuple[str, int, int]] = field(default_factory=list)  # title, reward_min, reward_max
    # at, member (1-based), kind, amount, chore (or None), completion (or None), note
    ledger: list[tuple] = field(default_factory=list)
    # chore, member (or None), status, period_due, completed_at, reviewed_at, reward, note
    completions: list[tuple] = field(default_factory=list)
    # at, actor, action, detail, amount
    audit: list[tuple] = field(default_factory=list)


def build(path: Path | str | None, history: History):
    """A database at *path* (a file, a PostgreSQL URL; None: in memory) holding *history*; returns its engine."""
    engine = make_engine(path) if path is not None else memory_engine()
    ensure_schema(engine)
    name_keys = _keys([fold(name) for name in history.members], "m")
    title_keys = _keys([fold(title) for title, _, _ in history.chores], "c")
    with writing(engine).begin() as conn:
        conn.execute(insert(Household.__table__), [{"id": "odd", "currency": "$", "created_at": START}])
        conn.execute(
            insert(Member.__table__),
            [
                {"id": i, "name": name, "name_key": key, "role": "child", "active": True, "created_at": START}
                for i, (name, key) in enumerate(zip(history.members, name_keys, strict=True), start=1)
            ],
        )
        if history.chores:
            conn.execute(
                insert(Chore.__table__),
                [
                    {
                        "id": i,
                        "title": title,
                        "title_key": title_keys[i - 1],
                        "reward_min": low,
                        "reward_max": high,
                        "archived": False,
                        "created_at": START,
                    }
                    for i, (title, low, high) in enumerate(history.chores, start=1)
                ],
            )
        if history.completions:
            conn.execute(
                insert(Completion.__table__),
                [
                    dict(
                        zip(
                            (
                                "chore_id",
                                "member_id",
                                "status",
                                "period_due",
                                "completed_at",
                                "reviewed_at",
                                "reward",
                                "note",
                            ),
                            row,
                            strict=True,
                        )
                    )
                    for row in history.completions
                ],
            )
        if history.ledger:
            conn.execute(
                insert(LedgerEntry.__table__),
                [
                    dict(
                        zip(
                            ("at", "member_id", "kind", "amount", "chore_id", "completion_id", "note"), row, strict=True
                        )
                    )
                    for row in history.ledger
                ],
            )
        if history.audit:
            conn.execute(
                insert(AuditEntry.__table__),
                [dict(zip(("at", "actor", "action", "detail", "amount"), row, strict=True)) for row in history.audit],
            )
    return engine


def _keys(folded: list[str], prefix: str) -> list[str]:
    """The folded names as keys (so the commands find them), or numbered ones where two fold alike."""
    if len(set(folded)) == len(folded):
        return folded
    return [f"{prefix}{i}" for i in range(1, len(folded) + 1)]


def sample() -> History:
    """A small history with one of each oddity, for tests that spell out what they expect.

    tests/cli/script_formats.golden.json holds what chorectl printed for it before the
    database wrote export lines: change it, and that file no longer says anything.
    """
    at = datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=UTC)  # a microsecond before Berlin's clocks go forward
    return History(
        members=["Amy", '=Ben, "B"'],
        chores=[("Dishes", 150, 150), ("Tidy\troom", 100, 300)],
        ledger=[
            (at, 1, "reward", 150, 1, 1, "Dishes"),
            (at.replace(hour=1, microsecond=0), 2, "penalty", -5, None, None, "-rude"),
            (at.replace(hour=2), 1, "payout", -(2**63), None, None, None),
            (at.replace(hour=3), 2, "bonus", 2**63 - 1, None, None, 'say "hi" 🧹\u2028'),
            (at.replace(hour=4), 1, "reward", 0, 2, 2, "a,b\r\nc"),
        ],
        completions=[
            (1, 1, "approved", date(2026, 3, 28), at, at.replace(hour=5), 150, "+done @home"),
            (2, 2, "approved", date(2026, 3, 29), at.replace(hour=6), at.replace(hour=7), 250, None),
            (2, None, "missed", date(2026, 3, 30), at.replace(hour=8), None, None, "C:\\new"),
        ],
        audit=[
            (at, "Amy", "done", "#1 Dishes", None),
            (at.replace(hour=9), "parent", "adjust", "Ben: -rude", -5),
        ],
    )
