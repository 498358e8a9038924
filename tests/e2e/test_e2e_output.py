"""Output for scripts, end to end: the installed chorectl read by tools nobody here wrote.

TSV read by Miller and awk, a pipe closed early by ``head`` under ``pipefail``,
a full disk on stdout, and the environments and bytes that used to end in a
traceback. See "Output for scripts" and "Exit codes" in CLI.md.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.helpers import PIN, STRESS, Scene, chorectl_path, need, script_env
from tests.helpers import snapshot

# What the database may hold, whatever the CLI lets in: titles are refused
# control characters at the door, but a cell must survive whatever it holds.
AWKWARD_TITLE = 'Tidy\t"the"\nroom\\now\r!'


def _awkward(folder):
    run = Scene(script_env(folder))
    run("init", pin=PIN)
    run("member", "add", "Amy", pin=PIN)
    run("chore", "add", 'Quote "it" back\\slash', "--reward", "1-3", "--assign", "Amy", "--note", "one\ntwo", pin=PIN)
    run("chore", "add", "Placeholder", "--reward", "2", "--assign", "Amy", pin=PIN)
    run("chore", "add", "=SUM(A1)", "--reward", "0.50", pin=PIN)
    run.play()
    con = sqlite3.connect(folder / "family.db")
    with con:
        con.execute("UPDATE chore SET title = ? WHERE title = 'Placeholder'", (AWKWARD_TITLE,))
    con.close()
    run("done", "2")
    run("approve", "1", pin=PIN)
    run("adjust", "Amy", "+1", "--reason", "line\nbreak, back\\slash", pin=PIN)
    run.play()


@pytest.fixture
def awkward(run, made):
    """A household whose cells hold every character TSV has to escape."""
    made(_awkward)
    return run


def _mlr_rows(tsv: str) -> list[dict]:
    mlr = need("mlr")
    proc = subprocess.run([mlr, "--itsv", "--ojson", "--infer-none", "cat"], input=tsv, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_miller_reads_the_tsv_back_exactly(awkward):
    tsv = awkward("chore", "list", "-f", "tsv").stdout
    rows = _mlr_rows(tsv)
    titles = [row["title"] for row in rows]
    assert titles == ['Quote "it" back\\slash', AWKWARD_TITLE, "'=SUM(A1)"]
    assert rows[0]["note"] == "one\ntwo"
    assert (rows[0]["reward"], rows[0]["reward_min"], rows[0]["reward_max"]) == ("", "1.00", "3.00")
    raw = _mlr_rows(awkward("chore", "list", "-f", "tsv", "--raw").stdout)
    assert raw[2]["title"] == "=SUM(A1)"  # --raw: no formula escape, the TSV escapes stay
    ledger = _mlr_rows(awkward("export", "ledger", "-f", "tsv").stdout)
    assert [r["note"] for r in ledger] == [AWKWARD_TITLE, "line\nbreak, back\\slash"]
    assert [r["amount"] for r in ledger] == ["2.00", "1.00"]


def test_tsv_is_one_record_a_line_for_awk(awkward):
    for args in (["chore", "list"], ["export", "chores"], ["export", "ledger"], ["approvals"], ["log"]):
        proc = subprocess.run(
            ["bash", "-c", f"{chorectl_path()} \"$@\" -f tsv | awk -F'\\t' '{{print NF}}'", "bash", *args],
            env=dict(os.environ, CHORECTL_DB=str(awkward.db)),
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stderr
        counts = proc.stdout.split()
        assert len(set(counts)) == 1, (args, counts)  # every line: the header's number of fields


def test_tsv_bytes(awkward):
    out = subprocess.run(
        [chorectl_path(), "export", "chores", "-f", "tsv"],
        env=dict(os.environ, CHORECTL_DB=str(awkward.db)),
        capture_output=True,
    ).stdout
    assert b"\r" not in out and b'"Tidy' not in out  # LF line ends, no CSV quoting
    assert b'Tidy\\t"the"\\nroom\\\\now\\r!' in out


# ---------------------------------------------------------------- a reader that stops early

ROWS = 3000  # ~200 kB in every format: far more than a pipe holds, so `head -1` closes it mid-stream


def _long_ledger(folder):
    scene = Scene(script_env(folder))
    scene("init", pin=PIN)
    scene("member", "add", "Amy", pin=PIN)
    scene.play()
    con = sqlite3.connect(folder / "family.db")
    with con:
        con.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
            " INSERT INTO ledger (at, member_id, kind, amount, note)"
            " SELECT '2026-01-01T12:00:00.000000+00:00', 1, 'bonus', 100, 'bonus number ' || i FROM n",
            (ROWS,),
        )
    con.close()


@pytest.fixture
def long_ledger(made):
    """A household with a few thousand ledger rows, written straight into the file: its environment."""
    return script_env(made(_long_ledger))


# The two writers a closed pipe or a full disk can stop: the stream every script format goes
# through (csv, tsv, json, jsonl) and Rich's table. Every command and format, with stdout that
# fails the same way in this process, is in tests/cli/test_output.py.
WRITERS = [(["export", "ledger"], "csv"), (["ledger"], "table")]
# A table shows the latest 50 rows unless --all: only --all is more than a pipe holds.
WHOLE = {"table": ["--all"]}


@pytest.mark.parametrize(("command", "fmt"), WRITERS, ids=["stream", "table"])
def test_a_reader_that_stops_early_ends_the_command_quietly(long_ledger, command, fmt):
    """`chorectl ... | head -1` under pipefail: exit 0 and nothing on stderr, in every format (README)."""
    script = 'set -o pipefail; "$@" | head -1'
    proc = subprocess.run(
        ["bash", "-c", script, "bash", chorectl_path(), *command, "-f", fmt, *WHOLE.get(fmt, [])],
        env=long_ledger,
        capture_output=True,
        timeout=120,
    )
    assert (proc.returncode, proc.stderr) == (0, b"")
    assert proc.stdout.count(b"\n") == 1


def test_the_whole_ledger_is_more_than_a_pipe_holds(long_ledger):
    """So the test above really closes the pipe early."""
    for command, fmt in WRITERS:
        typed = [chorectl_path(), *command, "-f", fmt, *WHOLE.get(fmt, [])]
        out = subprocess.run(typed, env=long_ledger, capture_output=True).stdout
        assert len(out) > 150_000


def test_a_tables_window_to_a_reader_that_stops_early_exits_0_and_says_what_it_left_out(long_ledger):
    """The window (50 rows, a few kB) is written whole before `head` stops reading, so
    chorectl cannot tell; its note still comes, as it must for `| grep` or `| wc -l`,
    which see only the window. Exit 0 all the same, and never anything else on stderr."""
    script = 'set -o pipefail; "$@" | head -1'
    proc = subprocess.run(
        ["bash", "-c", script, "bash", chorectl_path(), "ledger"],
        env=long_ledger,
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 0
    assert proc.stdout.count(b"\n") == 1
    note = rb"Showing the latest 50 of 3,000 ledger entries; --all or --since DATE for more\.\n"
    assert proc.stderr == b"" or re.fullmatch(note, proc.stderr), proc.stderr


@pytest.mark.parametrize("fmt", [fmt for _, fmt in WRITERS])
def test_a_full_disk_on_stdout_is_one_error_line(long_ledger, fmt):
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [chorectl_path(), "ledger", "Amy", "--since", "2026-01-01", "-f", fmt],
            env=long_ledger,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 1
    assert proc.stderr.startswith("Error: ") and "No space left on device" in proc.stderr, proc.stderr
    assert len(proc.stderr.splitlines()) == 1, proc.stderr


# ---------------------------------------------------------------- member_id


def test_scripts_group_by_member_id(awkward, tmp_path):
    """csvkit and Miller find member_id and add up the ledger per member id, as balance has it."""
    csvcut = need("csvcut")
    scene = Scene(script_env(awkward.db.parent))  # Ben and his bonus: one process; the exports below are the point
    scene("member", "add", "Ben", pin=PIN)
    scene("adjust", "Ben", "+0.25", "--reason", "kind", pin=PIN)
    scene.play()
    ledger = tmp_path / "ledger.csv"
    awkward("export", "ledger", "-o", str(ledger))
    ids = subprocess.run([csvcut, "-c", "member_id", str(ledger)], capture_output=True, text=True, check=True)
    assert ids.stdout.split() == ["member_id", "1", "1", "2"]
    mlr = need("mlr")
    sums = subprocess.run(
        [mlr, "--icsv", "--ojson", "stats1", "-a", "sum", "-f", "amount", "-g", "member_id", str(ledger)],
        capture_output=True,
        text=True,
        check=True,
    )
    by_id = {row["member_id"]: round(row["amount_sum"], 2) for row in json.loads(sums.stdout)}
    balances = json.loads(awkward("balance", "-f", "json").stdout)
    assert by_id == {b["member_id"]: b["balance"] for b in balances} == {1: 3.0, 2: 0.25}
    completions = subprocess.run(
        [csvcut, "-c", "member,member_id"],
        input=awkward("export", "completions").stdout,
        capture_output=True,
        text=True,
        check=True,
    )
    assert completions.stdout.splitlines() == ["member,member_id", "Amy,1"]


# ---------------------------------------------------------------- no traceback, whatever the environment


def _bytes_run(run, *args, env: dict | None = None, pin: str | None = None) -> subprocess.CompletedProcess:
    """The installed chorectl with argv and environment as bytes, as a shell hands them over."""
    full = {k.encode(): v.encode() for k, v in script_env(run.db.parent).items()}
    full[b"CHORECTL_DB"] = str(run.db).encode()
    if pin is not None:
        full[b"CHORECTL_PIN"] = pin.encode()
    for key, value in (env or {}).items():
        full[key if isinstance(key, bytes) else key.encode()] = value if isinstance(value, bytes) else value.encode()
    argv = [chorectl_path().encode(), *(a if isinstance(a, bytes) else a.encode() for a in args)]
    proc = subprocess.run(argv, env=full, capture_output=True, stdin=subprocess.DEVNULL, timeout=60, cwd=run.db.parent)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
    return proc


def _family(folder):
    run = Scene(script_env(folder))
    run("init", pin=PIN)
    for name in ("Amy", "Zoë 👩‍👧"):
        run("member", "add", name, pin=PIN)
    run("member", "add", "Mum", "--parent", pin=PIN)
    run(
        "chore",
        "add",
        "Dishes",
        "--reward",
        "2",
        "--assign",
        "Zoë 👩‍👧",
        "--every",
        "daily",
        "--due",
        "2020-01-01",
        pin=PIN,
    )
    run("done", "Dishes")
    run.play()


@pytest.fixture
def family(run, made):
    """Amy and Zoë 👩‍👧 (a name few terminals can show), parent Mum, Zoë's daily Dishes done."""
    made(_family)
    return run


