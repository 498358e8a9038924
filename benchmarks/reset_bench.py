"""How long does ``chorectl reset`` take over many recurring chores with a year of history?

    python benchmarks/reset_bench.py [--chores 500] [--children 6] [--days 365] [--runs 5]

Builds a household through the project's own models (bulk inserts): recurring
chores of every schedule kind, each period of the past year approved (and
paid) or missed, watermarks at yesterday. Then times the installed
``chorectl reset`` as a whole process on fresh copies (the nightly roll: every
slot moves into today's period) and again on an already-rolled copy (the
every-minute case: nothing to do). Prints medians.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from sqlalchemy import insert

from chorectl.db.engine import ensure_schema, make_engine
from chorectl.db.models import Assignment, Chore, Completion, Household, LedgerEntry, Member
from chorectl.domain.schedule import due_on_or_after, dues_between, parse_schedule

SCHEDULES = ["daily"] * 6 + ["weekly", "weekly", "mon,thu", "monthly", "3d", "2w"]


def build(db: Path, *, chores: int, children: int, days: int, today: date, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    engine = make_engine(db)
    ensure_schema(engine)
    start = today - timedelta(days=days)
    created = datetime.combine(start, dtime(8)).astimezone()
    counts = {"chores": chores, "slots": 0, "completions": 0, "ledger": 0}
    with engine.begin() as conn:
        conn.execute(
            insert(Household.__table__), [{"id": "bench", "currency": "$", "created_at": created, "pin_set": False}]
        )
        conn.execute(
            insert(Member.__table__),
            [
                {
                    "id": i + 1,
                    "name": f"Child{i + 1}",
                    "name_key": f"child{i + 1}",
                    "role": "child",
                    "active": True,
                    "created_at": created,
                }
                for i in range(children)
            ],
        )
        chore_rows, assignment_rows, completion_rows, ledger_rows = [], [], [], []
        cid = 0
        for n in range(chores):
            text = SCHEDULES[n % len(SCHEDULES)]
            schedule = parse_schedule(text)
            current = due_on_or_after(schedule, start, today - timedelta(days=1))
            kind = rng.random()
            assignees = [] if kind < 0.15 else rng.sample(range(1, children + 1), 2 if kind > 0.85 else 1)
            chore_rows.append(
                {
                    "id": n + 1,
                    "title": f"Chore {n + 1}",
                    "title_key": f"chore {n + 1}",
                    "reward_min": 50,
                    "reward_max": 50,
                    "schedule": text,
                    "due": start,
                    "archived": False,
                    "created_at": created,
                    "note": None,
                    "cooldown_days": None,
                    "rolled_due": current if not assignees else None,
                }
            )
            for member in assignees:
                assignment_rows.append({"chore_id": n + 1, "member_id": member, "rolled_due": current})
            for member in assignees or [None]:
                counts["slots"] += 1
                for due in dues_between(schedule, start, start, current):
                    cid += 1
                    at = datetime.combine(due, dtime(18)).astimezone()
                    doer = member or rng.randint(1, children)
                    if rng.random() < 0.8:
                        completion_rows.append(
                            {
                                "id": cid,
                                "chore_id": n + 1,
                                "member_id": doer,
                                "status": "approved",
                                "period_due": due,
                                "completed_at": at,
                                "reviewed_at": at + timedelta(hours=1),
                                "reward": 50,
                            }
                        )
                        ledger_rows.append(
                            {
                                "at": at + timedelta(hours=1),
                                "member_id": doer,
                                "kind": "reward",
                                "amount": 50,
                                "chore_id": n + 1,
                                "completion_id": cid,
                                "note": f"Chore {n + 1}",
                            }
                        )
                    else:
                        completion_rows.append(
                            {
                                "id": cid,
                                "chore_id": n + 1,
                                "member_id": member,
                                "status": "missed",
                                "period_due": due,
                                "completed_at": at + timedelta(days=1),
                                "reviewed_at": None,
                                "reward": None,
                            }
                        )
        conn.execute(insert(Chore.__table__), chore_rows)
        if assignment_rows:
            conn.execute(insert(Assignment.__table__), assignment_rows)
        conn.execute(insert(Completion.__table__), completion_rows)
        conn.execute(insert(LedgerEntry.__table__), ledger_rows)
    engine.dispose()
    counts["completions"], counts["ledger"] = len(completion_rows), len(ledger_rows)
    return counts


def chorectl() -> str:
    beside = Path(sys.executable).parent / "chorectl"
    return str(beside) if beside.exists() else "chorectl"


def timed(db: Path, *args: str) -> float:
    t = time.perf_counter()
    subprocess.run([chorectl(), "--db", str(db), "reset", *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chores", type=int, default=500)
    parser.add_argument("--children", type=int, default=6)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="chorectl-bench-"))
    base = work / "base.db"
    t = time.perf_counter()
    counts = build(base, chores=args.chores, children=args.children, days=args.days, today=date.today())
    print(f"built {counts} in {time.perf_counter() - t:.1f}s")
    rolls, noops = [], []
    for i in range(args.runs):
        copy = work / f"run{i}.db"
        shutil.copy(base, copy)
        rolls.append(timed(copy))
        noops.append(timed(copy))
    floor = []
    for _ in range(args.runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import sqlmodel"], check=True)
        floor.append(time.perf_counter() - t)
    print(
        f"reset, nightly roll of {counts['slots']} slots: median {statistics.median(rolls) * 1000:.0f} ms  (runs: {', '.join(f'{r * 1000:.0f}' for r in rolls)})"
    )
    print(f"reset, nothing to do:                 median {statistics.median(noops) * 1000:.0f} ms")
    print(f"floor, python -c 'import sqlmodel':   median {statistics.median(floor) * 1000:.0f} ms")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
