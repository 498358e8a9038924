"""The core commands through Typer's CliRunner: exact output, exit codes, the PIN gate."""

from __future__ import annotations

import json

import keyring
import pytest
from keyring.backends import fail, null

from tests.conftest import PIN
from tests.helpers import on_server, query, shows, snapshot

pytestmark = pytest.mark.usefixtures("backend")  # each test on a SQLite file and on PostgreSQL

PARENT_COMMANDS = [
    "member add Cleo",
    "member rename Amy Amelia",
    "member remove Ben",
    "chore add Sweep --reward 1",
    "chore edit Dishes --reward 3",
    "chore assign Dishes --to Ben",
    "chore remove Dishes",
    "approve 1",
    "reject 1",
    "pay Amy 1",
    "adjust Amy +1 --reason bonus",
    "adjust Amy -0.50 --reason late",
]
OPEN_COMMANDS = [
    "member list",
    "chore list",
    "chore show Dishes",
    "approvals",
    "balance",
    "balance Amy",
    "ledger",
    "ledger Amy --since 2020-01-01",
    "today",
    "today --as Amy -f json",
    "digest",
    "done Dishes",
]


@pytest.fixture
def busy(household):
    """A household with a chore done and approved, and one waiting."""
    cli = household
    cli.parent("chore add Dishes --reward 2 --assign Amy")
    cli.parent("chore add Trash --reward 1 --assign Amy")
    cli.ok("done Trash")
    cli.parent("approve 1")
    cli.ok("done Dishes")
    return cli


def _denied(result):
    assert result.exit_code == 3, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.stderr
    assert not shows(PIN, result.stderr + result.stdout)


@pytest.mark.parametrize("command", PARENT_COMMANDS)
def test_parent_command_refuses_wrong_pin(busy, command):
    before = snapshot()
    result = busy(command, pin="9999")
    _denied(result)
    assert "wrong parent PIN" in result.stderr
    assert snapshot() == before


@pytest.mark.parametrize("command", PARENT_COMMANDS)
def test_parent_command_refuses_without_pin_or_terminal(busy, command):
    before = snapshot()
    result = busy(command)
    _denied(result)
    assert "CHORECTL_PIN" in result.stderr  # the hint says how a script gives it
    assert snapshot() == before


@pytest.mark.parametrize("command", PARENT_COMMANDS)
def test_parent_command_refuses_when_keyring_entry_is_gone(busy, ring, command):
    ring.store.clear()
    before = snapshot()
    result = busy(command, pin=PIN)
    _denied(result)
    # On PostgreSQL each machine keeps its own copy of the PIN's hash: one without it has not joined.
    assert ("holds no PIN for this household" if on_server() else "missing from the keyring") in result.stderr
    assert snapshot() == before


@pytest.mark.parametrize("ring_kind", [fail.Keyring, null.Keyring])
@pytest.mark.parametrize("command", PARENT_COMMANDS[:3])
def test_parent_command_refuses_with_unusable_keyring(busy, ring_kind, command):
    keyring.set_keyring(ring_kind())
    before = snapshot()
    _denied(busy(command, pin=PIN))
    assert snapshot() == before


@pytest.mark.parametrize("command", OPEN_COMMANDS)
def test_open_commands_work_without_any_keyring(busy, command, monkeypatch):
    class Exploding(fail.Keyring):
        def get_password(self, service, username):  # pragma: no cover - must not be called
            raise AssertionError("an open command touched the keyring")

    if command == "done Dishes":
        busy.parent("reject 2")  # so Dishes can be done again
    keyring.set_keyring(Exploding())
    busy.ok(command)


def test_prompted_pin_is_read_hidden(busy, monkeypatch):
    from chorectl.cli import state

    asked = []
    monkeypatch.setattr(state, "interactive", lambda: True)
    monkeypatch.setattr(state, "read_secret", lambda prompt: asked.append(prompt) or PIN)
    busy.ok("pay Amy 1")
    assert asked == ["Parent PIN: "]


def test_init_twice_refuses(household):
    result = household("init", pin=PIN)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: this household already has a parent PIN")