# The encoding of stdout, as the interpreter sets it at start from PYTHONIOENCODING: ASCII and
# a legacy code page. Every other command under such a stdout is in tests/cli/test_output.py;
# script formats under a Latin-1 locale, in test_e2e_export.py.
@pytest.mark.parametrize(
    ("encoding", "args"),
    [
        ("ascii", ["member", "list"]),
        ("cp1252", ["approvals"]),
    ],
    ids=lambda a: " ".join(a) if isinstance(a, list) else a,
)
def test_a_terminal_that_cannot_show_a_name_still_gets_the_rest(family, encoding, args):
    proc = _bytes_run(family, *args, env={"PYTHONIOENCODING": encoding})
    assert proc.returncode == 0, proc.stderr
    if "-f" in args:
        assert "Zoë 👩‍👧".encode() in proc.stdout  # script formats are UTF-8 whatever the locale
    elif args[0] in ("member", "chore", "approvals"):
        assert (b"Zo" in proc.stdout and b"Amy" in proc.stdout) or b"Dishes" in proc.stdout


# TZ as the C library reads it when the process starts: a zone it takes and Python cannot
# use, and one it refuses itself. Every other zone and command, after tzset() in this process,
# is in tests/cli/test_output.py.
@pytest.mark.parametrize(
    ("zone", "args"),
    [
        ("UTC+24", ["chore", "list"]),
        ("A+1B+25,M3.2.0,M11.1.0", ["ledger"]),
    ],
    ids=lambda a: " ".join(a) if isinstance(a, list) else a,
)
def test_a_zone_python_cannot_use_is_one_error_line(family, zone, args):
    before = snapshot(family.db)
    proc = _bytes_run(family, *args, env={"TZ": zone})
    stderr = proc.stderr.decode()
    if "time zone" in stderr:  # Python cannot use it (glibc may also refuse a zone and use UTC: then it runs)
        assert proc.returncode == 2, stderr
        error, hint = stderr.splitlines()
        assert error.startswith("Error: the time zone") and zone in error and hint.startswith("Hint: ")
        assert snapshot(family.db) == before
    else:
        assert proc.returncode in (0, 1) and zone.startswith("A+1B+25"), stderr  # (done: already done today)


