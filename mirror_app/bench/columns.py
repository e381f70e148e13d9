"""Per-frame bench records kept as columns of numbers, so the bench's own bookkeeping hardly shows in its memory.

As Python dicts, the 18,000 records of a ten-minute run take ~11 MiB, which the memory-growth figure would
count as the app's; as arrays of numbers they take ~1 MiB.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field
from typing import Any

from mirror_app.stats import StatsRecorder


@dataclass
class ColumnStats(StatsRecorder):
    """A StatsRecorder that stores every record as numbers and turns them back into records with `rows()`."""

    keep_all: bool = False  # the base class keeps no dicts; the columns keep everything
    keep_anchors: bool = False
    _index: array[int] = field(default_factory=lambda: array("q"))
    _person: array[int] = field(default_factory=lambda: array("b"))
    _latency: array[float] = field(default_factory=lambda: array("d"))
    _done: array[int] = field(default_factory=lambda: array("q"))
    _stages: dict[str, array[float]] = field(default_factory=dict)

    def add(self, record: dict[str, Any]) -> None:
        """Record one processed frame (StatsRecorder.add), as numbers."""
        super().add(record)
        n = len(self._index)
        self._index.append(int(record["index"]))
        self._person.append(1 if record["person"] else 0)
        self._latency.append(float(record["latency_ms"]))
        self._done.append(int(record["done_ns"]))
        for stage, ms in record["stage_ms"].items():
            column = self._stages.get(stage)
            if column is None:  # a stage first seen now: earlier frames did not have it
                column = self._stages[stage] = array("d", [math.nan] * n)
            column.append(float(ms))
        for column in self._stages.values():
            if len(column) == n:  # this frame did not have it
                column.append(math.nan)

    def rows(self) -> list[dict[str, Any]]:
        """The records as StatsRecorder keeps them, made anew (call once the run is over and its memory read)."""
        return [
            {
                "index": self._index[i],
                "person": bool(self._person[i]),
                "latency_ms": self._latency[i],
                "stage_ms": {s: c[i] for s, c in self._stages.items() if not math.isnan(c[i])},
                "done_ns": self._done[i],
            }
            for i in range(len(self._index))
        ]
