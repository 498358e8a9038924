"""Rewards and the household's database roles, on PostgreSQL only: a child's login may ask for a
reward (a pending request and the ``redeem`` log line, nothing more) and may not decide one."""

from __future__ import annotations

import pytest

from chorectl.domain.refs import parse_ref
from chorectl.errors import LoginDenied
from chorectl.services import approvals, ledger, rewards
from tests.helpers import query
from tests.service.test_services_roles import NOW, Household, uow


@pytest.fixture
def home(pg_server, monkeypatch):
    made = Household(pg_server)
    monkeypatch.setenv("CHORECTL_DB", made.owner_url)  # tests.helpers.query reads it, as the owner
    rewards.add(uow(made.parent, write=True), "30 min screen time", 150, now=NOW)
    ledger.adjust(uow(made.parent, write=True), "Amy", 300, reason="pocket money", now=NOW)
    yield made
    made.close()


def test_a_child_login_asks_for_a_reward(home):
    asked = rewards.redeem(uow(home.child, write=True, actor="Amy"), "Amy", "30 min screen time", now=NOW)
    assert (asked.request.ref, asked.request.status, asked.balance) == ("r1", "pending", 300)
    assert [r.id for r in approvals.pending(uow(home.child))] == ["r1"]
    assert [r.title for r in rewards.listing(uow(home.child))] == ["30 min screen time"]
    assert query("SELECT actor, action, amount FROM audit WHERE action = 'redeem'") == [("Amy", "redeem", None)]
    assert query("SELECT status, ledger_id FROM redemption") == [("pending", None)]


@pytest.mark.parametrize(
    "attempt",
    [
        lambda h: approvals.approve(uow(h.child, write=True), [parse_ref("r1")], now=NOW),
        lambda h: approvals.approve(uow(h.child, write=True), [parse_ref("r1")], allow_debt=True, now=NOW),
        lambda h: approvals.reject(uow(h.child, write=True), [parse_ref("r1")], reason=None, now=NOW),
        lambda h: rewards.redeem(uow(h.child, write=True), "Amy", "1", approve=True, child=False, now=NOW),
        lambda h: rewards.add(uow(h.child, write=True), "Pony", 100, now=NOW),
        lambda h: rewards.remove(uow(h.child, write=True), "1", now=NOW),
    ],
    ids=["approve", "approve --allow-debt", "reject", "redeem --approve", "reward add", "reward remove"],
)
def test_the_database_refuses_a_child_login_the_decision(home, attempt):
    rewards.redeem(uow(home.child, write=True, actor="Amy"), "Amy", "1", now=NOW)
    before = query("SELECT status FROM redemption"), query("SELECT count(*) FROM ledger"), query("SELECT * FROM reward")
    with pytest.raises(LoginDenied) as refused:
        attempt(home)
    assert refused.value.exit_code == 3
    assert (query("SELECT status FROM redemption"), query("SELECT count(*) FROM ledger")) == before[:2]
    assert query("SELECT * FROM reward") == before[2]
    # the parent's login decides it
    done = approvals.approve(uow(home.parent, write=True), [parse_ref("r1")], now=NOW)
    assert done.requests[0].balance == 150


@pytest.mark.parametrize(
    "values",
    [
        "1, 1, 'pending', -500, now()",  # a negative cost: approving it would pay the child $5
        "1, 1, 'pending', 1, now()",  # a cent for what the catalog says costs 1.50
        "1, 2, 'pending', 150, now()",  # for a parent
    ],
    ids=["negative cost", "not the catalog's cost", "for a parent"],
)
def test_a_child_login_cannot_forge_a_request_the_cli_would_refuse(home, values):
    """The database holds a child's login to the request ``redeem`` makes: a live reward at its
    catalog cost, for an active child. Otherwise a child with psql asks for a negative cost and a
    tired parent's ``approve rN`` writes it as money *to* the child."""
    from sqlalchemy.exc import ProgrammingError

    from chorectl.db.dialect import WRITE

    with home.child.connect().execution_options(**{WRITE: True}) as conn:
        with pytest.raises(ProgrammingError, match="row-level security"):
            conn.exec_driver_sql(
                f"INSERT INTO redemption (reward_id, member_id, status, cost, requested_at) VALUES ({values})"
            )
    assert query("SELECT count(*) FROM redemption") == [(0,)]


def test_a_request_that_does_not_cost_money_is_never_approved(home):
    """Whatever wrote it (an owner's psql, an old database), a request is approved only at a cost
    above zero: an approval never moves money to the child."""
    from chorectl.errors import InvalidState

    rewards.redeem(uow(home.child, write=True, actor="Amy"), "Amy", "1", now=NOW)
    home.server.psql(f"UPDATE {home.schema}.redemption SET cost = -500")
    with pytest.raises(InvalidState, match=r"r1 .*costs -5\.00"):
        approvals.approve(uow(home.parent, write=True), [parse_ref("r1")], allow_debt=True, now=NOW)
    assert query("SELECT count(*) FROM ledger WHERE kind = 'redeem'") == [(0,)]