# Bytes in argv, as the interpreter decodes them at start: as the first word, and in a file
# name. Every other place, as the same lone surrogates in this process: tests/cli/test_output.py.
@pytest.mark.parametrize(
    "args",
    [
        [b"\xff"],
        [b"export", b"ledger", b"-o", b"\xff.csv"],
    ],
    ids=lambda a: b" ".join(a).decode(errors="backslashreplace"),
)
def test_bytes_that_are_not_utf8_in_an_argument(family, args):
    before = snapshot(family.db)
    proc = _bytes_run(family, *args, pin=PIN)
    assert proc.returncode == 2, proc.stderr
    error, *rest = proc.stderr.decode(errors="replace").splitlines()
    assert error.startswith("Error: ") and len(rest) <= 1
    assert snapshot(family.db) == before


@pytest.mark.parametrize("variable", ["CHORECTL_MEMBER", "CHORECTL_DB"])
def test_bytes_that_are_not_utf8_in_a_variable(family, variable):
    before = snapshot(family.db)
    elsewhere = bytes(family.db.parent) + b"/Zo\xe9"
    proc = _bytes_run(family, "done", "Dishes", env={variable: elsewhere})
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.decode().startswith(f"Error: {variable} is not valid UTF-8")
    assert snapshot(family.db) == before
    assert not Path(os.fsdecode(elsewhere)).exists()  # no database was made there


