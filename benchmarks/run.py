"""Time chorectl's everyday commands as whole processes, fresh household vs ten years of history.

    python benchmarks/run.py [--years 10] [--runs 15] [--out docs/performance.md]

Builds both households with benchmarks/history.py (in a temp folder), then
runs each command as a new process several times and takes the median, next
to the floors `python -c pass` and `python -c "import sqlmodel"`. Peak memory
of an export is the child's ru_maxrss. Writes a Markdown table with the
machine it ran on, and prints it.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from history import build

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
EXE = str(Path(PY).parent / "chorectl")

EVERYDAY = [
    ("balance", ["balance"]),
    ("chore list", ["chore", "list"]),
    ("approvals", ["approvals"]),
    ("member list", ["member", "list"]),
]


Command = tuple[list[str], dict, "Callable[[], None] | None"]


def rounds(commands: dict[str, Command], runs: int) -> dict[str, list[float]]:
    """Wall times of each command, one run of every command per round.

    Each round starts at a different command, and a ratio is taken within a
    round (see :func:`paired`), so the drift of a shared machine's speed
    (a noisy neighbour can move it by a third within a minute) hits both
    sides of a comparison alike.
    """
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


def peak_rss(args: list[str], env: dict) -> int:
    """Peak RSS (KiB) of one run, read in a fresh child that reports its own child's usage."""
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=10)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="chorectl-bench-"))
    # As installed: bytecode compiled. An editable install run with
    # PYTHONDONTWRITEBYTECODE=1 would otherwise recompile every edited module
    # on every run (tens of ms that no user pays).
    compileall.compile_dir(str(ROOT / "chorectl"), quiet=1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHORECTL_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(HOME=str(work), XDG_DATA_HOME=str(work / "data"), XDG_RUNTIME_DIR=str(work / "run"), COLUMNS="100")
    (work / "run").mkdir(mode=0o700)
    dbs = {}
    counts = {}
    for label, years in (("fresh", 0), (f"{args.years:g} years", args.years)):
        db = work / f"{label.replace(' ', '')}.db"
        counts[label] = build(db, years=years)
        dbs[label] = db
    big = f"{args.years:g} years"
    floor_cmd: Command = ([PY, "-c", "import sqlmodel"], env, None)
    floor_samples: list[float] = []
    rows: list[tuple[str, dict[str, float], float, float]] = []  # name, medians, 10y/fresh, 10y/floor
    for name, argv in EVERYDAY:
        t = rounds(
            {"floor": floor_cmd, **{label: ([EXE, "--db", str(db), *argv], env, None) for label, db in dbs.items()}},
            args.runs,
        )
        floor_samples += t["floor"]
        rows.append(
            (
                name,
                {k: statistics.median(v) for k, v in t.items()},
                paired(t[big], t["fresh"]),
                paired(t[big], t["floor"]),
            )
        )

    def fresh_copy(db: Path) -> Command:
        copy = work / f"copy-{db.name}"
        return ([EXE, "--db", str(copy), "reset", "-q"], env, lambda: shutil.copy(db, copy))

    t = rounds({"floor": floor_cmd, **{label: fresh_copy(db) for label, db in dbs.items()}}, args.runs)
    rows.append(
        (
            "reset (nightly roll)",
            {k: statistics.median(v) for k, v in t.items()},
            paired(t[big], t["fresh"]),
            paired(t[big], t["floor"]),
        )
    )

    complete_env = dict(env, _CHORECTL_COMPLETE="complete_bash", COMP_WORDS="chorectl ch", COMP_CWORD="1")
    t = rounds(
        {
            "balance": ([EXE, "--db", str(dbs["fresh"]), "balance"], env, None),
            "python -c pass": ([PY, "-c", "pass"], env, None),
            "--help": ([EXE, "--help"], env, None),
            "--version": ([EXE, "--version"], env, None),
            "completion of a command name": ([EXE], complete_env, None),
        },
        args.runs,
    )
    floors = {
        "python -c pass": statistics.median(t["python -c pass"]),
        'python -c "import sqlmodel"': statistics.median(floor_samples),
    }
    light = {
        name: (statistics.median(t[name]), paired(t[name], t["balance"]))
        for name in ("--help", "--version", "completion of a command name")
    }

    out_file = str(work / "ledger.csv")
    exports = {label: [EXE, "--db", str(db), "export", "ledger", "-o", out_file] for label, db in dbs.items()}
    t = rounds({label: (argv, env, None) for label, argv in exports.items()}, args.runs)
    export = {}
    for label, db in dbs.items():
        rss = peak_rss(exports[label], env)
        n = sqlite3.connect(db).execute("SELECT COUNT(*) FROM ledger").fetchone()[0]
        export[label] = (statistics.median(t[label]), rss, n)
    shutil.rmtree(work)

    lines = [
        "# Performance",
        "",
        f"Generated by `python benchmarks/run.py` (whole processes, median of {args.runs} rounds) on: {machine()}.",
        "",
        "Each round runs every command of a comparison once, in turn; a ratio is the median",
        "of the ratios within a round, so a shared machine's drift hits both sides alike.",
        "",
        f"Households from `benchmarks/history.py`: fresh ({counts['fresh']['total']} rows) and "
        f"{big} of history ({counts[big]['total']:,} rows: {counts[big]['completion']:,} completions, "
        f"{counts[big]['ledger']:,} ledger entries, {counts[big]['audit']:,} log lines).",
        "",
        "| command | fresh | " + big + " | " + big + " / fresh | " + big + " / `import sqlmodel` |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, t, ratio, vs_floor in rows:
        lines.append(
            f"| `{name}` | {t['fresh'] * 1000:.0f} ms | {t[big] * 1000:.0f} ms | {ratio:.2f}x | {vs_floor:.2f}x |"
        )
    lines += ["", "| floor or light command | time | share of `balance` (fresh) |", "|---|---:|---:|"]
    for name, secs in floors.items():
        lines.append(f"| `{name}` | {secs * 1000:.0f} ms | |")
    for name, (secs, share) in light.items():
        lines.append(f"| `{name}` | {secs * 1000:.0f} ms | {share:.2f} |")
    lines += ["", "| `export ledger -o FILE` | rows | time | rows/s | peak memory |", "|---|---:|---:|---:|---:|"]
    for label, (secs, rss, n) in export.items():
        lines.append(f"| {label} | {n:,} | {secs * 1000:.0f} ms | {n / secs:,.0f} | {rss / 1024:.1f} MiB |")
    ratio = export[big][1] / export["fresh"][1]
    lines += ["", f"Peak memory of the {big} export is {ratio:.2f}x the fresh one's.", ""]

    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    everyday = rows[:4]
    reset_ratio = rows[4][2]
    secs, _, n = export[big]
    lines += [
        "## Goals (issue 7)",
        "",
        "| goal | measured | |",
        "|---|---|---|",
        "| everyday commands at 10 years within 1.15x of fresh | "
        + ", ".join(f"{name} {ratio:.2f}x" for name, _, ratio, _ in everyday)
        + f" | {verdict(all(ratio <= 1.15 for _, _, ratio, _ in everyday))} |",
        "| everyday commands within 1.3x of `import sqlmodel` | "
        + ", ".join(f"{name} {vs:.2f}x" for name, _, _, vs in everyday)
        + f" | {verdict(all(vs <= 1.3 for _, _, _, vs in everyday))} |",
        "| `--help`, `--version`, completion within a third of `balance` | "
        + ", ".join(f"{name} {share:.2f}" for name, (_, share) in light.items())
        + f" | {verdict(all(share <= 1 / 3 for _, share in light.values()))} |",
        f"| export peak memory within 1.5x of fresh | {ratio:.2f}x | {verdict(ratio <= 1.5)} |",
        f"| export at least 100,000 rows/s (whole process, start-up included) | {n / secs:,.0f} | {verdict(n / secs >= 100_000)} |",
        f"| `reset` at 10 years within 1.5x of fresh | {reset_ratio:.2f}x | {verdict(reset_ratio <= 1.5)} |",
        "",
    ]
    text = "\n".join(lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
