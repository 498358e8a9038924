"""The README's commands, pasted verbatim, as a newcomer would (issue 12).

The install line runs in a copy of the repository with an empty HOME and
nothing but a minimal environment; the family's day and the scripting
examples run, as written, against the installed chorectl on PATH.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.helpers import PLAINTEXT, Scene, chorectl_path

ROOT = Path(__file__).resolve().parents[2]
PIN = "2580"


def block(marker: str) -> str:
    blocks = [b for b in re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S) if marker in b]
    assert len(blocks) == 1, f"the README should have one sh block with {marker!r}"
    return blocks[0]


def bare_env(home: Path, **extra: str) -> dict[str, str]:
    """What a fresh login has: a HOME, a PATH, a terminal type; no chorectl or keyring settings."""
    return {
        "HOME": str(home),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        "PYTHON_KEYRING_BACKEND": PLAINTEXT,  # no desktop keyring on a test machine
        **extra,
    }


def sh(script: str, *, cwd: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    """Run *script* as written, stopping at the first command that fails (sh -e)."""
    proc = subprocess.run(
        ["/bin/sh", "-e", "-x", "-c", script],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, (proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:])
    assert "Traceback" not in proc.stderr
    return proc


@pytest.fixture(scope="module")
def day(tmp_path_factory) -> tuple[Path, dict[str, str], subprocess.CompletedProcess]:
    """A newcomer's empty home, the installed chorectl on PATH, `chorectl init` and then the README's
    family's day as written: once for both tests below (folder, environment, the day's output)."""
    folder = tmp_path_factory.mktemp("readme")
    on_path = folder / "bin"
    on_path.mkdir()
    (on_path / "chorectl").symlink_to(chorectl_path())
    home = folder / "newcomer"  # an empty home of its own
    home.mkdir()
    env = bare_env(home, PATH=f"{on_path}:/usr/bin:/bin", CHORECTL_PIN=PIN, COLUMNS="80")
    # `chorectl init` in that home, by chorectl's own app in one process (Scene), with the PIN
    # hashed at bcrypt cost 4: the day's dozen parent commands, every one a process of the
    # installed chorectl run as written, then check it in a millisecond each instead of a quarter
    # of a second. The install line's own `chorectl init` runs, at chorectl's cost, in the test below.
    scene = Scene(env)
    scene("init")
    scene.play()
    return folder, env, sh(block("chorectl approve 3 --reward 2.50"), cwd=folder, env=env)


def test_the_install_line_installs_and_creates_the_default_database(tmp_path):
    """The README's first command, in a copy of the repository, with an empty HOME."""
    if os.environ.get("CHORECTL_SKIP_INSTALL_TEST"):
        pytest.skip("CHORECTL_SKIP_INSTALL_TEST is set")
    clone = tmp_path / "chorectl"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    home = tmp_path / "newcomer"  # an empty home of its own
    home.mkdir()
    (first,) = [line for line in block("pip install .").splitlines() if line.strip()]
    env = bare_env(home, CHORECTL_PIN=PIN)
    env["PATH"] = f"{Path(sys.base_prefix) / 'bin'}:{env['PATH']}"  # the python3 that runs these tests
    done = sh(first, cwd=clone, env=env, timeout=600)
    database = home / ".local/share/chorectl/chorectl.db"
    assert f"Created the household in {database}." in done.stderr
    assert oct(database.stat().st_mode & 0o777) == "0o600"
    assert oct(database.parent.stat().st_mode & 0o777) == "0o700"
    listing = subprocess.run(
        [str(clone / ".venv/bin/chorectl"), "member", "list", "-f", "csv"],
        env=bare_env(home),
        capture_output=True,
        text=True,
        check=False,
    )
    assert listing.returncode == 0 and listing.stdout.strip() == "id,name,role,active,balance,created_at"


def test_a_familys_day_runs_as_written(day):
    folder, env, done = day
    assert "Amy: Dishes is done and waits for approval (id 1)." in done.stdout + done.stderr
    balances = sh("chorectl balance -f csv", cwd=folder, env=env).stdout.splitlines()
    assert balances[1].startswith("Amy,4.50,0.00,-0.50,-3.00,1.00")
    assert balances[2].startswith("Ben,0.75,1.00,0.00,0.00,1.75")


def test_the_scripting_examples_run_as_written(day):
    """After the family's day (they only read it, and write november.csv beside it)."""
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed (Debian: jq)")
    folder, env, _ = day
    env = {k: v for k, v in env.items() if k != "COLUMNS"}
    examples = sh(block("jq '.[].id'"), cwd=folder, env=env)
    assert examples.stdout.startswith("member,earned,bonuses,penalties,paid,balance")
    november = (folder / "november.csv").read_text()
    assert november.startswith("id,at,member,kind,amount,chore_id,completion_id,note")


def test_today_after_the_familys_day_is_the_readme_s_example(day):
    folder, env, _ = day
    (example,) = re.findall(r"```text\n\$ chorectl today\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    assert sh("chorectl today", cwd=folder, env=env).stdout == example


def test_the_goals_example_is_what_chorectl_prints_after_the_familys_day(day, tmp_path):
    """README "Saving for something": its sh block run as written after the family's day (in a
    copy of the day's folder: the tests above read the day without goals), then its listings."""
    from tests.e2e.helpers import copy_household

    folder, env, _ = day
    copy_household(folder, tmp_path)
    env = dict(env, HOME=str(tmp_path / "newcomer"), PATH=env["PATH"].replace(str(folder), str(tmp_path)))
    sh(block('goal add Amy "Lego set"'), cwd=tmp_path, env=env)
    (example,) = re.findall(r"```text\n(\$ chorectl goal list\n.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    shown = []
    for line in example.splitlines():
        if line.startswith("$ "):
            shown.append(line)
            shown.extend(sh(line[2:], cwd=tmp_path, env=env).stdout.splitlines())
    # Tables pad their last column; the README's lines end where the text does.
    assert [line.rstrip() for line in shown] == example.splitlines()
    (jq_line,) = [line for line in block("select(.goal)").splitlines() if line.startswith("chorectl")]
    if shutil.which("jq"):
        assert sh(jq_line, cwd=tmp_path, env=env).stdout.splitlines() == [
            line.removeprefix("# ") for line in block("select(.goal)").splitlines() if line.startswith("# ")
        ]
