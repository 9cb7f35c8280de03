"""Bench measurements of the whole process tree: a run whose memory sits in its children is measured in full."""

from __future__ import annotations

import json
import subprocess
import sys

# Two children hold 150 MiB each for a second while the parent holds little: ru_maxrss sees one process only.
FORKING_RUN = """
import subprocess, sys
hold = "x = bytearray(150 * 2**20); x[::4096] = b'y' * len(x[::4096]); import time; time.sleep(1.5)"
children = [subprocess.Popen([sys.executable, "-c", hold]) for _ in range(2)]
for child in children:
    child.wait()
"""
# The harness runs in a small process of its own: Linux carries the forking parent's peak RSS into the child's
# ru_maxrss across exec, so a harness inside a large pytest process would inflate it.
HARNESS = """
import json, subprocess, sys
from bench.runner import _wait
from bench.tree import TreeUsage
process = subprocess.Popen([sys.executable, "-c", sys.argv[1]], start_new_session=True)
tree = TreeUsage()
status, usage, killed = _wait(process, 60, tree)
print(json.dumps({"status": status, "killed": killed, "maxrss_mb": usage.ru_maxrss / 1024,
                  "cpu_s": usage.ru_utime + usage.ru_stime, **tree.record(usage.ru_utime + usage.ru_stime)}))
"""


def test_tree_usage_sums_the_children() -> None:
    done = subprocess.run([sys.executable, "-c", HARNESS, FORKING_RUN], capture_output=True, text=True, timeout=120)
    result = json.loads(done.stdout)
    assert result["status"] == 0 and not result["killed"]
    assert result["maxrss_mb"] < 250  # wait4: the largest single process, one child's 150 MiB and change
    assert result["peak_tree_rss_mb"] >= 300  # both children at once
    assert result["tree_processes"] == 3
    assert result["cpu_tree_s"] >= round(result["cpu_s"], 4)
