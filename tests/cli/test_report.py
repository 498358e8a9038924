"""``chorectl report``: a scripted month with exact numbers, the charts at 80 and 120 columns,
NO_COLOR, the SVG and HTML files, and the windows it refuses."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

pytestmark = pytest.mark.usefixtures("backend")  # each test on a SQLite file and on PostgreSQL


@contextmanager
def at(m, d, h=12, minute=0):
    when = datetime(2026, m, d, h, minute, tzinfo=ZoneInfo("Europe/Berlin"))
    with time_machine.travel(when, tick=False):
        yield


DISHES_AMY = set(range(1, 20)) - {6, 7}  # Amy's dishes: a streak of 5, two days missed, then 12
DISHES_BEN = set(range(20, 32)) - {28}  # reassigned to Ben on the 20th: 8, a miss, then 3
TRASH = {1: "Ben", 8: "Amy", 22: "Ben", 29: "Ben"}  # a weekly pool chore (Thursdays); the 15th nobody's


@pytest.fixture
def october(cli):
    """October 2026 (summer time ends on the 25th), day by day, cron's reset every night.

    Amy does the dishes (daily, $1) but for the 6th and 7th; on the 20th, before
    anyone did them, they go to Ben, who misses the 28th. The trash (weekly pool,
    $2, due on Thursdays) is done by whoever is named in TRASH; the 15th's is
    missed by everyone. Ben's one-off "Tidy room" ($3) is rejected on the 10th
    and approved on the 11th. Amy gets a $2 bonus and is paid $5; Ben a $1 penalty.
    """
    with at(10, 1, 8):
        cli.parent("init")
        for name in ("Amy", "Ben"):
            cli.parent(["member", "add", name])
        cli.parent("member add Mum --parent")
        cli.parent("chore add Dishes --reward 1 --every daily --assign Amy")
        cli.parent("chore add Trash --reward 2 --every weekly")
        cli.parent(["chore", "add", "Tidy room", "--reward", "3", "--assign", "Ben"])
    for day in range(1, 32):
        with at(10, day, 1):
            cli.ok("reset")
        if day == 20:
            with at(10, day, 7):
                cli.parent("chore assign Dishes --to Ben")
        with at(10, day, 18):
            if day in DISHES_AMY or day in DISHES_BEN:
                cli.ok("done Dishes")
            if day in TRASH:
                cli.ok(["done", "Trash", "--as", TRASH[day]])
            if day in (10, 11):
                cli.ok(["done", "Tidy room"])
        with at(10, day, 19):
            if day == 10:
                pending = json.loads(cli.ok("approvals -f json").stdout)
                (tidy,) = [str(c["id"]) for c in pending if c["chore"] == "Tidy room"]
                cli.parent(["reject", tidy, "--reason", "not finished"])
            cli.parent("approve --all")
            if day == 15:
                cli.parent("adjust Amy +2 --reason 'helped carry the shopping'")
            if day == 16:
                cli.parent("adjust Ben -1 --reason 'rude'")
            if day == 25:
                cli.parent("pay Amy 5")
    return cli


EXPECTED = [
    {
        "member": "Amy",
        "earned": 19.0,
        "bonuses": 2.0,
        "penalties": 0.0,
        "paid": -5.0,
        "balance": 16.0,
        "redeemed": 0.0,
        "done": 18,
        "missed": 2,
        "rejected": 0,
        "pending": 0,
        "completion_rate": 90,
        "streak": 0,  # the dishes went to Ben: no current run
        "best_streak": 12,  # the 8th to the 19th
        "top_chores": "Dishes (17); Trash (1)",
        "since": "2026-10-01",
        "until": "2026-10-31",
        "goal": None,
        "goal_target": None,
        "goal_saved": None,
        "member_id": 1,
    },
    {
        "member": "Ben",
        "earned": 20.0,
        "bonuses": 0.0,
        "penalties": -1.0,
        "paid": 0.0,
        "balance": 19.0,
        "redeemed": 0.0,
        "done": 15,
        "missed": 1,
        "rejected": 1,
        "pending": 0,
        "completion_rate": 94,  # 15 / 16
        "streak": 3,  # the dishes on the 29th, 30th and 31st
        "best_streak": 8,  # the 20th to the 27th
        "top_chores": "Dishes (11); Trash (3); Tidy room (1)",
        "since": "2026-10-01",
        "until": "2026-10-31",
        "goal": None,
        "goal_target": None,
        "goal_saved": None,
        "member_id": 2,
    },
]
# The charts' weeks (Mondays) and what each child earned in them, in cents.
WEEKS = ["2026-09-07", "2026-09-14", "2026-09-21", "2026-09-28", "2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26"]
EARNED = {"Amy": [0, 0, 0, 400, 700, 700, 100, 0], "Ben": [0, 0, 0, 200, 300, 0, 800, 700]}
RATES = {"Amy": "· · · 100% 75% 100% 100% –", "Ben": "· · · 100% 100% – 100% 86%"}


def _the_month_in_numbers(october):
    with at(10, 31, 21):
        got = json.loads(october.ok("report --month -f json").stdout)
        assert got == EXPECTED
        lines = october.ok("report --month -f jsonl").stdout.splitlines()
        assert [json.loads(line) for line in lines] == EXPECTED
        csv_text = october.ok("report --month -f csv").stdout
        assert (
            csv_text.splitlines()[1]
            == "Amy,19.00,2.00,0.00,-5.00,16.00,0.00,18,2,0,0,90,0,12,Dishes (17); Trash (1),2026-10-01,2026-10-31,,,,1"
        )
        same = json.loads(october.ok("report --since 2026-10-01 --until 2026-10-31 -f json").stdout)
        assert same == EXPECTED
        ben = json.loads(october.ok("report --month --member ben -f json").stdout)
        assert ben == EXPECTED[1:]
    with at(11, 3, 9):  # later: the same window, the balance as it was at its end
        assert json.loads(october.ok("report --since 2026-10-01 --until 2026-10-31 -f json").stdout) == EXPECTED


def _the_month_on_the_terminal(october):
    with at(10, 31, 21):
        result = october.ok("report --month", env={"COLUMNS": "100"})
    out = result.stdout
    assert out.startswith("Report 2026-10-01 to 2026-10-31 (weeks start on Monday)\n")
    assert re.search(r"Amy +\$19\.00 +\$2\.00 +\$0\.00 +-\$5\.00 +\$16\.00", out)
    assert re.search(r"Ben +\$20\.00 +\$0\.00 +-\$1\.00 +\$0\.00 +\$19\.00", out)
    assert re.search(r"Amy +18 +2 +0 +0 +90% +0 +12", out)
    assert re.search(r"Ben +15 +1 +1 +0 +94% +3 +8", out)
    assert "  Amy: Dishes (17); Trash (1)" in out
    assert "Pool chores: 1 period missed by everyone (counted for no child)." in out
    for name, rates in RATES.items():
        line = next(x for x in out.splitlines() if x.startswith(f"  {name} ") and "%" in x)
        assert " ".join(line.split()[2:]) == rates.replace("·", "–"), line
        assert line.split()[1] == {"Amy": "···█▆██·", "Ben": "···██·█▇"}[name]


def _bars(out: str) -> dict[str, list[tuple[str, str, int]]]:
    """The earnings chart: for each child, (week, amount, bar length) of each week."""
    chart = out.split("Earned per week")[1].split("Completion rate")[0]
    found: dict[str, list] = {}
    child = None
    for line in chart.splitlines()[1:]:
        if re.fullmatch(r"  \S.*", line):
            child = line.strip()
            found[child] = []
        elif m := re.fullmatch(r"    (\d{4}-\d\d-\d\d)  +(\$\d+\.\d\d)(?: (█+))?", line):
            found[child].append((m[1], m[2], len(m[3] or "")))
    return found


def _bars_at(october, columns):
    with at(10, 31, 21):
        out = october.ok("report --month", env={"COLUMNS": str(columns)}).stdout
    assert max(len(line) for line in out.splitlines()) <= columns
    bars = _bars(out)
    assert list(bars) == ["Amy", "Ben"]
    room = columns - 4 - 10 - 2 - len("$8.00") - 1  # the longest bar: the line less week, amount, spaces
    for name, weeks in bars.items():
        assert [w for w, _, _ in weeks] == WEEKS
        assert [a for _, a, _ in weeks] == [f"${c / 100:.2f}" for c in EARNED[name]]
        for (_, _, length), cents in zip(weeks, EARNED[name], strict=True):
            assert length == (2 * cents * room + 800) // 1600  # proportional to $8.00, the largest
    assert max(length for weeks in bars.values() for _, _, length in weeks) == room


def _no_color_is_plain(october):
    with at(10, 31, 21):
        coloured = october.ok("report --month", env={"FORCE_COLOR": "1", "TERM": "xterm-256color"}).stdout
        plain = october.ok("report --month", env={"FORCE_COLOR": "1", "TERM": "xterm-256color", "NO_COLOR": "1"})
    assert re.search(r"\x1b\[[0-9;]*3[0-7]m|\x1b\[[0-9;]*38;", coloured), "no colour when asked for it"
    assert not re.search(r"\x1b\[[0-9;]*(3[0-9]|4[0-9]|9[0-7])m", plain.stdout), "colour under NO_COLOR"
    stripped = re.sub(r"\x1b\[[0-9;]*m", "", plain.stdout)
    with at(10, 31, 21):
        assert stripped == october.ok("report --month").stdout  # the same text, only bold


def _svg_text(path) -> str:
    root = ET.parse(path).getroot()  # well-formed XML, or this raises
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return "".join(root.itertext()).replace("\xa0", " ")


def _svg_and_html(october, tmp_path):
    svg, html = tmp_path / "month.svg", tmp_path / "month.html"
    with at(10, 31, 21):
        result = october.ok(["report", "--month", "--svg", str(svg), "--html", str(html)])
        terminal = october.ok("report --month").stdout
    assert result.stdout == ""
    assert result.stderr == f"Wrote the report to {svg}.\nWrote the report to {html}.\n"
    assert not list(tmp_path.glob(".*.part"))  # written through a temp file, renamed into place
    text = _svg_text(svg)
    numbers = set(re.findall(r"-?\$\d+\.\d\d|\d+%|\b\d{4}-\d\d-\d\d\b", terminal))
    assert {"$19.00", "$16.00", "-$1.00", "90%", "94%", "86%", "2026-10-26"} <= numbers
    for number in numbers:
        assert number in text, number
    assert "Amy: Dishes (17); Trash (1)" in text
    page = html.read_text(encoding="utf-8")
    ET.fromstring(page.split("<body>", 1)[1].split("</body>", 1)[0].join(["<body>", "</body>"]))
    for number in numbers:
        assert number in page, number


def _a_file_the_report_may_not_replace_is_refused(october, tmp_path):
    (tmp_path / "real.svg").write_text("old")
    (tmp_path / "link.svg").symlink_to(tmp_path / "real.svg")
    with at(10, 31, 21):
        result = october(["report", "--svg", str(tmp_path / "link.svg")])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: will not write the report to ")
    assert (tmp_path / "real.svg").read_text() == "old"


def _a_window_with_nothing_in_it_says_so(october):
    with at(12, 10, 9):
        result = october.ok("report")
    assert result.stdout == ""
    assert result.stderr == (
        "Nothing happened from 2026-12-07 to 2026-12-10: no chore done or missed, no money moved.\n"
    )
    with at(12, 10, 9):
        rows = json.loads(october.ok("report -f json").stdout)
    assert [(r["member"], r["done"], r["balance"]) for r in rows] == [("Amy", 0, 16.0), ("Ben", 0, 19.0)]


def _weeks_may_start_on_sunday(october):
    with at(10, 31, 21):  # a Saturday: the Sunday week began on the 25th
        rows = json.loads(october.ok("report -f json", env={"CHORECTL_WEEK_START": "sunday"}).stdout)
        assert rows[0]["since"] == "2026-10-25"
        out = october.ok("report", env={"CHORECTL_WEEK_START": "sunday"}).stdout
        assert "(weeks start on Sunday)" in out and "    2026-10-25  " in out
        bad = october("report", env={"CHORECTL_WEEK_START": "friday"})
    assert bad.exit_code == 2
    assert bad.stderr.splitlines()[0] == "Error: CHORECTL_WEEK_START='friday' is not a day weeks start on"


# The scripted month takes seconds to build: each test below looks at one build in several ways.


def test_the_month_in_numbers_on_the_terminal_and_in_other_windows(october):
    _the_month_in_numbers(october)
    _the_month_on_the_terminal(october)
    _weeks_may_start_on_sunday(october)
    _a_window_with_nothing_in_it_says_so(october)


def test_the_charts_at_80_and_120_columns_and_under_no_color(october):
    """The bars' lengths are proportional to the amounts, the longest fills the line."""
    _bars_at(october, 80)
    _bars_at(october, 120)
    _no_color_is_plain(october)


def test_svg_and_html_hold_the_numbers_of_the_terminal_report(october, tmp_path):
    _svg_and_html(october, tmp_path)
    _a_file_the_report_may_not_replace_is_refused(october, tmp_path)


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("report --since 2026-13-01", ["not a date"]),
        ("report --since 2026-10-31 --until 2026-10-01", ["--since is after --until"]),
        ("report --week --since 2026-10-01", ["--week", "--since"]),
        ("report --month --until 2026-10-01", ["--month"]),
        ("report --week --month", ["--week and --month"]),
        ("report --month -f csv --svg x.svg", ["--svg"]),
    ],
)
def test_bad_windows_are_one_error_line_and_exit_2(cli, typed, words):
    with at(10, 1, 8):
        cli.parent("init")
        result = cli(typed)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    error = result.stderr.splitlines()[0]
    assert error.startswith("Error: ")
    for word in words:
        assert word in error
    assert len(result.stderr.splitlines()) <= 2  # the error, and at most a hint


def test_a_report_of_a_parent_is_refused_as_today_refuses_it(household):
    result = household(["report", "--member", "Mum"])
    assert result.exit_code == 1
    assert result.stderr == "Error: Mum is a parent; the report is about children\n"
