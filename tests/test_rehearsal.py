"""A host rehearses with simulated people, giving the private host link where no other user of
the machine can read it: on standard input, or in the environment, never on the command line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from listening.rehearsal import create_session

pytestmark = pytest.mark.live


@pytest.mark.parametrize("how", ["stdin", "environment"])
def test_a_rehearsal_takes_the_host_link_without_showing_it_on_the_command_line(server, how):
    made = create_session(
        server.url,
        server.host(),
        title="Rehearsal",
        turn_seconds=1,
        rounds=1,
        silence_seconds=0,
        grace_seconds=0,
    )
    command = [sys.executable, "-m", "listening", "rehearse", "--people", "2"]
    env, given = dict(os.environ), None
    if how == "stdin":
        command.append("-")
        given = made["host_url"] + "\n"
    else:
        env["LISTENING_LINK"] = made["host_url"]
    assert all(made["host_key"] not in part for part in command)
    done = subprocess.run(
        command, input=given, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "Started." in done.stdout and "Session over: 2 turns taken." in done.stdout
