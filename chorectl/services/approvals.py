"""What waits for a parent: chores done and rewards asked for, decided together.

``approvals`` lists the completions waiting (their ids, ``4``) and then the reward
requests waiting (``r3``); ``approve`` and ``reject`` take either kind, in one
transaction: ``approve 4 r3`` approves both or neither. The chore's reward is paid
before the request is checked against the balance, so a child can spend what the
same approval just paid them.

``approve --all`` approves every *completion* waiting, never a reward request:
spending a child's money is decided one request at a time, by its id (and a script
that ran ``approve --all`` before rewards existed does not start spending).
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from chorectl.db.models import Completion
from chorectl.domain.refs import Ref
from chorectl.errors import BadInput
from chorectl.services import completions, rewards
from chorectl.services.rows import ApprovalRow, CompletionRow, RedemptionRow
from chorectl.services.uow import UnitOfWork


def pending(uow: UnitOfWork) -> list[ApprovalRow]:
    """Completions waiting, by id, then reward requests waiting, by id."""
    with uow:
        chores = [
            ApprovalRow(*completions.completion_row(c, ch, m))
            for c, ch, m in uow.session.exec(
                completions.joined().where(Completion.status == "pending").order_by(Completion.id)
            )
        ]
        return chores + rewards.waiting_rows(uow)


def _split(refs: list[Ref], everything: bool) -> tuple[list[int], list[int]]:
    if everything and refs:
        raise BadInput("give ids or --all, not both")
    if not everything and not refs:
        raise BadInput("name the completions or reward requests (ids from 'chorectl approvals'), or use --all")
    return [r.id for r in refs if not r.request], [r.id for r in refs if r.request]


class Approved(NamedTuple):
    """What ``approve`` approved: *chores* (completions, rewards paid), *requests* (each a
    ``redeem`` debit), and *still_waiting*, the reward requests ``--all`` leaves alone."""

    chores: list[CompletionRow]
    requests: list[rewards.Granted]
    still_waiting: list[str]


def approve(
    uow: UnitOfWork,
    refs: list[Ref],
    *,
    everything: bool = False,
    reward: int | None = None,
    rewards_given: dict[int, int] | None = None,
    allow_debt: bool = False,
    now: datetime,
) -> Approved:
    """Approve completions and reward requests, all or nothing (see the module's docstring).

    *allow_debt*: a request may take the balance below zero (``--allow-debt``, only with ids).
    """
    chore_ids, request_ids = _split(refs, everything)
    if allow_debt and not request_ids:
        raise BadInput("--allow-debt is for reward requests: name them (r3)", hint="see: chorectl approvals")
    with uow:
        done = []
        if chore_ids or everything:
            done = completions.approve_inside(
                uow, chore_ids, everything=everything, reward=reward, rewards=rewards_given, now=now
            )
        elif reward is not None:
            raise BadInput("--reward is for chores with a range reward, not reward requests")
        granted = rewards.approve_requests(uow, request_ids, allow_debt=allow_debt, now=now)
        waiting = [row.id for row in rewards.waiting_rows(uow)] if everything else []
        uow.commit()
        return Approved(done, granted, waiting)


class Rejected(NamedTuple):
    chores: list[completions.Rejected]
    requests: list[RedemptionRow]


def reject(uow: UnitOfWork, refs: list[Ref], *, reason: str | None, now: datetime) -> Rejected:
    """Reject completions (the chore opens again) and reward requests (no money moves), all or nothing."""
    chore_ids, request_ids = _split(refs, False)
    with uow:
        done = completions.reject_inside(uow, chore_ids, reason=reason, now=now) if chore_ids else []
        refused = rewards.reject_requests(uow, request_ids, reason=reason, now=now)
        uow.commit()
        return Rejected(done, refused)


def needing_reward(uow: UnitOfWork, refs: list[Ref], everything: bool) -> list[completions.RewardToDecide]:
    """The selected completions of range-reward chores (reward requests have their cost)."""
    chore_ids, _ = _split(refs, everything)
    if not chore_ids and not everything:
        return []
    return completions.needing_reward(uow, chore_ids, everything)
