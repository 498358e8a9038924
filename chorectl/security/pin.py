"""PIN rules and bcrypt hashing. The PIN itself is never stored, logged or shown."""

from __future__ import annotations

from chorectl.errors import BadInput

MIN_LENGTH = 4
MAX_LENGTH = 64  # characters; keep well inside what bcrypt reads
MAX_BYTES = 72  # bcrypt reads at most 72 bytes: a longer PIN would be cut short unseen
# Cost 12 keeps one check near a quarter of a second on a small machine.
BCRYPT_ROUNDS = 12


def check_rules(pin: str) -> None:
    if len(pin) < MIN_LENGTH:
        raise BadInput(f"the PIN must be at least {MIN_LENGTH} characters")
    if len(pin) > MAX_LENGTH:
        raise BadInput(f"the PIN must be at most {MAX_LENGTH} characters (this one has {len(pin)})")
    size = len(pin.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise BadInput(
            f"the PIN must be at most {MAX_BYTES} bytes in UTF-8 (this one has {len(pin)} characters, {size} bytes)",
            hint="letters outside ASCII take 2 to 4 bytes each; use fewer of them",
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in pin):
        raise BadInput("the PIN must not contain control characters")


def hash_pin(pin: str) -> str:
    import bcrypt

    check_rules(pin)
    return bcrypt.hashpw(pin.encode(), bcrypt.gensalt(BCRYPT_ROUNDS)).decode("ascii")


def verify(pin: str, hashed: str) -> bool:
    import bcrypt

    try:
        secret = pin.encode()
    except UnicodeEncodeError:  # undecodable bytes from the environment: never a right PIN
        return False
    if not secret or len(secret) > MAX_BYTES:
        return False
    try:
        return bcrypt.checkpw(secret, hashed.encode("ascii"))
    except ValueError:  # a damaged hash: deny, never allow
        return False
