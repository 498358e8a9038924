"""The schema step that makes member names unique among all members (archived ones
included) and chore titles unique among live chores upgrades a file that already
holds such twins: it must not fail, and it must not lose a row, a balance or the
way to pay it."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from chorectl.db.engine import SCHEMA_VERSION
from chorectl.db.schema import differences
from tests.helpers import BEFORE_SCHEMA_7, db_path, query

FIXTURE = Path(__file__).parents[1] / "fixtures" / "chorectl-schema1.db"
STEP = 3  # the version the step starts from (renumbered with it at merge)


# Tables a later step adds columns to (ALTER TABLE ADD COLUMN writes its text after the
# table's constraints, CREATE TABLE before them): compared by schema.differences instead.
ALTERED_LATER = ("chore",)  # schema 7's rotation and streak columns


def _schema(path: Path) -> list[tuple]:
    """Every index, table and trigger as SQLite keeps it: what a fresh file gets."""
    rows = query(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name", path=path
    )
    return [row if (row[0], row[1]) not in {("table", t) for t in ALTERED_LATER} else row[:3] for row in rows]


def as_before_the_step(path: Path) -> None:
    """Turn a file made by this chorectl into one from before the step (what users have)."""
    con = sqlite3.connect(path)
    with con:
        con.execute("DROP INDEX ux_member_name")
        con.execute("CREATE UNIQUE INDEX ux_member_active_name ON member (name_key) WHERE active = 1")
        con.execute("DROP INDEX ux_chore_live_title")
        con.execute("DROP INDEX ix_completion_chore")
        con.execute("DROP INDEX ix_audit_action")  # a later step's
        con.execute("DROP TABLE pin_verifier")  # and a later step's tables
        con.execute("DROP TABLE pin_keyring")
        for statement in BEFORE_SCHEMA_7:
            con.execute(statement)
        con.execute(f"PRAGMA user_version = {STEP}")
    con.close()


def _chore(con, chore_id: int, title: str, archived: bool = False) -> None:
    con.execute(
        "INSERT INTO chore (id, title, title_key, reward_min, reward_max, archived, created_at)"
        " VALUES (?, ?, ?, 100, 100, ?, '2026-11-01T10:00:00.000000+00:00')",
        (chore_id, title, title.casefold(), int(archived)),
    )


def _member(con, member_id: int, name: str, active: bool) -> None:
    con.execute(
        "INSERT INTO member (id, name, name_key, role, active, created_at) VALUES (?, ?, ?, 'child', ?, ?)",
        (member_id, name, name.casefold(), int(active), "2026-11-01T10:00:00.000000+00:00"),
    )


@pytest.fixture
def twins(household) -> Path:
    """Before the step: an archived Ben who is owed money, and a new Ben beside him, as the
    old `member remove` and `member add` made them; and more twins, and a name in the way."""
    cli = household
    cli.parent("adjust Ben +3.50 --reason 'owed from before'")
    path = db_path()
    as_before_the_step(path)
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE member SET active = 0 WHERE id = 2")  # old `member remove Ben`
        _member(con, 4, "Ben (2)", True)  # a child really called that
        _member(con, 5, "BEN", False)  # removed again
        _member(con, 6, "ben", True)  # and added again: the current one
    con.close()
    return path


def test_the_upgrade_renames_the_archived_twins_and_logs_it(cli, twins):
    result = cli.ok("member list --all -f json")
    assert result.stderr.startswith(
        f"Upgraded the database from schema {STEP} to {SCHEMA_VERSION}; the old file is kept as "
    )
    members = [(m["id"], m["name"], m["active"], m["balance"]) for m in json.loads(result.stdout)]
    assert members == [
        (1, "Amy", True, 0),
        (2, "Ben (4)", False, 3.5),  # the oldest twin
        (3, "Mum", True, 0),
        (4, "Ben (2)", True, 0),
        (5, "BEN (3)", False, 0),  # the newer archived twin; (2) is somebody else's name
        (6, "ben", True, 0),  # the current member keeps the name
    ]
    assert query("SELECT name_key FROM member ORDER BY id") == [
        ("amy",),
        ("ben (4)",),
        ("mum",),
        ("ben (2)",),
        ("ben (3)",),
        ("ben",),
    ]
    log = json.loads(cli.ok("log -f json").stdout)
    assert [(e["actor"], e["action"], e["detail"]) for e in log if e["actor"] == "chorectl"] == [
        ("chorectl", "member rename", "BEN -> BEN (3) (upgrade: names are unique, archived members included)"),
        ("chorectl", "member rename", "Ben -> Ben (4) (upgrade: names are unique, archived members included)"),
    ]
    # The old balance can be paid again, by the new name or the id.
    cli.parent(["pay", "ben (4)", "3"])
    cli.parent("pay 2 0.50")
    assert query("SELECT sum(amount) FROM ledger WHERE member_id = 2") == [(0,)]
    checks = {line.split()[1]: line.split()[0] for line in cli("doctor").stdout.splitlines()}
    assert [checks[k] for k in ("schema", "integrity", "references", "balances")] == ["ok"] * 4


def test_after_the_upgrade_the_file_has_the_schema_of_a_new_one(cli, twins, tmp_path, monkeypatch):
    cli.ok("member list")
    fresh = tmp_path / "fresh.db"
    monkeypatch.setenv("CHORECTL_DB", str(fresh))
    cli.parent("init")
    assert _schema(twins) == _schema(fresh)
    assert differences(sqlite3.connect(twins)) == []


def test_the_schema1_fixture_with_twins_upgrades_too(cli, tmp_path, monkeypatch):
    """The first schema's file (made by chorectl 1) with a removed and re-added Cleo."""
    db = tmp_path / "family.db"
    shutil.copy(FIXTURE, db)
    monkeypatch.setenv("CHORECTL_DB", str(db))
    con = sqlite3.connect(db)
    with con:
        assert con.execute("SELECT id, active FROM member WHERE name = 'Cleo'").fetchall() == [(3, 0)]
        _member(con, 5, "Cleo", True)
    con.close()
    result = cli.ok("balance -f csv")
    assert result.stderr.startswith(f"Upgraded the database from schema 1 to {SCHEMA_VERSION}")
    assert result.stdout.splitlines()[1:] == [
        "Amy,3.75,0.00,-0.50,-1.00,2.25,0.00,,,,1",
        "Ben,1.50,2.00,0.00,0.00,3.50,0.00,,,,2",
        "Cleo (2),0.75,0.00,0.00,0.00,0.75,0.00,,,,3",  # the archived Cleo, who is still owed
        "Cleo,0.00,0.00,0.00,0.00,0.00,0.00,,,,5",  # the new one
    ]
    assert query("SELECT id, name, active FROM member WHERE name LIKE 'Cleo%' ORDER BY id", path=db) == [
        (3, "Cleo (2)", 0),
        (5, "Cleo", 1),
    ]


