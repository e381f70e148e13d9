"""Per-frame timings and the summary every run reports: one recorder for the window, headless and bench."""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


def percentiles(values: list[float] | np.ndarray, qs: tuple[int, ...] = (50, 95, 99)) -> dict[str, float]:
    """{"p50": ..., ...} rounded to 0.01, or zeros when there is nothing to summarise."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.size == 0:
        return {f"p{q}": 0.0 for q in qs}
    return {f"p{q}": round(float(np.percentile(arr, q)), 3) for q in qs}


class StageClock:
    """Times the stages of one frame with perf_counter_ns at their boundaries."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}
        self._last = time.perf_counter_ns()

    def lap(self, stage: str) -> None:
        """Close the current stage under this name and start the next."""
        now = time.perf_counter_ns()
        self.ms[stage] = self.ms.get(stage, 0.0) + (now - self._last) / 1e6
        self._last = now

    def restart(self) -> None:
        """Start timing afresh (after waiting for something that is not a stage)."""
        self._last = time.perf_counter_ns()


@dataclass
class StatsRecorder:
    """Collects one record per frame; summarises them for the stats JSON and the live overlay."""

    source: str = ""
    resolution: tuple[int, int] = (0, 0)
    provider: str = "CPU"
    pose_model: str = ""  # the landmark model tracking ("full", "lite"); "" when nothing tracks
    frames: list[dict[str, Any]] = field(default_factory=list)
    keep_all: bool = True
    keep_anchors: bool = True  # the bench turns this off: 18,000 frames of anchors are ~40 MB of Python objects
    recent: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=120))
    shown: int = 0  # frames added so far (all of them, whether kept or not)
    _start_ns: int | None = None
    _end_ns: int | None = None

    def start(self) -> None:
        """Mark the beginning of the measured run."""
        self._start_ns = time.monotonic_ns()

    def add(self, record: dict[str, Any]) -> None:
        """Record one processed frame: index, person, latency_ms, stage_ms, anchors_px."""
        if self._start_ns is None:
            self.start()
        record["done_ns"] = time.monotonic_ns()
        if not self.keep_anchors:
            record.pop("anchors_px", None)
        self._end_ns = record["done_ns"]
        self.shown += 1
        if self.keep_all:
            self.frames.append(record)
        self.recent.append(record)

    def rows(self) -> list[dict[str, Any]]:
        """Every record kept (bench/columns.py keeps them as numbers and rebuilds them here)."""
        return self.frames

    def live_fps(self) -> float:
        """Frames per second over the recent window, for the overlay."""
        if len(self.recent) < 2:
            return 0.0
        span = (self.recent[-1]["done_ns"] - self.recent[0]["done_ns"]) / 1e9
        return (len(self.recent) - 1) / span if span > 0 else 0.0

    def summary(self, records: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The stats JSON's summary block."""
        recs = self.rows() if records is None else records
        if recs and self._start_ns is not None and self._end_ns is not None and self._end_ns > self._start_ns:
            fps = len(recs) / ((self._end_ns - self._start_ns) / 1e9)
        else:
            fps = 0.0
        stages = sorted({s for r in recs for s in r["stage_ms"]})
        return {
            "frames": len(recs),
            "fps": round(fps, 2),
            "latency_ms": percentiles([r["latency_ms"] for r in recs]),
            "stage_ms": {s: percentiles([r["stage_ms"].get(s, 0.0) for r in recs], (50, 95)) for s in stages},
            "provider": self.provider,
            "pose_model": self.pose_model,
            "source": self.source,
            "resolution": list(self.resolution),
        }

    def recent_summary(self) -> dict[str, Any]:
        """The summary over the last couple of seconds, for the overlay."""
        summary = self.summary(list(self.recent))
        summary["fps"] = round(self.live_fps(), 1)
        return summary

    def write(self, path: Path) -> None:
        """Write summary and per-frame records as JSON."""
        frames = [{k: v for k, v in r.items() if k != "done_ns"} for r in self.rows()]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"summary": self.summary(), "frames": frames}, indent=1))
