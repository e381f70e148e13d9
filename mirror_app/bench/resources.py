"""Process CPU time and resident memory, read from the OS so the bench needs no extra dependency (no psutil)."""

from __future__ import annotations

import logging
import os
import re
import resource
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kb(field: str) -> int | None:
    """One `VmXXX:  1234 kB` line of /proc/self/status, or None off Linux."""
    try:
        text = _STATUS.read_text()
    except OSError:
        return None
    match = re.search(rf"^{field}:\s+(\d+)\s+kB", text, re.MULTILINE)
    return int(match.group(1)) if match else None


def rss_mb() -> float:
    """Resident memory now, in MiB (0 where /proc is missing: the figure is then unknown, not small)."""
    kb = _status_kb("VmRSS")
    return kb / 1024 if kb is not None else 0.0


def peak_rss_mb() -> float:
    """The process's resident high-water mark in MiB (VmHWM; getrusage's ru_maxrss where /proc lacks it)."""
    kb = _status_kb("VmHWM")
    if kb is None:
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    return kb / 1024


def reset_peak_rss() -> bool:
    """Restart the high-water mark at the current RSS, so each run in one process reports its own peak.

    Writing "5" to /proc/self/clear_refs does this on Linux 4.0+; False when the kernel refuses, and the
    peak then covers the whole process so far.
    """
    try:
        _CLEAR_REFS.write_text("5")
    except OSError as exc:
        log.info("cannot reset the RSS high-water mark (%s): peaks cover the whole process", exc)
        return False
    return True


def usable_cores() -> int:
    """Cores this process may run on (its affinity), which is what 'all cores' means for CPU use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Process CPU seconds (all threads, user + system), wall clock and RSS at one instant."""

    cpu_s: float
    wall_ns: int
    rss_mb: float

    @classmethod
    def take(cls, with_rss: bool = True) -> Snapshot:
        """Now; RSS is skipped (0) on the per-frame path where reading /proc would cost more than it tells."""
        t = os.times()
        return cls(t.user + t.system, time.monotonic_ns(), rss_mb() if with_rss else 0.0)


def usage_between(start: Snapshot, end: Snapshot, cores: int) -> dict[str, float]:
    """CPU use over a window: seconds, and as % of one core and of all usable cores."""
    wall_s = max((end.wall_ns - start.wall_ns) / 1e9, 1e-9)
    cpu_s = max(end.cpu_s - start.cpu_s, 0.0)
    return {
        "cpu_s": round(cpu_s, 3),
        "wall_s": round(wall_s, 3),
        "percent_of_one_core": round(100.0 * cpu_s / wall_s, 1),
        "percent_of_all_cores": round(100.0 * cpu_s / wall_s / cores, 1),
        "cores": cores,
    }
