"""Issue 12, as a parent, cron and a shell script would meet it: members named by id,
unique names and titles, removing and restoring members, a chore's recent history.

The household fixture: children Amy (id 1) and Ben (id 2), parent Mum (id 3).
"""

from __future__ import annotations

import json

import pytest

from tests.helpers import execute, integrity_errors, query, snapshot

pytestmark = pytest.mark.usefixtures("backend")  # each test on a SQLite file and on PostgreSQL


def _json(result) -> list[dict]:
    return json.loads(result.stdout)


def _refused(cli, command, code: int, *, pin: bool = True, **kwargs):
    """A command that must fail with *code*, one Error line (and a Hint), and change nothing."""
    before = snapshot()
    result = cli(command, pin="4321" if pin else None, **kwargs)
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Error: ") and "Traceback" not in result.stderr
    assert all(line.startswith("Hint: ") for line in lines[1:]), result.stderr
    assert snapshot() == before
    return result


# ---------------------------------------------------------------- a member id wherever a NAME goes


def test_a_member_id_works_wherever_a_name_does(household):
    cli = household
    cli.parent("chore add Dishes --reward 2 --assign 1")
    cli.parent("chore add Sweep --reward 1")
    assert query("SELECT member_id FROM assignment") == [(1,)]
    cli.ok("done Dishes --as 1")
    cli.ok("done Sweep", env={"CHORECTL_MEMBER": "2"})
    assert [r["member"] for r in _json(cli.ok("approvals -f json"))] == ["Amy", "Ben"]
    cli.parent("approve --all")
    assert cli.ok("balance 1 -f csv").stdout.splitlines()[1:] == ["Amy,2.00,0.00,0.00,0.00,2.00,0.00,,,,1"]
    assert "Paid Amy $0.50" in cli.parent("pay 1 0.50").stderr
    cli.parent("adjust 2 +1 --reason helped")
    assert [(r["member"], r["kind"]) for r in _json(cli.ok("ledger 1 -f json"))] == [
        ("Amy", "reward"),
        ("Amy", "payout"),
    ]
    assert [r["title"] for r in _json(cli.ok("chore list --member 2 -f json"))] == ["Sweep"]
    assert [r["chore"] for r in _json(cli.ok("export completions --member 2 -f json"))] == ["Sweep"]
    assert cli.parent("member rename 2 Benjamin").stderr == "Renamed Ben to Benjamin.\n"
    assert [r["name"] for r in _json(cli.ok("member list -f json"))] == ["Amy", "Benjamin", "Mum"]
    assert cli.ok(["balance", " 002 ", "-f", "csv"]).stdout.splitlines()[1].startswith("Benjamin,")


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("balance 99", "Error: no member with id 99\n"),
        ("ledger 99999999999999999999999", "Error: no member with id 99999999999999999999999\n"),
        ("chore list --member 0", "Error: no member with id 0\n"),
    ],
)
def test_an_unknown_member_id_is_not_found(household, command, message):
    result = _refused(household, command, 1, pin=False)
    assert result.stderr.startswith(message)


def test_an_id_names_the_member_it_is_even_when_it_is_not_a_child(household):
    household.parent("chore add Sweep --reward 1")
    result = _refused(household, "done Sweep --as 3", 1, pin=False)
    assert result.stderr.startswith("Error: Mum is a parent")
    _refused(household, "pay 3 1", 1)  # Mum has no money: the id found her, the balance refuses


def test_a_name_of_digits_is_refused_because_digits_are_an_id(household):
    result = _refused(household, "member add 123", 2)
    assert "cannot be only digits" in result.stderr
    _refused(household, "member rename Amy 007", 2)


# ---------------------------------------------------------------- names are unique, archived members included


def test_the_name_of_an_archived_member_stays_theirs(household):
    cli = household
    cli.parent("member remove Ben")
    for command in ("member add ben", "member add BEN --parent", "member rename Amy Ben"):
        result = _refused(cli, command, 1)
        assert result.stderr.splitlines() == [
            "Error: Ben is an archived member (id 2); names stay with their member",
            "Hint: bring them back with: chorectl member restore Ben"
            " (or rename the archived one first: chorectl member rename 2 NEW_NAME)",
        ]
    cli.parent("member rename 2 'Ben (2019)'")  # an archived member can be renamed...
    cli.parent("member add Ben")  # ...and the name is free
    assert query("SELECT id, name, active FROM member WHERE name_key LIKE 'ben%' ORDER BY id") == [
        (2, "Ben (2019)", 0),
        (4, "Ben", 1),
    ]


