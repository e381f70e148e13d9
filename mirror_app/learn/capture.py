"""Recording a capture session: a person wearing the real garment in front of the mirror, tracked frame by frame.

An explicit staff action (the `capture` command or the staff panel's button); nothing here runs by default.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mirror_app.capture.source import Source
from mirror_app.learn.coverage import Coverage
from mirror_app.learn.session import CaptureWriter
from mirror_app.tracking.body import Body
from mirror_app.tracking.landmarker import PoseTracker

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CaptureResult:
    """What a capture recorded."""

    root: Path
    frames_read: int
    frames_kept: int  # frames with a tracked person and a mask
    coverage: Coverage


Progress = Callable[[int, int, Coverage], None]
"""Called after each frame read with (frames read, frames kept, coverage)."""


def record(
    source: Source,
    tracker: PoseTracker,
    out: Path,
    garment_id: str,
    max_frames: int | None = None,
    every: int = 1,
    progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
) -> CaptureResult:
    """Track every `every`-th frame of the source and store frames, masks and landmarks where a person is seen."""
    writer = CaptureWriter(out, garment_id, source.name)
    coverage = Coverage()
    read = 0
    try:
        while max_frames is None or read < max_frames:
            if stop is not None and stop():
                break
            if source.live:  # a camera (or paced file) drops what it must; a file headless gives every frame
                source.pace()
            frame = source.read()
            if frame is None:
                break
            read += 1
            # The tracker sees every frame (VIDEO mode follows the person); only every `every`-th is kept.
            body = tracker.track(frame)
            if body is not None and body.mask is not None and (read - 1) % every == 0:
                writer.add(frame.image, body.mask, body.landmarks_px, body.world, frame.index)
                coverage.add(body.landmarks_px, body.world)
            if progress is not None:
                progress(read, len(writer), coverage)
    finally:
        writer.close(dict(coverage.counts))
    log.info("capture %s: %d of %d frames kept", out, len(writer), read)
    return CaptureResult(out, read, len(writer), coverage)


class LiveCapture:
    """A capture fed by the live window with the frames it already tracked (the camera stays the window's)."""

    def __init__(self, out: Path, garment_id: str, source: str, max_frames: int = 300) -> None:
        self.writer = CaptureWriter(out, garment_id, source)
        self.coverage = Coverage()
        self.max_frames = max_frames
        self.closed = False

    @property
    def count(self) -> int:
        """Frames recorded so far."""
        return len(self.writer)

    @property
    def done(self) -> bool:
        """Whether the session has all the frames it wanted."""
        return self.count >= self.max_frames

    def add(self, image: np.ndarray, body: Body | None, index: int) -> None:
        """Record one tracked frame (frames without a person or a mask are skipped)."""
        if self.closed or self.done or body is None or body.mask is None:
            return
        self.writer.add(image, body.mask, body.landmarks_px, body.world, index)
        self.coverage.add(body.landmarks_px, body.world)

    def close(self) -> None:
        """Write the poses and manifest (once)."""
        if not self.closed:
            self.closed = True
            self.writer.close(dict(self.coverage.counts))
