"""The parent PIN against a curious child, from the outside (issue 11): the installed
chorectl in subprocesses, with real bcrypt cost, real pseudo-terminals and ``faketime``.

The tests of PINs racing each other run on a copy of ``cost12_household`` (``init`` through
the installed chorectl, once per run), so the hash they race on has chorectl's own cost (12).
The others are about terminals and clocks, not bcrypt: their household is a
:class:`~tests.e2e.helpers.Scene`'s (one process, cost 4), and every PIN they give is still
checked by the installed chorectl.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess

import pytest

from tests.e2e.helpers import PLAINTEXT, RACE_PIN, Runner, Scene, chorectl_path, cost12_household, isolated_env


def scene_init(env: dict[str, str], pin: str, *, locked: bool = False) -> None:
    """A household with *pin*, made in one process at bcrypt cost 4 (the test is not about init);
    *locked*: then locked by three wrong PINs, in that process on the real clock (that a lockout
    holds between processes is test_e2e_security.py's; here what follows is the point)."""
    scene = Scene(env)
    scene("init", pin=pin)
    for _ in range(3 if locked else 0):
        scene("member", "add", "Amy", pin="0000", expect=3)
    scene.play()


def rows(db, sql: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def start(env: dict[str, str], *args: str, pin: str) -> subprocess.Popen:
    return subprocess.Popen(
        [chorectl_path(), *args],
        env=dict(env, CHORECTL_PIN=pin),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_parallel_commands_with_the_right_pin_all_run(tmp_path, made):
    """Eight cron lines at the same minute, each with the right CHORECTL_PIN: none is refused."""
    made(cost12_household)
    pin = RACE_PIN
    env = isolated_env(tmp_path, PYTHON_KEYRING_BACKEND=PLAINTEXT)
    procs = [start(env, "adjust", "Amy", "+1", "--reason", f"job {i}", pin=pin) for i in range(8)]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    assert all(code == 0 for code, _ in results), results
    db = tmp_path / "family.db"
    assert rows(db, "SELECT COUNT(*), SUM(amount) FROM ledger") == [(8, 800)]
    assert rows(db, "SELECT failed_pins, locked_until FROM household") == [(0, None)]
    assert rows(db, "SELECT COUNT(*) FROM audit WHERE action = 'pin failed'") == [(0,)]


def test_right_and_wrong_pins_at_once_count_only_the_wrong(tmp_path, made):
    made(cost12_household)
    pin = RACE_PIN
    env = isolated_env(tmp_path, PYTHON_KEYRING_BACKEND=PLAINTEXT)
    right = [start(env, "adjust", "Amy", "+1", "--reason", "r", pin=pin) for _ in range(4)]
    wrong = [start(env, "adjust", "Amy", "+1", "--reason", "w", pin="0000") for _ in range(2)]
    assert [p.wait(timeout=120) for p in wrong] == [3, 3]
    codes = [p.wait(timeout=120) for p in right]
    db = tmp_path / "family.db"
    failed = rows(db, "SELECT COUNT(*) FROM audit WHERE action = 'pin failed'")[0][0]
    assert failed == 2  # the two wrong ones, never a right one
    # two wrong PINs lock nothing: every right PIN ran, whenever it was checked
    assert codes == [0, 0, 0, 0]
    assert rows(db, "SELECT COUNT(*) FROM ledger") == [(4,)]


# --------------------------------------------------------------------------- pty reuse

pexpect = pytest.importorskip("pexpect")


def _tab(env: dict[str, str]):
    """A new terminal tab: a shell in a fresh pseudo-terminal, as its own login session."""
    shell = pexpect.spawn("/bin/sh", env=env, encoding="utf-8", timeout=60, echo=False)
    shell.sendline("PS1='$ '; tty")
    shell.expect(r"(/dev/pts/\d+)")
    return shell, shell.match.group(1)


def _exit_code(shell, command: str) -> int:
    """Run *command* at the tab's prompt, its input and errors on the terminal, as a person would."""
    shell.sendline(f"{command} >/dev/null; echo @@rc=$?")
    if shell.expect([r"@@rc=(\d+)", "Parent PIN: "]) == 1:
        shell.sendcontrol("d")  # not unlocked: it asks for the PIN, and gets none
        shell.expect(r"@@rc=(\d+)")
    return int(shell.match.group(1))


def test_a_new_tab_that_reuses_a_closed_tabs_terminal_name_is_not_unlocked(tmp_path):
    pin = "3030tab"
    env = isolated_env(tmp_path, PYTHON_KEYRING_BACKEND=PLAINTEXT)
    scene_init(env, pin)
    exe = chorectl_path()
    first, name = _tab(env)
    assert _exit_code(first, f"CHORECTL_PIN={pin} {exe} unlock --minutes 30") == 0
    assert _exit_code(first, f"{exe} member add Amy") == 0  # the same tab: unlocked
    first.sendline("exit")
    first.expect(pexpect.EOF)
    first.close()
    for _ in range(20):  # Linux hands out the lowest free number: usually the same one at once
        second, again = _tab(env)
        if again == name:
            break
        second.close(force=True)
    else:
        pytest.skip(f"no new terminal got the name {name} again")
    try:
        assert _exit_code(second, f"{exe} member add Ben") == 3  # same name, another login session
        assert _exit_code(second, f"{exe} member add Ben </dev/null 2>/dev/null") == 3  # nor as a "script"
        assert _exit_code(second, f"{exe} member list") == 0
    finally:
        second.close(force=True)
    assert rows(tmp_path / "family.db", "SELECT name FROM member") == [("Amy",)]


# --------------------------------------------------------------------------- faketime

FAKETIME = shutil.which("faketime")
needs_faketime = pytest.mark.skipif(FAKETIME is None, reason="faketime is not installed (Debian: faketime)")


def _faked(env: dict[str, str], offset: str) -> dict[str, str]:
    return dict(env, FAKETIME=offset, LD_PRELOAD=_libfaketime())


def _libfaketime() -> str:
    for folder in ("/usr/lib/x86_64-linux-gnu/faketime", "/usr/lib/aarch64-linux-gnu/faketime", "/usr/lib/faketime"):
        lib = os.path.join(folder, "libfaketime.so.1")
        if os.path.exists(lib):
            return lib
    pytest.skip("libfaketime.so.1 not found")


@needs_faketime
def test_faketime_ten_years_ahead_does_not_lock_parents_out_for_ten_years(tmp_path):
    pin = "4040clock"
    env = isolated_env(tmp_path, PYTHON_KEYRING_BACKEND=PLAINTEXT)
    run = Runner(env)
    scene_init(env, pin)
    ahead = _faked(env, "+3650d")
    for _ in range(3):
        run("member", "add", "Amy", pin="0000", expect=3, **{k: ahead[k] for k in ("FAKETIME", "LD_PRELOAD")})
    refused = run("member", "add", "Amy", pin=pin, expect=3)  # the real clock: at most 30 s, not ten years
    wait = re.search(r"try again in (\d+) s \(at ", refused.stderr)
    assert wait and int(wait.group(1)) <= 30, refused.stderr


@needs_faketime
def test_faketime_forward_between_guesses_does_not_skip_the_lockout(tmp_path):
    pin = "4141clock"
    env = isolated_env(tmp_path, PYTHON_KEYRING_BACKEND=PLAINTEXT)
    run = Runner(env)
    scene_init(env, pin, locked=True)
    for offset in ("+2h", "+400d"):
        faked = _faked(env, offset)
        refused = run(
            "member", "add", "Amy", pin="0001", expect=3, FAKETIME=faked["FAKETIME"], LD_PRELOAD=faked["LD_PRELOAD"]
        )
        assert "locked after 3 wrong PINs" in refused.stderr and "wrong parent PIN" not in refused.stderr
    db = tmp_path / "family.db"
    assert rows(db, "SELECT failed_pins FROM household") == [(3,)]
    assert rows(db, "SELECT COUNT(*) FROM audit WHERE action = 'pin failed'") == [(3,)]


@needs_faketime
def test_faketime_does_not_move_an_unlock_session(tmp_path):
    """Sessions are dated by the kernel's real time: a faked clock neither ages nor revives them."""
    pin = "4242clock"
    env = isolated_env(tmp_path, PYTHON_KEYRING_BACKEND=PLAINTEXT)
    run = Runner(env)
    scene_init(env, pin)
    for offset in ("-2h", "+2h"):
        faked = _faked(env, offset)
        run("unlock", "--minutes", "60", pin=pin, FAKETIME=faked["FAKETIME"], LD_PRELOAD=faked["LD_PRELOAD"])
        name = "Amy" if offset.startswith("-") else "Ben"
        run("member", "add", name)  # on the real clock it was just made: valid, never "from the future"
        assert run("lock").stderr == "Locked: parent commands need the PIN again.\n"
    assert rows(tmp_path / "family.db", "SELECT name FROM member ORDER BY id") == [("Amy",), ("Ben",)]


def _time_namespace(offset: int) -> list[str] | None:
    """A command prefix that runs in a new time namespace with /proc/uptime moved by *offset* s."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    for prefix in ([unshare, "-T", f"--boottime={offset}"], [unshare, "-r", "-T", f"--boottime={offset}"]):
        probe = subprocess.run([*prefix, "cat", "/proc/uptime"], capture_output=True, text=True, check=False)
        if probe.returncode == 0 and float(probe.stdout.split()[0]) >= offset:
            return prefix
    return None


def test_a_time_namespace_does_not_skip_the_lockout(tmp_path):
    pin = "4343clock"
    env = isolated_env(tmp_path, PYTHON_KEYRING_BACKEND=PLAINTEXT)
    scene_init(env, pin, locked=True)
    for offset in (4000, 8000):
        prefix = _time_namespace(offset)
        if prefix is None:
            pytest.skip("no time namespaces here (unshare -T)")
        for guess, faked in (("0001", False), (pin, True)):
            argv = [*prefix, chorectl_path(), "member", "add", "Amy"]
            if faked and FAKETIME:
                argv = [*prefix, FAKETIME, "-f", "+3h", chorectl_path(), "member", "add", "Amy"]
            proc = subprocess.run(
                argv,
                env=dict(env, CHORECTL_PIN=guess),
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
                check=False,
            )
            assert proc.returncode == 3, proc.stderr
            assert "locked after 3 wrong PINs" in proc.stderr and "Traceback" not in proc.stderr
    db = tmp_path / "family.db"
    assert rows(db, "SELECT failed_pins FROM household") == [(3,)]
    assert rows(db, "SELECT name FROM member") == []
