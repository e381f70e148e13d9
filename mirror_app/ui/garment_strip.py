"""The strip of garment thumbnails shoppers click or touch to change what they wear."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from mirror_app.catalog.garment import Garment

THUMB = 96


def _icon(garment: Garment) -> QIcon:
    rgba = garment.thumbnail if garment.thumbnail is not None else garment.rgba
    rgba = np.ascontiguousarray(rgba)
    image = QImage(rgba.data, rgba.shape[1], rgba.shape[0], rgba.strides[0], QImage.Format.Format_RGBA8888)
    return QIcon(QPixmap.fromImage(image.copy()))


class GarmentStrip(QListWidget):
    """A horizontal, touch-friendly list of garments; emits the chosen garment's id."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListWidget.ViewMode.IconMode)
        self.setFlow(QListWidget.Flow.LeftToRight)
        self.setWrapping(False)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setFixedHeight(THUMB + 44)
        self.setMovement(QListWidget.Movement.Static)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setStyleSheet(
            "QListWidget{background:#111;color:#eee;border:none;font-size:13px}"
            "QListWidget::item:selected{background:#2d6cdf;border-radius:6px}"
        )
        self.itemClicked.connect(lambda item: self.chosen.emit(item.data(Qt.ItemDataRole.UserRole)))

    def set_garments(self, garments: list[Garment], current: str | None) -> None:
        """Show these garments, highlighting the one worn."""
        self.clear()
        for garment in garments:
            item = QListWidgetItem(_icon(garment), garment.name)
            item.setData(Qt.ItemDataRole.UserRole, garment.id)
            item.setSizeHint(QSize(THUMB + 48, THUMB + 36))
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.addItem(item)
        self.mark(current)

    def mark(self, garment_id: str | None) -> None:
        """Highlight the worn garment without emitting a choice."""
        for row in range(self.count()):
            item = self.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == garment_id:
                self.blockSignals(True)
                self.setCurrentItem(item)
                self.blockSignals(False)
                self.scrollToItem(item)
