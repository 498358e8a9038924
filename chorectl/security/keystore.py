"""Where the PIN hash lives: the OS keyring, under service ``chorectl`` and the household id.

Fail closed: any trouble reading it means *denied*, never "no PIN needed".
"""

from __future__ import annotations

from chorectl.errors import Denied, StorageError

SERVICE = "chorectl"
RECOVERY_HINT = "see 'Recovering the parent PIN' in the README"
_UNUSABLE = ("keyring.backends.fail.Keyring", "keyring.backends.null.Keyring")


def _backend():
    """The keyring backend; a broken configuration (a bad PYTHON_KEYRING_BACKEND,
    a backend that fails to load) is an unusable keyring, never a crash."""
    import keyring

    try:
        return keyring.get_keyring()
    except Exception as exc:  # noqa: BLE001 - any failure to load means "no keyring"
        raise _Unusable(f"{type(exc).__name__}: {exc}") from None


class _Unusable(Exception):
    pass


def backend_name() -> str:
    try:
        backend = _backend()
    except _Unusable as exc:
        return f"unusable ({exc})"
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def usable() -> bool:
    return backend_name() not in _UNUSABLE


def get_hash(household_id: str) -> str:
    """The stored hash, or :class:`Denied` when it cannot be had."""
    name = backend_name()
    if name in _UNUSABLE or name.startswith("unusable"):
        raise Denied(
            f"no usable keyring to check the parent PIN against (backend {name})",
            hint=f"run it where the keyring is available; {RECOVERY_HINT}",
        )
    try:
        hashed = _backend().get_password(SERVICE, household_id)
    except Exception as exc:  # noqa: BLE001 - fail closed on any keyring error
        raise Denied(f"the keyring could not be read ({type(exc).__name__})", hint=RECOVERY_HINT) from None
    if not hashed:
        raise Denied(
            f"the parent PIN is missing from the keyring (service {SERVICE}, user {household_id})",
            hint=RECOVERY_HINT,
        )
    return hashed


def has_entry(household_id: str) -> bool:
    try:
        return bool(_backend().get_password(SERVICE, household_id))
    except Exception:  # noqa: BLE001 - an unreadable keyring: set_hash will say why
        return False


def set_hash(household_id: str, hashed: str) -> None:
    name = backend_name()
    if name in _UNUSABLE or name.startswith("unusable"):
        raise StorageError(
            f"no usable keyring to keep the parent PIN in (backend {name})",
            hint="see 'Keyrings' in the README for a headless machine",
        )
    try:
        _backend().set_password(SERVICE, household_id, hashed)
    except Exception as exc:  # noqa: BLE001
        raise StorageError(f"the keyring refused the PIN ({type(exc).__name__})") from None
