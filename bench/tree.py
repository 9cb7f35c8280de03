"""Resource use of a whole process tree (the run and every process it starts), sampled while it runs.

`ru_maxrss` from wait4 is the peak of the largest single process; a run whose solver works in forked children
(portfolio members, proof checkers) uses the sum. Sampled every `POLL_S` of the harness (50 ms), so a child that
lives shorter than that may be missed; the CPU time is at least what wait4 reports for the run and its reaped
children.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import psutil


@dataclass
class TreeUsage:
    """Peak resident memory of the tree (bytes, summed over its live processes), its CPU seconds, its width."""

    peak_rss_bytes: int = 0
    cpu_s: float = 0.0
    max_processes: int = 0

    def sample(self, root_pid: int) -> None:
        """Add one observation of the tree under `root_pid` (call before the root is reaped)."""
        try:
            root = psutil.Process(root_pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        rss, cpu = 0, 0.0
        for process in processes:
            with contextlib.suppress(psutil.Error), process.oneshot():
                rss += process.memory_info().rss
                times = process.cpu_times()
                # A reaped child's time is in its parent's children_* fields: counted once, by its reaper.
                cpu += times.user + times.system + times.children_user + times.children_system
        self.peak_rss_bytes = max(self.peak_rss_bytes, rss)
        self.cpu_s = max(self.cpu_s, cpu)
        self.max_processes = max(self.max_processes, len(processes))

    def record(self, reaped_cpu_s: float) -> dict[str, float | int]:
        """The fields a bench record carries, given the CPU time wait4 reported for the reaped root."""
        return {
            "peak_tree_rss_mb": round(self.peak_rss_bytes / 2**20, 1),
            "cpu_tree_s": round(max(self.cpu_s, reaped_cpu_s), 4),
            "tree_processes": self.max_processes,
        }
