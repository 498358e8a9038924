"""The household: one per database, with the stable id its PIN is filed under."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select

from chorectl.db.models import Household
from chorectl.domain.text import clean_currency
from chorectl.errors import InvalidState, NotFound
from chorectl.services import auth  # a module, not its names: auth imports this one too
from chorectl.services.uow import UnitOfWork, inside_uow


@dataclass(frozen=True)
class HouseholdInfo:
    """The household as ``init`` left it (the PIN's bookkeeping is :class:`~chorectl.services.auth.Gate`'s)."""

    id: str  # stable; the keyring user name
    currency: str
    created_at: datetime
    pin_set: bool
    keyring: str  # system | file


@inside_uow
def get(uow: UnitOfWork) -> Household | None:
    return uow.session.exec(select(Household)).first()


@inside_uow
def require(uow: UnitOfWork) -> Household:
    household = get(uow)
    if household is None:
        raise NotFound("there is no household in this database yet", hint="run: chorectl init")
    return household


def currency(uow: UnitOfWork) -> str:
    """The currency symbol, read alone: a child's database login may read it, never the PIN's columns."""
    symbol = uow.session.exec(select(Household.currency)).first()
    return symbol if symbol is not None else "$"


def refuse_if_pin_set(uow: UnitOfWork) -> None:
    with uow:
        _refuse_if_pin_set(get(uow))


def _refuse_if_pin_set(household: Household | None) -> None:
    if household is not None and household.pin_set:
        raise InvalidState(
            "this household already has a parent PIN",
            hint="use 'chorectl pin change' to change it",
        )


def initialise(
    uow: UnitOfWork,
    *,
    currency: str,
    now: datetime,
    store_pin: Callable[[str], auth.Binding],
    keyring: str = "system",
    hashed: str | None = None,
) -> HouseholdInfo:
    """Create the household and give it its PIN, all in one write transaction.

    *store_pin(household_id)* puts the PIN's hash in the keyring and says where
    (a :class:`~chorectl.services.auth.Binding`, kept so that no other keyring
    or hash is accepted later). If it fails, or another ``init`` got there
    first, nothing is created. A household left without a PIN by an older
    version is reused, keeping its id. On a shared database *hashed* becomes
    the PIN's verifier (:func:`~chorectl.services.auth.keep_shared_pin`).
    """
    symbol = clean_currency(currency)
    with uow:
        household = get(uow)
        _refuse_if_pin_set(household)
        if household is None:
            household = Household(id=uuid.uuid4().hex, currency=symbol, created_at=now)
        household.currency = symbol
        household.keyring = keyring
        binding = store_pin(household.id)
        household.pin_set = True
        household.keyring_location, household.pin_fingerprint = binding.location, binding.fingerprint
        uow.session.add(household)
        if hashed is not None:  # on a shared database: its verifier, for other machines to join (schema 6)
            auth.keep_shared_pin(uow, household, hashed=hashed, kind=keyring, here=binding, now=now)
        uow.record("init", f"household {household.id}, currency {symbol}; {binding.words()}", at=now)
        uow.commit()
        return HouseholdInfo(household.id, household.currency, household.created_at, household.pin_set, keyring)