# ---------------------------------------------------------------- any bytes at all

FUZZ_PIN = "8642"  # set at init, never given to the runs below: parent commands are denied
COMMANDS = [
    # whole commands that run, open or denied, so a run gets past parsing ...
    [b"member", b"list"],
    [b"chore", b"list"],
    [b"chore", b"show", b"Dishes"],
    [b"approvals"],
    [b"balance"],
    [b"balance", b"Zo\xc3\xab"],
    [b"ledger"],
    [b"log"],
    [b"export", b"ledger"],
    [b"export", b"completions"],
    [b"export", b"chores"],
    [b"done", b"Trash", b"--as", b"Zo\xc3\xab"],
    [b"reset", b"--dry-run"],
    [b"doctor"],
    [b"approve", b"2", b"--reward", b"2"],
    [b"reject", b"2"],
    [b"pay", b"Amy", b"1"],
    [b"adjust", b"Amy", b"-1"],
    [b"member", b"add", b"Cleo"],
    [b"chore", b"add", b"Sweep"],
    [b"unlock"],
    [b"pin", b"change"],
    [b"init"],
    # ... and heads of commands for the words below to finish
    [b"member"],
    [b"chore"],
    [b"chore", b"edit"],
    [b"done"],
    [b"export"],
    [b"backup"],
    [b"restore"],
    [b"lock"],
    [b"--db"],
    [b"--version"],
    [b"bogus"],
]
WORDS = [
    b"--format",
    b"-f",
    b"csv",
    b"tsv",
    b"json",
    b"jsonl",
    b"table",
    b"--raw",
    b"--as",
    b"--reward",
    b"--status",
    b"--since",
    b"--until",
    b"--member",
    b"--kind",
    b"--actor",
    b"--note",
    b"--reason",
    b"--all",
    b"--every",
    b"--due",
    b"-o",
    b"--help",
    b"pin",
    b"all",
    b"open",
    b"Amy",
    b"Zo\xc3\xab",
    b"ZO\xc3\x8b",
    b"Dishes",
    b"1",
    b"-1",
    b"1-3",
    b"2026-01-01",
    b"today",
    b"daily",
    b"",
    b"=SUM(A1)",
    b"\xff",
    b"x\ty",
    b"a\nb",
    b"out.csv",
]
no_nul = st.binary(max_size=6).map(lambda b: b.replace(b"\0", b""))
known = st.sampled_from(WORDS)
odd = st.one_of(no_nul, st.text(max_size=6).map(lambda t: t.replace("\0", "").encode()))
# Mostly words chorectl knows, so runs get past parsing; some raw bytes and text, so some do not.
word = st.integers(0, 9).flatmap(lambda n: odd if n == 0 else known)
# Each variable: mostly what a household would have, often something odd.
ENVIRONMENT = {
    b"TZ": st.sampled_from(
        [b"Europe/Berlin"] * 5
        + [
            b"UTC+24",
            b"XYZ-25",
            b"UTC-23:59",
            b"",
            b"Nowhere/Else",
            b":/etc/localtime",
            b"EST5EDT",
            b"\xff",
            b"A+1B+25,M3.2.0,M11.1.0",
        ]
    ),
    b"COLUMNS": st.one_of(
        st.sampled_from([b"100", b"80", b"0", b"1", b"-5", b"abc", b"99999999999999999999", b"\xd9\xa1\xd9\xa2"]),
        st.integers(0, 400).map(lambda n: str(n).encode()),
    ),
    b"PYTHONIOENCODING": st.sampled_from(
        [b"utf-8"] * 4 + [b"ascii", b"ascii", b"latin-1", b"cp1252", b"ascii:strict", b"utf-8:surrogateescape", b""]
    ),
}
SOMETIMES = {
    b"CHORECTL_MEMBER": st.one_of(
        st.sampled_from([b"Amy", b"mum", b"Zo\xc3\xab", b"nobody", b"\xff", b"Zo\xe9"]), no_nul
    ),
    b"CHORECTL_KEYRING_TIMEOUT": st.sampled_from([b"inf", b"nan", b"-1", b"0.5", b"1e400", b"x"]),
    b"CHORECTL_NEW_PIN": st.sampled_from([b"1111", b"\xff", b""]),
}