def test_init_asks_twice_on_a_terminal(cli, monkeypatch, ring):
    from chorectl.cli import household as household_cli
    from chorectl.cli import state

    answers = iter(["2468", "2468"])
    monkeypatch.setattr(household_cli, "interactive", lambda: True)
    monkeypatch.setattr(household_cli, "read_secret", lambda prompt: next(answers))
    cli.ok("init --currency €")
    (stored,) = ring.store.values()
    assert stored.startswith("$2b$") and "2468" not in stored
    monkeypatch.setattr(state, "interactive", lambda: False)
    cli.ok("member add Amy", pin="2468")
    assert "€0.00" in cli.ok("member list").stdout


def test_init_mismatched_pins_changes_nothing(cli, monkeypatch, ring):
    from chorectl.cli import household as household_cli

    answers = iter(["2468", "2469"] * 3)  # three tries, each mismatched
    monkeypatch.setattr(household_cli, "interactive", lambda: True)
    monkeypatch.setattr(household_cli, "read_secret", lambda prompt: next(answers))
    result = cli("init")
    assert result.exit_code == 2
    assert result.stderr.endswith("Error: the two PINs differ; nothing was changed\n")
    assert result.stderr.count("The two PINs differ; try again.") == 3
    assert ring.store == {}


@pytest.mark.parametrize("command", ["init", "pin change"])
def test_a_new_pin_that_will_not_do_is_asked_again_on_a_terminal(cli, monkeypatch, ring, command):
    """issue 12: a too-short new PIN on a terminal said so and ended the flow; it asks again."""
    from chorectl.cli import household as household_cli

    if command != "init":
        cli.parent("init")
    prompts = []
    answers = iter(["12", "2468", "2469", "2468", "2468"])
    monkeypatch.setattr(household_cli, "interactive", lambda: True)
    monkeypatch.setattr(household_cli, "read_secret", lambda prompt: prompts.append(prompt) or next(answers))
    result = cli.ok(command, pin=PIN if command != "init" else None)
    assert "the PIN must be at least 4 characters; try again." in result.stderr
    assert "The two PINs differ; try again." in result.stderr
    assert prompts == [
        "New parent PIN: ",
        "New parent PIN: ",
        "Same PIN again: ",
        "New parent PIN: ",
        "Same PIN again: ",
    ]
    cli.ok("member add Amy", pin="2468")


def test_init_short_pin_is_bad_input(cli, ring):
    result = cli("init", pin="12")
    assert result.exit_code == 2
    assert "at least 4" in result.stderr
    assert ring.store == {}


def test_init_without_keyring_fails_and_can_be_retried(cli, ring):
    keyring.set_keyring(fail.Keyring())
    result = cli("init", pin=PIN)
    assert result.exit_code == 1
    assert "no usable OS keyring" in result.stderr and "chorectl init --keyring file" in result.stderr
    keyring.set_keyring(ring)
    cli.ok("init", pin=PIN)
    cli.ok("member add Amy", pin=PIN)


