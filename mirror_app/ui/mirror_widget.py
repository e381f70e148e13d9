"""The QOpenGLWidget hosting the compositor in Qt's GL context: the whole picture drawn into the window.

With a GPU this costs next to nothing; with a software OpenGL (llvmpipe) Qt's own copy of the GL picture into
the window doubles the drawing, and picture_widget.PictureMirrorWidget is the cheaper host (see ui/app.py).
"""

from __future__ import annotations

import logging

import moderngl
from PySide6.QtCore import Qt, Signal
from PySide6.QtOpenGLWidgets import QOpenGLWidget
from PySide6.QtWidgets import QWidget

from mirror_app.pipeline import Processed, Wardrobe
from mirror_app.render.compositor import Compositor
from mirror_app.render.settings import CompositorSettings
from mirror_app.stats import StageClock, StatsRecorder
from mirror_app.ui.mirror_view import MirrorView, letterbox, record_shown

log = logging.getLogger(__name__)


class MirrorWidget(QOpenGLWidget, MirrorView):
    """Shows the newest processed frame, composited on the GPU; never waits for the processing thread."""

    frame_ready = Signal()  # emitted from the processing thread; queued onto the GUI thread

    def __init__(
        self, wardrobe: Wardrobe, settings: CompositorSettings, stats: StatsRecorder, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._init_view(wardrobe, settings, stats)
        self.ctx: moderngl.Context | None = None
        self.compositor: Compositor | None = None
        self._shown_index = -1
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
        """Queue every garment of the wardrobe for upload: the worn one on the next frame, the rest a few a frame."""
        self.uploads.refill()
        self.update()

    def _upload_some(self, worn_id: str | None) -> None:
        """In paintGL (context current): the worn garment if it is not up yet, then a few more."""
        compositor = self.compositor
        if (
            compositor is not None
            and self.uploads.pending
            and self.uploads.upload_some(worn_id, compositor.is_loaded, compositor.preload)
        ):
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
            record_shown(self.stats, done, clock.ms, self.settings.mirror)
