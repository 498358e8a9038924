"""Where the PIN hash lives: the OS keyring, under service ``chorectl`` and the household id.

Fail closed: any trouble reading it means *denied*, never "no PIN needed".
"""

from __future__ import annotations

from chorectl.errors import Denied, StorageError

SERVICE = "chorectl"
RECOVERY_HINT = "see 'Recovering the parent PIN' in the README"
_UNUSABLE = ("keyring.backends.fail.Keyring", "keyring.backends.null.Keyring")


def _backend():
    import keyring

    return keyring.get_keyring()


def backend_name() -> str:
    backend = _backend()
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def usable() -> bool:
    return backend_name() not in _UNUSABLE


def get_hash(household_id: str) -> str:
    """The stored hash, or :class:`Denied` when it cannot be had."""
    from keyring.errors import KeyringError

    name = backend_name()
    if name in _UNUSABLE:
        raise Denied(
            f"no usable keyring to check the parent PIN against (backend {name})",
            hint=f"run it where the keyring is available; {RECOVERY_HINT}",
        )
    try:
        hashed = _backend().get_password(SERVICE, household_id)
    except KeyringError as exc:
        raise Denied(f"the keyring could not be read ({exc})", hint=RECOVERY_HINT) from None
    if not hashed:
        raise Denied(
            f"the parent PIN is missing from the keyring (service {SERVICE}, user {household_id})",
            hint=RECOVERY_HINT,
        )
    return hashed


def set_hash(household_id: str, hashed: str) -> None:
    from keyring.errors import KeyringError

    name = backend_name()
    if name in _UNUSABLE:
        raise StorageError(
            f"no usable keyring to keep the parent PIN in (backend {name})",
            hint="see 'Keyrings' in the README for a headless machine",
        )
    try:
        _backend().set_password(SERVICE, household_id, hashed)
    except KeyringError as exc:
        raise StorageError(f"the keyring refused the PIN ({exc})") from None
