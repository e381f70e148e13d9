"""Keeping MediaPipe/TFLite's native start-up chatter off the user's terminal (unless --verbose).

Those lines come from C++ straight to file descriptor 2, past Python's logging, and say nothing a shop's
staff can act on ("Created TensorFlow Lite XNNPACK delegate", "Feedback manager requires..."). They are
silenced only around model loading and the first inference; real failures still raise exceptions.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator

VERBOSE_ENV = "MIRROR_NATIVE_LOGS"
_lock = threading.Lock()


@contextlib.contextmanager
def silenced() -> Iterator[None]:
    """Point fd 2 at /dev/null for the duration (no-op when MIRROR_NATIVE_LOGS=1)."""
    if os.environ.get(VERBOSE_ENV) == "1":
        yield
        return
    with _lock:
        sys.stderr.flush()
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 2)
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            os.close(devnull)
