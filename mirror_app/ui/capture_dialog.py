"""The staff panel's capture: record the person in front of the mirror, wearing the real garment, for training."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog, QProgressDialog, QWidget

from mirror_app.learn.capture import LiveCapture
from mirror_app.learn.session import CaptureError

if TYPE_CHECKING:
    from mirror_app.ui.app import MirrorWindow

FRAMES = 300  # about ten seconds at 30 fps


def capture_folder(parent: Path, garment_id: str) -> Path:
    """A new folder for one session, named after the garment and the time."""
    return parent / f"capture-{garment_id}-{time.strftime('%Y%m%d-%H%M%S')}"


class CaptureProgress(QProgressDialog):
    """Progress and the pose guide while the window records; Cancel (or enough frames) ends the session."""

    def __init__(self, window: MirrorWindow, capture: LiveCapture, parent: QWidget | None = None) -> None:
        super().__init__("", "Stop", 0, capture.max_frames, parent)
        self.setWindowTitle("Recording a capture")
        self.window_, self.capture = window, capture
        self.setMinimumDuration(0)
        self.canceled.connect(self.finish)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._timer.start(200)
        self._tick()

    def _tick(self) -> None:
        c = self.capture
        self.setValue(min(c.count, c.max_frames))
        self.setLabelText(f"{c.count} frames\n{c.coverage.line()}\n{c.coverage.hint()}")
        if c.done:
            self.finish()

    def finish(self) -> None:
        """Stop recording and write the session's manifest."""
        self._timer.stop()
        if self.window_.capture is self.capture:
            self.window_.capture = None
        self.capture.close()
        missing = ", ".join(self.capture.coverage.missing) or "none"
        self.window_.say(
            f"Capture saved: {self.capture.count} frames in {self.capture.writer.root} (missing: {missing})"
        )
        self.close()


def start_capture(window: MirrorWindow, parent: QWidget, folder: Path | None = None) -> CaptureProgress | None:
    """Ask for a folder (unless given), then record from the window's own tracked frames."""
    worn = window.wardrobe.current
    if worn is None:
        window.say("Capture needs a garment: choose the one being worn first")
        return None
    if folder is None:
        chosen = QFileDialog.getExistingDirectory(parent, "Folder for the capture")
        if not chosen:
            return None
        folder = Path(chosen)
    try:
        capture = LiveCapture(capture_folder(folder, worn.id), worn.id, window.source.name, FRAMES)
    except (CaptureError, OSError) as exc:
        window.say(f"Capture not started: {exc}")
        return None
    window.capture = capture
    dialog = CaptureProgress(window, capture, parent)
    dialog.show()
    return dialog
