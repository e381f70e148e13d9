"""Text laid over the mirror: the diagnostics overlay (key D) and passing notices."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QWidget

STAGE_ORDER = ("decode", "pose", "smooth", "generator", "render", "readback", "display")


def diagnostics_text(summary: dict[str, Any], source: str) -> str:
    """The overlay's lines: FPS, latency, provider and each stage's time."""
    lat = summary["latency_ms"]
    lines = [
        f"FPS {summary['fps']:.1f}",
        f"latency p50 {lat['p50']:.0f} ms  p95 {lat['p95']:.0f} ms",
        f"generator: {summary['provider']}",
        f"pose model: {summary.get('pose_model') or 'none'}",
        f"source: {source}",
    ]
    stages = summary["stage_ms"]
    for name in [*STAGE_ORDER, *sorted(set(stages) - set(STAGE_ORDER))]:
        if name in stages:
            lines.append(f"{name:<10}{stages[name]['p50']:6.1f} ms  (p95 {stages[name]['p95']:.1f})")
    return "\n".join(lines)


class Overlay(QLabel):
    """A translucent panel in a corner of the mirror."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setStyleSheet(
            "QLabel{background:rgba(0,0,0,150);color:#9f9;font-family:monospace;font-size:13px;"
            "padding:8px;border-radius:6px}"
        )
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.move(12, 12)
        self.hide()


class NoticeBar(QLabel):
    """Notices for the shopper and staff (no camera, skipped garments...), hidden after a while."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setStyleSheet(
            "QLabel{background:rgba(40,30,0,200);color:#fd8;font-size:14px;padding:8px;border-radius:6px}"
        )
        self.setWordWrap(True)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self._lines: list[str] = []
        self.hide()

    def say(self, message: str, seconds: float = 10.0) -> None:
        """Show a notice (the last few stay together)."""
        self._lines = [*self._lines[-3:], message] if self._timer.isActive() else [message]
        self.setText("\n".join(self._lines))
        self.adjustSize()
        self.show()
        self.raise_()
        self._timer.start(int(seconds * 1000))
