"""``chorectl reset`` the way cron runs it: a bare environment, no keyring, no terminal."""

from __future__ import annotations

import os
import re
import shlex
import sqlite3
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.helpers import PIN, Scene, chorectl_path


def _household(folder: Path) -> None:
    scene = Scene(
        {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "TZ": os.environ.get("TZ", "UTC"),
            "HOME": str(folder),
            "XDG_DATA_HOME": str(folder / "data"),
            "CHORECTL_DB": str(folder / "family.db"),
            "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
            "CHORECTL_PIN": PIN,
        }
    )
    scene("init")
    scene("member", "add", "Amy")
    scene("chore", "add", "Dishes", "--every", "daily", "--reward", "1", "--assign", "Amy")
    scene.play()


@pytest.fixture
def family(made, tmp_path):
    """Amy's daily Dishes in a file-keyring household (a copy of one made once)."""
    made(_household)
    db = tmp_path / "family.db"
    zone = os.environ.get("TZ", "UTC")  # the test's own zone, so "today" agrees on both sides of midnight
    exe = chorectl_path()
    # The chore started three days ago and cron has not run since: move its
    # first due date and its watermark back three days.
    today = datetime.now(ZoneInfo(zone)).date()
    three_days_ago = (today - timedelta(days=3)).isoformat()
    with sqlite3.connect(db) as con:
        con.execute("UPDATE chore SET due = ?", (three_days_ago,))
        con.execute("UPDATE assignment SET rolled_due = ?", (three_days_ago,))
    cron_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TZ": zone,
        "CHORECTL_DB": str(db),
        "HOME": str(tmp_path),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    return exe, cron_env, db, today


def _missed(db):
    with sqlite3.connect(db) as con:
        return [
            r[0] for r in con.execute("SELECT period_due FROM completion WHERE status = 'missed' ORDER BY period_due")
        ]


