"""Every undoable action has its reverser (issue 17): what ``uow.record(..., undo=...)`` records,
``chorectl undo`` can put back.

The source is scanned for ``record("action", ..., undo=...)`` calls with a literal action name;
each name must have a reverser once the modules in :data:`chorectl.services.undo.REVERSING` are
loaded. A module that adds an undoable action and forgets its reverser, or forgets to add itself
to REVERSING, fails here rather than at a parent's ``chorectl undo``.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "chorectl"


def recorded_with_undo(source: str) -> set[str]:
    """The literal action names of the ``record(...)`` calls in *source* that pass ``undo=``."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if called != "record" or not any(k.arg == "undo" for k in node.keywords):
            continue
        first = node.args[0] if node.args else None
        assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
            f"record(..., undo=...) with an action name that is not a literal: {ast.unparse(node)[:80]}"
        )
        names.add(first.value)
    return names


def undoable_actions() -> dict[str, str]:
    """Each action recorded with undo= anywhere in chorectl, and the file that records it."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for name in recorded_with_undo(path.read_text()):
            found[name] = str(path.relative_to(PACKAGE.parent))
    return found


def test_every_action_recorded_for_undo_has_a_reverser():
    from chorectl.services.undo import reversers

    registered = reversers()
    missing = {name: where for name, where in undoable_actions().items() if name not in registered}
    assert missing == {}, "register a reverser (@reverses) and add its module to undo.REVERSING"


def test_the_parent_actions_of_before_issue_17_are_all_undoable():
    expected = {"approve", "reject", "pay", "adjust"}
    expected |= {f"member {verb}" for verb in ("add", "rename", "remove", "restore")}
    expected |= {f"chore {verb}" for verb in ("add", "edit", "assign", "remove")}
    assert expected <= set(undoable_actions())


def test_what_is_not_undoable_records_no_undo_data():
    """init, PIN changes, unlock and lock, reset, backup, restore, copy, join, a child's done and undo itself."""
    never = {"init", "pin change", "pin recover", "unlock", "lock", "reset", "backup", "restore", "copy", "join"}
    assert (never | {"done", "undo"}) & set(undoable_actions()) == set()


def test_the_scan_sees_a_call_with_undo_data():
    source = 'uow.record("pay", what, at=now, undo={"ledger_id": 1})\nuow.record("done", "x", at=now)\n'
    assert recorded_with_undo(source) == {"pay"}


def test_every_reversing_module_registers_something():
    from chorectl.services.actions import REVERSERS
    from chorectl.services.undo import REVERSING, reversers

    reversers()
    owners = {reverser.__module__ for reverser in REVERSERS.values()}
    assert owners <= set(REVERSING), "a module registers reversers but is not in undo.REVERSING"
    assert set(REVERSING) <= owners, "a module in undo.REVERSING registers no reverser"
