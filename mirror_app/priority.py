"""Background workers yield the CPU to the thread that draws, so a busy machine delays pose, not the picture."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

BACKGROUND_NICE = 6
"""Nice value of the workers. On 2 cores the pose model's threads, video decoding and llvmpipe's rasterizer
all want the CPU at once; with the workers at nice 6 the drawing thread (generator + compositor) gets a core
when it needs one. Side by side in `mirror-app bench` on a quiet machine it lowered render p95 by about 1 ms
and did not change the frame rate (under heavy outside load the gain looked larger, but was within noise)."""

WORKER_PREFIXES = ("drishti", "av:")
"""Kernel names of the busy native workers: MediaPipe's graph threads and FFmpeg's decoder threads. (Python
3.11 does not name OS threads, so our own threads can't be told apart this way; they are light anyway.)"""

_TASKS = Path("/proc/self/task")


def yield_to_drawing(prefixes: tuple[str, ...] = WORKER_PREFIXES, nice: int = BACKGROUND_NICE) -> int:
    """Raise the nice value of this process's worker threads to `nice`; returns how many changed.

    Linux only (threads are found in /proc); elsewhere, or where a thread is gone or not ours, nothing
    changes. Niceness is only ever raised, which needs no privileges.
    """
    if not _TASKS.is_dir():
        return 0
    changed = 0
    for task in _TASKS.iterdir():
        with contextlib.suppress(OSError, ValueError):
            name = (task / "comm").read_text().strip()
            if not name.startswith(prefixes):
                continue
            tid = int(task.name)
            if os.getpriority(os.PRIO_PROCESS, tid) < nice:
                os.setpriority(os.PRIO_PROCESS, tid, nice)
                changed += 1
    return changed