def test_the_database_refuses_a_second_member_of_the_same_name(household):
    household.parent("member remove Ben")
    with pytest.raises(integrity_errors(), match=r"(?i)unique"):
        execute(
            "INSERT INTO member (name, name_key, role, active, created_at)"
            " VALUES ('BEN', 'ben', 'child', TRUE, '2026-11-21T10:00:00.000000+00:00')"
        )


# ---------------------------------------------------------------- member remove: not while owed or waiting


@pytest.fixture
def owed(household):
    """Amy is owed $2.00 and has one completion waiting; Ben has two waiting."""
    cli = household
    cli.parent("chore add Dishes --reward 2 --assign Amy")
    cli.parent("chore add Trash --reward 1 --assign Amy")
    cli.parent("chore add Sweep --reward 1 --assign Ben")
    cli.parent("chore add Dust --reward 1 --assign Ben")
    cli.ok("done Dishes")
    cli.parent("approve 1")
    cli.ok("done Trash")
    cli.ok("done Sweep")
    cli.ok("done Dust")
    return cli


def test_remove_refuses_a_member_who_is_owed_money_or_has_work_waiting(owed):
    result = _refused(owed, "member remove Amy", 1)
    assert result.stderr.splitlines() == [
        "Error: cannot archive Amy: their balance is $2.00 and 1 of their completions waits for approval",
        "Hint: pay it out: chorectl pay Amy 2.00; approve or reject what waits: chorectl approvals;"
        " or archive anyway: chorectl member remove Amy --force",
    ]
    result = _refused(owed, "member remove 2", 1)
    assert result.stderr.splitlines() == [
        "Error: cannot archive Ben: 2 of their completions wait for approval",
        "Hint: approve or reject what waits: chorectl approvals; or archive anyway: chorectl member remove Ben --force",
    ]


def test_remove_refuses_a_member_who_owes_money_in_the_households_currency(cli):
    cli.parent("init --currency €")
    cli.parent("member add 'Mary Ann'")
    cli.parent("adjust 'mary ann' -1.50 --reason 'broke a cup'")
    result = _refused(cli, "member remove 'Mary Ann'", 1)
    assert result.stderr.splitlines() == [
        "Error: cannot archive Mary Ann: their balance is -€1.50",
        "Hint: settle it: chorectl adjust 'Mary Ann' +1.50 --reason ...;"
        " or archive anyway: chorectl member remove 'Mary Ann' --force",
    ]


def test_remove_once_settled_needs_no_force(owed):
    owed.parent("pay Amy 2")
    owed.parent("reject 2")
    assert owed.parent("member remove Amy").stderr.startswith("Archived Amy; their history and ledger stay.\n")
    assert [m["name"] for m in _json(owed.ok("member list -f json"))] == ["Ben", "Mum"]


def test_remove_force_archives_anyway_and_keeps_history_ledger_and_the_waiting_work(owed):
    result = owed.parent("member remove Amy --force")
    assert result.stderr.splitlines() == [
        "Archived Amy; their history and ledger stay.",
        "Note: 'Dishes' has no assignee now, so any child may do it.",
        "Note: 'Trash' has no assignee now, so any child may do it.",
        "Note: Amy's balance is $2.00; settle it with: chorectl pay 1 ...",
        "Note: 1 of their completions still waits in 'chorectl approvals'.",
    ]
    assert query("SELECT active FROM member WHERE id = 1") == [(0,)]
    assert [(r["id"], r["member"]) for r in _json(owed.ok("approvals -f json"))] == [(2, "Amy"), (3, "Ben"), (4, "Ben")]
    owed.parent("approve 2")  # the work she did is still paid for
    assert owed.ok("balance Amy -f csv").stdout.splitlines()[1] == "Amy,3.00,0.00,0.00,0.00,3.00,0.00,,,,1"
    owed.parent("pay Amy 3")  # and an archived member can be paid out
    log = _json(owed.ok("log -f json"))
    assert [e["detail"] for e in log if e["action"] == "member remove"] == [
        "Amy (--force: their balance is $2.00 and 1 of their completions waits for approval)"
    ]


# ---------------------------------------------------------------- member restore


def test_restore_brings_an_archived_member_back_with_their_balance(owed):
    cli = owed
    cli.parent("member remove Amy --force")
    result = _refused(cli, "done Trash --as Amy", 1, pin=False)
    assert result.stderr.splitlines() == [
        "Error: Amy is archived (member 1)",
        "Hint: bring them back with: chorectl member restore Amy",
    ]
    result = cli.parent("member restore amy")
    assert result.stderr.splitlines() == [
        "Restored child Amy (id 1); balance $2.00.",
        "Note: their chores were not given back; assign them with: chorectl chore assign CHORE... --to 1",
        "Note: 1 of their completions waits in 'chorectl approvals'.",
    ]
    assert [(m["name"], m["active"], m["balance"]) for m in _json(cli.ok("member list -f json"))] == [
        ("Amy", True, 2.0),
        ("Ben", True, 0),
        ("Mum", True, 0),
    ]
    cli.parent("chore add Bins --reward 1 --assign Amy")  # she can be given chores again
    cli.ok("done Bins --as 1")
    log = _json(cli.ok("log -f json"))
    assert [(e["actor"], e["action"], e["detail"]) for e in log if e["action"] == "member restore"] == [
        ("Mum", "member restore", "Amy (child)")  # the household's one parent, by name
    ]


