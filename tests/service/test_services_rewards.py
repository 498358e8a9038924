"""The rewards catalog and redemptions as services, on both backends (issue 17).

A child asks (no PIN), a parent approves (a ``redeem`` debit) or rejects; the balance is
checked under the write lock, so two parents approving at once cannot both spend the
same money. Each parent action can be put back by its reverser (``chorectl undo``).
"""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chorectl.db.engine import make_engine
from chorectl.db.models import LedgerEntry
from chorectl.domain.money import LEDGER_KINDS
from chorectl.domain.refs import parse_ref
from chorectl.errors import BadInput, InvalidState, NotFound
from chorectl.services import approvals, household, ledger, reports, rewards
from chorectl.services.actions import REVERSERS
from chorectl.services.rows import RewardRow
from chorectl.services.uow import UnitOfWork
from tests.service.test_services_core import World, bound

pytestmark = pytest.mark.usefixtures("backend")

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 21, 18, 0, tzinfo=BERLIN)


@pytest.fixture
def home(tmp_path, backend):
    """$ household: children Amy (1) and Ben (2), parent Mum (3); a catalog of two rewards."""
    world = World(tmp_path / "t.db" if not backend.postgres else backend.location)
    household.initialise(world.w(), currency="$", now=NOW, store_pin=bound)
    world.member("Amy")
    world.member("Ben")
    world.member("Mum", "parent")
    rewards.add(world.w(), "30 min screen time", 150, now=NOW)
    rewards.add(world.w(), "Lego set", 2500, now=NOW)
    yield world
    world.engine.dispose()


def refs(*words: str):
    return [parse_ref(w) for w in words]


def ask(home: World, name: str, reward: str, **kwargs) -> rewards.Asked:
    return rewards.redeem(home.w(), name, reward, now=kwargs.pop("now", NOW), **kwargs)


# ---------------------------------------------------------------- the catalog


def test_the_catalog_adds_lists_and_removes(home):
    assert rewards.listing(home.r()) == [
        RewardRow(1, "30 min screen time", 150, NOW, False),
        RewardRow(2, "Lego set", 2500, NOW, False),
    ]
    with pytest.raises(InvalidState, match=re.escape("there is already a reward called Lego set (id 2)")):
        rewards.add(home.w(), "  LEGO set ", 100, now=NOW)
    with pytest.raises(BadInput):
        rewards.add(home.w(), "Free", 0, now=NOW)
    with pytest.raises(BadInput):
        rewards.add(home.w(), "Pony", 1000_01, now=NOW)
    removed = rewards.remove(home.w(), "lego SET", now=NOW)
    assert (removed.reward.id, removed.reward.archived, removed.waiting) == (2, True, 0)
    assert [r.id for r in rewards.listing(home.r())] == [1]
    assert [r.id for r in rewards.listing(home.r(), include_archived=True)] == [1, 2]
    again = rewards.add(home.w(), "Lego set", 3000, now=NOW)  # the title is free again
    assert again.id == 3
    with pytest.raises(NotFound, match="no reward called 'Pony'"):
        rewards.remove(home.w(), "Pony", now=NOW)
    with pytest.raises(InvalidState, match="reward 2 \\(Lego set\\) was removed"):
        rewards.remove(home.w(), "2", now=NOW)


# ---------------------------------------------------------------- asking


