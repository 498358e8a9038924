"""Rules for the words people type: member names, chore titles, notes."""

from __future__ import annotations

import unicodedata

from chorectl.errors import BadInput

MAX_NAME = 40
MAX_TITLE = 120
MAX_NOTE = 500


# Invisible format characters that would let two names look alike, or turn text
# around on screen (bidi overrides). The zero-width joiner stays: emoji need it.
_ALLOWED_FORMAT = {"\u200d"}


def _check_chars(value: str, what: str, *, allow_newlines: bool = False) -> None:
    for ch in value:
        if allow_newlines and ch in "\n":
            continue
        cat = unicodedata.category(ch)
        # Cc: control characters (tab, CR, ESC...). Cs: lone surrogates. Zl/Zp: line breaks.
        if cat in ("Cc", "Cs", "Zl", "Zp"):
            raise BadInput(f"{what} must not contain control characters ({ch!r})")
        if cat == "Cf" and ch not in _ALLOWED_FORMAT:
            raise BadInput(f"{what} must not contain invisible characters ({ch!r})")


def clean(value: str, what: str, max_len: int, *, allow_newlines: bool = False) -> str:
    """NFC-normalise, strip surrounding spaces, refuse empty, overlong or control chars."""
    value = unicodedata.normalize("NFC", value).strip()
    if not value:
        raise BadInput(f"{what} must not be empty")
    if len(value) > max_len:
        raise BadInput(f"{what} is too long ({len(value)} characters; at most {max_len})")
    _check_chars(value, what, allow_newlines=allow_newlines)
    return value


def clean_name(value: str) -> str:
    name = clean(value, "a name", MAX_NAME)
    if name.isdigit():
        raise BadInput(f"a name cannot be only digits ({name!r})")
    if "," in name:
        raise BadInput(f"a name cannot contain a comma ({name!r})", hint="commas separate names in --assign")
    return name


def clean_title(value: str) -> str:
    title = clean(value, "a title", MAX_TITLE)
    if title.isdigit():
        raise BadInput(f"a title cannot be only digits ({title!r}): it would read as a chore id")
    return title


def clean_note(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return clean(value, "a note", MAX_NOTE, allow_newlines=True)


def clean_currency(value: str) -> str:
    """A display symbol like $, €, kr or CHF: nothing an amount could be mistaken for."""
    symbol = clean(value, "a currency symbol", 5)
    if any(ch.isdigit() or ch.isspace() or ch in ".,+-'\"" for ch in symbol):
        raise BadInput(f"{symbol!r} cannot be a currency symbol: it would mix with amounts")
    return symbol


def fold(value: str) -> str:
    """The case-insensitive key names and titles are matched on."""
    return unicodedata.normalize("NFC", value).strip().casefold()


def split_names(value: str) -> list[str]:
    """``"Amy, Ben"`` -> ``["Amy", "Ben"]``; ``""`` -> ``[]``."""
    return [part.strip() for part in value.split(",") if part.strip()]


def printable(value: str) -> str:
    """Text from a path or the environment as UTF-8 that can be stored and shown.

    Python hands undecodable bytes over as lone surrogates; they would fail
    the database's and the terminal's encoders. They become ``\\udcff``-style
    escapes instead, so the text still says what it was.
    """
    return value.encode("utf-8", "backslashreplace").decode("utf-8")
