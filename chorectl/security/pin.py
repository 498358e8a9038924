"""PIN rules and bcrypt hashing. The PIN itself is never stored, logged or shown."""

from __future__ import annotations

from chorectl.errors import BadInput

MIN_LENGTH = 4
MAX_LENGTH = 64  # bcrypt reads at most 72 bytes; keep well inside it
# Cost 12 keeps one check near a quarter of a second on a small machine.
BCRYPT_ROUNDS = 12


def check_rules(pin: str) -> None:
    if len(pin) < MIN_LENGTH:
        raise BadInput(f"the PIN must be at least {MIN_LENGTH} characters")
    if len(pin) > MAX_LENGTH or len(pin.encode()) > 72:
        raise BadInput(f"the PIN must be at most {MAX_LENGTH} characters")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in pin):
        raise BadInput("the PIN must not contain control characters")


def hash_pin(pin: str) -> str:
    import bcrypt

    check_rules(pin)
    return bcrypt.hashpw(pin.encode(), bcrypt.gensalt(BCRYPT_ROUNDS)).decode("ascii")


def verify(pin: str, hashed: str) -> bool:
    import bcrypt

    if not pin or len(pin.encode()) > 72:
        return False
    try:
        return bcrypt.checkpw(pin.encode(), hashed.encode("ascii"))
    except ValueError:  # a damaged hash: deny, never allow
        return False