def test_a_child_asks_within_their_balance_less_what_waits(home):
    with pytest.raises(InvalidState) as short:
        ask(home, "Amy", "30 min screen time")
    assert short.value.message == "Amy's balance is $0.00; 30 min screen time costs $1.50"
    home.bonus("Amy", 200)
    asked = ask(home, "amy", "30 MIN SCREEN TIME", note="after homework")
    assert (asked.request.ref, asked.request.status, asked.request.cost, asked.approved) == ("r1", "pending", 150, None)
    assert asked.balance == 200  # nothing is spent until a parent approves
    with pytest.raises(InvalidState) as twice:
        ask(home, "Amy", "30 min screen time")
    assert twice.value.message == (
        "Amy's balance is $2.00, with $1.50 of it asked for already; 30 min screen time costs $1.50"
    )
    assert home.sql("SELECT actor, action, detail, amount FROM audit WHERE action = 'redeem'") == [
        ("Amy", "redeem", "r1: Amy, 30 min screen time", None)
    ]
    with pytest.raises(InvalidState, match="Mum is a parent; only children redeem rewards"):
        ask(home, "Mum", "1")
    with pytest.raises(BadInput, match="--allow-debt is for approving"):
        ask(home, "Amy", "1", allow_debt=True)


def test_a_request_keeps_the_cost_it_was_asked_at(home):
    home.bonus("Amy", 2500)
    ask(home, "Amy", "Lego set")
    rewards.remove(home.w(), "Lego set", now=NOW)
    rewards.add(home.w(), "Lego set", 3000, now=NOW)
    (row,) = approvals.pending(home.r())
    assert (row.id, row.chore_id, row.chore, row.reward, row.member_id) == ("r1", None, "Lego set", 2500, 1)
    done = approvals.approve(home.w(), refs("r1"), now=NOW)
    assert done.requests[0].balance == 0
    assert home.ledger_rows()[-1] == (1, "redeem", -2500, None, None, "Lego set")


# ---------------------------------------------------------------- approving


def test_approving_writes_a_redeem_debit_and_rechecks_the_balance(home):
    home.bonus("Amy", 300)
    ask(home, "Amy", "30 min screen time")
    ask(home, "Amy", "1")
    ledger.pay(home.w(), "Amy", 100, note="cash", now=NOW)  # the balance fell since they asked
    done = approvals.approve(home.w(), refs("r1"), now=NOW)
    (granted,) = done.requests
    assert (granted.request.status, granted.balance) == ("approved", 50)
    assert home.sql("SELECT status, ledger_id FROM redemption WHERE id = 1") == [("approved", granted.ledger_id)]
    assert home.sql("SELECT kind, amount, note FROM ledger WHERE id = ?", (granted.ledger_id,)) == [
        ("redeem", -150, "30 min screen time")
    ]
    with pytest.raises(InvalidState) as short:
        approvals.approve(home.w(), refs("r2"), now=NOW)
    assert short.value.message == "Amy's balance is $0.50; 30 min screen time costs $1.50"
    assert "chorectl approve r2 --allow-debt" in short.value.hint
    in_debt = approvals.approve(home.w(), refs("r2"), allow_debt=True, now=NOW).requests[0]
    assert (in_debt.balance, in_debt.in_debt) == (-100, True)
    (row,) = ledger.balances(home.r(), "Amy")
    assert (row.earned, row.bonuses, row.paid, row.redeemed, row.balance) == (0, 300, -100, -300, -100)
    assert home.sql("SELECT detail, amount FROM audit WHERE action = 'reward approve' ORDER BY id") == [
        ("r1: Amy, 30 min screen time", -150),
        ("r2: Amy, 30 min screen time (--allow-debt: balance -1.00)", -150),
    ]
    with pytest.raises(InvalidState, match="reward request r2 is approved, not pending"):
        approvals.approve(home.w(), refs("r2"), now=NOW)
    with pytest.raises(NotFound, match="no reward request r9"):
        approvals.approve(home.w(), refs("r9"), now=NOW)


def test_a_chore_and_a_request_in_one_approval_pay_first_then_spend(home):
    home.chore("Dishes", "2", assign=["Amy"])
    home.done("Dishes")
    home.bonus("Amy", 150)
    ask(home, "Amy", "1")
    home.bonus("Amy", -100)  # the request no longer fits ...
    done = approvals.approve(home.w(), refs("1", "r1"), now=NOW)  # ... until the chore pays
    assert [r.id for r in done.chores] == [1] and done.requests[0].balance == 100
    assert approvals.pending(home.r()) == []


