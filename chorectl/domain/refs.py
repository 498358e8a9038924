"""The ids ``approvals`` lists and ``approve``/``reject`` take back.

A completion is its number (``4``); a reward request is ``r`` and its number
(``r3``), so the two never collide and digits keep meaning what they always did.
"""

from __future__ import annotations

from typing import NamedTuple

from chorectl.errors import BadInput

REQUEST = "r"
# SQLite's largest integer: a bigger id names nothing.
MAX_ID = 2**63 - 1


class Ref(NamedTuple):
    """*request* False: completion *id*; True: reward request *id*."""

    request: bool
    id: int


def request_ref(request_id: int) -> str:
    """A reward request's id as ``approvals`` shows it: ``r3``."""
    return f"{REQUEST}{request_id}"


def parse_ref(text: str) -> Ref:
    """``4`` -> completion 4; ``r3`` (or ``R3``) -> reward request 3. Digits 0-9 only."""
    word = text.strip()
    request = word[:1].lower() == REQUEST
    digits = word[1:] if request else word
    if not (digits.isascii() and digits.isdigit()):
        shown = text if len(text) <= 30 else text[:27] + "..."
        raise BadInput(
            f"{shown!r} is not an id from 'chorectl approvals'",
            hint="a completion's number (4), or r and a number for a reward request (r3)",
        )
    return Ref(request, int(digits))  # too large an id names nothing: the lookup says so, naming it