@pytest.mark.parametrize(
    ("command", "code", "message"),
    [
        ("chore add Car --reward abc", 2, "'abc' is not an amount"),
        ("chore add Car --reward -1", 2, "must not have a sign"),
        ("chore add Car --reward 1001", 2, "out of range"),
        ("chore add Car --reward 3-1", 2, "MIN above MAX"),
        ("chore add Car --reward 1.234", 2, "'1.234' is not an amount"),
        ("chore add Car --assign Zed", 1, "no member called 'Zed'"),
        ("chore add Car --assign Mum", 1, "Mum is a parent"),
        ("chore add Car --due 2026-02-30", 2, "is not a date"),
        ("chore add ''", 2, "must not be empty"),
        ("member add ''", 2, "must not be empty"),
        (["member", "add", "A\x1bmy"], 2, "control characters"),
        ("member add amy", 1, "already a member called Amy"),
        ("member rename Zed Zoe", 1, "no member called 'Zed'"),
        ("pay Amy abc", 2, "'abc' is not an amount"),
        ("pay Amy -1", 2, "must not have a sign"),
        ("pay Amy 0", 2, "more than zero"),
        ("pay Amy 50", 1, "cannot pay out $50.00"),
        ("pay Zed 1", 1, "no member called 'Zed'"),
        ("adjust Amy 0 --reason x", 2, "changes nothing"),
        ("adjust Amy 1.234 --reason x", 2, "not an amount"),
        ("approve 99", 1, "no completion with id 99"),
        ("approve 1", 1, "completion 1 is approved, not pending"),
        ("approve", 2, "name the completions"),
        ("reject 99", 1, "no completion with id 99"),
        ("done Nothing --as Amy", 1, "no chore called 'Nothing'"),
        ("done Dishes --as Ben", 1, "assigned to Amy, not Ben"),
        ("done Dishes", 1, "already marked 'Dishes' done"),
        ("chore show 999", 1, "no chore with id 999"),
        ("chore list --status nope", 2, "Invalid value for '--status'"),
        ("approve 1 --all", 2, "give ids or --all, not both"),
        ("approve 99999999999999999999", 1, "no completion with id 99999999999999999999"),
        ("chore show 99999999999999999999", 1, "no chore with id 99999999999999999999"),
        ("ledger --until 9999-12-31", 2, "too far away"),
        ("chore add X --due 0001-01-01", 2, "too far away"),
        ("chore add X --reward ''", 2, "is not an amount"),
        ("ledger --since yesterday-ish", 2, "is not a date"),
        ("ledger --since 2026-02-01 --until 2026-01-01", 2, "--since is after --until"),
        ("chore edit Dishes", 2, "nothing to change"),
    ],
)
def test_bad_input_is_one_clear_line_and_changes_nothing(busy, command, code, message):
    before = snapshot()
    result = busy(command, pin=PIN)
    assert result.exit_code == code, (result.stdout, result.stderr)
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot() == before


def test_ambiguous_title_lists_the_ids(household):
    cli = household
    cli.parent("chore add Feed --assign Amy")
    cli.parent("chore remove Feed")
    cli.parent("chore add feed --assign Ben")  # an archived chore's title may be reused
    cli.parent("chore remove feed")
    result = cli("chore show FEED")  # archived chores may share a title: an id tells them apart
    assert result.exit_code == 2
    assert "2 chores are called 'FEED' (ids 1, 2)" in result.stderr
    cli.ok("chore show 1")


def test_unknown_option_is_exit_2(household):
    result = household("chore list --bogus")
    assert result.exit_code == 2
    assert "No such option" in result.stderr


@pytest.mark.parametrize(
    ("typed", "unknown", "suggested"),
    [
        ("balanc", "balanc", "balance"),
        ("membr add Zed", "membr", "member"),
        ("member ad Zed", "ad", "add"),
        ("aprove 1", "aprove", "approve"),
    ],
)
def test_a_mistyped_command_gets_a_suggestion(household, typed, unknown, suggested):
    """Commands load lazily; a typo still sees them all."""
    result = household(typed)
    assert result.exit_code == 2
    assert f"No such command '{unknown}'. Did you mean '{suggested}'" in result.stderr


def test_adjust_negative_amount_as_typed(busy):
    busy.parent("adjust Amy -0.50 --reason late")
    busy.parent("adjust amy +2 --reason helpful")
    rows = query("SELECT kind, amount, note FROM ledger WHERE kind IN ('bonus','penalty') ORDER BY id")
    assert rows == [("penalty", -50, "late"), ("bonus", 200, "helpful")]


def test_ten_approvals_of_ten_cents_make_one(household):
    cli = household
    for i in range(10):
        cli.parent(f"chore add 'Sock {i}' --reward 0.10 --assign Amy")
        cli.ok(f"done 'sock {i}'")
    cli.parent("approve --all")
    assert cli.ok("balance Amy -f json").stdout == (
        '[\n  {"member": "Amy", "earned": 1.00, "bonuses": 0.00, "penalties": 0.00, "paid": 0.00, "balance": 1.00,'
        ' "redeemed": 0.00, "goal": null, "goal_target": null, "goal_saved": null, "member_id": 1}\n]\n'
    )


