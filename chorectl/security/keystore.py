"""Where the PIN hash lives: a keyring, under service ``chorectl`` and the household id.

Two kinds, chosen at ``init`` and remembered by the household:

- ``system``: the OS keyring through the keyring library (GNOME Keyring or
  KWallet over Secret Service, the macOS Keychain, Windows' Credential Locker;
  ``PYTHON_KEYRING_BACKEND`` is honoured);
- ``file``: the documented fallback for machines without one, keyrings.alt's
  plaintext file keyring in the user data folder, mode 0600, holding only the
  bcrypt hash.

Fail closed: any trouble reading it means *denied*, never "no PIN needed".
Every call has a time limit, so a wedged D-Bus cannot hang chorectl.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from chorectl.errors import Denied, StorageError

SERVICE = "chorectl"
KINDS = ("system", "file")
RECOVERY_HINT = "see 'Recovering the parent PIN' in the README (chorectl pin recover)"
_UNUSABLE = ("keyring.backends.fail.Keyring", "keyring.backends.null.Keyring")
DEFAULT_TIMEOUT = 10.0


class Missing(Denied):
    """The keyring answers, but holds no PIN hash for the household (exit 3)."""


class Unusable(Exception):
    """No keyring can be had: not installed, misconfigured, locked away, or not answering."""


def file_keyring_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("chorectl") / "pin-keyring.cfg"


def _timeout() -> float:
    """CHORECTL_KEYRING_TIMEOUT in seconds, 0.1 to an hour; anything else (inf, nan, 0, -1, text) is the default."""
    import math

    try:
        seconds = float(os.environ.get("CHORECTL_KEYRING_TIMEOUT", DEFAULT_TIMEOUT))
    except (ValueError, UnicodeError):
        return DEFAULT_TIMEOUT
    if not math.isfinite(seconds) or seconds <= 0:
        return DEFAULT_TIMEOUT
    return min(max(0.1, seconds), 3600.0)


def _with_timeout(call, what: str):
    """Run *call* in a daemon thread; a keyring that does not answer is unusable."""
    box: dict = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=run, name=f"keyring {what}", daemon=True)
    worker.start()
    worker.join(_timeout())
    if worker.is_alive():
        raise Unusable(f"the keyring did not answer within {_timeout():g} s ({what})")
    if "error" in box:
        error = box["error"]
        if isinstance(error, Unusable):
            raise error
        raise Unusable(f"{type(error).__name__} while trying to {what}") from None
    return box.get("value")


def backend(kind: str):
    """The keyring backend for *kind*; raises :class:`Unusable` if there is none."""
    if kind == "file":
        from keyrings.alt.file import PlaintextKeyring

        path = file_keyring_path()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        ring = PlaintextKeyring()
        ring.file_path = str(path)  # keyrings.alt creates it 0600
        return ring
    import keyring

    try:
        ring = keyring.get_keyring()
    except Exception as exc:
        raise Unusable(f"{type(exc).__name__}: {exc}") from None
    name = _name(ring)
    if name in _UNUSABLE:
        raise Unusable(f"no OS keyring is available (backend {name})")
    if not os.environ.get("PYTHON_KEYRING_BACKEND") and all(_is_file_fallback(b) for b in _members(ring)):
        # keyring picks keyrings.alt's plaintext file by itself when nothing
        # better is there; chorectl uses it only when chosen (--keyring file).
        raise Unusable(f"no OS keyring is available (only {name})")
    return ring


def _members(ring) -> list:
    return list(getattr(ring, "backends", None) or [ring])


def _is_file_fallback(ring) -> bool:
    return type(ring).__module__.startswith("keyrings.alt") or _name(ring) in _UNUSABLE


def _name(ring) -> str:
    cls = type(ring)
    name = f"{cls.__module__}.{cls.__qualname__}"
    if getattr(ring, "backends", None):  # keyring's ChainerBackend: say what it chains
        name += " (" + ", ".join(_name(b) for b in ring.backends) + ")"
    return name


def location(kind: str) -> str:
    """Which keyring *kind* means here and now: the backend, and where it keeps its file.

    The household records this when its PIN is set; a PIN read from any other
    keyring (another ``PYTHON_KEYRING_BACKEND``, another ``XDG_DATA_HOME``) is
    refused. Raises :class:`Unusable` if there is no keyring.
    """
    from chorectl.domain.text import printable

    if kind == "file":
        return printable(f"file keyring {_real(file_keyring_path())}")
    ring = backend(kind)
    parts = []
    for member in _members(ring):
        if _is_file_fallback(member) and member is not ring and len(_members(ring)) > 1:
            continue  # a chain reads the real keyring first; its file fallbacks do not name it
        where = getattr(member, "file_path", None)
        parts.append(_name(member) + (f" at {_real(Path(where))}" if where else ""))
    return printable("; ".join(parts))


def _real(path: Path) -> Path:
    """The one name of a file, however it was spelt (``..``, a symlinked folder)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def where(kind: str) -> str:
    """:func:`location`, or :class:`Denied` when the keyring cannot be had."""
    try:
        return location(kind)
    except Unusable as exc:
        raise _unreachable(exc) from None


def _unreachable(exc: Unusable) -> Denied:
    """Fail closed: a keyring that cannot be had denies the parent command."""
    return Denied(
        f"the parent PIN cannot be checked: {exc}",
        hint="run it where the keyring is reachable (your desktop session); see 'Keyrings' in the README",
    )


def fingerprint(household_id: str, hashed: str) -> str:
    """A fingerprint of the stored hash, to notice it being swapped.

    SHA-256 over the whole bcrypt string: it says nothing of the salt, so it
    is no help in guessing the PIN (that still needs the hash from the keyring).
    """
    import hashlib

    return hashlib.sha256(f"chorectl pin\0{household_id}\0{hashed}".encode()).hexdigest()[:32]


def describe(kind: str) -> str:
    """The backend in use, for messages and ``doctor``."""
    try:
        ring = backend(kind)
    except Unusable as exc:
        return f"unusable: {exc}"
    if kind == "file":
        return f"file keyring at {file_keyring_path()}"
    return _name(ring)


def system_usable() -> bool:
    try:
        backend("system")
    except Unusable:
        return False
    return True


def read(kind: str, household_id: str, what: str) -> str | None:
    """The household's entry in the *kind* keyring (None if absent); :class:`Unusable` if it cannot be asked."""
    ring = backend(kind)
    return _with_timeout(lambda: ring.get_password(SERVICE, household_id), what)


def get_hash(kind: str, household_id: str) -> str:
    """The stored hash, or :class:`Denied` when it cannot be had."""
    try:
        hashed = read(kind, household_id, "read the PIN")
    except Unusable as exc:
        raise _unreachable(exc) from None
    if not hashed:
        raise Missing(
            f"the parent PIN is missing from the keyring (service {SERVICE}, user {household_id})",
            hint=RECOVERY_HINT,
        )
    return hashed


def has_entry(kind: str, household_id: str) -> bool | None:
    """Whether the keyring holds this household's entry; None if it cannot be asked."""
    try:
        return bool(read(kind, household_id, "look up the PIN"))
    except Unusable:
        return None


def set_hash(kind: str, household_id: str, hashed: str) -> None:
    try:
        ring = backend(kind)
        _with_timeout(lambda: ring.set_password(SERVICE, household_id, hashed), "store the PIN")
    except Unusable as exc:
        raise StorageError(
            f"the PIN could not be stored: {exc}",
            hint="see 'Keyrings' in the README; on a machine without one: chorectl init --keyring file",
        ) from None