def _fuzzed(folder):
    scene = Scene(script_env(folder))
    for args in (
        ["init"],
        ["member", "add", "Amy"],
        ["member", "add", "Zoë"],
        ["member", "add", "Mum", "--parent"],
        ["chore", "add", "Dishes", "--reward", "2", "--assign", "Amy"],
        ["chore", "add", "Trash", "--reward", "1-3", "--assign", "Zoë", "--every", "daily"],
    ):
        scene(*args, pin=FUZZ_PIN)
    for args in (["done", "Dishes"], ["done", "Trash"]):
        scene(*args)
    scene("approve", "1", pin=FUZZ_PIN)
    scene.play()


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory, households):
    """One household for every example: Amy and Zoë, parent Mum, a chore approved and one waiting."""
    folder = households(_fuzzed, tmp_path_factory.mktemp("fuzz"))
    (folder / "cwd").mkdir()  # where a fuzzed backup or export -o FILE lands
    return folder, script_env(folder)


@settings(
    max_examples=60 if STRESS else 30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    command=st.sampled_from(COMMANDS),
    words=st.lists(word, max_size=2),
    env=st.fixed_dictionaries(ENVIRONMENT, optional=SOMETIMES),
    db=st.integers(0, 11).map(lambda n: ["dotted", "not-utf8", "folder", "empty"][n] if n < 4 else "same"),
)
def test_whatever_bytes_argv_and_environment_hold(fuzzed, command, words, env, db):
    """No traceback, an exit code of CLI.md's, and nothing changed by a command that failed."""
    folder, base = fuzzed
    full = {k.encode(): v.encode() for k, v in base.items() if k != "CHORECTL_DB"}
    real = os.fsencode(base["CHORECTL_DB"])
    full[b"CHORECTL_DB"] = {
        "same": real,
        "dotted": os.fsencode(folder) + b"/./family.db",
        "not-utf8": os.fsencode(folder) + b"/fam\xefly.db",
        "folder": os.fsencode(folder),
        "empty": b"",
    }[db]
    full.update(env)
    before = snapshot(folder / "family.db")
    proc = subprocess.run(
        [os.fsencode(chorectl_path()), *command, *words],
        env=full,
        cwd=folder / "cwd",
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=30,
    )
    shown = f"{[*command, *words]!r} {env!r} {db}: {proc.returncode}\n{proc.stderr.decode(errors='replace')}"
    assert b"Traceback" not in proc.stderr, shown
    assert proc.returncode in (0, 1, 2, 3), shown
    if proc.returncode:
        assert snapshot(folder / "family.db") == before, shown
