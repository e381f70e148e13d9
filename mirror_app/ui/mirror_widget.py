"""The QOpenGLWidget hosting the compositor: the same compositor as headless, in Qt's GL context."""

from __future__ import annotations

import logging
import time
from typing import Any

import moderngl
from PySide6.QtCore import Qt, Signal
from PySide6.QtOpenGLWidgets import QOpenGLWidget
from PySide6.QtWidgets import QWidget

from mirror_app.pipeline import Processed, Wardrobe, frame_record
from mirror_app.render.compositor import Compositor
from mirror_app.render.settings import CompositorSettings
from mirror_app.stats import StageClock, StatsRecorder

log = logging.getLogger(__name__)
UPLOADS_PER_FRAME = 3


def letterbox(frame_size: tuple[int, int], widget_size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The largest viewport with the frame's aspect ratio, centred in the widget (x, y, w, h)."""
    fw, fh = frame_size
    ww, wh = widget_size
    scale = min(ww / fw, wh / fh)
    w, h = max(1, round(fw * scale)), max(1, round(fh * scale))
    return (ww - w) // 2, (wh - h) // 2, w, h


class MirrorWidget(QOpenGLWidget):
    """Shows the newest processed frame, composited on the GPU; never waits for the processing thread."""

    frame_ready = Signal()  # emitted from the processing thread; queued onto the GUI thread

    def __init__(
        self, wardrobe: Wardrobe, settings: CompositorSettings, stats: StatsRecorder, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.wardrobe = wardrobe
        self.settings = settings
        self.stats = stats
        self.ctx: moderngl.Context | None = None
        self.compositor: Compositor | None = None
        self.latest: Processed | None = None
        self._pending: list[tuple[Any, Any]] = []  # garments still to upload, a few per frame
        self._shown_index = -1
        self.gl_error: str | None = None
        self.setMinimumSize(320, 240)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def initializeGL(self) -> None:  # noqa: N802 - Qt's name
        """Create the moderngl context on Qt's and build the compositor in it."""
        try:
            self.ctx = moderngl.create_context()
            self.compositor = Compositor(self.ctx, self.settings)
            self.preload_all()
        except Exception as exc:  # noqa: BLE001 - shown to the user; the window stays up
            self.gl_error = f"OpenGL compositor unavailable: {exc}"
            log.error(self.gl_error)

    def preload_all(self) -> None:
        """Queue every garment of the wardrobe for upload: the worn one goes up on the next frame, the rest a
        few per frame (texture mipmaps cost ~6 ms each on llvmpipe: 50 at once would stall the mirror)."""
        items = self.wardrobe.items()
        current = self.wardrobe.current
        items.sort(key=lambda item: item[0] is not current)
        self._pending = items
        self.update()

    def _upload_some(self, worn_id: str | None) -> None:
        """In paintGL (context current): the worn garment if it is not up yet, then a few more."""
        if self.compositor is None or not self._pending:
            return
        if worn_id is not None and not self.compositor.is_loaded(worn_id):
            for i, (garment, binding) in enumerate(self._pending):
                if garment.id == worn_id:
                    self.compositor.preload(garment, binding.mesh)
                    del self._pending[i]
                    break
        for garment, binding in self._pending[:UPLOADS_PER_FRAME]:
            self.compositor.preload(garment, binding.mesh)
        del self._pending[:UPLOADS_PER_FRAME]
        if self._pending:
            self.update()

    def show_result(self, processed: Processed) -> None:
        """Take the newest result and schedule a repaint."""
        self.latest = processed
        self.update()

    def paintGL(self) -> None:  # noqa: N802 - Qt's name
        """Composite the newest frame into Qt's framebuffer, letterboxed; record its latency."""
        if self.ctx is None or self.compositor is None:
            return
        done = self.latest
        fbo = self.ctx.detect_framebuffer(self.defaultFramebufferObject())
        fbo.use()
        ratio = self.devicePixelRatio()
        size = (int(self.width() * ratio), int(self.height() * ratio))
        self.ctx.viewport = (0, 0, *size)
        self.ctx.clear(0.0, 0.0, 0.0, 1.0)
        self._upload_some(done.fit.mesh.garment_id if done is not None and done.fit is not None else None)
        if done is None:
            return
        clock = StageClock()
        fw, fh = done.frame.size
        self.compositor.render(done.frame.image, done.body, done.fit, fbo, letterbox((fw, fh), size))
        self.ctx.finish()
        clock.lap("render")
        if done.frame.index != self._shown_index:
            self._shown_index = done.frame.index
            stage_ms = dict(done.stage_ms) | clock.ms
            latency = (time.monotonic_ns() - done.frame.capture_ns) / 1e6
            record = frame_record(
                Processed(done.frame, done.body, done.fit, done.garment, stage_ms), latency, fw, self.settings.mirror
            )
            self.stats.resolution = (fw, fh)  # the camera's, as in headless stats
            self.stats.add(record)
