"""The tables. Money is integer cents; times are aware (UTC in the file).

The ledger is append-only: triggers (the backend's guards, :mod:`chorectl.db.dialect`) refuse
UPDATE and DELETE on it and keep ``ledger_total`` (one row per member and
kind) equal to the ledger's sums, so balances never scan history.
"""

# No `from __future__ import annotations` here: SQLModel and SQLAlchemy would
# eval() every field's annotation string while building the classes.
from datetime import date, datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from chorectl.db.dialect import index_where
from chorectl.db.types import AwareDateTime, Cents


def _at(nullable: bool = False):
    return Field(sa_column=Column(AwareDateTime(), nullable=nullable))


def _cents(nullable: bool = False, **kwargs):
    return Field(sa_column=Column(Cents(), nullable=nullable), **kwargs)


class Household(SQLModel, table=True):
    id: str = Field(primary_key=True, description="stable id; the keyring user name")
    currency: str = "$"
    created_at: datetime = _at()
    pin_set: bool = False
    # Where the PIN hash lives: "system" (the OS keyring) or "file" (the
    # documented keyrings.alt fallback in the user data folder).
    keyring: str = "system"
    # Wrong PINs in a row, and until when parent commands are locked out.
    failed_pins: int = 0
    locked_until: datetime | None = _at(nullable=True)
    # Which keyring holds the PIN's hash (backend, and a file keyring's path),
    # and a fingerprint of that hash (sha256 of it, never the salt or the PIN),
    # both written by init, pin change and pin recover: a keyring or hash that
    # does not match is refused (schema 3).
    keyring_location: str | None = None
    pin_fingerprint: str | None = None
    # The lockout's end on the kernel's clock, which nobody can move: this
    # boot's id and its uptime in seconds when the lock ends (schema 3).
    lock_boot: str | None = None
    lock_uptime_until: float | None = None


class PinVerifier(SQLModel, table=True):
    """The parent PIN's bcrypt hash, kept in a shared (PostgreSQL) database only (schema 6).

    A second machine joins the household by typing the PIN once: it is checked
    against this hash, which then goes into that machine's keyring. Written by
    init, pin change and pin recover; readable by the parent role only. On a
    SQLite file it stays empty: a child who can copy the file must never get a
    hash to guess a short PIN against offline.
    """

    __tablename__ = "pin_verifier"
    household_id: str = Field(foreign_key="household.id", primary_key=True)
    hash: str
    changed_at: datetime = _at()


class PinKeyring(SQLModel, table=True):
    """The keyrings (one per machine and user) that hold a shared household's PIN hash (schema 6).

    Written by init, join, pin change and pin recover on a shared database; the PIN gate there
    accepts a hash from any of them, as long as it is the household's current one (*fingerprint*
    is the hash this keyring was given: one that differs from the household's was changed
    elsewhere, and this machine joins again). Empty on a SQLite file.
    """

    __tablename__ = "pin_keyring"
    household_id: str = Field(foreign_key="household.id", primary_key=True)
    location: str = Field(primary_key=True)  # keystore.location(kind): the backend, a file keyring's path
    kind: str  # system | file
    fingerprint: str
    joined_at: datetime = _at()


class Member(SQLModel, table=True):
    __table_args__ = (
        # Names are unique among all members, archived ones included (schema 4):
        # a name always names one member, and `member restore` can bring them back.
        Index("ux_member_name", "name_key", unique=True),
    )
    id: int | None = Field(default=None, primary_key=True)
    name: str
    name_key: str
    role: str  # parent | child
    active: bool = True
    created_at: datetime = _at()


class Chore(SQLModel, table=True):
    __table_args__ = (
        Index("ix_chore_title_key", "title_key"),
        # Live chores' titles are unique in any case (schema 4); an archived one's may be reused.
        Index("ux_chore_live_title", "title_key", unique=True, **index_where("archived = 0")),
    )
    id: int | None = Field(default=None, primary_key=True)
    title: str
    title_key: str
    reward_min: int = _cents()  # cents; == reward_max for a fixed reward
    reward_max: int = _cents()
    schedule: str | None = None  # canonical schedule text; None = one-off or cooldown
    cooldown_days: int | None = None
    due: date | None = None  # first due date (the schedule's anchor)
    note: str | None = None
    archived: bool = False
    created_at: datetime = _at()
    # Pool chores: the period reset last rolled to (assigned chores keep it on Assignment).
    rolled_due: date | None = None
    # Rotation (schema 7): None, or how the turn moves at each period start: "turns"
    # (round robin, in Rotation's order) or "least-done". The children are in Rotation.
    rotate_by: str | None = None
    # Streak bonus (schema 7): after streak_n consecutive periods done and approved, a
    # bonus of streak_bonus cents (one ledger entry per streak).
    streak_n: int | None = None
    streak_bonus: int | None = _cents(nullable=True, default=None)