def test_range_reward_in_a_script_needs_reward(household):
    cli = household
    cli.parent("chore add Tidy --reward 1-3 --assign Amy")
    cli.ok("done Tidy")
    result = cli("approve 1", pin=PIN)
    assert result.exit_code == 2
    assert "range reward 1.00-3.00" in result.stderr
    assert cli("approve 1 --reward 3.01", pin=PIN).exit_code == 2
    cli.parent("approve 1 --reward 2.75")
    assert query("SELECT amount FROM ledger") == [(275,)]


def test_range_reward_is_prompted_on_a_terminal(household, monkeypatch):
    from chorectl.cli import review as completions

    cli = household
    cli.parent("chore add Tidy --reward 1-3 --assign Amy")
    cli.ok("done Tidy")
    monkeypatch.setattr(completions, "interactive", lambda: True)
    result = cli.parent("approve 1", input="2.50\n")
    assert "Reward for 1 (Tidy), 1.00-3.00" in result.stderr
    assert query("SELECT amount FROM ledger") == [(250,)]


def test_listings_exact_csv(busy):
    busy.parent("chore add 'Walk dog' --reward 0.50")
    busy.parent("chore add Tidy --reward 1-3 --assign Amy,Ben")
    out = busy.ok("chore list -f csv").stdout
    lines = out.splitlines()
    assert (
        lines[0] == "id,title,assignee,reward,reward_min,reward_max,schedule,status,due,created_at,note,cooldown_days"
    )
    cells = [line.split(",") for line in lines[1:]]
    assert [(c[0], c[1], c[2], c[3], c[4], c[5], c[7]) for c in cells] == [
        ("1", "Dishes", "Amy", "2.00", "", "", "pending"),
        ("2", "Trash", "Amy", "1.00", "", "", "approved"),
        ("3", "Walk dog", "", "0.50", "", "", "open"),
        ("4", "Tidy", "Amy", "", "1.00", "3.00", "open"),
        ("4", "Tidy", "Ben", "", "1.00", "3.00", "open"),
    ]
    members = busy.ok("member list -f csv").stdout.splitlines()
    assert members[0] == "id,name,role,active,balance,created_at"
    assert [line.rsplit(",", 1)[0] for line in members[1:]] == [
        "1,Amy,child,true,1.00",
        "2,Ben,child,true,0.00",
        "3,Mum,parent,true,0.00",
    ]


def test_approvals_json_and_table(busy):
    data = json.loads(busy.ok("approvals -f json").stdout)
    assert [(d["id"], d["chore"], d["member"], d["status"], d["reward"]) for d in data] == [
        (2, "Dishes", "Amy", "pending", None)
    ]
    assert list(data[0])[:9] == [
        "id",
        "chore_id",
        "chore",
        "member",
        "status",
        "completed_at",
        "reviewed_at",
        "reward",
        "note",
    ]
    table = busy.ok("approvals").stdout
    assert "Dishes (#1)" in table and "$2.00" in table and "pending" in table


def test_ledger_columns_and_signs(busy):
    busy.parent("pay Amy 0.40 --note 'cash'")
    lines = busy.ok("ledger -f tsv").stdout.splitlines()
    assert lines[0].split("\t") == [
        "id",
        "at",
        "member",
        "kind",
        "amount",
        "chore_id",
        "completion_id",
        "note",
        "member_id",
    ]
    first, second = (line.split("\t") for line in lines[1:])
    assert (first[2], first[3], first[4], first[5], first[6], first[7]) == ("Amy", "reward", "1.00", "2", "1", "Trash")
    assert (second[3], second[4], second[7]) == ("payout", "-0.40", "cash")
    assert second[1].endswith("+01:00")  # local time (TZ=Europe/Berlin in tests), with offset


