"""The unlock session is bound to the terminal's login session, read from the kernel:
checked in a child process that leads a session of its own (the test runner's
session cannot be changed from inside it).

Split from tests/cli/test_pin_hardening.py, which checks the rest of the binding in this process.
"""

from __future__ import annotations

import subprocess
import sys


def test_the_login_session_is_read_from_the_kernel():
    """In a new session (its leader is the child itself): the id and the leader's start time."""
    code = (
        "import os; from chorectl.security import session; "
        "print(session._login_session()); print(os.getpid()); "
        "print(open('/proc/self/stat').read().rsplit(')', 1)[1].split()[19])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, start_new_session=True
    ).stdout.split()
    here, pid, started = out
    assert here == f"{pid}@{started}"