def test_all_or_nothing_a_refused_request_leaves_the_chore_waiting(home):
    home.chore("Dishes", "0.50", assign=["Amy"])
    home.done("Dishes")
    home.bonus("Amy", 150)
    ask(home, "Amy", "1")
    home.bonus("Amy", -150)
    with pytest.raises(InvalidState, match=re.escape("Amy's balance is $0.50")):
        approvals.approve(home.w(), refs("1", "r1"), now=NOW)
    assert [r.id for r in approvals.pending(home.r())] == [1, "r1"]
    assert home.sql("SELECT count(*) FROM ledger WHERE kind IN ('reward', 'redeem')") == [(0,)]


def test_approve_all_leaves_reward_requests_to_their_ids(home):
    home.chore("Dishes", "2", assign=["Amy"])
    home.done("Dishes")
    home.bonus("Amy", 150)
    ask(home, "Amy", "1")
    done = approvals.approve(home.w(), [], everything=True, now=NOW)
    assert ([r.id for r in done.chores], done.requests, done.still_waiting) == ([1], [], ["r1"])
    with pytest.raises(BadInput, match="--allow-debt is for reward requests"):
        approvals.approve(home.w(), [], everything=True, allow_debt=True, now=NOW)
    with pytest.raises(BadInput, match="give ids or --all, not both"):
        approvals.approve(home.w(), refs("r1"), everything=True, now=NOW)


def test_rejecting_spends_nothing_and_keeps_the_note(home):
    home.bonus("Amy", 150)
    ask(home, "Amy", "1", note="please")
    done = approvals.reject(home.w(), refs("r1"), reason="not on a school night", now=NOW)
    assert [(r.ref, r.status, r.note) for r in done.requests] == [("r1", "rejected", "please; not on a school night")]
    assert home.balance("Amy") == 150
    ask(home, "Amy", "1")  # the money is free again


def test_redeem_approve_asks_and_approves_at_once(home):
    home.bonus("Amy", 100)
    with pytest.raises(InvalidState, match=re.escape("Amy's balance is $1.00; 30 min screen time costs $1.50")):
        ask(home, "Amy", "1", approve=True, child=False)
    asked = ask(home, "Amy", "1", approve=True, allow_debt=True, child=False)
    assert (asked.request.status, asked.balance, asked.approved.in_debt) == ("approved", -50, True)
    assert home.sql("SELECT actor, action FROM audit WHERE action IN ('redeem', 'reward approve') ORDER BY id") == [
        ("Mum", "redeem"),
        ("Mum", "reward approve"),
    ]


# ---------------------------------------------------------------- two parents at once


