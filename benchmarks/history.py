"""Fill a database with a realistic household history, through chorectl's own models.

    python benchmarks/history.py --db PATH --years N [--children K] [--seed S]

About K children and two parents, 40 chores of every kind (daily, weekly,
weekday lists, monthly, intervals, cooldown, pool, multi-assignee, range
rewards), and for each period of N years: completions (approved and paid,
rejected then redone, pending, missed), weekly payouts, monthly bonuses and
penalties, and the audit log that goes with them. Rows go in with bulk
inserts through the SQLModel tables (the ledger's triggers keep balances).
``--years 0`` makes the same household with no history: the "fresh" baseline.
Watermarks stand at yesterday, as after a night when cron has not run yet.
Prints the row counts.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from sqlalchemy import insert, text

from chorectl.db.engine import ensure_schema, make_engine
from chorectl.db.models import (
    Action,
    Assignment,
    AuditEntry,
    Chore,
    Completion,
    Goal,
    Household,
    LedgerEntry,
    Member,
    Redemption,
    Reward,
    Rotation,
)
from chorectl.domain.schedule import due_on_or_after, dues_between, parse_schedule

# (title, reward low, high in cents, schedule or None, cooldown days, assignees: "one" | "two" | "all" | "pool")
CHORES = [
    ("Dishes", 100, 100, "daily", None, "two"),
    ("Make bed", 25, 25, "daily", None, "all"),
    ("Feed the cat", 50, 50, "daily", None, "pool"),
    ("Homework check", 50, 50, "daily", None, "all"),
    ("Set the table", 30, 30, "daily", None, "one"),
    ("Clear the table", 30, 30, "daily", None, "one"),
    ("Water plants", 40, 40, "3d", None, "one"),
    ("Tidy room", 100, 300, "weekly", None, "two"),
    ("Vacuum", 200, 200, "weekly", None, "one"),
    ("Trash out", 75, 75, "mon,thu", None, "one"),
    ("Recycling", 75, 75, "wed", None, "pool"),
    ("Laundry", 150, 150, "tue,sat", None, "one"),
    ("Bathroom", 250, 400, "weekly", None, "one"),
    ("Mow lawn", 500, 800, "2w", None, "one"),
    ("Wash car", 300, 300, None, 14, "pool"),
    ("Clean fish tank", 200, 200, None, 10, "one"),
    ("Garage sweep", 400, 400, "monthly", None, "one"),
    ("Windows", 300, 600, "monthly", None, "pool"),
    ("Practice piano", 50, 50, "mon,wed,fri", None, "one"),
    ("Read 20 minutes", 25, 25, "daily", None, "all"),
    ("Walk the dog", 100, 100, "daily", None, "pool"),
    ("Unload dishwasher", 50, 50, "daily", None, "all"),
    ("Fold laundry", 75, 75, "sun", None, "one"),
    ("Help cook", 100, 200, "fri", None, "one"),
    ("Clean shoes", 50, 50, "weekly", None, "pool"),
    ("Dust shelves", 100, 100, "2w", None, "one"),
    ("Bike check", 150, 150, "monthly", None, "one"),
    ("Sort toys", 75, 75, "sat", None, "one"),
    ("Weed garden", 200, 500, "weekly", None, "pool"),
    ("Pack lunch", 25, 25, "mon,tue,wed,thu,fri", None, "all"),
    ("Bring in mail", 10, 10, "daily", None, "pool"),
    ("Clean hamster", 150, 150, None, 7, "one"),
    ("Organise desk", 100, 100, "monthly", None, "one"),
    ("Shovel snow", 300, 300, None, 3, "pool"),
    ("Rake leaves", 300, 600, "2w", None, "two"),
    ("Wipe counters", 30, 30, "daily", None, "one"),
    ("Change towels", 40, 40, "weekly", None, "one"),
    ("Babysit sibling", 500, 1000, None, 5, "one"),
    ("Clean fridge", 250, 250, "monthly", None, "pool"),
    ("Polish silver", 400, 400, None, 30, "one"),
]


def build(db: Path, *, years: float, children: int = 6, seed: int = 7, today: date | None = None) -> dict[str, int]:
    rng = random.Random(seed)
    today = today or date.today()
    yesterday = today - timedelta(days=1)
    start = today - timedelta(days=max(1, round(365.25 * years)))
    engine = make_engine(db)
    ensure_schema(engine)

    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, dtime(hour, minute)).astimezone()

    created = at(start, 8)
    names = ("member", "chore", "assignment", "rotation", "completion", "ledger", "audit", "action")
    rows: dict[str, list[dict]] = {k: [] for k in (*names, "reward", "redemption", "goal")}
    kids = list(range(1, children + 1))
    for i in kids:
        rows["member"].append(
            {
                "id": i,
                "name": f"Child{i}",
                "name_key": f"child{i}",
                "role": "child",
                "active": True,
                "created_at": created,
            }
        )
    for j, name in enumerate(("Mum", "Dad"), start=children + 1):
        rows["member"].append(
            {"id": j, "name": name, "name_key": name.lower(), "role": "parent", "active": True, "created_at": created}
        )
    ids = {"completion": 0}
    balance = dict.fromkeys(kids, 0)

    def audit(moment: datetime, actor: str, action: str, detail: str, amount: int | None = None, undo=None) -> None:
        """A log line; *undo* (a dict, or a callable giving one once ids are known) makes it undoable."""
        line = {"at": moment, "actor": actor, "action": action, "detail": detail, "amount": amount}
        if undo is not None:
            line["_undo"] = undo
        rows["audit"].append(line)

    def entry(moment: datetime, member: int, kind: str, amount: int, chore_id=None, cid=None, note=None) -> dict:
        row = {
            "at": moment,
            "member_id": member,
            "kind": kind,
            "amount": amount,
            "chore_id": chore_id,
            "completion_id": cid,
            "note": note,
        }
        rows["ledger"].append(row)
        return row

    def completion(chore_id, member, status, due, done_at, reviewed=None, reward=None, note=None) -> int:
        ids["completion"] += 1
        rows["completion"].append(
            {
                "id": ids["completion"],
                "chore_id": chore_id,
                "member_id": member,
                "status": status,
                "period_due": due,
                "completed_at": done_at,
                "reviewed_at": reviewed,
                "reward": reward,
                "note": note,
            }
        )
        return ids["completion"]

    def pay_reward(chore_id, cid, member, amount, moment, title) -> None:
        entry(moment, member, "reward", amount, chore_id, cid, title)
        balance[member] += amount
        audit(moment, "parent", "pin ok", "chorectl approve, PIN typed at the prompt")
        detail = f"completion {cid}: Child{member}, {title}"
        audit(moment, "parent", "approve", detail, amount, undo={"completion_id": cid})

    for n, (title, low, high, every, cooldown, who) in enumerate(CHORES, start=1):
        schedule = parse_schedule(every) if every else None
        current = due_on_or_after(schedule, start, yesterday) if schedule else None
        assignees = {"pool": [], "all": kids, "two": rng.sample(kids, 2), "one": rng.sample(kids, 1)}[who]
        rows["chore"].append(
            {
                "id": n,
                "title": title,
                "title_key": title.lower(),
                "reward_min": low,
                "reward_max": high,
                "schedule": every,
                "cooldown_days": cooldown,
                "due": start,
                "note": None,
                "archived": False,
                "created_at": created,
                "rolled_due": current if not assignees else None,
                "rotate_by": None,
                "streak_n": 7 if title == "Make bed" else None,  # a streak bonus (issue 17)
                "streak_bonus": 100 if title == "Make bed" else None,
            }
        )
        for m in assignees:
            rows["assignment"].append({"chore_id": n, "member_id": m, "rolled_due": current})
        audit(created, "parent", "chore add", f"#{n} {title}")
        for member in assignees or [None]:
            if schedule is not None:
                periods = list(dues_between(schedule, start, start, current)) if years else []
            else:  # cooldown: one done every cooldown days or so
                periods = (
                    [
                        start + timedelta(days=d)
                        for d in range(0, (yesterday - start).days, cooldown + rng.randint(0, 3))
                    ]
                    if years
                    else []
                )
            for due in periods:
                doer = member or rng.choice(kids)
                roll = rng.random()
                done_at = at(due, 17, rng.randint(0, 59))
                period = due if schedule is not None else None
                if roll < 0.15:
                    if schedule is not None:
                        completion(n, member, "missed", due, at(due + timedelta(days=1), 0, 5))
                    continue
                amount = low if low == high else rng.randrange(low, high + 1, 25)
                if roll < 0.20:  # rejected, then done again
                    rid = completion(n, doer, "rejected", period, done_at, at(due, 19), None, "not finished")
                    undo = {"completion_id": rid, "note": None, "missed_id": None}
                    audit(at(due, 19), "parent", "reject", f"completion {rid}", undo=undo)
                    done_at = at(due, 20)
                cid = completion(n, doer, "approved", period, done_at, at(due, 21), amount)
                audit(done_at, f"Child{doer}", "done", f"#{n} {title}")
                pay_reward(n, cid, doer, amount, at(due, 21), title)
    # Issue 17's features, from a generator of their own (the rows above stay as they were):
    # a chore the children take turns at, a rewards catalog they spend on, savings goals.
    extra = random.Random(seed + 17)
    n = len(CHORES) + 1
    weekly = parse_schedule("weekly")
    current = due_on_or_after(weekly, start, yesterday)
    dues = list(dues_between(weekly, start, start, current)) if years else []
    rows["chore"].append(
        {
            "id": n,
            "title": "Take out the bins",
            "title_key": "take out the bins",
            "reward_min": 100,
            "reward_max": 100,
            "schedule": "weekly",
            "cooldown_days": None,
            "due": start,
            "note": None,
            "archived": False,
            "created_at": created,
            "rolled_due": None,
            "rotate_by": "turns",
            "streak_n": None,
            "streak_bonus": None,
        }
    )
    rows["rotation"] += [{"chore_id": n, "member_id": k, "position": i} for i, k in enumerate(kids)]
    rows["assignment"].append({"chore_id": n, "member_id": kids[len(dues) % len(kids)], "rolled_due": current})
    audit(created, "parent", "chore add", f"#{n} Take out the bins")
    for i, due in enumerate(dues):
        turn = kids[i % len(kids)]
        if extra.random() < 0.15:
            completion(n, turn, "missed", due, at(due + timedelta(days=1), 0, 5))
            continue
        cid = completion(n, turn, "approved", due, at(due, 18), at(due, 21), 100)
        audit(at(due, 18), f"Child{turn}", "done", f"#{n} Take out the bins")
        pay_reward(n, cid, turn, 100, at(due, 21), "Take out the bins")
    catalog = [("30 min screen time", 150), ("Cinema trip", 800), ("Choose dinner", 300), ("Lego set", 2500)]
    for r, (title, cost) in enumerate(catalog, start=1):
        rows["reward"].append(
            {
                "id": r,
                "title": title,
                "title_key": title.lower(),
                "cost": cost,
                "archived": False,
                "created_at": created,
            }
        )
        audit(created, "parent", "reward add", f"#{r} {title}", undo={"reward": r})
    for k in kids:
        rows["goal"].append({"member_id": k, "title": "Bike", "target": 12000, "created_at": created, "archived": True})
        rows["goal"].append(
            {"member_id": k, "title": "Lego set", "target": 2500, "created_at": created, "archived": False}
        )

    def ask(k: int, reward: int, moment: datetime, status: str) -> None:
        title, cost = catalog[reward - 1]
        request = {
            "id": len(rows["redemption"]) + 1,
            "reward_id": reward,
            "member_id": k,
            "status": status,
            "cost": cost,
            "requested_at": moment,
            "reviewed_at": None if status == "pending" else moment + timedelta(hours=2),
            "ledger_id": None,
            "note": None,
        }
        rows["redemption"].append(request)
        audit(moment, f"Child{k}", "redeem", f"r{request['id']}: Child{k}, {title}")
        if status == "approved":
            debit = entry(moment + timedelta(hours=2), k, "redeem", -cost, note=title)
            balance[k] -= cost
            request["_debit"] = debit
            undo = lambda request=request: {"request": request["id"], "ledger": request["_debit"]["id"]}  # noqa: E731
            audit(debit["at"], "parent", "reward approve", f"r{request['id']}: Child{k}, {title}", -cost, undo=undo)
        elif status == "rejected":
            undo = {"request": request["id"], "note": None}
            audit(moment + timedelta(hours=2), "parent", "reward reject", f"r{request['id']}", undo=undo)

    # Weekly payouts of most of the balance, monthly bonuses and penalties, and twice a
    # month a reward asked for (most approved, some turned down).
    day = start
    while years and day < yesterday:
        moment = at(day, 9)
        for k in kids:
            if day.weekday() == 5 and balance[k] > 500:
                amount = balance[k] // 100 * 80
                paid = entry(moment, k, "payout", -amount, note="pocket money")
                balance[k] -= amount
                audit(moment, "parent", "pay", f"Child{k}", -amount, undo=lambda paid=paid: {"ledger_id": paid["id"]})
            if day.day == 1:
                cents = rng.choice([100, 200, -50, -100])
                kind = "bonus" if cents > 0 else "penalty"
                given = entry(moment, k, kind, cents, note="monthly")
                balance[k] += cents
                undo = lambda given=given: {"ledger_id": given["id"]}  # noqa: E731
                audit(moment, "parent", "adjust", f"Child{k}: monthly", cents, undo=undo)
            if day.day in (10, 25):
                affordable = [r for r, (_, cost) in enumerate(catalog, start=1) if cost <= balance[k]]
                if affordable:
                    status = "approved" if extra.random() < 0.8 else "rejected"
                    ask(k, extra.choice(affordable), at(day, 16), status)
        day += timedelta(days=1)
    for k in kids:  # one request each waits for a parent
        ask(k, 1, at(yesterday, 16), "pending")
    rows["ledger"].sort(key=lambda r: r["at"])
    rows["audit"].sort(key=lambda r: r["at"])
    for i, row in enumerate(rows["ledger"], start=1):
        row["id"] = i
    for request in rows["redemption"]:
        if (debit := request.get("_debit")) is not None:
            request["ledger_id"] = debit["id"]
    for i, line in enumerate(rows["audit"], start=1):
        line["id"] = i
        undo = line.pop("_undo", None)
        if undo is not None:
            data = undo() if callable(undo) else undo
            rows["action"].append(
                {"audit_id": i, "at": line["at"], "kind": line["action"], "data": json.dumps(data, sort_keys=True)}
            )
    for request in rows["redemption"]:
        request.pop("_debit", None)
    tables = {
        "member": Member,
        "chore": Chore,
        "assignment": Assignment,
        "rotation": Rotation,
        "completion": Completion,
        "ledger": LedgerEntry,
        "audit": AuditEntry,
        "action": Action,
        "reward": Reward,
        "redemption": Redemption,
        "goal": Goal,
    }
    with engine.begin() as conn:
        conn.execute(
            insert(Household.__table__),
            [
                {
                    "id": "benchmark",
                    "currency": "$",
                    "created_at": created,
                    "pin_set": False,
                    "keyring": "file",
                    "failed_pins": 0,
                    "locked_until": None,
                }
            ],
        )
        for name, model in tables.items():
            batch = rows[name]
            for i in range(0, len(batch), 20_000):
                conn.execute(insert(model.__table__), batch[i : i + 20_000])
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        counts = {name: conn.execute(text(f"SELECT COUNT(*) FROM {name}")).scalar() for name in tables}
    engine.dispose()
    counts["total"] = sum(counts.values())
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--years", type=float, required=True)
    parser.add_argument("--children", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.db.exists():
        sys.exit(f"{args.db} exists; history.py only fills a new database")
    began = time.perf_counter()
    counts = build(args.db, years=args.years, children=args.children, seed=args.seed)
    print(" ".join(f"{k}={v}" for k, v in counts.items()), f"({time.perf_counter() - began:.1f} s)")


if __name__ == "__main__":
    main()
