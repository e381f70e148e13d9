"""Background workers are lowered below the drawing thread; other threads are left alone."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from mirror_app.priority import yield_to_drawing

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="threads are found in /proc")


def _thread(name: str, ready: threading.Event, done: threading.Event, ids: dict[str, int]) -> threading.Thread:
    def run() -> None:
        ids[name] = threading.get_native_id()
        with open(f"/proc/self/task/{ids[name]}/comm", "w") as comm:  # as native libraries name their threads
            comm.write(name)
        ready.set()
        done.wait(10)

    return threading.Thread(target=run, name=name, daemon=True)


def test_workers_lowered_drawing_thread_and_others_untouched() -> None:
    done, ids = threading.Event(), {}
    started = []
    for name in ("testworker", "unrelated-helper"):
        ready = threading.Event()
        thread = _thread(name, ready, done, ids)
        thread.start()
        ready.wait(5)
        started.append(thread)
    try:
        base = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        changed = yield_to_drawing(prefixes=("testworker",), nice=base + 3)
        assert changed == 1
        assert os.getpriority(os.PRIO_PROCESS, ids["testworker"]) == base + 3
        assert os.getpriority(os.PRIO_PROCESS, ids["unrelated-helper"]) == base
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == base
        # Only ever raised: asking again, or for less, changes nothing.
        assert yield_to_drawing(prefixes=("testworker",), nice=base + 3) == 0
        assert yield_to_drawing(prefixes=("testworker",), nice=base + 1) == 0
        assert os.getpriority(os.PRIO_PROCESS, ids["testworker"]) == base + 3
    finally:
        done.set()
        for thread in started:
            thread.join(5)
