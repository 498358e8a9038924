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


STEPS: dict[int, Callable] = {1: _v1_to_v2, 2: _v2_to_v3}
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
