"""What both mirror widgets share: the garments waiting for the GPU, and the record of each frame shown."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from mirror_app.pipeline import Processed, Wardrobe, frame_record
from mirror_app.render.settings import CompositorSettings
from mirror_app.stats import StatsRecorder

UPLOADS_PER_FRAME = 3
"""Garments uploaded per frame after the worn one: texture ladders cost ~6 ms each on llvmpipe, so 50 at once
would stall the mirror."""


def letterbox(frame_size: tuple[int, int], widget_size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The largest viewport with the frame's aspect ratio, centred in the widget (x, y, w, h)."""
    fw, fh = frame_size
    ww, wh = widget_size
    scale = min(ww / fw, wh / fh)
    w, h = max(1, round(fw * scale)), max(1, round(fh * scale))
    return (ww - w) // 2, (wh - h) // 2, w, h


class UploadQueue:
    """The wardrobe's garments still to upload: the worn one as soon as it is needed, the rest a few a frame."""

    def __init__(self, wardrobe: Wardrobe) -> None:
        self.wardrobe = wardrobe
        self.pending: list[tuple[Any, Any]] = []

    def refill(self) -> None:
        """Queue every garment of the wardrobe (after a catalog switch or a new GL context), worn first."""
        items = self.wardrobe.items()
        current = self.wardrobe.current
        items.sort(key=lambda item: item[0] is not current)
        self.pending = items

    def upload_some(self, worn_id: str | None, is_loaded: Callable[[str], bool], load: Callable[..., None]) -> bool:
        """Upload the worn garment if it is not up yet, then a few more; True while some are left."""
        if worn_id is not None and not is_loaded(worn_id):
            for i, (garment, binding) in enumerate(self.pending):
                if garment.id == worn_id:
                    load(garment, binding.mesh)
                    del self.pending[i]
                    break
        for garment, binding in self.pending[:UPLOADS_PER_FRAME]:
            load(garment, binding.mesh)
        del self.pending[:UPLOADS_PER_FRAME]
        return bool(self.pending)


class MirrorView:
    """What both hosts hold (mixed into the Qt widget): the worn garments, the switches, the stats, the newest frame."""

    wardrobe: Wardrobe
    settings: CompositorSettings
    stats: StatsRecorder
    latest: Processed | None
    uploads: UploadQueue
    gl_error: str | None  # a compositor problem for the window to show (then cleared)

    def _init_view(self, wardrobe: Wardrobe, settings: CompositorSettings, stats: StatsRecorder) -> None:
        self.wardrobe = wardrobe
        self.settings = settings
        self.stats = stats
        self.latest = None
        self.uploads = UploadQueue(wardrobe)
        self.gl_error = None

    def release(self) -> None:
        """Free what the host holds outside Qt's own objects (the GL widget's context is Qt's: nothing)."""


def record_shown(stats: StatsRecorder, done: Processed, draw_ms: dict[str, float], mirror: bool) -> None:
    """Add a newly shown frame to the stats: its stages, the drawing's too, and capture-to-screen latency."""
    latency = (time.monotonic_ns() - done.frame.capture_ns) / 1e6
    stage_ms = dict(done.stage_ms) | draw_ms
    shown = Processed(done.frame, done.body, done.fit, done.garment, stage_ms)
    record = frame_record(shown, latency, done.frame.size[0], mirror)
    stats.resolution = done.frame.size  # the camera's, as in headless stats
    stats.add(record)
