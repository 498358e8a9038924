"""Money as integer cents: parsing what people type and formatting it back.

No floats anywhere: ``parse_amount("0.10")`` is ``10`` and ten of them are ``100``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chorectl.errors import BadInput

MAX_REWARD_CENTS = 1000_00
# A reward of the catalog costs more than nothing and at most what a chore may pay.
MAX_COST_CENTS = MAX_REWARD_CENTS

# Every kind of ledger entry, once: what a chore paid (reward), a parent's bonus or penalty,
# a payout, a reversal (undo), and a reward bought with the balance (redeem, a debit).
# Everything that knows the kinds (balance's buckets, the ledger's colours, report, the docs)
# knows each of these: tests/repo/test_ledger_kinds.py fails when one is forgotten.
LEDGER_KINDS = ("reward", "bonus", "penalty", "payout", "reversal", "redeem")
# Payouts and adjustments: generous, but a typo like 1000000 is caught.
MAX_AMOUNT_CENTS = 100_000_00

# ASCII digits only: "٣" or "２" are not amounts anyone means to type.
_AMOUNT = re.compile(r"(?P<int>[0-9]{1,9})(?:\.(?P<frac>[0-9]{1,2}))?|\.(?P<onlyfrac>[0-9]{1,2})")


def parse_amount(text: str, *, currency: str = "$", signed: bool = False) -> int:
    """Parse ``2``, ``2.5``, ``2.50``, ``$2.50`` (and ``-1.50``/``+2`` when *signed*) to cents.

    Raises :class:`BadInput` for anything else, including more than two decimals.
    """
    original = text
    s = text.strip()
    sign = None
    if s and s[0] in "+-":
        if not signed:
            raise BadInput(f"amount {original!r} must not have a sign")
        sign = -1 if s[0] == "-" else 1
        s = s[1:].strip()
    for symbol in {currency, "$"}:
        if symbol and s.startswith(symbol):
            s = s[len(symbol) :].strip()
            break
    if signed and sign is None and s and s[0] in "+-":  # "$-1.50"
        sign = -1 if s[0] == "-" else 1
        s = s[1:].strip()
    sign = sign or 1
    m = _AMOUNT.fullmatch(s)
    if not m:
        raise BadInput(
            f"{original!r} is not an amount",
            hint="write it like 2, 2.5 or 2.50 (at most two decimals)",
        )
    if m["onlyfrac"] is not None:
        cents = int(m["onlyfrac"].ljust(2, "0"))
    else:
        cents = int(m["int"]) * 100 + int((m["frac"] or "0").ljust(2, "0"))
    return sign * cents


def parse_reward(text: str, *, currency: str = "$") -> int:
    cents = parse_amount(text, currency=currency)
    check_reward(cents, text)
    return cents


def check_reward(cents: int, shown: str | None = None) -> None:
    if not 0 <= cents <= MAX_REWARD_CENTS:
        raise BadInput(
            f"reward {shown or format_cents(cents)} is out of range",
            hint=f"rewards are 0 to {format_cents(MAX_REWARD_CENTS)}",
        )


@dataclass(frozen=True)
class Reward:
    """A fixed reward (``low == high``) or a range decided at approval."""

    low: int
    high: int

    @property
    def is_range(self) -> bool:
        return self.low != self.high

    def __str__(self) -> str:
        if self.is_range:
            return f"{format_cents(self.low)}-{format_cents(self.high)}"
        return format_cents(self.low)


def parse_reward_spec(text: str, *, currency: str = "$") -> Reward:
    """``2.50`` -> fixed; ``1-3`` -> range 1.00..3.00 (MIN <= MAX, both 0..1000)."""
    s = text.strip()
    head, sep, tail = s.partition("-")
    if sep and head.strip():
        low = parse_reward(head, currency=currency)
        high = parse_reward(tail, currency=currency)
        if low > high:
            raise BadInput(f"reward range {text!r} has MIN above MAX", hint="write it as MIN-MAX, e.g. 1-3")
        return Reward(low, high)
    cents = parse_reward(s, currency=currency)
    return Reward(cents, cents)


def parse_cost(text: str, *, currency: str = "$") -> int:
    """A reward's cost in the catalog: more than zero, at most :data:`MAX_COST_CENTS`."""
    cents = parse_amount(text, currency=currency)
    if not 0 < cents <= MAX_COST_CENTS:
        raise BadInput(
            f"cost {text!r} is out of range",
            hint=f"a reward costs more than 0 and at most {format_cents(MAX_COST_CENTS)}",
        )
    return cents


def parse_positive_amount(text: str, *, currency: str = "$") -> int:
    cents = parse_amount(text, currency=currency)
    if cents <= 0:
        raise BadInput(f"amount {text!r} must be more than zero")
    if cents > MAX_AMOUNT_CENTS:
        raise BadInput(f"amount {text!r} is too large", hint=f"at most {format_cents(MAX_AMOUNT_CENTS)}")
    return cents


def parse_signed_amount(text: str, *, currency: str = "$") -> int:
    cents = parse_amount(text, currency=currency, signed=True)
    if cents == 0:
        raise BadInput("an adjustment of zero changes nothing", hint="use +2 for a bonus, -1.50 for a penalty")
    if abs(cents) > MAX_AMOUNT_CENTS:
        raise BadInput(f"amount {text!r} is too large", hint=f"at most {format_cents(MAX_AMOUNT_CENTS)}")
    return cents


def format_cents(cents: int) -> str:
    """``250`` -> ``2.50``; ``-150`` -> ``-1.50``. Plain, for CSV and JSON."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"


def format_money(cents: int, currency: str = "$") -> str:
    """For people: ``$2.50``, ``-$1.50``."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{currency}{format_cents(abs(cents))}"


MAX_STREAK = 1000  # periods: a streak longer than that is no streak anyone waits for


def parse_streak(text: str, *, currency: str = "$") -> tuple[int, int]:
    """``--streak N:AMOUNT`` -> (N, cents): a bonus of AMOUNT after N periods in a row.

    N is a whole number from 2 to 1000 (one period in a row is the reward itself);
    AMOUNT a reward's amount, more than zero."""
    count, sep, amount = text.strip().partition(":")
    count = count.strip()
    if not sep or not amount.strip():
        raise BadInput(
            f"--streak {text!r} is not N:AMOUNT", hint="for example: --streak 7:2.00 (2.00 after 7 in a row)"
        )
    if not (count.isascii() and count.isdigit()) or not 2 <= int(count) <= MAX_STREAK:
        raise BadInput(
            f"--streak {text!r}: N must be a whole number from 2 to {MAX_STREAK}",
            hint="for example: --streak 7:2.00 (2.00 after 7 in a row)",
        )
    cents = parse_reward(amount, currency=currency)
    if cents == 0:
        raise BadInput(f"--streak {text!r}: a bonus of zero pays nothing", hint='no bonus at all: --streak ""')
    return int(count), cents
