"""Schema upgrades, applied when chorectl opens a database written by an older version.

Each step takes the schema from version N to N+1 with Alembic's operations
(its batch mode rebuilds a table where SQLite cannot ALTER it in place). All
steps run in one ``BEGIN IMMEDIATE`` transaction with the version bump, so an
upgrade happens whole or not at all; a copy of the file is taken first.

Imported only when an upgrade is due, so everyday commands never load Alembic.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Connection


def _v1_to_v2(op) -> None:
    # A member's history (export completions --member, a removed member's
    # pending work) and the log of one actor, without scanning years of rows.
    op.create_index("ix_completion_member", "completion", ["member_id", "id"])
    op.create_index("ix_audit_actor", "audit", ["actor", "id"])


def _v2_to_v3(op) -> None:
    # The PIN bound to its keyring and hash, and lockouts measured on the
    # kernel's clock (issue: the parent PIN holds against a curious child).
    # A household from before this has no binding yet: its next right PIN binds it.
    import sqlalchemy as sa

    for name, kind in (
        ("keyring_location", sa.String()),
        ("pin_fingerprint", sa.String()),
        ("lock_boot", sa.String()),
        ("lock_uptime_until", sa.Float()),
    ):
        op.add_column("household", sa.Column(name, kind, nullable=True))


def _v3_to_v4(op) -> None:
    # Member names are unique among all members, archived ones included
    # (issue 12: a re-added "Ben" beside the archived one made two identical
    # rows, and the old balance could no longer be paid). An older file may
    # hold such twins already: the current member (or else the newest) keeps
    # the name, each other one becomes "Ben (2)", "Ben (3)"..., logged.
    import sqlalchemy as sa

    conn = op.get_bind()
    taken = {key for (key,) in conn.execute(sa.text("SELECT name_key FROM member"))}
    groups: dict[str, list] = {}
    for row in conn.execute(sa.text("SELECT id, name, name_key, active FROM member ORDER BY id")):
        groups.setdefault(row.name_key, []).append(row)
    for key, twins in groups.items():
        if len(twins) < 2:
            continue
        keeper = max(twins, key=lambda m: (bool(m.active), m.id))
        n = 2
        for member in twins:
            if member is keeper:
                continue
            while f"{key} ({n})" in taken:
                n += 1
            taken.add(f"{key} ({n})")
            conn.execute(
                sa.text("UPDATE member SET name = :name, name_key = :key WHERE id = :id"),
                {"name": f"{member.name} ({n})", "key": f"{key} ({n})", "id": member.id},
            )
            _log(conn, "member rename", f"{member.name} -> {member.name} ({n}) (upgrade: names are unique, archived members included)")
    op.drop_index("ux_member_active_name", table_name="member")
    op.create_index("ux_member_name", "member", ["name_key"], unique=True)


def _log(conn, action: str, detail: str) -> None:
    """A line in the audit log for what an upgrade changed in the data (actor: chorectl)."""
    from datetime import datetime, timezone

    import sqlalchemy as sa

    conn.execute(
        sa.text("INSERT INTO audit (at, actor, action, detail) VALUES (:at, 'chorectl', :action, :detail)"),
        {"at": datetime.now(timezone.utc).isoformat(timespec="microseconds"), "action": action, "detail": detail},
    )


STEPS: dict[int, Callable] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4}
LATEST = max(STEPS) + 1


def upgrade(conn: Connection, current: int) -> list[int]:
    """Run every step from *current* on inside the caller's transaction; returns the versions passed."""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    op = Operations(MigrationContext.configure(conn))
    passed = []
    for version in range(current, LATEST):
        STEPS[version](op)
        passed.append(version + 1)
    return passed
