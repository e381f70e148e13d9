"""The mirror window: the live mirror, the garment strip, keys, overlay and notices."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeyEvent, QSurfaceFormat
from PySide6.QtWidgets import QApplication, QMainWindow, QVBoxLayout, QWidget

from mirror_app.capture.demo import DemoSource
from mirror_app.capture.source import Source
from mirror_app.config import PoseModelName, load_config
from mirror_app.learn.capture import LiveCapture
from mirror_app.pipeline import FrameProcessor, ProcessingThread, Wardrobe, build_stages
from mirror_app.render.settings import CompositorSettings
from mirror_app.stats import StageClock, StatsRecorder
from mirror_app.ui.garment_strip import GarmentStrip
from mirror_app.ui.mirror_widget import MirrorWidget
from mirror_app.ui.overlay import NoticeBar, Overlay, diagnostics_text
from mirror_app.ui.picture_widget import PictureMirrorWidget
from mirror_app.ui.qt_binding import emit_leak_notice
from mirror_app.ui.staff_panel import StaffAccess  # staff panel hook

log = logging.getLogger(__name__)


class MirrorWindow(QMainWindow):
    """The shopper's window; staff and developers use the same one, windowed."""

    def __init__(
        self,
        source: Source,
        processor: FrameProcessor,
        settings: CompositorSettings,
        catalog_name: str = "",
        offscreen: bool = False,
    ) -> None:
        super().__init__()
        self.setWindowTitle(f"mirror — {catalog_name}" if catalog_name else "mirror")
        self.source = source
        self.processor = processor
        self.wardrobe = processor.wardrobe
        self.stats = StatsRecorder(
            source=source.name, provider=processor.generator.provider, pose_model=processor.pose_model, keep_all=False
        )
        host = PictureMirrorWidget if offscreen else MirrorWidget  # see choose_offscreen
        self.mirror: MirrorWidget | PictureMirrorWidget = host(self.wardrobe, settings, self.stats)
        self.strip = GarmentStrip()
        self.strip.set_garments(self.wardrobe.garments, self._current_id())
        self.strip.chosen.connect(self.choose)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.mirror, 1)
        layout.addWidget(self.strip)
        self.setCentralWidget(central)
        self.setStyleSheet("QMainWindow{background:#000}")
        self.overlay = Overlay(self.mirror)
        self.notices = NoticeBar(self.mirror)
        self.resize(1280, 860)

        self.mirror.frame_ready.connect(self._take_result, Qt.ConnectionType.QueuedConnection)
        self.capture: LiveCapture | None = None  # a staff capture session, only while one is recording
        self.worker = self._start_worker(source)
        self._stats_path: Path | None = None  # see measure()
        self._stop_after: int | None = None
        self._overlay_timer = QTimer(self)
        self._overlay_timer.timeout.connect(self._refresh_overlay)
        self._overlay_timer.start(500)
        # Staff panel (ui/staff_panel.py): Ctrl+Shift+S or a 3 s press on the mirror's top-left corner, PIN first.
        self.staff = StaffAccess(self)

    def measure(self, path: Path | None, frames: int | None) -> None:
        """Developers: keep every frame's stats and write them to `path` on closing; close after `frames` shown."""
        self._stats_path = path
        self._stop_after = frames
        if path is not None:
            self.stats.keep_all = True
            self.stats.keep_anchors = False

    def open_staff_panel(self) -> None:
        """Ask for the staff PIN, then show the staff panel (the hidden gesture does the same)."""
        self.staff.open()

    def _current_id(self) -> str | None:
        current = self.wardrobe.current
        return current.id if current else None

    def _start_worker(self, source: Source) -> ProcessingThread:
        worker = ProcessingThread(source, self.processor, live=True, on_result=self.mirror.frame_ready.emit)
        worker.start()
        return worker

    def _take_result(self) -> None:
        """Runs on the GUI thread: show the newest result; switch to the demo if the source ended."""
        newest = None
        ended = False
        while True:
            try:
                item = self.worker.results.get_nowait()
            except Exception:  # noqa: BLE001 - queue.Empty
                break
            if item is None or not hasattr(item, "frame"):
                ended = True
                continue
            newest = item
        if newest is not None:
            # Dressed here, at the last moment, so a garment switch shows on the very next frame.
            done = self.processor.dress(newest, StageClock())
            if self.capture is not None:  # a staff capture session records the frames already tracked
                self.capture.add(done.frame.image, done.body, done.frame.index)
            self.mirror.show_result(done)
            if self._stop_after is not None and self.stats.shown >= self._stop_after:
                self._stop_after = None
                self.close()
        if ended and not self.worker.stopping:  # a worker we stopped (closing, camera switch) did not fail
            self._source_ended()

    def _source_ended(self) -> None:
        reason = f"{self.worker.error}" if self.worker.error else "it stopped delivering frames"
        if isinstance(self.source, DemoSource) and self.worker.error is None:
            return
        self.notices.say(f"{self.source.name}: {reason}. Showing the built-in demo; restart to reconnect.", 20)
        log.warning("source %s ended (%s); switching to the demo", self.source.name, reason)
        self.source.close()
        self.source = DemoSource(live=True)
        self.stats.source = self.source.name
        self.worker = self._start_worker(self.source)

    def say(self, message: str) -> None:
        """Show a notice on the mirror."""
        self.notices.say(message)
        self._place_labels()

    def choose(self, garment_id: str) -> None:
        """Wear this garment from the next frame on."""
        if self.wardrobe.select(garment_id):
            self.strip.mark(garment_id)

    def step(self, delta: int) -> None:
        """Wear the next or previous garment."""
        self.wardrobe.step(delta)
        self.strip.mark(self._current_id())

    def _refresh_overlay(self) -> None:
        self.stats.provider = self.processor.generator.provider
        if self.mirror.gl_error:
            self.notices.say(self.mirror.gl_error, 30)
            self.mirror.gl_error = None
        if self.overlay.isVisible():
            self.overlay.setText(diagnostics_text(self.stats.recent_summary(), self.source.name))
            self.overlay.adjustSize()
        self._place_labels()

    def _place_labels(self) -> None:
        bar = self.notices
        bar.setMaximumWidth(max(200, self.mirror.width() - 24))
        bar.adjustSize()
        bar.move(12, self.mirror.height() - bar.height() - 12)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Arrows switch garments, F11 toggles full screen, Esc leaves it, D toggles diagnostics."""
        key = event.key()
        if key in (Qt.Key.Key_Right, Qt.Key.Key_Down):
            self.step(1)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Up):
            self.step(-1)
        elif key == Qt.Key.Key_F11:
            self.showNormal() if self.isFullScreen() else self.showFullScreen()
        elif key == Qt.Key.Key_Escape and self.isFullScreen():
            self.showNormal()
        elif key == Qt.Key.Key_D:
            self.overlay.setVisible(not self.overlay.isVisible())
            self._refresh_overlay()
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        """Stop the worker and release the camera before the window goes."""
        self._overlay_timer.stop()
        self.staff.shutdown()  # staff panel hook
        self.worker.stop()
        self.source.close()
        if self.processor.tracker is not None:
            self.processor.tracker.close()
        self.mirror.release()
        if self._stats_path is not None:
            try:
                self.stats.write(self._stats_path)
                log.info("window stats written to %s", self._stats_path)
            except OSError as exc:  # the window still closes; the terminal says why there is no file
                log.error("cannot write the stats to %s: %s (choose a writable --stats path)", self._stats_path, exc)
        super().closeEvent(event)


def _surface_format() -> None:
    fmt = QSurfaceFormat()
    fmt.setVersion(3, 3)
    fmt.setProfile(QSurfaceFormat.OpenGLContextProfile.CoreProfile)
    fmt.setDepthBufferSize(24)
    fmt.setSwapInterval(1)
    QSurfaceFormat.setDefaultFormat(fmt)


def choose_offscreen(compositing: str) -> bool:
    """Whether the compositor should draw offscreen (PictureMirrorWidget) rather than in Qt's GL widget.

    "auto" looks at the OpenGL this machine gives a standalone EGL context: on the CPU (llvmpipe) the
    offscreen host draws about half as much per frame; with a GPU, or without EGL, Qt's widget is used.
    """
    if compositing != "auto":
        return compositing == "offscreen"
    from mirror_app.render.offscreen import egl_renderer_name, is_software_gl

    name = egl_renderer_name()
    offscreen = name is not None and is_software_gl(name)
    log.info("compositing %s (EGL renderer: %s)", "offscreen" if offscreen else "in the window", name or "none")
    return offscreen


def build_window(
    source: Source,
    wardrobe: Wardrobe,
    catalog: Any,
    notices: list[str],
    mirror: bool = True,
    app_args: list[str] | None = None,
    people: int = 1,
    pose_model: PoseModelName | None = None,
) -> tuple[QApplication, MirrorWindow]:
    """Create the application and the window (tests drive this directly; `pose_model` None: the config's)."""
    _surface_format()
    app = QApplication.instance() or QApplication(app_args or sys.argv[:1])
    # A bad config falls back to defaults; the staff panel reads it again at start and reports its problems.
    config = load_config(warn=False).config
    tracker, generator, stage_notices = build_stages(
        people,
        require_pose=False,
        fp16=config.generator.fp16,
        pose_threads=config.tracking.pose_threads,
        pose_model=pose_model or config.tracking.pose_model,
    )
    processor = FrameProcessor(tracker, generator, wardrobe)
    offscreen = choose_offscreen(config.picture.compositing)
    settings = CompositorSettings(mirror=mirror)
    window = MirrorWindow(source, processor, settings, getattr(catalog, "name", ""), offscreen=offscreen)
    if getattr(catalog, "path", None) is not None:  # staff panel hook: the catalog shown
        window.staff.catalog_path = catalog.path
    binding = emit_leak_notice()
    if binding is not None:
        log.error(binding)
    problems = [*notices, *stage_notices, *(str(p) for p in getattr(catalog, "problems", []))]
    for message in [*([binding] if binding else []), *problems]:
        window.say(message)
    return app, window  # type: ignore[return-value]


def run_window(
    source: Source,
    wardrobe: Wardrobe,
    catalog: Any,
    notices: list[str],
    mirror: bool = True,
    fullscreen: bool = False,
    people: int = 1,
    chosen_catalog: bool = False,
    chosen_source: bool = False,
    stats_path: Path | None = None,
    frames: int | None = None,
    pose_model: PoseModelName | None = None,
) -> int:
    """Open the mirror window and run until it is closed (what was chosen on the command line wins).

    `stats_path`: write the stats JSON of every frame shown on closing; `frames`: close after this many.
    """
    app, window = build_window(source, wardrobe, catalog, notices, mirror, people=people, pose_model=pose_model)
    window.measure(stats_path, frames)
    # staff panel hook: saved catalog, camera and picture switches
    window.staff.apply_saved_settings(saved_catalog=not chosen_catalog, saved_camera=not chosen_source)
    if fullscreen:
        window.showFullScreen()
    else:
        window.show()
    return app.exec()
