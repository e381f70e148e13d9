"""Waiting for the window to get somewhere, with the event loop turning (shared by the window tests)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_for(app: Any, predicate: Callable[[], Any], seconds: float) -> bool:
    """Process Qt events until `predicate()` is true or `seconds` pass; returns whether it came true."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        if predicate():
            return True
        time.sleep(0.01)
    return False