def test_cron_reset_catches_up_once_and_then_stays_quiet(family):
    exe, env, db, today = family
    first = subprocess.run([exe, "reset"], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert first.returncode == 0, first.stderr
    days = [(today - timedelta(days=n)).isoformat() for n in (3, 2, 1)]
    assert first.stdout.splitlines() == [f"Dishes (Amy): missed the period due {d}" for d in days]  # news only
    assert first.stderr == ""
    second = subprocess.run([exe, "reset"], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert (second.returncode, second.stdout, second.stderr) == (0, "", "")
    assert _missed(db) == days


def test_concurrent_resets_record_each_miss_once(family):
    exe, env, db, _today = family
    procs = [
        subprocess.Popen(
            [exe, "reset"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL
        )
        for _ in range(4)
    ]
    results = [(*p.communicate(timeout=60), p.returncode) for p in procs]
    assert all(code == 0 and err == "" for _, err, code in results), results
    printed = [out for out, _, _ in results if out]
    assert len(printed) == 1  # one of them did the work; the others found nothing to do
    assert len(_missed(db)) == 3


# ------------------------------------------------------------ the README's own cron and systemd set-up

ROOT = Path(__file__).resolve().parents[2]


def _readme_sh_block(marker: str) -> str:
    blocks = [b for b in re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S) if marker in b]
    assert len(blocks) == 1, f"the README should have one sh block with {marker!r}"
    return blocks[0]


FAKE_CRONTAB = """#!/bin/sh
# crontab(1) as far as the README uses it: -l prints the table, - installs stdin.
store="$HOME/installed-crontab"
case "$1" in
  -l) [ -f "$store" ] || { echo "no crontab for $LOGNAME" >&2; exit 1; }; cat "$store" ;;
  -) cat > "$store" ;;
  *) echo "fake crontab: $*" >&2; exit 2 ;;
esac
"""

FAKE_SYSTEMCTL = """#!/bin/sh
echo "$*" >> "$HOME/systemctl-calls"
"""


def _users_home(folder: Path) -> None:
    home = folder / "home"
    clone = home / "src" / "chorectl"
    (clone / ".venv" / "bin").mkdir(parents=True)
    (clone / ".venv" / "bin" / "chorectl").symlink_to(chorectl_path())
    fake = folder / "fake-bin"
    fake.mkdir()
    for name, text in (("crontab", FAKE_CRONTAB), ("systemctl", FAKE_SYSTEMCTL)):
        (fake / name).write_text(text)
        (fake / name).chmod(0o755)
    # The household, made by the user in their own shell: the default database, a file keyring.
    scene = Scene({"PATH": "/usr/bin:/bin", "HOME": str(home), "LOGNAME": "amy-mum", "CHORECTL_PIN": PIN})
    scene("init", "--keyring", "file")
    scene("member", "add", "Amy")
    scene("chore", "add", "Dishes", "--every", "daily", "--reward", "1", "--assign", "Amy")
    scene.play()


@pytest.fixture
def user(made, tmp_path):
    """A user's home after the README's install: a clone with .venv/bin/chorectl (the test's own
    installed chorectl stands for it), fake crontab and systemctl first on PATH, and a household
    in the default database whose daily chore cron has not rolled for three days."""
    made(_users_home)
    home = tmp_path / "home"
    clone = home / "src" / "chorectl"
    fake = tmp_path / "fake-bin"
    db = home / ".local" / "share" / "chorectl" / "chorectl.db"
    assert db.is_file()
    today = date.fromisoformat(_cron_shell("date +%F", home).stdout.strip())  # the zone cron runs in
    three_days_ago = (today - timedelta(days=3)).isoformat()
    with sqlite3.connect(db) as con:
        con.execute("UPDATE chore SET due = ?", (three_days_ago,))
        con.execute("UPDATE assignment SET rolled_due = ?", (three_days_ago,))
    return home, clone, fake, db, today


def _cron_shell(command: str, home: Path) -> subprocess.CompletedProcess:
    """As cron runs a job: /bin/sh -c with HOME, LOGNAME, SHELL and PATH=/usr/bin:/bin only; no
    terminal (a new session), stdin from /dev/null, no keyring, no D-Bus, no TZ, no CHORECTL_*."""
    return subprocess.run(
        [
            "env",
            "-i",
            f"HOME={home}",
            "LOGNAME=amy-mum",
            "SHELL=/bin/sh",
            "PATH=/usr/bin:/bin",
            "/bin/sh",
            "-c",
            command,
        ],
        cwd=home,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        start_new_session=True,
        timeout=60,
    )


def _paste(snippet: str, clone: Path, home: Path, fake: Path) -> subprocess.CompletedProcess:
    """A user pastes the README's snippet, as written, into a POSIX shell in the clone."""
    return subprocess.run(
        ["/bin/sh", "-c", snippet],
        cwd=clone,
        env={"HOME": str(home), "LOGNAME": "amy-mum", "PATH": f"{fake}:/usr/bin:/bin"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _assert_rolled(db: Path, today: date, run: subprocess.CompletedProcess) -> None:
    days = [(today - timedelta(days=n)).isoformat() for n in (3, 2, 1)]
    assert (run.returncode, run.stderr) == (0, ""), (run.returncode, run.stdout, run.stderr)
    assert run.stdout.splitlines() == [f"Dishes (Amy): missed the period due {d}" for d in days]
    assert _missed(db) == days
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT rolled_due FROM assignment").fetchall() == [(today.isoformat(),)]


def test_the_readme_crontab_line_runs_under_cron(user):
    home, clone, fake, db, today = user
    snippet = _readme_sh_block("| crontab -")
    for _ in range(2):  # pasted twice: still one line
        pasted = _paste(snippet, clone, home, fake)
        assert pasted.returncode == 0, pasted.stderr
    installed = (home / "installed-crontab").read_text().splitlines()
    assert len(installed) == 1, installed
    fields = installed[0].split(None, 5)
    assert fields[:5] == ["5", "0", "*", "*", "*"]
    command = fields[5]
    assert str(Path(chorectl_path()).resolve()) in command  # resolved when pasted, not looked up by cron
    _assert_rolled(db, today, _cron_shell(command, home))
    assert _cron_shell(command, home).stdout == ""  # the next night is quiet: no mail


def test_the_readme_systemd_timer_runs_its_service(user):
    home, clone, fake, db, today = user
    pasted = _paste(_readme_sh_block("systemctl --user"), clone, home, fake)
    assert pasted.returncode == 0, pasted.stderr
    units = home / ".config" / "systemd" / "user"
    timer = (units / "chorectl-reset.timer").read_text()
    assert "OnCalendar=*-*-* 00:05:00" in timer and "Persistent=true" in timer
    assert (home / "systemctl-calls").read_text().splitlines()[-1] == "--user enable --now chorectl-reset.timer"
    service = (units / "chorectl-reset.service").read_text()
    exec_start = [line.split("=", 1)[1] for line in service.splitlines() if line.startswith("ExecStart=")]
    assert len(exec_start) == 1
    argv = shlex.split(exec_start[0])  # systemd's quoting, for a path without specifiers or escapes
    assert Path(argv[0]).is_absolute() and argv[1:] == ["reset"]
    _assert_rolled(db, today, _cron_shell(shlex.join(argv), home))


def test_a_typo_in_the_database_path_fails_loudly_under_cron(user):
    """A broken cron job must mail someone: exit 1 and an error naming the path, nothing created."""
    home, clone, _fake, _db, _today = user
    wrong = home / ".local" / "share" / "chorectl" / "chorecl.db"
    run = _cron_shell(f"CHORECTL_DB={wrong} '{clone}/.venv/bin/chorectl' reset", home)
    assert run.returncode == 1
    assert run.stderr.splitlines()[0] == f"Error: there is no chorectl database at {wrong}"
    assert not wrong.exists()


@pytest.mark.parametrize("odd", ["it's", "100%", 'say "hi"', "back\\slash"])
def test_the_readme_snippets_refuse_a_path_cron_cannot_run(tmp_path, odd):
    """cron cuts a command at '%' and the quotes would need escaping: the snippet says so, installs nothing."""
    home = tmp_path / "home"
    clone = home / odd / "chorectl"
    (clone / ".venv" / "bin").mkdir(parents=True)
    wrapper = clone / ".venv" / "bin" / "chorectl"  # a file of its own there, as a real install is
    wrapper.write_text(f'#!/bin/sh\nexec "{chorectl_path()}" "$@"\n')
    wrapper.chmod(0o755)
    fake = tmp_path / "fake-bin"
    fake.mkdir()
    for name, text in (("crontab", FAKE_CRONTAB), ("systemctl", FAKE_SYSTEMCTL)):
        (fake / name).write_text(text)
        (fake / name).chmod(0o755)
    for marker in ("| crontab -", "systemctl --user"):
        pasted = _paste(_readme_sh_block(marker), clone, home, fake)
        assert pasted.returncode != 0 and "move the clone" in pasted.stderr, (pasted.returncode, pasted.stderr)
    assert not (home / "installed-crontab").exists()
    assert not (home / ".config" / "systemd" / "user" / "chorectl-reset.service").exists()