def test_member_remove_keeps_history(busy):
    busy.parent("member remove Amy --force")
    assert "Amy" not in busy.ok("member list -f csv").stdout
    assert "Amy" in busy.ok("member list --all -f csv").stdout
    assert busy.ok("balance Amy -f csv").stdout.splitlines()[1] == "Amy,1.00,0.00,0.00,0.00,1.00,0.00,,,,1"
    busy.parent("pay Amy 1")  # an archived member can still be paid what they are owed
    assert busy("member add Amy", pin=PIN).exit_code == 1  # the name stays theirs
    assert query("SELECT count(*) FROM member WHERE name = 'Amy'") == [(1,)]


def test_chore_assign_several_and_unassign(busy):
    busy.parent("chore add Sweep --reward 1")
    busy.parent("chore assign Sweep Dishes --to Amy,Ben")
    assignees = query("SELECT chore_id, member_id FROM assignment ORDER BY chore_id, member_id")
    assert assignees == [(1, 1), (1, 2), (2, 1), (3, 1), (3, 2)]
    busy.parent("chore assign 3 --to ''")
    assert query("SELECT count(*) FROM assignment WHERE chore_id = 3") == [(0,)]


def test_data_on_stdout_messages_on_stderr(household):
    result = household.parent("chore add Dishes --reward 2 --assign Amy")
    assert result.stdout == ""
    assert result.stderr == "Added chore 1: Dishes.\n"


def test_colour_only_when_wanted(busy, monkeypatch):
    import re

    colour = re.compile(r"\x1b\[[0-9;]*3[0-7](;[0-9;]*)?m")
    assert "\x1b[" not in busy.ok("chore list").stdout  # not a terminal: plain text
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert colour.search(busy.ok("chore list").stdout)  # a terminal gets colour...
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour.search(busy.ok("chore list").stdout)  # ...unless NO_COLOR says no
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not colour.search(busy.ok("chore list").stdout)  # ...or the terminal is dumb


def test_version():
    from typer.testing import CliRunner

    from chorectl import __version__
    from chorectl.cli import app

    result = CliRunner().invoke(app, ["--version"])
    assert result.stdout == f"chorectl {__version__}\n"


def test_titles_are_never_rich_markup(household):
    household.parent(["chore", "add", "Tidy [/]", "--assign", "Amy", "--note", "[red]not red[/red]"])
    out = household.ok("chore show 1").stdout
    assert "Tidy [/] (#1)" in out and "[red]not red[/red]" in out


@pytest.mark.parametrize("configured", ["no.such.Backend", "keyrings.alt.file.EncryptedKeyring"])
def test_a_broken_keyring_configuration_denies(busy, monkeypatch, configured):
    import keyring.core

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", configured)
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    before = snapshot()
    result = busy("pay Amy 1", pin=PIN)
    assert result.exit_code == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot() == before


@pytest.mark.parametrize("symbol", ["1", ".", "-", "$ 1", "a,b"])
def test_currency_symbols_that_would_mix_with_amounts_are_refused(cli, ring, symbol):
    result = cli(["init", "--currency", symbol], pin=PIN)
    assert result.exit_code == 2
    assert ring.store == {}


def test_end_of_input_at_the_pin_prompt_is_denied(busy, monkeypatch):
    from chorectl.cli import state

    def eof(prompt):
        raise EOFError

    monkeypatch.setattr(state, "interactive", lambda: True)
    monkeypatch.setattr(state, "read_secret", eof)
    result = busy("pay Amy 1")
    assert result.exit_code == 3
    assert result.stderr.startswith("Error: no parent PIN was given")


def test_an_empty_pin_variable_is_no_pin(busy):
    result = busy("pay Amy 1", pin="")
    assert result.exit_code == 3
    assert "needs the parent PIN" in result.stderr


def test_removing_a_member_who_is_owed_money_says_so(busy):
    result = busy.parent("member remove Amy --force")
    assert "Amy's balance is $1.00" in result.stderr
    assert "1 of their completions still waits" in result.stderr


def test_concurrent_style_init_cannot_replace_a_pin(cli, ring):
    cli.ok("init", pin=PIN)
    (stored,) = ring.store.values()
    assert cli("init", pin="5555").exit_code == 1
    assert list(ring.store.values()) == [stored]
