"""chorectl.domain.scripts.ScriptForm: which lines a database may write as they are."""

from __future__ import annotations

import pytest

from chorectl.domain.scripts import UNIT, ScriptForm

CSV = ScriptForm(("int", "text", "money"), ("", ",", ","), "\r\n", special=',"\r\n')
TSV = ScriptForm(("int", "text", "money"), ("", "\t", "\t"), "\n", special="\\\t\n\r")
JSONL = ScriptForm(("int", "text"), ('{"id": ', ', "note": '), "}\n", null="null", json=True)


def test_a_line_holds_its_labels_special_characters():
    assert CSV.expected == 4  # two commas, CR, LF
    assert TSV.expected == 3
    assert JSONL.expected == 0


@pytest.mark.parametrize(
    ("form", "lines", "clean"),
    [
        (CSV, ["1,Dishes,1.00\r\n", "2,Zoë 🧹 \u2028,-0.50\r\n"], True),
        (CSV, ["1,Dishes, please,1.00\r\n"], False),
        (CSV, ['1,say "hi",1.00\r\n'], False),
        (CSV, ["1,a\nb,1.00\r\n"], False),
        (CSV, ["1,a\rb,1.00\r\n"], False),
        (CSV, ["1,Dishes,1.00\r\n", "2,x,y,1.00\r\n"], False),
        (TSV, ["1\tC:\\new\t1.00\n"], False),
        (TSV, ["1\ta\tb\t1.00\n"], False),
        (TSV, ['1\ta, "b"\t1.00\n'], True),
        (JSONL, ['{"id": 1, "note": "a\\"b"}\n'], True),  # JSON cells are written exactly, never checked
    ],
)
def test_clean(form, lines, clean):
    assert form.clean("".join(lines), len(lines)) is clean


def test_cells_are_split_by_the_unit_separator():
    cells = CSV.cells()
    assert (cells.labels, cells.close, cells.special, cells.escape) == (("", UNIT, UNIT), "", UNIT, CSV.escape)
    assert cells.clean('1\x1fa, "b"\r\n\x1f1.00', 1)
    assert not cells.clean("1\x1fa\x1fb\x1f1.00", 1)
    with pytest.raises(ValueError):
        JSONL.cells()


def test_the_key_is_the_first_cell():
    assert CSV.key("123,a,b\r\n") == 123
    assert TSV.key("7\tx\t1.00\n") == 7
    assert JSONL.key('{"id": 42, "note": null}\n') == 42


@pytest.mark.parametrize(
    "args",
    [
        (("text", "int"), ("", ","), "\n"),  # the key must come first
        (("int", "text"), ("",), "\n"),  # a label per column
        ((), (), "\n"),
    ],
)
def test_a_form_without_an_integer_key_first_is_refused(args):
    with pytest.raises(ValueError):
        ScriptForm(*args)


def test_special_characters_are_ascii_and_escapes_single_characters():
    with pytest.raises(ValueError):
        ScriptForm(("int",), ("",), "\n", special="é")
    with pytest.raises(ValueError):
        ScriptForm(("int",), ("",), "\n", escape=("=+",))
