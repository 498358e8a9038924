"""Services return plain values (issue 13): never ORM objects, and each public function says what it returns.

Every public function of every module under chorectl.services is walked: its
return annotation is resolved (typing.get_type_hints) and followed through
lists, tuples, dicts, iterators and unions, into the fields of the dataclasses
and NamedTuples it names and what their public methods return. A SQLModel
table class anywhere in there fails, and so does a value that says nothing of
what it holds (object, Any, a bare dict). Only a helper marked
:func:`~chorectl.services.uow.inside_uow` returns ORM objects, to the service
whose transaction it works in; the command line never calls one.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
import typing
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlmodel import SQLModel

import chorectl.services
from chorectl.db.models import Chore, Member

CLI = Path(chorectl.services.__file__).resolve().parent.parent / "cli"


def service_modules() -> list[ModuleType]:
    return [
        importlib.import_module(f"chorectl.services.{info.name}")
        for info in pkgutil.iter_modules(chorectl.services.__path__)
    ]


def public_functions() -> Iterator[tuple[str, typing.Callable]]:
    for module in service_modules():
        for name, obj in vars(module).items():
            if not name.startswith("_") and inspect.isfunction(obj) and obj.__module__ == module.__name__:
                yield f"{module.__name__.removeprefix('chorectl.services.')}.{name}", obj


def returns(function) -> object:
    return typing.get_type_hints(function)["return"]


def is_table(hint) -> bool:
    return isinstance(hint, type) and issubclass(hint, SQLModel) and hasattr(hint, "__table__")


OPAQUE = (object, typing.Any, dict)  # says nothing of what it holds: a dict row says nothing of its columns


def problems(hint, where: str, seen: set | None = None) -> list[str]:
    """What in *hint* is an ORM object, an opaque value, or a mutable dataclass of the services."""
    seen = set() if seen is None else seen
    if isinstance(hint, list | tuple):  # Callable's parameters
        return [p for h in hint for p in problems(h, where, seen)]
    if isinstance(hint, typing.TypeVar):
        return problems(hint.__bound__, where, seen) if hint.__bound__ is not None else []
    if hint in (None, type(None), Ellipsis):
        return []
    if any(hint is opaque for opaque in OPAQUE):
        return [f"{where}: {getattr(hint, '__name__', hint)} says nothing of what it holds"]
    args = typing.get_args(hint)
    if typing.get_origin(hint) is not None:
        return [p for arg in args for p in problems(arg, where, seen)]
    if not isinstance(hint, type) or hint in seen:
        return []
    seen.add(hint)
    if is_table(hint):
        return [f"{where}: {hint.__name__} is an ORM object"]
    found = []
    if dataclasses.is_dataclass(hint) or hasattr(hint, "_fields"):  # a dataclass or a NamedTuple
        if dataclasses.is_dataclass(hint) and not hint.__dataclass_params__.frozen:
            found.append(f"{where}: {hint.__name__} is a mutable dataclass")
        for field, field_hint in typing.get_type_hints(hint).items():
            found += problems(field_hint, f"{where} -> {hint.__name__}.{field}", seen)
        for name, member in vars(hint).items():
            method = member.fget if isinstance(member, property) else member
            if name.startswith("_") or not inspect.isfunction(method):
                continue
            hints = typing.get_type_hints(method)
            if "return" not in hints:
                found.append(f"{where} -> {hint.__name__}.{name}() has no return annotation")
            else:
                found += problems(hints["return"], f"{where} -> {hint.__name__}.{name}()", seen)
    return found


def test_every_public_service_function_says_what_it_returns():
    assert [name for name, function in public_functions() if "return" not in function.__annotations__] == []


def test_no_use_case_returns_an_orm_object():
    found = []
    for name, function in public_functions():
        if getattr(function, "inside_uow", False) or "return" not in function.__annotations__:
            continue
        try:
            found += problems(returns(function), name)
        except NameError as exc:  # a name imported only for type checkers
            found.append(f"{name}: its annotations do not resolve ({exc})")
    assert found == []


def test_helpers_that_hand_out_orm_objects_say_so():
    """What inside_uow marks: only helpers that do hand ORM objects to their caller."""
    marked = {name for name, function in public_functions() if getattr(function, "inside_uow", False)}
    assert {"members.resolve", "chores.resolve", "household.require", "slots.slots_of"} <= marked
    for name, function in public_functions():
        if name in marked:
            assert any("ORM object" in p for p in problems(returns(function), name)), name


def helper_calls_in(path: Path) -> Iterator[tuple[int, str]]:
    """Where a command module uses a service function that is marked inside_uow."""
    modules: dict[str, str] = {}  # local name -> module
    names: dict[str, tuple[str, str]] = {}  # local name -> (module, function)
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "chorectl.services":
            modules.update({a.asname or a.name: f"chorectl.services.{a.name}" for a in node.names})
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("chorectl.services."):
            names.update({a.asname or a.name: (node.module, a.name) for a in node.names})
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
            used = (modules[node.value.id], node.attr)
        elif isinstance(node, ast.Name) and node.id in names:
            used = names[node.id]
        else:
            continue
        target = getattr(importlib.import_module(used[0]), used[1], None)
        if getattr(target, "inside_uow", False):
            yield node.lineno, f"{used[0]}.{used[1]}"


@pytest.mark.parametrize("path", sorted(CLI.glob("*.py")), ids=lambda p: p.name)
def test_the_command_line_never_calls_a_helper_inside_a_transaction(path):
    assert list(helper_calls_in(path)) == []


# ---------------------------------------------------------------- the check itself


@dataclasses.dataclass(frozen=True)
class Holds:
    who: Member


@dataclasses.dataclass
class Loose:
    id: int


class Pair(typing.NamedTuple):
    left: int
    right: list[Chore | None]


@pytest.mark.parametrize(
    "hint",
    [
        Chore,
        Member | None,
        list[tuple[Chore, list[str]]],
        Iterator[dict[int, Member]],
        tuple[Holds, int],  # inside a dataclass
        list[Pair],  # inside a NamedTuple
        typing.Callable[[], Chore],
    ],
)
def test_the_check_sees_an_orm_object(hint):
    assert any("ORM object" in p for p in problems(hint, "f"))


@pytest.mark.parametrize("hint", [list[dict], object, tuple[int, typing.Any]])
def test_the_check_sees_an_opaque_value(hint):
    assert any("says nothing" in p for p in problems(hint, "f"))


def test_the_check_passes_plain_values():
    from chorectl.services.rows import LedgerRow

    assert problems(Iterator[LedgerRow] | None, "f") == []
    assert problems(tuple[str, int, list[str]], "f") == []
