"""The parent PIN from the outside: the installed chorectl in a subprocess.

A real Secret Service (gnome-keyring under a private D-Bus), the hidden prompt
on a pseudo-terminal, the file keyring fallback, no PIN leaking anywhere, and
a lockout that survives between processes. See "Who may do what" in CLI.md.
"""

from __future__ import annotations

import base64
import configparser
import os
import re
import shutil
import signal
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest

from tests.e2e.helpers import DEADLINE, PLAINTEXT, Runner, Scene, chorectl_path, cost12_household, isolated_env

FAIL = "keyring.backends.fail.Keyring"


def household_id(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT id FROM household").fetchall()
    finally:
        con.close()
    assert len(rows) == 1, rows
    return rows[0][0]


# --------------------------------------------------------------------------
# 1. A real Secret Service: gnome-keyring-daemon on a private session bus
# --------------------------------------------------------------------------

DBUS_TOOLS = ("dbus-run-session", "gnome-keyring-daemon", "secret-tool")

SECRET_SERVICE_SCRIPT = r"""
set -u
export HOME="$T_HOME" XDG_DATA_HOME="$T_HOME/.local/share" XDG_CONFIG_HOME="$T_HOME/.config" XDG_RUNTIME_DIR="$T_RUNTIME"
eval "$(printf 'testpass' | gnome-keyring-daemon --unlock --components=secrets)"
unset PYTHON_KEYRING_BACKEND
echo "@@bus=${DBUS_SESSION_BUS_ADDRESS:+yes}"
CHORECTL_PIN="$T_PIN" "$T_CHORECTL" init
echo "@@init=$?"
echo "@@search-begin"
secret-tool search --all service chorectl 2>&1
echo "@@search=$?"
echo "@@search-end"
CHORECTL_PIN="$T_WRONG" "$T_CHORECTL" member add Amy
echo "@@wrong=$?"
CHORECTL_PIN="$T_PIN" "$T_CHORECTL" member add Amy
echo "@@right=$?"
"$T_CHORECTL" doctor
echo "@@doctor=$?"
"$T_CHORECTL" member list -f csv
echo "@@list=$?"
"""

FD_LIMIT_NOISE = re.compile(r"^dbus-daemon\[\d+\]: .*Failed to set fd limit.*$\n?", re.MULTILINE)


def run_in_own_group(argv: list[str], *, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    """Like subprocess.run, but on timeout the whole process group we started is killed."""
    proc = subprocess.Popen(
        argv,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        try:
            out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            out, err = "", ""
        pytest.fail(f"{argv[0]} did not finish within {timeout} s\nstdout:\n{out}\nstderr:\n{err}")
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def test_a_real_secret_service_keeps_only_the_hash(tmp_path):
    missing = [tool for tool in DBUS_TOOLS if shutil.which(tool) is None]
    if missing:
        reason = f"needs {', '.join(missing)} (apt-get install dbus gnome-keyring libsecret-tools)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the Secret Service test: {reason}")
        pytest.skip(reason)

    pin, wrong = "4807kiwi", "4807kiwx"
    env = isolated_env(tmp_path)
    script = tmp_path / "secret-service.sh"
    script.write_text(SECRET_SERVICE_SCRIPT)
    env.update(
        T_HOME=env["HOME"],
        T_RUNTIME=env["XDG_RUNTIME_DIR"],
        T_CHORECTL=chorectl_path(),
        T_PIN=pin,
        T_WRONG=wrong,
        PYTHON_KEYRING_BACKEND=PLAINTEXT,  # the script must unset it: the real keyring is meant
    )
    proc = run_in_own_group(["dbus-run-session", "--", "bash", str(script)], env=env, timeout=DEADLINE)
    out = proc.stdout
    err = FD_LIMIT_NOISE.sub("", proc.stderr)
    context = f"stdout:\n{out}\nstderr:\n{err}"
    assert proc.returncode == 0, context

    marks = dict(re.findall(r"^@@([\w-]+)=(.*)$", out, re.MULTILINE))
    assert marks.get("bus") == "yes", context
    assert marks.get("init") == "0", context
    assert marks.get("search") == "0", context
    assert marks.get("wrong") == "3", context
    assert marks.get("right") == "0", context
    assert marks.get("doctor") == "0", context
    assert marks.get("list") == "0", context

    hid = household_id(tmp_path / "family.db")
    search = out.split("@@search-begin\n", 1)[1].split("@@search=", 1)[0]
    items = dict(re.findall(r"^([\w.]+) = (.*)$", search, re.MULTILINE))
    assert items.get("secret", "").startswith("$2b$"), search
    assert items.get("attribute.service") == "chorectl", search
    assert items.get("attribute.username") == hid, search
    assert len(re.findall(r"^secret = ", search, re.MULTILINE)) == 1, search  # one entry, this household's

    assert "wrong parent PIN" in err, context
    assert "Secret" in out, context  # doctor names the Secret Service backend
    assert re.search(
        r"^ok\s+parent PIN\s+set; its hash is in the keyring it was set in \(keyring: .+; hash fingerprint [0-9a-f]{12}\)$",
        out,
        re.MULTILINE,
    ), context
    assert "Amy" in out.split("@@doctor=", 1)[1], context
    assert "Traceback" not in err, context
    assert pin not in out and pin not in err, context
    assert wrong not in out and wrong not in err, context

    # The hash went to the Secret Service only: not the database, not a plaintext file keyring.
    raw = (tmp_path / "family.db").read_bytes()
    assert b"$2b$" not in raw and pin.encode() not in raw
    for path in Path(env["HOME"]).rglob("*.cfg"):
        assert b"chorectl" not in path.read_bytes(), path


# --------------------------------------------------------------------------
# 2. The hidden prompt on a pseudo-terminal
# --------------------------------------------------------------------------


def spawn(args: list[str], env: dict[str, str]):
    import pexpect

    return pexpect.spawn(chorectl_path(), args, env=env, encoding="utf-8", timeout=30, dimensions=(24, 100))


def finish(child) -> str:
    """Everything left on the terminal until the command ends; sets child.exitstatus."""
    import pexpect

    child.expect(pexpect.EOF)
    rest = child.before
    child.close()
    return rest


def answer(args: list[str], env: dict[str, str], *exchanges: tuple[str, str]) -> tuple[int, str]:
    """Run chorectl on a terminal, typing each reply at its prompt: (exit status, whole screen)."""
    child = spawn(args, env)
    screen = ""
    for prompt, reply in exchanges:
        child.expect_exact(prompt)
        screen += child.before + child.after
        child.sendline(reply)
    screen += finish(child)
    return child.exitstatus, screen


def test_the_pin_prompt_on_a_terminal_does_not_echo(tmp_path):
    pin, wrong = "2468quiet", "2468quiez"
    env = isolated_env(tmp_path, PYTHON_KEYRING_BACKEND=PLAINTEXT)

    status, screen = answer(["init"], env, ("New parent PIN: ", pin), ("Same PIN again: ", pin))
    assert status == 0, screen
    assert "Created the household" in screen
    assert pin not in screen, screen

    status, screen = answer(["member", "add", "Amy"], env, ("Parent PIN: ", pin))
    assert status == 0, screen
    assert "Parent PIN: " in screen
    assert "Added child Amy" in screen
    assert pin not in screen, screen

    status, screen = answer(["member", "add", "Ben"], env, ("Parent PIN: ", wrong))
    assert status == 3, screen
    assert "wrong parent PIN" in screen
    assert wrong not in screen and pin not in screen, screen

    # Nothing typed at all (end of input at the prompt): denied, not a crash.
    child = spawn(["member", "add", "Ben"], env)
    child.expect_exact("Parent PIN: ")
    child.sendeof()
    screen = finish(child)
    assert child.exitstatus == 3, screen
    assert "Traceback" not in screen

    members = subprocess.run(
        [chorectl_path(), "member", "list", "-f", "csv"],
        check=False,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )
    assert members.returncode == 0, members.stderr
    assert "Amy" in members.stdout and "Ben" not in members.stdout


# --------------------------------------------------------------------------
# 3. The file keyring fallback
# --------------------------------------------------------------------------


def test_the_file_keyring_fallback_holds_only_the_hash(tmp_path):
    pin, wrong = "8080kite", "8080kitf"
    env = isolated_env(tmp_path, PYTHON_KEYRING_BACKEND=FAIL)
    run = Runner(env)
    keyfile = Path(env["XDG_DATA_HOME"]) / "chorectl" / "pin-keyring.cfg"

    refused = run("init", pin=pin, expect=1)
    assert "--keyring file" in refused.stderr
    assert not keyfile.exists()

    done = run("init", "--keyring", "file", pin=pin)
    assert "Created the household" in done.stderr
    assert keyfile.exists()
    assert stat.S_IMODE(keyfile.stat().st_mode) == 0o600

    raw = keyfile.read_bytes()
    assert pin.encode() not in raw
    parser = configparser.RawConfigParser()
    parser.read_string(raw.decode("utf-8"))
    assert parser.sections() == ["chorectl"]
    hid = household_id(tmp_path / "family.db")
    assert list(parser["chorectl"]) == [hid]
    value = "".join(parser["chorectl"][hid].split())
    hashed = value if value.startswith("$2b$") else base64.b64decode(value).decode("ascii")
    assert hashed.startswith("$2b$12$"), hashed
    assert pin not in hashed

    # The household remembers its file keyring, even with the fail backend still set.
    run("member", "add", "Amy", pin=pin)
    denied = run("member", "add", "Ben", pin=wrong, expect=3)
    assert denied.stderr.startswith("Error: wrong parent PIN")
    run("member", "add", "Ben", pin=pin)
    # And with no backend setting at all.
    run("member", "add", "Cy", pin=pin, PYTHON_KEYRING_BACKEND="")
    doctor = run("doctor")
    assert "file keyring at" in doctor.stdout
    assert re.search(
        r"^ok\s+parent PIN\s+set; its hash is in the keyring it was set in \(keyring: .+; hash fingerprint [0-9a-f]{12}\)$",
        doctor.stdout,
        re.MULTILINE,
    )

    members = run("member", "list", "-f", "csv").stdout
    assert [line.split(",")[1] for line in members.splitlines()[1:]] == ["Amy", "Ben", "Cy"]
    assert keyfile.read_bytes() == raw  # parent commands only read it
    for args, out, err in run.outputs:
        assert pin not in out + err and wrong not in out + err, args


# --------------------------------------------------------------------------
# 4. Nothing leaks the PIN: a whole session's outputs and files are searched in
#    tests/cli/test_cli_scripts.py (no process needed); the prompt, the file
#    keyring and the Secret Service above are the parts that need one.
# --------------------------------------------------------------------------


# --------------------------------------------------------------------------
# 5. Lockout survives between processes
# --------------------------------------------------------------------------


def test_wrong_pins_in_separate_processes_lock_parent_commands(tmp_path):
    pin = "5150lock"
    env = isolated_env(tmp_path, PYTHON_KEYRING_BACKEND=PLAINTEXT)
    run = Runner(env)
    scene = Scene(env)  # the household only: one process, bcrypt cost 4 (the lockout is the point, not the cost)
    scene("init", pin=pin)
    scene.play()

    first = run("member", "add", "Amy", pin="5150locj", expect=3)
    second = run("member", "add", "Amy", pin="5150lokk", expect=3)
    for denied in (first, second):
        assert denied.stderr.startswith("Error: wrong parent PIN")
        assert "try again in" not in denied.stderr
    third = run("member", "add", "Amy", pin="1515lock", expect=3)
    assert third.stderr.startswith("Error: wrong parent PIN")
    assert "try again in" in third.stderr

    refused = run("member", "add", "Amy", pin=pin, expect=3)  # even the right PIN, in a new process
    assert "locked" in refused.stderr and "try again in" in refused.stderr
    assert "wrong parent PIN" not in refused.stderr
    refused_other = run("chore", "add", "Dishes", "--reward", "1", pin=pin, expect=3)
    assert "try again in" in refused_other.stderr

    doctor = run("doctor")
    assert re.search(r"^warn\s+lockout\s+3 wrong PINs; locked until \S+$", doctor.stdout, re.MULTILINE), doctor.stdout

    con = sqlite3.connect(tmp_path / "family.db")  # nothing was added (the file itself: no process needed)
    try:
        assert con.execute("SELECT (SELECT COUNT(*) FROM member), (SELECT COUNT(*) FROM chore)").fetchone() == (0, 0)
    finally:
        con.close()
    for args, out, err in run.outputs:
        assert pin not in out + err, args


def test_parallel_guesses_cannot_outrun_the_lockout(tmp_path, made):
    """Attempts are counted under the write lock before they are checked: ten at once get three tries."""
    made(cost12_household)  # each wrong guess takes a cost-12 check, as a real one would
    env = isolated_env(tmp_path, PYTHON_KEYRING_BACKEND=PLAINTEXT)
    procs = [
        subprocess.Popen(
            [chorectl_path(), "member", "add", "Eve"],
            env=dict(env, CHORECTL_PIN=f"{1000 + i}"),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(10)
    ]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    assert all(code == 3 for code, _ in results), results
    checked = [err for _, err in results if "wrong parent PIN" in err]
    assert len(checked) == 3  # the other seven were refused unchecked
    con = sqlite3.connect(tmp_path / "family.db")
    try:
        assert con.execute("SELECT COUNT(*) FROM audit WHERE action = 'pin failed'").fetchone() == (3,)
        assert con.execute("SELECT failed_pins FROM household").fetchone() == (3,)
    finally:
        con.close()
