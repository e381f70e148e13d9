"""What every frame source offers the pipeline."""

from __future__ import annotations

from typing import Protocol

from mirror_app.capture.frame import Frame


class Source(Protocol):
    """A producer of frames; `read` returns None at the end of a finite source."""

    name: str
    live: bool  # a camera or paced playback: frames may be dropped at the source
    fps: float  # nominal frames per second (0 when unknown)

    def pace(self) -> None:
        """Live sources: block until the next frame is due (not timed as decoding); else return at once."""
        ...

    def read(self) -> Frame | None: ...

    def close(self) -> None: ...
