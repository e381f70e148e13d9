"""The clock of a paced source: real-time playback that drops frames when the mirror falls behind."""

from __future__ import annotations

import time


class Pacer:
    """Waits until the next frame is due; when late, says how many frames to skip, as a camera would drop them."""

    def __init__(self, fps: float) -> None:
        self.period_ns = int(1e9 / fps) if fps > 0 else int(1e9 / 30)
        self._start_ns: int | None = None

    def wait(self, index: int) -> int:
        """Sleep until frame `index` is due; returns the index of the newest frame due now (>= index)."""
        now = time.monotonic_ns()
        if self._start_ns is None:
            self._start_ns = now - index * self.period_ns
        due = self._start_ns + index * self.period_ns
        if due > now:
            time.sleep((due - now) / 1e9)
            return index
        return max(index, (now - self._start_ns) // self.period_ns)