def test_restore_by_id_and_the_hint_that_leads_there(household):
    household.parent("member remove Ben")
    result = _refused(household, "member add Ben", 1)
    assert "chorectl member restore Ben" in result.stderr
    assert household.parent("member restore 2").stderr.startswith("Restored child Ben (id 2); balance $0.00.\n")
    household.parent("member remove Mum")
    assert household.parent("member restore 3").stderr == "Restored parent Mum (id 3); balance $0.00.\n"


def test_restore_refuses_a_member_who_is_not_archived(household):
    result = _refused(household, "member restore Amy", 1)
    assert result.stderr.splitlines() == [
        "Error: Amy is not archived",
        "Hint: archived members: chorectl member list --all",
    ]
    result = _refused(household, "member restore Zed", 1)
    assert result.stderr.startswith("Error: no member called 'Zed'")


def test_restore_is_a_parent_command(household):
    household.parent("member remove Ben")
    before = snapshot()
    assert household("member restore Ben").exit_code == 3
    assert household("member restore Ben", pin="0000").exit_code == 3
    assert snapshot() == before
    assert query("SELECT active FROM member WHERE id = 2") == [(0,)]


def test_member_list_shows_current_members_and_says_how_many_archived_are_left_out(household):
    household.parent("member remove Ben")
    table = household.ok("member list")
    assert "Ben" not in table.stdout
    assert table.stderr == "1 archived member is not shown: chorectl member list --all\n"
    assert "archived" in household.ok("member list --all").stdout
    csv = household.ok("member list -f csv")
    assert csv.stderr == "" and [line.split(",")[1] for line in csv.stdout.splitlines()[1:]] == ["Amy", "Mum"]
    rows = _json(household.ok("member list --all -f json"))
    assert [(r["id"], r["name"], r["active"]) for r in rows] == [(1, "Amy", True), (2, "Ben", False), (3, "Mum", True)]


# ---------------------------------------------------------------- chore titles are unique among live chores


@pytest.mark.parametrize(
    "command", ["chore add dishes --reward 1", "chore add ' DISHES ' --assign Ben", "chore edit Sweep --title DiShEs"]
)
def test_a_second_live_chore_of_the_same_title_is_refused(household, command):
    household.parent("chore add Dishes --reward 2 --assign Amy")
    household.parent("chore add Sweep --reward 1")
    result = _refused(household, command, 1)
    assert result.stderr.splitlines() == [
        "Error: there is already a chore called Dishes (id 1)",
        "Hint: use another title, or remove the old one first: chorectl chore remove 1",
    ]
    household.ok("done Dishes")  # the title still names one chore


def test_a_chore_may_change_its_own_titles_case_and_reuse_an_archived_title(household):
    household.parent("chore add Dishes --reward 2 --assign Amy")
    household.parent("chore edit dishes --title DISHES")
    household.parent("chore remove Dishes")
    assert household.parent("chore add Dishes --reward 3").stderr == "Added chore 2: Dishes.\n"
    household.ok("done dishes --as Ben")  # the live one
    assert query("SELECT chore_id FROM completion") == [(2,)]


def test_the_database_refuses_a_second_live_chore_of_the_same_title(household):
    household.parent("chore add Dishes --reward 2")
    insert = (
        "INSERT INTO chore (title, title_key, reward_min, reward_max, archived, created_at)"
        " VALUES ('DISHES', 'dishes', 1, 1, ?, '2026-11-21T10:00:00.000000+00:00')"
    )
    with pytest.raises(integrity_errors(), match=r"(?i)unique"):
        execute(insert, False)
    execute(insert, True)  # an archived one may share it


# ---------------------------------------------------------------- chore show: the recent completions


def _insert_completions(chore_id: int, count: int) -> None:
    for n in range(count):
        execute(
            "INSERT INTO completion (chore_id, member_id, status, completed_at, reviewed_at)"
            " VALUES (?, 2, 'rejected', ?, ?)",
            chore_id,
            f"2026-10-{n + 1:02d}T08:00:00.000000+00:00",
            f"2026-10-{n + 1:02d}T09:00:00.000000+00:00",
        )


