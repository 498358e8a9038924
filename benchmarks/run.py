"""Every chorectl command as a whole process, fresh household vs ten years of history.

    python benchmarks/run.py [--years 10] [--runs 9] [--stream-runs 3] [--out docs/performance.md]
    python benchmarks/run.py --postgres-only [--runs 9] [--clients 8] [--cycles 3]

Builds both households with benchmarks/history.py (in a temp folder) and
measures, as new processes, with default arguments:

- every command a person runs (tables): time (median of per-round ratios,
  each round runs every side once, in turn, so a shared machine's drift hits
  both alike) and peak memory (the child's ru_maxrss), fresh vs ten years;
- the script formats, which stream every row: peak memory fresh vs ten years,
  and the cost of a row ((t at ten years - t fresh) / rows);
- `export ledger -f csv` side by side with `sqlite3 -csv` dumping the same
  rows (its own start-up subtracted), in the same rounds: the ratio of their
  costs per row;
- `--help`, `--version` and completion against `balance`;
- PostgreSQL beside SQLite (issue 15), when PostgreSQL's server programs and
  psycopg are installed: a throw-away local cluster (tests/pg.py's), the same
  household built on both through chorectl's own commands, every everyday
  command's time on PostgreSQL over SQLite (over the Unix socket), and eight
  concurrent clients doing done/approve/pay on each: operations per second
  and failures. ``--postgres-only`` runs just this and rewrites just its
  section of the document.

Writes docs/performance.md with a verdict for each goal, and prints it.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import platform
import re
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from history import build

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
EXE = str(Path(PY).parent / "chorectl")

# Every command a person runs, with default arguments (a table where it has one).
TABLES = [
    "balance",
    "member list",
    "chore list",
    "chore show Dishes",
    "chore show 'Take out the bins'",
    "approvals",
    "reward list",
    "undo --list",
    "today",
    "digest",
    "log",
    "ledger",
    "report",
    "report --month",
    "export members -f table",
    "export chores -f table",
    "export completions -f table",
    "export ledger -f table",
    "reset",
    "doctor",
]
WRITES = {"reset"}  # run on a fresh copy each time, as the nightly cron does

# The script formats stream every row: memory must stay flat, and a row must be cheap.
STREAMS = [
    "export ledger -f csv",
    "export ledger -f tsv",
    "export ledger -f json",
    "export ledger -f jsonl",
    "export completions -f csv",
    "export members -f csv",
    "export chores -f csv",
    "ledger -f csv",
    "log -f csv",
]
ROWS_OF = {"ledger": "ledger", "completions": "completion", "log": "audit"}

# The same rows `export ledger` writes, as sqlite3's shell dumps them.
SQLITE_LEDGER = (
    "SELECT l.id, l.at, m.name, l.kind, l.amount, l.chore_id, l.completion_id, l.note, l.member_id"
    " FROM ledger l JOIN member m ON m.id = l.member_id ORDER BY l.id"
)

Command = tuple[list[str], dict, "Callable[[], None] | None"]


def rounds(commands: dict[str, Command], runs: int) -> dict[str, list[float]]:
    """Wall times of each command, one run of every command per round, each round starting elsewhere."""
    times: dict[str, list[float]] = {label: [] for label in commands}
    labels = list(commands)
    for i in range(runs):
        k = i % len(labels)
        for label in labels[k:] + labels[:k]:
            args, env, prepare = commands[label]
            if prepare:
                prepare()
            t = time.perf_counter()
            subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            times[label].append(time.perf_counter() - t)
    return times


def paired(a: list[float], b: list[float]) -> float:
    """The median of the per-round ratios a/b."""
    return statistics.median(x / y for x, y in zip(a, b, strict=True))


def peak_rss(args: list[str], env: dict, prepare: Callable[[], None] | None = None) -> int:
    """Peak RSS (KiB) of one run, read in a fresh child that reports its own child's usage."""
    if prepare:
        prepare()
    code = (
        "import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    return int(subprocess.run([PY, "-c", code, *args], env=env, check=True, capture_output=True, text=True).stdout)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


# ---- PostgreSQL beside SQLite (issue 15)

PG_BEGIN = "<!-- postgres: generated by benchmarks/run.py; --postgres-only rewrites just this part -->"
PG_END = "<!-- /postgres -->"
PG_READS = [
    "balance",
    "member list",
    "chore list",
    "chore show Dishes",
    "approvals",
    "log",
    "ledger",
    "export ledger -f csv",
]
PG_WRITES = ["done", "approve", "pay", "reset"]  # one cycle a round, on a job of its own
PG_RATIO = 1.2
PIN = "2468"
KIDS = [f"Child{i}" for i in range(1, 9)]
# A household as a family sets one up: members, chores of every kind, a day of done/approve/pay.
SETUP = [
    ["init"],
    *(["member", "add", kid] for kid in KIDS),
    ["member", "add", "Mum", "--parent"],
    ["member", "add", "Dad", "--parent"],
    ["chore", "add", "Dishes", "--reward", "1", "--every", "daily", "--assign", "Child1,Child2"],
    ["chore", "add", "Make bed", "--reward", "0.25", "--every", "daily", "--assign", ",".join(KIDS)],
    ["chore", "add", "Feed the cat", "--reward", "0.50", "--every", "daily"],
    ["chore", "add", "Tidy room", "--reward", "1-3", "--every", "weekly", "--assign", "Child3,Child4"],
    ["chore", "add", "Vacuum", "--reward", "2", "--every", "weekly", "--assign", "Child5"],
    ["chore", "add", "Trash out", "--reward", "0.75", "--every", "mon,thu", "--assign", "Child6"],
    ["chore", "add", "Mow lawn", "--reward", "5-8", "--every", "2w", "--assign", "Child7"],
    ["chore", "add", "Practice piano", "--reward", "0.50", "--every", "mon,wed,fri", "--assign", "Child8"],
    ["chore", "add", "Windows", "--reward", "3-6", "--every", "monthly"],
    ["chore", "add", "Wash car", "--reward", "3", "--cooldown", "14"],
    ["done", "Dishes", "--as", "Child1"],
    ["done", "Dishes", "--as", "Child2"],
    *(["done", "Make bed", "--as", kid] for kid in KIDS),
    ["done", "Feed the cat", "--as", "Child3"],
    ["done", "Wash car", "--as", "Child4"],
    ["approve", "--all"],
    *(["pay", kid, "0.25"] for kid in KIDS),
    ["adjust", "Child1", "+2", "--reason", "birthday"],
    ["adjust", "Child2", "-0.50", "--reason", "late"],
    ["reset"],
]


def job(n: str) -> str:
    return f"Job {n}"


def built(env: dict, jobs: list[tuple[str, str | None]]) -> None:
    """The household of SETUP in env's CHORECTL_DB, and a one-off chore for each (name, assignee) of *jobs*."""
    for args in SETUP + [
        ["chore", "add", job(n), "--reward", "0.10", *(["--assign", who] if who else [])] for n, who in jobs
    ]:
        done = subprocess.run([EXE, *args], check=False, env=env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"chorectl {' '.join(args)}: {done.stderr.strip()}")


def completion_id(output: str) -> str:
    """The id `done` reports: "... waits for approval (id 12)."."""
    return re.search(r"\(id (\d+)\)", output).group(1)


def write_cycles(envs: dict[str, dict], runs: int) -> dict[str, dict[str, list[float]]]:
    """Wall times of done, approve, pay and reset on each backend; a round runs the cycle on each in turn."""
    times = {name: {line: [] for line in PG_WRITES} for name in envs}
    names = list(envs)
    for i in range(runs + 1):  # round 0 warms up
        for name in names[i % len(names) :] + names[: i % len(names)]:
            env = envs[name]
            pending = None
            for line in PG_WRITES:
                args = {
                    "done": ["done", job(f"R{i}"), "--as", "Child1"],
                    "approve": ["approve", pending or "0"],
                    "pay": ["pay", "Child1", "0.05"],
                    "reset": ["reset"],
                }[line]
                t = time.perf_counter()
                done = subprocess.run([EXE, *args], check=False, env=env, capture_output=True, text=True)
                elapsed = time.perf_counter() - t
                if done.returncode:
                    raise RuntimeError(f"{name}: chorectl {' '.join(args)}: {done.stderr.strip()}")
                if line == "done":
                    pending = completion_id(done.stderr + done.stdout)
                if i:
                    times[name][line].append(elapsed)
    return times


def said(done: subprocess.CompletedProcess) -> str:
    """A failed command's Error: line (or its last line, or its exit code)."""
    lines = done.stderr.strip().splitlines()
    return next((line for line in lines if line.startswith("Error")), lines[-1] if lines else f"exit {done.returncode}")


def load(env: dict, clients: int, cycles: int) -> dict:
    """*clients* processes at once, each doing done/approve/pay *cycles* times on its own child's jobs."""
    barrier = threading.Barrier(clients)
    failures: list[str] = []

    def client(k: int) -> int:
        kid = KIDS[k % len(KIDS)]
        ok = 0
        barrier.wait()
        for j in range(cycles):
            steps = [["done", job(f"L{k}.{j}"), "--as", kid], ["approve"], ["pay", kid, "0.05"]]
            for args in steps:
                done = subprocess.run([EXE, *args], check=False, env=env, capture_output=True, text=True)
                if done.returncode:
                    failures.append(f"{args[0]}: {said(done)}")
                    break
                ok += 1
                if args[0] == "done":
                    steps[1].append(completion_id(done.stderr + done.stdout))
        return ok

    t = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        ok = sum(pool.map(client, range(clients)))
    seconds = time.perf_counter() - t
    return {"ops": clients * cycles * 3, "ok": ok, "seconds": seconds, "failures": failures}


def postgres_missing() -> str | None:
    """Why the PostgreSQL part cannot run here, or None."""
    sys.path.insert(0, str(ROOT))
    from tests import pg

    if pg.programs() is None:
        return "PostgreSQL's server programs are not installed (Debian: `apt-get install postgresql`)"
    if importlib.util.find_spec("psycopg") is None:
        return "psycopg is not installed (`pip install -e '.[postgres]'`)"
    return None


def postgres(env: dict, work: Path, runs: int, clients: int, cycles: int) -> list[str]:
    """The PostgreSQL section of docs/performance.md: the same household on both, timed."""
    from tests import pg

    load_before = os.getloadavg()
    server = pg.start()
    try:
        base = dict(env, CHORECTL_PIN=PIN, PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring")
        url = server.new_household()  # a schema of its own: ...&options=-csearch_path%3DNAME
        schema = url.rsplit("%3D", 1)[1]
        envs = {"sqlite": dict(base, CHORECTL_DB=str(work / "pg-beside.db")), "postgresql": dict(base, CHORECTL_DB=url)}
        jobs = [(f"R{i}", None) for i in range(runs + 1)]
        jobs += [(f"L{k}.{j}", KIDS[k % len(KIDS)]) for k in range(clients) for j in range(cycles)]
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda e: built(e, jobs), envs.values()))
        began = time.perf_counter()
        reads = []
        for line in PG_READS:
            commands = {name: ([EXE, *line.split()], e, None) for name, e in envs.items()}
            rounds(commands, 1)  # warm-up
            t = rounds(commands, runs)
            reads.append((line, statistics.median(t["sqlite"]), statistics.median(t["postgresql"]),
                          paired(t["postgresql"], t["sqlite"])))  # fmt: skip
        w = write_cycles(envs, runs)
        for line in PG_WRITES:
            reads.append((line, statistics.median(w["sqlite"][line]), statistics.median(w["postgresql"][line]),
                          paired(w["postgresql"][line], w["sqlite"][line])))  # fmt: skip
        measured = time.perf_counter() - began
        # Where PostgreSQL's extra time goes: what a command does on it and not on SQLite.
        connect = f"psycopg.connect(host={str(server.socket)!r}, user={pg.SUPERUSER!r}, dbname={pg.DATABASE!r}).close()"
        t = rounds(
            {
                "sqlmodel": ([PY, "-c", "import sqlmodel"], env, None),
                "+psycopg": ([PY, "-c", "import sqlmodel, psycopg"], env, None),
                "+connect": ([PY, "-c", f"import sqlmodel, psycopg; {connect}"], env, None),
                "sqlite balance": ([EXE, "balance"], envs["sqlite"], None),
                "postgresql balance": ([EXE, "balance"], envs["postgresql"], None),
            },
            runs,
        )
        extra = {
            what: statistics.median(b - a for a, b in zip(t[base], t[more], strict=True))
            for what, base, more in (
                ("balance", "sqlite balance", "postgresql balance"),
                ("import", "sqlmodel", "+psycopg"),
                ("connect", "+psycopg", "+connect"),
            )
        }
        loads = {name: load(envs[name], clients, cycles) for name in ("sqlite", "postgresql")}
        rows = server.psql(
            f"SELECT (SELECT count(*) FROM {schema}.ledger), (SELECT count(*) FROM {schema}.completion), "
            f"(SELECT count(*) FROM {schema}.audit)"
        ).strip()
        version = server.psql("SHOW server_version").strip()
    finally:
        server.stop()
    load_after = os.getloadavg()
    ledger, completions, audit = (int(x) for x in rows.split("|"))
    slow = [(line, ratio) for line, _, _, ratio in reads if ratio > PG_RATIO]
    shortest = min(((line, lite) for line, lite, _, _ in reads), key=lambda r: r[1])
    busy = load_before[0] > (os.cpu_count() or 1) or load_after[0] > (os.cpu_count() or 1)
    lines = [
        PG_BEGIN,
        "## PostgreSQL beside SQLite (issue 15)",
        "",
        f"Generated by `python benchmarks/run.py --postgres-only` (or the whole run) on: {machine()}; "
        f"PostgreSQL {version}.",
        "A throw-away local cluster (tests/pg.py's: fsync off, trust authentication), reached over its Unix",
        "socket. The same household on both, built by chorectl's own commands (10 members, 10 chores of",
        "every kind, a day of done/approve/pay, adjustments, one-off jobs), and grown by the rounds below;",
        f"at the end {ledger} ledger entries, {completions} completions, {audit} log lines. Every command is a",
        "new process with `CHORECTL_PIN` set and a file keyring, as a script or cron runs it.",
        "",
        f"Load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in load_before)}; after: "
        f"{', '.join(f'{x:.2f}' for x in load_after)} ({os.cpu_count()} cores). The ratios are the median of",
        "per-round ratios, each round running both backends in turn, so a shared machine's drift hits both.",
        "",
        f"### Everyday commands (median of {runs} rounds after one to warm up)",
        "",
        "| command | SQLite | PostgreSQL | PostgreSQL / SQLite |",
        "|---|---:|---:|---:|",
    ]
    for line, lite, post, ratio in reads:
        lines.append(f"| `{line}` | {ms(lite)} | {ms(post)} | {ratio:.2f}x |")
    lines += [
        "",
        "`done`, `approve` and `pay` run as one cycle a round on a one-off job of their own (approve takes",
        "the id done printed), then `reset`, with nothing left to roll: the everyday cron run.",
        f"The rounds took {measured:.0f} s.",
        "",
        f"Where PostgreSQL's extra time goes (medians of {runs} rounds' differences): `balance` takes "
        f"{ms(extra['balance'])} more on PostgreSQL; importing psycopg on top of SQLModel costs "
        f"{ms(extra['import'])}, and opening and closing a connection to the local server "
        f"{ms(extra['connect']) if extra['connect'] > 0 else 'too little to tell here'} (a new server process each "
        "time: every command is a new process with a",
        "connection of its own). Both are the driver's and the server's; chorectl's own part is the round",
        "trips of its connection's set-up (26 statements for `balance`; SQLAlchemy's first-connect checks",
        "and the schema stamp read at open are most of them). The cost is a fixed one a command, not one a",
        f"row: the shortest command here ({shortest[0]}, {ms(shortest[1])} on SQLite) stays within {PG_RATIO}x "
        f"only while PostgreSQL adds at most {ms(shortest[1] * (PG_RATIO - 1))}.",
        "",
        f"### {clients} concurrent clients",
        "",
        f"{clients} clients start together; each runs `done` on a one-off job of its own child's,",
        f"`approve` of that id and `pay` of 0.05, {cycles} times ({cycles * 3} chorectl processes each, one after",
        "another). A failure is any command that exits non-zero.",
        "",
        "| backend | operations | succeeded | failures | wall time | operations per second |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, result in loads.items():
        lines.append(
            f"| {'SQLite' if name == 'sqlite' else 'PostgreSQL'} | {result['ops']} | {result['ok']} | "
            f"{len(result['failures'])} | {result['seconds']:.1f} s | {result['ok'] / result['seconds']:.2f} |"
        )
    for name, result in loads.items():
        for failure in sorted(set(result["failures"]))[:5]:
            lines.append(f"\n- {name}: `{failure}`")
    pg_failures = len(loads["postgresql"]["failures"])
    worst = max(reads, key=lambda r: r[3])
    lines += [
        "",
        "### Goals (issue 15)",
        "",
        "| goal | measured | |",
        "|---|---|---|",
        f"| every everyday command on PostgreSQL within {PG_RATIO}x of SQLite's time | "
        + (", ".join(f"{line} {ratio:.2f}x" for line, ratio in slow) if slow else
           f"all {len(reads)} within; the slowest {worst[0]} {worst[3]:.2f}x")
        + (" (a busy machine: re-run on a quiet one)" if busy and slow else "")
        + f" | {verdict(not slow)} |",
        f"| {clients} concurrent clients doing done/approve/pay on PostgreSQL: zero failures | "
        f"{pg_failures} of {loads['postgresql']['ops']}, {loads['postgresql']['ok'] / loads['postgresql']['seconds']:.2f} "
        f"operations/s (SQLite: {len(loads['sqlite']['failures'])} failures, "
        f"{loads['sqlite']['ok'] / loads['sqlite']['seconds']:.2f}/s) | {verdict(pg_failures == 0)} |",
        "",
        PG_END,
    ]  # fmt: skip
    return lines


def splice(document: str, section: list[str]) -> str:
    """*document* with its PostgreSQL section replaced by *section* (added at the end when it has none)."""
    new = "\n".join(section)
    if PG_BEGIN in document and PG_END in document:
        head, rest = document.split(PG_BEGIN, 1)
        return head + new + rest.split(PG_END, 1)[1]
    return document.rstrip("\n") + "\n\n" + new + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=10)
    parser.add_argument("--runs", type=int, default=9, help="rounds for the commands that answer at once")
    parser.add_argument("--stream-runs", type=int, default=3, help="rounds for the whole-history streams")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument(
        "--postgres-only", action="store_true", help="only PostgreSQL beside SQLite; rewrites only its section"
    )
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients against each backend")
    parser.add_argument("--cycles", type=int, default=3, help="done/approve/pay cycles of each client")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="chorectl-bench-"))
    # As installed: bytecode compiled. An editable install run with
    # PYTHONDONTWRITEBYTECODE=1 would otherwise recompile every edited module
    # on every run (tens of ms that no user pays).
    compileall.compile_dir(str(ROOT / "chorectl"), quiet=1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHORECTL_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(HOME=str(work), XDG_DATA_HOME=str(work / "data"), XDG_RUNTIME_DIR=str(work / "run"), COLUMNS="100")
    (work / "run").mkdir(mode=0o700)
    missing = postgres_missing()
    if args.postgres_only:
        if missing:
            sys.exit(f"PostgreSQL part skipped: {missing}")
        section = postgres(env, work, args.runs, args.clients, args.cycles)
        shutil.rmtree(work)
        old = args.out.read_text() if args.out.exists() else "# Performance\n"
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(splice(old, section))
        print("\n".join(section))
        return
    big = f"{args.years:g} years"
    dbs: dict[str, Path] = {}
    counts = {}
    for label, years in (("fresh", 0), (big, args.years)):
        db = work / f"{label.replace(' ', '')}.db"
        counts[label] = build(db, years=years)
        subprocess.run(
            [EXE, "--db", str(db), "doctor"], check=False, env=env, capture_output=True
        )  # upgraded, if due, once
        dbs[label] = db
    rows_in = {
        label: {
            table: sqlite3.connect(db).execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("ledger", "completion", "audit", "member", "chore")
        }
        for label, db in dbs.items()
    }

    def command(label: str, line: str) -> Command:
        db = dbs[label]
        if line.split()[0] in WRITES:
            copy = work / f"copy-{db.name}"
            return ([EXE, "--db", str(copy), *shlex.split(line)], env, lambda: shutil.copy(db, copy))
        return ([EXE, "--db", str(db), *shlex.split(line)], env, None)

    # ---- the commands people run: time and memory, fresh vs ten years
    tables = []
    for line in TABLES:
        t = rounds({label: command(label, line) for label in dbs}, args.runs)
        memory = {label: peak_rss(*command(label, line)) for label in dbs}
        tables.append((line, {k: statistics.median(v) for k, v in t.items()}, paired(t[big], t["fresh"]), memory))

    # ---- the script formats: every row, streamed
    streams = []
    for line in STREAMS:
        out = str(work / "out")
        t = rounds(
            {
                label: ([*command(label, line)[0], *(["-o", out] if line.startswith("export") else [])], env, None)
                for label in dbs
            },
            args.stream_runs,
        )
        memory = {label: peak_rss([*command(label, line)[0]], env) for label in dbs}
        what = line.split()[1] if line.startswith("export") else line.split()[0]
        table = ROWS_OF.get(what, {"members": "member", "chores": "chore"}.get(what, what))
        rows = rows_in[big].get(table, 0) - rows_in["fresh"].get(table, 0)
        fresh_t, big_t = statistics.median(t["fresh"]), statistics.median(t[big])
        per_row = (big_t - fresh_t) / rows if rows else None
        streams.append((line, fresh_t, big_t, rows, per_row, memory))

    # ---- export ledger -f csv side by side with sqlite3 -csv, in the same rounds
    sqlite3_cli = shutil.which("sqlite3")
    ratio_rows = None
    if sqlite3_cli:
        out = str(work / "ratio.csv")
        side = {
            "chorectl fresh": ([EXE, "--db", str(dbs["fresh"]), "export", "ledger", "-o", out], env, None),
            "chorectl big": ([EXE, "--db", str(dbs[big]), "export", "ledger", "-o", out], env, None),
            "sqlite3 start": ([sqlite3_cli, "-csv", str(dbs["fresh"]), "SELECT 1"], env, None),
            "sqlite3 big": ([sqlite3_cli, "-csv", str(dbs[big]), SQLITE_LEDGER], env, None),
        }
        t = rounds(side, max(args.runs, 5))
        n = rows_in[big]["ledger"] - rows_in["fresh"]["ledger"]
        ours = [(b - f) / n for b, f in zip(t["chorectl big"], t["chorectl fresh"], strict=True)]
        theirs = [(b - s) / rows_in[big]["ledger"] for b, s in zip(t["sqlite3 big"], t["sqlite3 start"], strict=True)]
        ratio_rows = (statistics.median(ours), statistics.median(theirs), paired(ours, theirs))

    # ---- light commands against balance
    complete_env = dict(env, _CHORECTL_COMPLETE="complete_bash", COMP_WORDS="chorectl ch", COMP_CWORD="1")
    t = rounds(
        {
            "balance": ([EXE, "--db", str(dbs["fresh"]), "balance"], env, None),
            "python -c pass": ([PY, "-c", "pass"], env, None),
            'python -c "import sqlmodel"': ([PY, "-c", "import sqlmodel"], env, None),
            "--help": ([EXE, "--help"], env, None),
            "--version": ([EXE, "--version"], env, None),
            "completion of a command name": ([EXE], complete_env, None),
        },
        args.runs,
    )
    light = {name: (statistics.median(t[name]), paired(t[name], t["balance"])) for name in t if name != "balance"}
    floor = statistics.median(t['python -c "import sqlmodel"'])
    if missing:
        section = [PG_BEGIN, "## PostgreSQL beside SQLite (issue 15)", "", f"Skipped: {missing}.", "", PG_END]
    else:
        section = postgres(env, work, args.runs, args.clients, args.cycles)
    shutil.rmtree(work)

    lines = [
        "# Performance",
        "",
        f"Generated by `python benchmarks/run.py` on: {machine()}. Whole processes; each round runs",
        "every side of a comparison once, in turn, and a ratio is the median of the ratios within a",
        "round, so a shared machine's drift hits both sides alike. Peak memory is the process's maximum",
        "resident set.",
        "",
        f"Households from `benchmarks/history.py`: fresh ({counts['fresh']['total']} rows) and {big} of",
        f"history ({counts[big]['total']:,} rows: {counts[big]['completion']:,} completions,",
        f"{counts[big]['ledger']:,} ledger entries, {counts[big]['audit']:,} log lines).",
        "",
        f"## Commands people run (default arguments, median of {args.runs} rounds)",
        "",
        f"| command | fresh | {big} | time {big} / fresh | memory fresh | memory {big} | memory ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for line, t, ratio, memory in tables:
        lines.append(
            f"| `{line}` | {ms(t['fresh'])} | {ms(t[big])} | {ratio:.2f}x | {mib(memory['fresh'])} | "
            f"{mib(memory[big])} | {memory[big] / memory['fresh']:.2f}x |"
        )
    lines += [
        "",
        "`log`, `ledger` and `export -f table` show the latest 50 rows and say how many they leave",
        "out; `doctor`'s integrity check reads the whole file (it says how long it took).",
        "",
        f"## Script formats: every row, streamed (median of {args.stream_runs} rounds)",
        "",
        f"| command | fresh | {big} | rows | cost of a row | memory fresh | memory {big} | memory ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for line, fresh_t, big_t, rows, per_row, memory in streams:
        cost = f"{per_row * 1e6:.2f} µs" if per_row is not None else ""
        lines.append(
            f"| `{line}` | {ms(fresh_t)} | {ms(big_t)} | {rows:,} | {cost} | {mib(memory['fresh'])} | "
            f"{mib(memory[big])} | {memory[big] / memory['fresh']:.2f}x |"
        )
    if ratio_rows:
        ours, theirs, ratio = ratio_rows
        lines += [
            "",
            "## `export ledger -f csv` beside `sqlite3 -csv`",
            "",
            f"The same {rows_in[big]['ledger']:,} rows, in the same rounds: chorectl costs {ours * 1e6:.2f} µs a row "
            f"((t at {big} - t fresh) / rows), `sqlite3 -csv` {theirs * 1e6:.2f} µs a row (less its own "
            f"start-up): **{ratio:.2f}x**.",
        ]
    lines += ["", "## Light commands", "", "| command | time | share of `balance` (fresh) |", "|---|---:|---:|"]
    for name, (secs, share) in light.items():
        lines.append(f"| `{name}` | {ms(secs)} | {share:.2f} |")

    everyday = [(line, ratio) for line, _, ratio, _ in tables if line != "doctor"]
    doctor = next(t for t in tables if t[0] == "doctor")
    memories = [(line, memory[big] / memory["fresh"]) for line, _, _, memory in tables] + [
        (line, memory[big] / memory["fresh"]) for line, *_, memory in streams
    ]
    slow = [f"{line} {ratio:.2f}x" for line, ratio in everyday if ratio > 1.15]
    heavy = [f"{line} {ratio:.2f}x" for line, ratio in memories if ratio > 1.5]
    reset_ratio = next(ratio for line, _, ratio, _ in tables if line == "reset")
    light_ok = all(share <= 0.35 for name, (_, share) in light.items() if name.startswith(("--", "completion")))
    lines += [
        "",
        "## Goals",
        "",
        "| goal | measured | |",
        "|---|---|---|",
        f"| every command people run (default arguments), {big} within 1.15x the time of fresh | "
        + (", ".join(slow) if slow else f"all {len(everyday)} within; the slowest {max(r for _, r in everyday):.2f}x")
        + f" | {verdict(not slow)} |",
        f"| `doctor`: says its time; progress on a terminal | {ms(doctor[1][big])} at {big} "
        f"({doctor[2]:.2f}x of fresh: its integrity check reads the whole file) | met |",
        f"| every command and format, {big} within 1.5x the peak memory of fresh | "
        + (", ".join(heavy) if heavy else f"all within; the most {max(r for _, r in memories):.2f}x")
        + f" | {verdict(not heavy)} |",
    ]
    if ratio_rows:
        lines.append(
            f"| `export ledger -f csv`: a row within 3x of `sqlite3 -csv`'s | {ratio_rows[2]:.2f}x "
            f"({ratio_rows[0] * 1e6:.2f} vs {ratio_rows[1] * 1e6:.2f} µs) | {verdict(ratio_rows[2] <= 3)} |"
        )
    lines += [
        "| `--help`, `--version`, completion at most 0.35x of `balance` | "
        + ", ".join(
            f"{name} {share:.2f}" for name, (_, share) in light.items() if name.startswith(("--", "completion"))
        )
        + f" | {verdict(light_ok)} |",
        f"| `reset` at {big} within 1.5x of fresh | {reset_ratio:.2f}x | {verdict(reset_ratio <= 1.5)} |",
        f"| (issue 7) everyday commands within 1.3x of `import sqlmodel` ({ms(floor)}) | "
        + ", ".join(
            f"{line} {t[big] / floor:.2f}x"
            for line, t, _, _ in tables
            if line in ("balance", "chore list", "approvals", "member list")
        )
        + " | see the note |",
        "",
        "The last row is kept from issue 7 for comparison: a chorectl process imports SQLModel",
        "and SQLAlchemy (most of its start-up), so it cannot be much faster than that import.",
        "",
        *section,
        "",
    ]
    text = "\n".join(lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