class Assignment(SQLModel, table=True):
    chore_id: int = Field(foreign_key="chore.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True, index=True)
    rolled_due: date | None = None


class Rotation(SQLModel, table=True):
    """The children who take turns at a rotating chore, in order (schema 7)."""

    chore_id: int = Field(foreign_key="chore.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    position: int


class Completion(SQLModel, table=True):
    __table_args__ = (
        Index("ix_completion_slot", "chore_id", "period_due", "member_id"),
        Index("ix_completion_pending", "status", **index_where("status = 'pending'")),
        Index("ix_completion_member", "member_id", "id"),
        # A chore's newest completions (chore show) and its history in order
        # (export completions --chore), without reading or sorting the rest (schema 4).
        Index("ix_completion_chore", "chore_id", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    chore_id: int = Field(foreign_key="chore.id")
    member_id: int | None = Field(default=None, foreign_key="member.id")  # None: a missed pool period
    status: str  # pending | approved | rejected | missed
    period_due: date | None = None  # the due date of the period it counts for
    completed_at: datetime = _at()
    reviewed_at: datetime | None = _at(nullable=True)
    reward: int | None = _cents(nullable=True, default=None)  # cents, once approved
    note: str | None = None


class LedgerEntry(SQLModel, table=True):
    __tablename__ = "ledger"
    __table_args__ = (
        Index("ix_ledger_member_at", "member_id", "at"),
        Index("ix_ledger_at", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _at()
    member_id: int = Field(foreign_key="member.id")
    kind: str  # reward | bonus | penalty | payout | reversal | redeem
    amount: int = _cents()  # signed cents
    chore_id: int | None = Field(default=None, foreign_key="chore.id")
    completion_id: int | None = Field(default=None, foreign_key="completion.id")
    note: str | None = None


class LedgerTotal(SQLModel, table=True):
    """Maintained by triggers only: the running sum per member and kind."""

    __tablename__ = "ledger_total"
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    kind: str = Field(primary_key=True)
    total: int = _cents(default=0)
    entries: int = 0


class AuditEntry(SQLModel, table=True):
    """Who did what, when: append-only (triggers refuse UPDATE and DELETE)."""

    __tablename__ = "audit"
    __table_args__ = (
        Index("ix_audit_at", "at"),
        Index("ix_audit_actor", "actor", "id"),
        Index("ix_audit_action", "action", "id"),  # counts by kind of line (log's table)
    )
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _at()
    actor: str  # "parent", a child's name, or "cron"
    action: str  # e.g. "chore add", "approve", "pin failed"
    detail: str | None = None
    amount: int | None = _cents(nullable=True, default=None)  # cents, when money moved


class Goal(SQLModel, table=True):
    """A child's savings goal (schema 7): a view on the balance, never money moved."""

    __table_args__ = (Index("ix_goal_member", "member_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    title: str
    target: int = _cents()  # cents
    created_at: datetime = _at()
    archived: bool = False  # removed: kept for the log and for undo


class Reward(SQLModel, table=True):
    """The household's rewards catalog (schema 7): what a child may spend their balance on."""

    __table_args__ = (Index("ux_reward_live_title", "title_key", unique=True, **index_where("archived = 0")),)
    id: int | None = Field(default=None, primary_key=True)
    title: str
    title_key: str
    cost: int = _cents()  # cents
    archived: bool = False
    created_at: datetime = _at()


class Redemption(SQLModel, table=True):
    """A child's request to spend their balance on a reward (schema 7); approved, it is a
    ``redeem`` debit on the ledger (*ledger_id*)."""

    __table_args__ = (
        Index("ix_redemption_pending", "status", **index_where("status = 'pending'")),
        Index("ix_redemption_member", "member_id", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    reward_id: int = Field(foreign_key="reward.id")
    member_id: int = Field(foreign_key="member.id")
    status: str  # pending | approved | rejected
    cost: int = _cents()  # cents, the reward's cost when requested
    requested_at: datetime = _at()
    reviewed_at: datetime | None = _at(nullable=True)
    ledger_id: int | None = Field(default=None, foreign_key="ledger.id")  # the redeem debit, once approved
    note: str | None = None


class Action(SQLModel, table=True):
    """A parent action that `undo` can reverse (schema 7), beside its line in the log.

    *data* is JSON: what the action changed, enough to put it back. *undone_by* is the
    log line of the undo that reversed it (None: not undone).
    """

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", unique=True)
    at: datetime = _at()
    kind: str  # e.g. approve, reject, pay, adjust, member add, chore edit, redeem
    data: str  # JSON
    undone_by: int | None = Field(default=None, foreign_key="audit.id")
