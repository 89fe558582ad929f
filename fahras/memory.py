"""A process's resident memory, now and at its peak, for the benchmarks.

On Linux a process's ``ru_maxrss`` (``getrusage``, ``wait4``) includes the memory of the
process that forked it: the parent's address space is counted up to the child's exec. So a
small child of a large process (a benchmark or test session that loaded the model) reports the
parent's size. The high-water mark of the process's own address space, ``VmHWM`` in
/proc/PID/status, does not; ``ru_maxrss`` is only the fallback where /proc has no figure.
"""

from __future__ import annotations

import os
import resource


def peak_mb(pid: int | None = None) -> float | None:
    """``VmHWM`` of process ``pid`` (default: this one), MB; None when /proc has no figure for
    it (not Linux, or the process has exited)."""
    try:
        with open(f"/proc/{pid or os.getpid()}/status", encoding="ascii",
                  errors="replace") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def rss_mb() -> float:
    """Resident memory of this process now, MB (Linux /proc; 0 where unavailable)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def own_peak_mb() -> float:
    """This process's peak resident memory, MB (``ru_maxrss`` where /proc has no figure)."""
    own = peak_mb()
    return own if own is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
