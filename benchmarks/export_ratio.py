"""Exports at the speed of SQLite (issue 14): chorectl's per-row cost beside ``sqlite3 -csv``'s, in one run.

    python benchmarks/export_ratio.py [--ten PATH] [--fresh PATH] [--rounds 9] [--zone Europe/Berlin]

A row's cost is what a whole process takes at ten years of history less what it
takes on a fresh household (its start-up, the same query on no rows), divided
by the rows: for ``chorectl export ledger -f csv -o FILE``, for ``sqlite3 -csv``
running the same join (members' names) on the same files, and for Python's
sqlite3 and csv modules writing that join plainly (no local times, no amounts,
no escapes). Each round runs every command once, in turn; a ratio is the median
of the ratios within a round, so a shared machine's drift hits both sides alike.
Wall time is the goal's measure; CPU time (the children's user + system) is
printed beside it, steadier on a busy machine. chorectl's export also fsyncs its
file (``-o`` is atomic and durable); the others only write theirs.

Then, the same way, the per-row cost of chorectl's other script formats and of
``export completions`` and ``log -f csv`` (no goal; for the record).

The households are made by benchmarks/history.py (``--years 10`` and ``--years
0``) where the files do not exist yet. chorectl, python and sqlite3 are the ones
beside this Python and on PATH; TZ is set for every process.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

JOIN = (
    "SELECT l.id, l.at, m.name, l.kind, l.amount, l.chore_id, l.completion_id, l.note, l.member_id"
    " FROM ledger l JOIN member m ON m.id = l.member_id ORDER BY l.id"
)
PYTHON_CSV = (
    "import csv, sqlite3, sys\n"
    "con = sqlite3.connect(sys.argv[1])\n"
    "with open(sys.argv[2], 'w', newline='', encoding='utf-8') as out:\n"
    "    csv.writer(out, lineterminator='\\r\\n').writerows(con.execute(sys.argv[3]))\n"
)


def timed(args: list[str], env: dict[str, str], stdout: Path | None = None) -> tuple[float, float]:
    """Run *args* to the end; (wall seconds, CPU seconds of the child), stdout to the file *stdout*."""
    import time

    with open(stdout or os.devnull, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(args)}")
    return wall, usage.ru_utime + usage.ru_stime


def rows(db: Path, table: str) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def household(path: Path | None, years: int, folder: Path) -> Path:
    if path is None:
        path = folder / f"{years}y.db"
    if not path.exists():
        sys.path.insert(0, str(Path(__file__).parent))
        from history import build

        print(f"building {path} ({years} years) ...", file=sys.stderr)
        build(path, years=years)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ten", type=Path, help="a household with 10 years of history (made if missing)")
    parser.add_argument("--fresh", type=Path, help="the same household with none (made if missing)")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--zone", default="Europe/Berlin")
    parser.add_argument("--others", action=argparse.BooleanOptionalAction, default=True, help="the other formats too")
    args = parser.parse_args()
    sqlite_cli = shutil.which("sqlite3")
    if sqlite_cli is None:
        raise SystemExit("sqlite3 (the command-line shell) is not installed")
    work = Path(tempfile.mkdtemp(prefix="chorectl-ratio-"))
    ten = household(args.ten, 10, work)
    fresh = household(args.fresh, 0, work)
    chorectl = str(Path(sys.executable).parent / "chorectl")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHORECTL_")}
    env["TZ"] = args.zone
    counts = {table: rows(ten, table) for table in ("ledger", "completion", "audit")}
    assert rows(fresh, "ledger") == 0, f"{fresh} has ledger rows: not a fresh household"

    def chorectl_run(db: Path, *command: str) -> tuple[float, float]:
        if "-o" in command:
            return timed([chorectl, *command], dict(env, CHORECTL_DB=str(db)))
        return timed([chorectl, *command], dict(env, CHORECTL_DB=str(db)), stdout=work / "out")

    # (name, rows, run at ten years, run fresh): per-row cost = (ten - fresh) / rows
    ledger_csv = ("export", "ledger", "-f", "csv", "-o", str(work / "ledger.csv"))
    goal = {
        "chorectl export ledger -f csv -o FILE": (
            lambda: chorectl_run(ten, *ledger_csv),
            lambda: chorectl_run(fresh, *ledger_csv),
        ),
        "sqlite3 -csv (the same join)": (
            lambda: timed([sqlite_cli, "-csv", str(ten), JOIN], env, stdout=work / "sqlite.csv"),
            lambda: timed([sqlite_cli, "-csv", str(fresh), JOIN], env, stdout=work / "sqlite.csv"),
        ),
        "python sqlite3 + csv (plain join)": (
            lambda: timed([sys.executable, "-c", PYTHON_CSV, str(ten), str(work / "py.csv"), JOIN], env),
            lambda: timed([sys.executable, "-c", PYTHON_CSV, str(fresh), str(work / "py.csv"), JOIN], env),
        ),
    }
    results = measure(goal, args.rounds)
    n = counts["ledger"]
    load = ", load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    print(
        f"TZ={args.zone}; {n:,} ledger rows, {args.rounds} rounds; Python {sys.version.split()[0]},"
        f" SQLite {sqlite3.sqlite_version}{load}"
    )
    report(results, dict.fromkeys(goal, n), base="sqlite3 -csv (the same join)")

    if args.others:
        others = {}
        for fmt in ("tsv", "json", "jsonl"):
            command = ("export", "ledger", "-f", fmt, "-o", str(work / f"ledger.{fmt}"))
            others[f"chorectl export ledger -f {fmt} -o FILE"] = (
                lambda c=command: chorectl_run(ten, *c),
                lambda c=command: chorectl_run(fresh, *c),
            )
        completions = ("export", "completions", "-f", "csv", "-o", str(work / "completions.csv"))
        others["chorectl export completions -f csv -o FILE"] = (
            lambda: chorectl_run(ten, *completions),
            lambda: chorectl_run(fresh, *completions),
        )
        others["chorectl log -f csv > FILE"] = (
            lambda: chorectl_run(ten, "log", "-f", "csv"),
            lambda: chorectl_run(fresh, "log", "-f", "csv"),
        )
        others["sqlite3 -csv (the same join)"] = goal["sqlite3 -csv (the same join)"]
        per = dict.fromkeys(others, n)
        per["chorectl export completions -f csv -o FILE"] = counts["completion"]
        per["chorectl log -f csv > FILE"] = counts["audit"] - rows(fresh, "audit")
        print()
        report(measure(others, max(3, args.rounds // 2)), per, base="sqlite3 -csv (the same join)")
    shutil.rmtree(work)


def measure(commands: dict, rounds: int) -> dict[str, list[tuple[float, float, float, float]]]:
    """Each round: every command at ten years, then fresh; (wall ten, wall fresh, cpu ten, cpu fresh) per round.

    A round first that is not counted: the files into the page cache, and an older
    database upgraded (chorectl does that on first use, keeping a copy)."""
    for at_ten, at_fresh in commands.values():
        at_ten(), at_fresh()
    found: dict[str, list] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, (at_ten, at_fresh) in commands.items():
            wall_ten, cpu_ten = at_ten()
            wall_fresh, cpu_fresh = at_fresh()
            found[name].append((wall_ten, wall_fresh, cpu_ten, cpu_fresh))
    return found


def report(results: dict, counts: dict[str, int], *, base: str) -> None:
    """Per row: the median of the rounds' (10 years - fresh) / rows; ratio: the median of the rounds'
    ratios to *base* (quartiles beside it); of medians: (median 10 years - median fresh) / rows
    over *base*'s, steadier where a busy machine jolts one start-up; then the same in CPU time."""

    def per_row(name: str, i: int) -> list[float]:
        return [(r[i] - r[i + 1]) / counts[name] * 1e6 for r in results[name]]

    def of_medians(name: str, i: int) -> float:
        ten, fresh = (statistics.median(r[j] for r in results[name]) for j in (i, i + 1))
        return (ten - fresh) / counts[name] * 1e6

    print(
        f"{'':44} {'fresh':>7} {'10 years':>8} {'µs/row':>7} {'ratio':>6} {'(quartiles)':>12} {'of medians':>10}"
        f"   {'CPU µs/row':>10} {'ratio':>6}"
    )
    for name in results:
        wall, cpu = per_row(name, 0), per_row(name, 2)
        ratios = [a / b for a, b in zip(wall, per_row(base, 0), strict=True)]
        cpu_ratio = statistics.median(a / b for a, b in zip(cpu, per_row(base, 2), strict=True))
        low, _, high = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else (ratios[0],) * 3
        fresh = statistics.median(r[1] for r in results[name]) * 1000
        tens = statistics.median(r[0] for r in results[name]) * 1000
        print(
            f"{name:44} {fresh:5.0f}ms {tens:6.0f}ms {statistics.median(wall):7.2f} {statistics.median(ratios):5.2f}x"
            f" ({low:4.2f}–{high:4.2f}) {of_medians(name, 0) / of_medians(base, 0):9.2f}x"
            f"   {statistics.median(cpu):10.2f} {cpu_ratio:5.2f}x"
        )


if __name__ == "__main__":
    main()
