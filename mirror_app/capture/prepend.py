"""A source with a frame already read put back in front (the first frame tells the output size)."""

from __future__ import annotations

from mirror_app.capture.frame import Frame
from mirror_app.capture.source import Source


class Prepended:
    """Yields `first`, then whatever `source` yields."""

    def __init__(self, first: Frame, source: Source) -> None:
        self._first: Frame | None = first
        self._source = source
        self.name = source.name
        self.live = source.live
        self.fps = source.fps

    def pace(self) -> None:
        if self._first is None:
            self._source.pace()

    def read(self) -> Frame | None:
        if self._first is not None:
            frame, self._first = self._first, None
            return frame
        return self._source.read()

    def close(self) -> None:
        self._source.close()