@pytest.fixture
def same_titles(household) -> Path:
    """Before the step: two live chores called Dishes (any case), as the old `chore add`
    allowed, one of them done; an archived Dishes; and a chore called "Dishes (2)"."""
    cli = household
    cli.parent("chore add Dishes --reward 1 --assign Amy")
    path = db_path()
    as_before_the_step(path)
    con = sqlite3.connect(path)
    with con:
        _chore(con, 2, "Dishes (2)")
        _chore(con, 3, "DISHES", archived=True)
        _chore(con, 4, "dishes")
        _chore(con, 5, "Dishes")
        con.execute(  # Ben did the second one (`done 4 --as Ben`: a title was ambiguous)
            "INSERT INTO completion (chore_id, member_id, status, completed_at)"
            " VALUES (4, 2, 'pending', '2026-11-02T10:00:00.000000+00:00')"
        )
    con.close()
    return path


def test_the_upgrade_renames_the_newer_live_chores_of_the_same_title(cli, same_titles):
    result = cli.ok("chore list --status all -f json")
    assert result.stderr.startswith(f"Upgraded the database from schema {STEP} to {SCHEMA_VERSION}")
    assert [(c["id"], c["title"], c["status"]) for c in json.loads(result.stdout)] == [
        (1, "Dishes", "open"),  # the oldest keeps the title
        (2, "Dishes (2)", "open"),
        (3, "DISHES", "archived"),  # archived chores may share it
        (4, "dishes (3)", "pending"),  # its completion stays with it
        (5, "Dishes (4)", "open"),
    ]
    log = json.loads(cli.ok("log -f json").stdout)
    assert [(e["action"], e["detail"]) for e in log if e["actor"] == "chorectl"] == [
        ("chore edit", "#4 dishes -> dishes (3) (upgrade: live chores' titles are unique)"),
        ("chore edit", "#5 Dishes -> Dishes (4) (upgrade: live chores' titles are unique)"),
    ]
    cli.ok("done dishes")  # a title names one chore again: Amy's
    assert [c["chore"] for c in json.loads(cli.ok("approvals -f json").stdout)] == ["dishes (3)", "Dishes"]


def test_a_file_with_every_kind_of_twin_gets_the_schema_of_a_new_one(cli, twins, tmp_path, monkeypatch):
    con = sqlite3.connect(twins)
    with con:
        _chore(con, 1, "Dishes")
        _chore(con, 2, "dishes")
    con.close()
    cli.ok("chore list")
    fresh = tmp_path / "fresh.db"
    monkeypatch.setenv("CHORECTL_DB", str(fresh))
    cli.parent("init")
    assert _schema(twins) == _schema(fresh)
    assert differences(sqlite3.connect(twins)) == []
    assert query("SELECT id, title FROM chore ORDER BY id", path=twins) == [(1, "Dishes"), (2, "dishes (2)")]
