"""export and --format: what scripts parse, read back with the standard library."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from chorectl.cli import render
from chorectl.cli.options import Format
from chorectl.services.rows import LedgerRow, LogRow
from tests.helpers import query, snapshot

# Each test on a SQLite file; on PostgreSQL too with CHORECTL_PG=all (tests/cli/test_both_backends.py
# keeps a few of them on both in every run).
pytestmark = [pytest.mark.usefixtures("backend"), pytest.mark.postgres_in_full_runs]

COLUMNS = {
    "members": "id,name,role,active,balance",
    "chores": "id,title,assignee,reward,reward_min,reward_max,schedule,status,due,created_at",
    "completions": "id,chore_id,chore,member,status,completed_at,reviewed_at,reward,note",
    "ledger": "id,at,member,kind,amount,chore_id,completion_id,note",
}
TRICKY = 'Zimmer "aufräumen", bitte\nund 🧹 danach'


@pytest.fixture
def data(household):
    cli = household
    cli.parent(["chore", "add", "Zimmer aufräumen, ja", "--reward", "1-3", "--assign", "Amy", "--note", TRICKY])
    cli.parent(["chore", "add", '=HYPERLINK("http://x")', "--reward", "0.10", "--assign", "Ben"])
    cli.parent(["chore", "add", "Walk dog", "--reward", "2"])
    cli.ok(["done", "1", "--note", "+done @home"])
    cli.ok(["done", "2"])
    cli.ok(["done", "3", "--as", "Amy"])
    cli.parent("approve 1 --reward 2.50")
    cli.parent("approve 2 3")
    cli.parent(["adjust", "Amy", "-1.50", "--reason", "-rude"])
    cli.parent(["pay", "Ben", "0.10", "--note", "@cash"])
    return cli


def read_tsv(text: str) -> list[dict]:
    """TSV as CLI.md has it: one record a line, LF, tabs between cells; \\t \\n \\r \\\\ inside them."""
    assert "\r" not in text and text.endswith("\n")
    unescape = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}

    def cell(raw: str) -> str:
        return re.sub(r"\\(.)", lambda m: unescape[m.group(1)], raw)

    header, *lines = text[:-1].split("\n")
    keys = header.split("\t")
    rows = [[cell(c) for c in line.split("\t")] for line in lines]
    assert all(len(r) == len(keys) for r in rows)
    return [dict(zip(keys, r, strict=False)) for r in rows]


def parse(fmt: str, text: str) -> list[dict]:
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(text, newline="")))
    if fmt == "tsv":
        return read_tsv(text)
    if fmt == "json":
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.parametrize("kind", COLUMNS)
@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "jsonl"])
def test_exact_columns_in_order(data, kind, fmt):
    rows = parse(fmt, data.ok(["export", kind, "--format", fmt]).stdout)
    assert rows
    for row in rows:
        assert list(row)[: len(COLUMNS[kind].split(","))] == COLUMNS[kind].split(",")


def test_csv_is_the_default_and_rfc4180(data):
    out = data.ok("export chores").stdout
    assert out.startswith("id,title,assignee,reward,")
    rows = parse("csv", out)
    assert rows[0]["note"] == TRICKY  # commas, quotes, a newline and unicode survive
    assert rows[0]["title"] == "Zimmer aufräumen, ja"
    assert (rows[0]["reward"], rows[0]["reward_min"], rows[0]["reward_max"]) == ("", "1.00", "3.00")
    assert (rows[2]["reward"], rows[2]["reward_min"]) == ("2.00", "")
    assert '"Zimmer ""aufräumen"", bitte' in out  # RFC 4180 quote doubling


def test_formula_injection_is_escaped_in_text_only(data):
    chores = parse("csv", data.ok("export chores").stdout)
    assert chores[1]["title"] == '\'=HYPERLINK("http://x")'
    completions = parse("csv", data.ok("export completions").stdout)
    assert completions[0]["note"] == "'+done @home"
    ledger = parse("csv", data.ok("export ledger").stdout)
    penalty = next(r for r in ledger if r["kind"] == "penalty")
    payout = next(r for r in ledger if r["kind"] == "payout")
    assert (penalty["amount"], penalty["note"]) == ("-1.50", "'-rude")  # the amount is never escaped
    assert (payout["amount"], payout["note"]) == ("-0.10", "'@cash")
    raw = parse("csv", data.ok("export ledger --raw").stdout)
    assert next(r for r in raw if r["kind"] == "penalty")["note"] == "-rude"
    tsv = parse("tsv", data.ok("export chores -f tsv").stdout)
    assert tsv[1]["title"].startswith("'=")
    assert json.loads(data.ok("export chores -f json").stdout)[1]["title"].startswith("=")  # JSON is not a spreadsheet


def test_tsv_is_one_record_a_line_and_round_trips(data):
    out = data.ok("export chores -f tsv").stdout
    assert "\r" not in out and '"' not in out.splitlines()[0]
    assert len(out.splitlines()) == 4  # the header and three chores: the note's line break is \n
    rows = parse("tsv", out)
    assert rows[0]["note"] == TRICKY and rows[0]["title"] == "Zimmer aufräumen, ja"
    assert 'Zimmer "aufräumen", bitte\\nund 🧹 danach' in out  # quotes as they are: no CSV quoting


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("a\tb", "a\\tb"),
        ("a\nb", "a\\nb"),
        ("a\rb", "a\\rb"),
        ("C:\\new", "C:\\\\new"),  # a backslash is doubled, so \\n is never a line break
        ('say "hi"', 'say "hi"'),
        ("\tx", "'\\tx"),  # the formula escape first, then the TSV escape
    ],
)
def test_tsv_cells(cell, written):
    out = io.StringIO()
    render.write_rows(LogRow, [LogRow(id=1, at=None, actor="A", action="x", detail=cell, amount=None)], Format.tsv, out)
    assert out.getvalue().splitlines()[1].split("\t") == ["1", "", "A", "x", written, ""]
    assert read_tsv(out.getvalue())[0]["detail"] == render.cell_text(cell, "text", raw=False)


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_every_dangerous_first_character_is_escaped(value):
    assert render.cell_text(value, "text", raw=False) == "'" + value
    assert render.cell_text(value, "text", raw=True) == value
    assert render.cell_text(-150, "money", raw=False) == "-1.50"


def test_json_equals_jsonl_and_amounts_are_numbers(data):
    for kind in COLUMNS:
        as_json = json.loads(data.ok(["export", kind, "-f", "json"]).stdout)
        as_jsonl = parse("jsonl", data.ok(["export", kind, "-f", "jsonl"]).stdout)
        assert as_json == as_jsonl
    ledger = json.loads(data.ok("export ledger -f json").stdout)
    assert [r["amount"] for r in ledger] == [2.5, 0.1, 2.0, -1.5, -0.1]
    assert all(isinstance(r["amount"], float) for r in ledger)
    members = json.loads(data.ok("export members -f json").stdout)
    assert members[0]["active"] is True and members[0]["balance"] == 3.0


def test_timestamps_have_offsets_and_booleans_are_words(data):
    rows = parse("csv", data.ok("export ledger").stdout)
    assert all(r["at"][-6] in "+-" and r["at"][-3] == ":" for r in rows)
    members = parse("csv", data.ok("export members").stdout)
    assert {m["active"] for m in members} == {"true"}


def test_filters(data):
    assert [r["member"] for r in parse("csv", data.ok("export ledger --member amy").stdout)] == ["Amy", "Amy", "Amy"]
    assert parse("csv", data.ok("export completions --member Ben").stdout)[0]["chore_id"] == "2"
    assert parse("csv", data.ok("export ledger --since 2000-01-01 --until 2000-12-31").stdout) == []
    assert len(parse("csv", data.ok("export ledger --since today --until today").stdout)) == 5
    assert [r["name"] for r in parse("csv", data.ok("export members --member Ben").stdout)] == ["Ben"]


@pytest.mark.parametrize(
    "args",
    [
        "export ledger --since 21/11/2026",
        "export ledger --until tomorrowish",
        "export ledger --since 2026-02-01 --until 2026-01-01",
        "export receipts",
        "export ledger --format xml",
    ],
)
def test_bad_export_arguments_are_exit_2(data, args):
    result = data(args)
    assert result.exit_code == 2
    assert result.stdout == ""


def test_output_file_is_written_whole(data, tmp_path):
    target = tmp_path / "ledger.csv"
    result = data.ok(["export", "ledger", "--output", str(target)])
    assert result.stdout == ""
    assert result.stderr == f"Wrote 5 ledger rows to {target}.\n"
    with open(target, newline="", encoding="utf-8") as f:
        assert parse("csv", f.read()) == parse("csv", data.ok("export ledger").stdout)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".ledger")) == []


def test_an_interrupted_export_leaves_the_old_file(data, tmp_path, monkeypatch):
    target = tmp_path / "ledger.csv"
    target.write_text("the old export\n")

    def explode(kind, rows, fmt, out, *, raw=False, on_row=None):
        out.write("id,at,mem")
        raise KeyboardInterrupt

    monkeypatch.setattr(render, "write_rows", explode)
    result = data(["export", "ledger", "-o", str(target)])
    assert result.exit_code != 0
    assert target.read_text() == "the old export\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_export_to_a_missing_folder_is_one_line(data, tmp_path):
    before = snapshot()
    result = data(["export", "ledger", "-o", str(tmp_path / "nope" / "x.csv")])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot write in ")
    assert snapshot() == before


def test_listing_formats_share_the_columns(data):
    """Every listing and export use the same columns from one place."""
    assert parse("csv", data.ok("member list -f csv").stdout) == parse("csv", data.ok("export members").stdout)[:3]
    listed = parse("jsonl", data.ok("ledger -f jsonl").stdout)
    assert listed == parse("jsonl", data.ok("export ledger -f jsonl").stdout)


def test_streaming_writes_rows_as_they_are_read():
    """write_rows consumes a generator lazily: nothing is collected first."""
    seen = []

    def rows():
        for i in range(3):
            seen.append(i)
            yield LedgerRow(
                id=i,
                at=None,
                member="A",
                kind="bonus",
                amount=i,
                chore_id=None,
                completion_id=None,
                note=None,
                member_id=1,
            )

    class Spy(io.StringIO):
        def write(self, s):
            spy_log.append(len(seen))
            return super().write(s)

    spy_log: list[int] = []
    render.write_rows(LedgerRow, rows(), Format.jsonl, Spy())
    assert spy_log == [1, 2, 3]  # each row was written before the next was read


def test_empty_export_has_a_header(cli):
    cli.parent("init")  # an empty household: only init creates the database
    assert cli.ok("export ledger").stdout.splitlines() == [COLUMNS["ledger"] + ",member_id"]
    assert cli.ok("export ledger -f json").stdout == "[]\n"
    assert cli.ok("export ledger -f jsonl").stdout == ""


@pytest.mark.parametrize(
    "command", ["export completions", "export ledger", "approvals", "ledger", "balance", "balance Amy"]
)
def test_rows_about_a_member_end_with_member_id(data, command):
    """CLI.md: completions, ledger and balance end with member_id, after every other column."""
    data.parent(["chore", "add", "Sweep", "--reward", "1", "--assign", "Ben"])
    data.ok(["done", "Sweep"])  # something waits in approvals
    ids = {name: id_ for id_, name in query("SELECT id, name FROM member")}
    header = data.ok([*command.split(), "-f", "csv"]).stdout.splitlines()[0].split(",")
    assert header[-1] == "member_id" and header.count("member_id") == 1
    rows = parse("json", data.ok([*command.split(), "-f", "json"]).stdout)
    assert rows and list(rows[0])[-1] == "member_id"
    assert all(row["member_id"] == ids[row["member"]] for row in rows)