def test_two_parents_approving_for_the_same_child_at_once_one_wins(home):
    """Each approval takes the write lock before it reads the balance, so the second sees the first's debit."""
    home.bonus("Amy", 200)
    ask(home, "Amy", "1")
    home.bonus("Amy", 100)
    ask(home, "Amy", "1")
    home.bonus("Amy", -100)  # 2.00: enough for one of the two 1.50 requests
    engines = [make_engine(home.path) for _ in range(2)]
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def approve(ref: str, engine) -> None:
        start.wait()
        try:
            outcomes[ref] = approvals.approve(UnitOfWork(engine, write=True), refs(ref), now=NOW)
        except InvalidState as refused:
            outcomes[ref] = refused

    threads = [threading.Thread(target=approve, args=(ref, e)) for ref, e in zip(("r1", "r2"), engines, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for engine in engines:
        engine.dispose()
    refused = [o for o in outcomes.values() if isinstance(o, InvalidState)]
    won = [o for o in outcomes.values() if isinstance(o, approvals.Approved)]
    assert len(refused) == 1 and len(won) == 1, outcomes
    assert refused[0].message == "Amy's balance is $0.50; 30 min screen time costs $1.50"
    assert home.balance("Amy") == 50
    assert home.sql("SELECT count(*) FROM ledger WHERE kind = 'redeem'") == [(1,)]


# ---------------------------------------------------------------- every ledger kind


def test_every_ledger_kind_reaches_balance_report_and_the_ledger(home):
    """One entry of each kind: balance's breakdown adds up, report knows it, the ledger lists it."""
    with home.w() as uow:
        for n, kind in enumerate(LEDGER_KINDS):
            uow.session.add(LedgerEntry(at=NOW - timedelta(minutes=n), member_id=1, kind=kind, amount=10 + n))
        uow.commit()
    (row,) = ledger.balances(home.r(), "Amy")
    total = sum(10 + n for n in range(len(LEDGER_KINDS)))
    assert row.balance == total
    assert row.earned + row.bonuses + row.penalties + row.paid + row.redeemed == total
    assert row.redeemed == 10 + LEDGER_KINDS.index("redeem")
    from chorectl.domain import report as rules

    found = reports.report(home.r(), rules.Window(NOW.date(), NOW.date()), member="Amy")
    (child,) = found.children
    assert child.row.redeemed == row.redeemed and child.row.balance == total
    assert {r.kind for r in ledger.entries(home.r())} == set(LEDGER_KINDS)


# ---------------------------------------------------------------- undo's reversers


def reverse(home: World, action: str) -> str:
    """What ``chorectl undo`` does with the newest *action*: its reverser, in a write unit of work."""
    (data,) = home.sql("SELECT data FROM action WHERE kind = ? ORDER BY id DESC LIMIT 1", (action,))[0:1]
    with home.w() as uow:
        said = REVERSERS[action](uow, json.loads(data[0]), NOW + timedelta(hours=1))
        uow.commit()
    return said


def test_undo_an_approval_reverses_the_debit_and_the_request_waits_again(home):
    home.bonus("Amy", 150)
    ask(home, "Amy", "1")
    approvals.approve(home.w(), refs("r1"), now=NOW)
    assert home.balance("Amy") == 0
    said = reverse(home, "reward approve")
    assert said == "r1 waits for approval again (Amy, 30 min screen time); $1.50 back to Amy"
    assert home.balance("Amy") == 150
    assert home.ledger_rows()[-2:] == [
        (1, "redeem", -150, None, None, "30 min screen time"),
        (1, "reversal", 150, None, None, "undo of redeem #2: 30 min screen time"),
    ]
    assert [r.id for r in approvals.pending(home.r())] == ["r1"]
    with pytest.raises(InvalidState, match="no longer the approval it was"):
        reverse(home, "reward approve")  # twice is refused: it is pending now
    approvals.approve(home.w(), refs("r1"), now=NOW)  # and may be approved again
    assert home.balance("Amy") == 0


def test_undo_a_rejection_and_the_catalog_changes(home):
    home.bonus("Amy", 150)
    ask(home, "Amy", "1", note="please")
    approvals.reject(home.w(), refs("r1"), reason="no", now=NOW)
    assert reverse(home, "reward reject") == "r1 waits for approval again (Amy, 30 min screen time)"
    assert home.sql("SELECT status, note, reviewed_at FROM redemption") == [("pending", "please", None)]
    with pytest.raises(InvalidState, match="no longer rejected"):
        reverse(home, "reward reject")

    rewards.remove(home.w(), "Lego set", now=NOW)
    rewards.add(home.w(), "lego SET", 100, now=NOW)
    with pytest.raises(InvalidState, match="another reward is called Lego set now"):
        reverse(home, "reward remove")
    assert reverse(home, "reward add") == "lego SET is out of the rewards catalog again"
    assert reverse(home, "reward remove") == "Lego set is back in the rewards catalog"
    assert [r.title for r in rewards.listing(home.r())] == ["30 min screen time", "Lego set"]
