"""Schema upgrades, applied when chorectl opens a database written by an older version.

Each step takes the schema from version N to N+1 with Alembic's operations
(its batch mode rebuilds a table where SQLite cannot ALTER it in place). All
steps run in one write-locked transaction with the version bump, so an
upgrade happens whole or not at all; a copy of the file is taken first.

Imported only when an upgrade is due, so everyday commands never load Alembic.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

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
    # Issue 12: a name names one member, a title one live chore, and a chore
    # shows its recent completions.
    # - Member names are unique among all members, archived ones included: a
    #   re-added "Ben" beside the archived one made two identical rows, and the
    #   old balance could no longer be paid.
    # - Live chores' titles are unique in any case: a second "Dishes" made
    #   `done Dishes` an error. Archived chores may share a title.
    # An older file may hold such twins already, and must still upgrade: the
    # current member (else the newest) and the oldest live chore keep the name;
    # each other one becomes "Ben (2)", "Dishes (2)"..., logged by "chorectl".
    from datetime import datetime

    import sqlalchemy as sa

    from chorectl.db.dialect import index_where

    conn = op.get_bind()
    at = datetime.now(UTC).isoformat(timespec="microseconds")

    def rename_twins(table: str, column: str, rows: list, action: str, because: str) -> None:
        """*rows* (id, text, key) in order of precedence: the first of each key keeps it."""
        taken = {row.key for row in rows}
        seen: dict[str, int] = {}  # key -> the last number given
        for row in rows:
            if row.key not in seen:
                seen[row.key] = 1
                continue
            n = seen[row.key] + 1
            while f"{row.key} ({n})" in taken:
                n += 1
            seen[row.key] = n
            taken.add(f"{row.key} ({n})")
            new = f"{row.text} ({n})"
            conn.execute(
                sa.text(f"UPDATE {table} SET {column} = :new, {column}_key = :key WHERE id = :id"),
                {"new": new, "key": f"{row.key} ({n})", "id": row.id},
            )
            conn.execute(
                sa.text("INSERT INTO audit (at, actor, action, detail) VALUES (:at, 'chorectl', :action, :detail)"),
                {"at": at, "action": action, "detail": f"{row.label}{row.text} -> {new} (upgrade: {because})"},
            )

    members = conn.execute(
        sa.text("SELECT id, name AS text, name_key AS key, '' AS label FROM member ORDER BY active DESC, id DESC")
    ).all()
    rename_twins("member", "name", members, "member rename", "names are unique, archived members included")
    chores = conn.execute(
        sa.text(
            "SELECT id, title AS text, title_key AS key, '#' || id || ' ' AS label"
            " FROM chore WHERE archived = 0 ORDER BY id"
        )
    ).all()
    rename_twins("chore", "title", chores, "chore edit", "live chores' titles are unique")
    op.drop_index("ux_member_active_name", table_name="member")
    op.create_index("ux_member_name", "member", ["name_key"], unique=True)
    op.create_index("ux_chore_live_title", "chore", ["title_key"], unique=True, **index_where("archived = 0"))
    # A chore's newest completions (chore show) without reading all of its history.
    op.create_index("ix_completion_chore", "completion", ["chore_id", "id"])


def _v4_to_v5(op) -> None:
    # Issue 14: `chorectl log` says how many PIN events its table leaves out and
    # how many lines it does not show. Counting them by action reads this index
    # (a few ms at ten years) instead of every line of the log (tens of ms).
    op.create_index("ix_audit_action", "audit", ["action", "id"])


def _v5_to_v6(op) -> None:
    # Issue 15: the PIN on a second machine. A shared (PostgreSQL) household keeps a
    # verifier of its PIN, and which keyrings (machines) hold the hash; both tables
    # are made on every backend and stay empty on a SQLite file (see models.PinVerifier).
    # An older shared household has no verifier yet: its next right PIN writes it.
    import sqlalchemy as sa

    from chorectl.db.types import AwareDateTime

    def text(name: str, **kwargs) -> sa.Column:
        return sa.Column(name, sa.String(), nullable=False, **kwargs)

    op.create_table(
        "pin_verifier",
        text("household_id", primary_key=True),
        text("hash"),
        sa.Column("changed_at", AwareDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
    )
    op.create_table(
        "pin_keyring",
        text("household_id", primary_key=True),
        text("location", primary_key=True),
        text("kind"),
        text("fingerprint"),
        sa.Column("joined_at", AwareDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
    )


def _v6_to_v7(op) -> None:
    # Issue 17: what families ask chore apps for. Rotating chores and streak bonuses
    # (columns on chore, the turn order in rotation), savings goals, a rewards catalog
    # and its requests (a `redeem` debit on the ledger once approved), and the parent
    # actions `undo` can reverse (action, beside each one's log line).
    import sqlalchemy as sa

    from chorectl.db.dialect import index_where
    from chorectl.db.types import AwareDateTime, Cents

    def column(name: str, kind, nullable: bool = False, **kwargs) -> sa.Column:
        return sa.Column(name, kind, nullable=nullable, **kwargs)

    with op.batch_alter_table("chore") as batch:
        batch.add_column(column("rotate_by", sa.String(), nullable=True))
        batch.add_column(column("streak_n", sa.Integer(), nullable=True))
        batch.add_column(column("streak_bonus", Cents(), nullable=True))
    op.create_table(
        "rotation",
        column("chore_id", sa.Integer(), primary_key=True),
        column("member_id", sa.Integer(), primary_key=True),
        column("position", sa.Integer()),
        sa.ForeignKeyConstraint(["chore_id"], ["chore.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
    )
    op.create_table(
        "goal",
        column("id", sa.Integer(), primary_key=True),
        column("member_id", sa.Integer()),
        column("title", sa.String()),
        column("target", Cents()),
        column("created_at", AwareDateTime()),
        column("archived", sa.Boolean()),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
    )
    op.create_index("ix_goal_member", "goal", ["member_id", "id"])
    op.create_table(
        "reward",
        column("id", sa.Integer(), primary_key=True),
        column("title", sa.String()),
        column("title_key", sa.String()),
        column("cost", Cents()),
        column("archived", sa.Boolean()),
        column("created_at", AwareDateTime()),
    )
    op.create_index("ux_reward_live_title", "reward", ["title_key"], unique=True, **index_where("archived = 0"))
    op.create_table(
        "redemption",
        column("id", sa.Integer(), primary_key=True),
        column("reward_id", sa.Integer()),
        column("member_id", sa.Integer()),
        column("status", sa.String()),
        column("cost", Cents()),
        column("requested_at", AwareDateTime()),
        column("reviewed_at", AwareDateTime(), nullable=True),
        column("ledger_id", sa.Integer(), nullable=True),
        column("note", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["reward_id"], ["reward.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["ledger_id"], ["ledger.id"]),
    )
    op.create_index("ix_redemption_pending", "redemption", ["status"], **index_where("status = 'pending'"))
    op.create_index("ix_redemption_member", "redemption", ["member_id", "id"])
    op.create_table(
        "action",
        column("id", sa.Integer(), primary_key=True),
        column("audit_id", sa.Integer()),
        column("at", AwareDateTime()),
        column("kind", sa.String()),
        column("data", sa.String()),
        column("undone_by", sa.Integer(), nullable=True),
        sa.UniqueConstraint("audit_id"),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
        sa.ForeignKeyConstraint(["undone_by"], ["audit.id"]),
    )


STEPS: dict[int, Callable] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4, 4: _v4_to_v5, 5: _v5_to_v6, 6: _v6_to_v7}
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