def test_chore_show_lists_the_last_ten_completions_newest_first(household, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    cli = household
    cli.parent("chore add Dishes --reward 1-3")
    _insert_completions(1, 12)  # ids 1..12: Ben, October, rejected
    cli.ok("done Dishes --as Amy --note 'the pans too, and the big pot that was left from Sunday lunch'")
    cli.parent("reject 13 --reason 'still greasy'")
    cli.ok("done Dishes --as 1")
    cli.parent("approve 14 --reward 2.50")
    out = cli.ok("chore show dishes").stdout
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    start = lines.index("Last 10 completions, newest first")
    assert lines[start + 1].split() == ["ID", "Who", "Status", "When", "Reward", "Note"]
    rows = [line.split() for line in lines[start + 2 :] if line.strip() and line.split()[0].isdigit()]
    assert [r[0] for r in rows] == ["14", "13", "12", "11", "10", "9", "8", "7", "6", "5"]
    assert rows[0][1:3] == ["Amy", "approved"] and rows[0][5] == "$2.50"
    assert rows[1][1:3] == ["Amy", "rejected"]
    assert rows[2][1:] == ["Ben", "rejected", "2026-10-12", "10:00"]  # local time: CEST, +02:00
    words = " ".join(out.split())
    assert "the pans too, and the big pot" in words and "still greasy" in words  # the note folds, whole


def test_chore_show_says_when_a_chore_has_no_completions_and_shows_missed_periods(household):
    from tests.cli.test_recurrence import at

    cli = household
    with at(2026, 11, 16, 8):
        cli.parent("chore add Trash --every daily --assign Ben --reward 0.50")
        assert cli.ok("chore show Trash").stdout.rstrip().endswith("No completions yet.")
    with at(2026, 11, 18, 8):
        cli.ok("reset")
        out = cli.ok("chore show Trash").stdout
    assert "Last 2 completions, newest first" in out
    assert [line.split()[:5] for line in out.splitlines() if line.split()[:1] in (["1"], ["2"])] == [
        ["2", "Ben", "missed", "due", "2026-11-17"],
        ["1", "Ben", "missed", "due", "2026-11-16"],
    ]


def test_chore_show_in_script_formats_keeps_chore_lists_columns(household):
    household.parent("chore add Dishes --reward 2 --assign Amy")
    household.ok("done Dishes")
    (row,) = _json(household.ok("chore show Dishes -f json"))
    assert list(row)[:10] == [
        "id",
        "title",
        "assignee",
        "reward",
        "reward_min",
        "reward_max",
        "schedule",
        "status",
        "due",
        "created_at",
    ]


# ---------------------------------------------------------------- export completions --chore


@pytest.fixture
def history(household):
    cli = household
    cli.parent("chore add Dishes --reward 2 --assign Amy,Ben")
    cli.parent("chore add Sweep --reward 1")
    cli.parent("chore add Bins --reward 1 --assign Ben")
    cli.ok("done Dishes --as Amy")
    cli.ok("done Sweep --as Ben")
    cli.ok("done Dishes --as Ben")
    cli.ok("done Bins")
    cli.parent("approve --all")
    cli.parent("chore remove Bins")
    return cli


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ("--chore dishes", [(1, "Dishes", "Amy"), (3, "Dishes", "Ben")]),
        ("--chore 2", [(2, "Sweep", "Ben")]),
        ("--chore Dishes --member 2", [(3, "Dishes", "Ben")]),
        ("--chore BINS", [(4, "Bins", "Ben")]),  # an archived chore's history too
        ("--chore 3 --since 2000-01-01", [(4, "Bins", "Ben")]),
        ("--chore Sweep --member Amy", []),
    ],
)
def test_export_completions_of_one_chore(history, option, expected):
    rows = _json(history.ok(f"export completions {option} -f json"))
    assert [(r["id"], r["chore"], r["member"]) for r in rows] == expected


def test_export_completions_of_one_chore_keeps_the_csv_columns(history):
    lines = history.ok("export completions --chore Sweep").stdout.splitlines()
    assert lines[0].startswith("id,chore_id,chore,member,status,completed_at,reviewed_at,reward,note")
    assert [line.split(",")[:5] for line in lines[1:]] == [["2", "2", "Sweep", "Ben", "approved"]]


@pytest.mark.parametrize(
    ("command", "code", "message"),
    [
        ("export completions --chore Nothing", 1, "Error: no chore called 'Nothing'"),
        ("export completions --chore 99", 1, "Error: no chore with id 99"),
        ("export ledger --chore Dishes", 2, "Error: --chore filters completions only"),
        ("export chores --chore Dishes", 2, "Error: --chore filters completions only"),
    ],
)
def test_export_chore_filter_refusals(history, command, code, message):
    result = _refused(history, command, code, pin=False)
    assert result.stderr.startswith(message) and result.stdout == ""
