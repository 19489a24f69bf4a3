"""The throw-away PostgreSQL cluster of the tests (tests/pgcluster.py) is stopped even when its test run is
killed: the next run stops and removes it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import pgcluster

pytestmark = pytest.mark.postgres

STARTER = """
import sys, time
sys.path.insert(0, {tests!r})
from pgcluster import temporary_cluster
with temporary_cluster() as cluster:
    print(cluster.root, flush=True)
    time.sleep(600)
"""


def test_a_killed_runs_cluster_is_stopped_and_removed_by_the_next_one():
    tests = str(Path(__file__).resolve().parent)
    proc = subprocess.Popen([sys.executable, "-c", STARTER.format(tests=tests)], stdout=subprocess.PIPE, text=True)
    root = Path(proc.stdout.readline().strip())
    assert (root / "data" / "postmaster.pid").exists()
    proc.send_signal(signal.SIGKILL)   # the run dies without stopping its server
    proc.wait(10)
    time.sleep(0.5)
    assert (root / "data" / "postmaster.pid").exists()   # left running
    with pgcluster.temporary_cluster() as fresh:
        assert fresh.root != root
        assert not root.exists()   # the orphan was stopped and its folder removed
