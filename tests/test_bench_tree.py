"""Bench measurements of the whole process tree: a run whose memory sits in its children is measured in full."""

from __future__ import annotations

import subprocess
import sys

from bench.runner import _wait
from bench.tree import TreeUsage

# Two children hold 150 MiB each for a second while the parent holds little: ru_maxrss sees one process only.
FORKING_RUN = """
import subprocess, sys
hold = "x = bytearray(150 * 2**20); x[::4096] = b'y' * len(x[::4096]); import time; time.sleep(1.5)"
children = [subprocess.Popen([sys.executable, "-c", hold]) for _ in range(2)]
for child in children:
    child.wait()
"""


def test_tree_usage_sums_the_children() -> None:
    process = subprocess.Popen([sys.executable, "-c", FORKING_RUN], start_new_session=True)
    tree = TreeUsage()
    status, usage, killed = _wait(process, 60, tree)
    assert status == 0 and not killed
    fields = tree.record(usage.ru_utime + usage.ru_stime)
    assert usage.ru_maxrss / 1024 < 250  # the largest single process: one child's 150 MiB and change
    assert fields["peak_tree_rss_mb"] >= 300  # both children at once
    assert fields["tree_processes"] == 3
    assert fields["cpu_tree_s"] >= round(usage.ru_utime + usage.ru_stime, 4)
