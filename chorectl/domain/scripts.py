"""How a script format (CSV, TSV, JSON, JSON lines) writes a row, as plain data a database can follow.

:mod:`chorectl.cli.render` defines the formats and writes rows itself; for the long
streams (the ledger, completions, the log) it also describes a format here, as a
:class:`ScriptForm`, so that a database backend can write the same lines in SQL
(:meth:`chorectl.db.dialect.Dialect.script_lines`). A backend writes text cells as
they are, with no CSV quoting and no TSV escapes: a line whose cells hold a
character that would need them (:attr:`ScriptForm.special`) is found by
:meth:`ScriptForm.clean`, and that row is written by render itself, from its
cells as the database writes them for :meth:`ScriptForm.cells` (or, should one
hold :data:`UNIT` too, from its typed row).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

UNIT = "\x1f"  # ASCII's unit separator: between the cells of ScriptForm.cells()


@dataclass(frozen=True)
class ScriptForm:
    """One script format for one kind of row.

    A row's line is ``labels[0] + cell0 + labels[1] + cell1 + ... + close``: for CSV the
    labels are ``""`` then ``","`` and *close* is ``"\\r\\n"``; for a JSON array
    ``",\\n  {\\"id\\": "``, ``", \\"at\\": "`` ... and ``"}"``. Each column's cells are
    written as its *kind* says (:mod:`chorectl.services.rows`): money in units with two
    decimals, a moment in local time with its offset, a day in ISO form, a flag as
    true/false, None as *null*. With *json* set, text, days and moments are JSON strings
    and the rest JSON literals. A text cell that starts with one of *escape* gets a
    ``'`` in front (formula injection). *special* are the characters a text cell must
    not hold to be written as it is; the first column is the row's integer key.
    """

    kinds: tuple[str, ...]
    labels: tuple[str, ...]
    close: str
    null: str = ""
    json: bool = False
    escape: tuple[str, ...] = ()
    special: str = ""

    def __post_init__(self) -> None:
        if len(self.labels) != len(self.kinds) or not self.kinds or self.kinds[0] != "int":
            raise ValueError("a label per column, and an integer key first")
        if not self.special.isascii() or any(len(c) != 1 for c in self.escape):
            raise ValueError("special characters are ASCII, and each escape is one character")

    @cached_property
    def expected(self) -> int:
        """How many of *special* a line holds when its cells hold none: those of its labels."""
        return sum(("".join(self.labels) + self.close).count(c) for c in self.special)

    def clean(self, text: str, lines: int) -> bool:
        """Do the *lines* joined in *text* hold no special character but their labels' own?

        One pass over the UTF-8 bytes (a special character is ASCII, and no byte of a
        multi-byte character is): a cell that holds one has one more than its labels.
        """
        if not self.special:
            return True
        data = text.encode()
        return len(data) - len(data.translate(None, self.special.encode())) == lines * self.expected

    def cells(self) -> ScriptForm:
        """The same cells with :data:`UNIT` between them and nothing around: for the rows whose
        text cells need quoting or escapes, which the caller splits and writes cell by cell."""
        if self.json:
            raise ValueError("JSON cells are written whole")
        return replace(self, labels=("", *[UNIT] * (len(self.kinds) - 1)), close="", special=UNIT)

    def key(self, line: str) -> int:
        """The key of a line, its first cell (which holds no label)."""
        start = len(self.labels[0])
        return int(line[start : line.index(self.labels[1], start)])
