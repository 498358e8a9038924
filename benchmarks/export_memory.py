"""Peak memory of ``chorectl export ledger`` at two ledger sizes: streaming keeps it flat.

    python benchmarks/export_memory.py [--small 1000] [--large 200000]

Builds two databases through the project's models (bulk inserts), then runs
the installed chorectl as a whole process for each and reads its peak RSS
from the kernel (getrusage of the child). Prints both, the ratio, and rows/s.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from chorectl.db.engine import ensure_schema, make_engine
from chorectl.db.models import Household, LedgerEntry, Member

KINDS = [("reward", 150), ("reward", 200), ("bonus", 100), ("penalty", -50), ("payout", -300)]


def build(db: Path, rows: int) -> None:
    engine = make_engine(db)
    ensure_schema(engine)
    start = datetime(2016, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(Household.__table__), [{"id": "bench", "currency": "$", "created_at": start, "pin_set": False}]
        )
        conn.execute(
            insert(Member.__table__),
            [
                {
                    "id": i,
                    "name": f"Child{i}",
                    "name_key": f"child{i}",
                    "role": "child",
                    "active": True,
                    "created_at": start,
                }
                for i in range(1, 7)
            ],
        )
        batch = []
        for n in range(rows):
            kind, amount = KINDS[n % len(KINDS)]
            batch.append(
                {
                    "at": start + timedelta(minutes=25 * n),
                    "member_id": n % 6 + 1,
                    "kind": kind,
                    "amount": amount,
                    "chore_id": None,
                    "completion_id": None,
                    "note": f"entry {n}, with a comma",
                }
            )
            if len(batch) == 10_000:
                conn.execute(insert(LedgerEntry.__table__), batch)
                batch = []
        if batch:
            conn.execute(insert(LedgerEntry.__table__), batch)
    engine.dispose()


def peak_rss_kib(args: list[str]) -> tuple[int, float]:
    """Run *args* in a fresh child and return (its peak RSS in KiB, seconds)."""
    code = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True).stdout.split()
    return int(out[0]), float(out[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=200_000)
    args = parser.parse_args()
    exe = str(Path(sys.executable).parent / "chorectl")
    work = Path(tempfile.mkdtemp(prefix="chorectl-export-"))
    results = {}
    for label, rows in (("small", args.small), ("large", args.large)):
        db = work / f"{label}.db"
        build(db, rows)
        rss, secs = peak_rss_kib([exe, "--db", str(db), "export", "ledger", "--output", str(work / f"{label}.csv")])
        results[label] = (rows, rss, secs)
        print(f"{rows:>8} ledger rows: peak RSS {rss / 1024:6.1f} MiB, {secs:5.2f} s, {rows / secs:>9,.0f} rows/s")
    ratio = results["large"][1] / results["small"][1]
    print(f"peak memory large/small: {ratio:.2f}x")
    for f in work.iterdir():
        f.unlink()
    work.rmdir()


if __name__ == "__main__":
    main()
