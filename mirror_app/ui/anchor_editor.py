"""Fixing a garment's anchors by hand: drag the labelled handles on its front image, then save to catalog.toml."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import tomllib
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w
from pydantic import ValidationError
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QGraphicsItem,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyleOptionGraphicsItem,
    QVBoxLayout,
    QWidget,
)

from mirror_app.catalog.garment import Garment
from mirror_app.catalog.loader import default_catalog_dir
from mirror_app.catalog.manifest import (
    MANIFEST_NAME,
    OPTIONAL_ANCHORS,
    REQUIRED_ANCHORS,
    CatalogManifest,
    ManifestError,
    dump_manifest,
    parse_manifest,
    validate_entry,
)

# Colours as on draw_default's contact sheet: red wearer-left, blue wearer-right, green neck.
_LEFT, _RIGHT, _NECK = QColor("#ff4d4d"), QColor("#4d8dff"), QColor("#33d17a")
HANDLE_RADIUS = 11  # screen pixels, whatever the zoom
_TOUCH_RADIUS = 22  # the area that picks a handle up: a fingertip


class AnchorSaveError(Exception):
    """The anchors cannot be written (refused, invalid, or the file is unreadable); the message says why."""


def is_builtin_catalog(folder: Path) -> bool:
    """Whether this is the catalog shipped with the app (never edited in place)."""
    try:
        return folder.resolve() == default_catalog_dir().resolve()
    except OSError:
        return False


def _header_comment(text: str) -> str:
    """The comment block at the top of a manifest, without the '# ' markers (kept when rewriting)."""
    lines = []
    for line in text.splitlines():
        if line.startswith("#"):
            lines.append(line[2:] if line.startswith("# ") else line[1:])
        else:
            break
    return "\n".join(lines)


def _write_manifest(folder: Path, data: dict[str, Any], comment: str) -> None:
    """Write catalog.toml atomically with the manifest module (plain TOML if other entries are broken)."""
    try:
        text = dump_manifest(CatalogManifest.model_validate(data), comment)
    except ValidationError:
        # Another garment is broken (the loader skips it): keep it as it is rather than drop it.
        prefix = "".join(f"# {line}\n" if line else "#\n" for line in comment.splitlines())
        text = prefix + ("\n" if prefix else "") + tomli_w.dumps(data)
    try:
        parse_manifest(text)
    except ManifestError as exc:  # never write a file the loader would refuse as a whole
        raise AnchorSaveError(f"the catalog would not stay valid ({exc})") from exc
    path = folder / MANIFEST_NAME
    fd, tmp = tempfile.mkstemp(prefix=".catalog-", suffix=".toml", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _read_manifest_data(folder: Path) -> tuple[dict[str, Any], str]:
    path = folder / MANIFEST_NAME
    try:
        text = path.read_bytes().decode("utf-8-sig")
        return tomllib.loads(text), text
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise AnchorSaveError(f"cannot read {path} ({exc})") from exc


def write_anchors(folder: Path, garment_id: str, anchors: dict[str, tuple[float, float]]) -> Path:
    """Replace one garment's anchors in folder/catalog.toml; validated first, so a bad edit never lands.

    Refuses the built-in catalog (copy it first). The previous file is kept as catalog.toml.bak.
    """
    if is_builtin_catalog(folder):
        raise AnchorSaveError("the built-in catalog cannot be changed: save into a copy of it instead")
    data, text = _read_manifest_data(folder)
    garments = data.get("garments")
    if not isinstance(garments, list):
        raise AnchorSaveError(f"{folder / MANIFEST_NAME} has no [[garments]]")
    index = next((i for i, g in enumerate(garments) if isinstance(g, dict) and g.get("id") == garment_id), None)
    if index is None:
        raise AnchorSaveError(f"no garment '{garment_id}' in {folder / MANIFEST_NAME} (was the file changed?)")
    entry = dict(garments[index])
    entry["anchors"] = {name: [round(float(x), 1), round(float(y), 1)] for name, (x, y) in anchors.items()}
    try:
        validate_entry(entry, index)
    except ManifestError as exc:
        raise AnchorSaveError("; ".join(f"{message} (fix: {fix})" for _, message, fix in exc.issues)) from exc
    garments[index] = entry
    shutil.copyfile(folder / MANIFEST_NAME, folder / (MANIFEST_NAME + ".bak"))
    _write_manifest(folder, data, _header_comment(text))
    return folder / MANIFEST_NAME


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "catalog"


def copy_catalog(source: Path, root: Path, name: str | None = None) -> Path:
    """Copy a catalog folder into root as a new, editable catalog (named '<name> (copy)'); returns it."""
    data, _ = _read_manifest_data(source)
    title = name or f"{data.get('name') or source.name} (copy)"
    root.mkdir(parents=True, exist_ok=True)
    base = _slug(title)
    dest = root / base
    n = 2
    while dest.exists():
        dest = root / f"{base}-{n}"
        n += 1
    shutil.copytree(source, dest, symlinks=False, ignore=shutil.ignore_patterns("*.bak", ".*"))
    data["name"] = title[:120]
    _write_manifest(dest, data, f"Copy of {source}, made by the staff panel; edit freely (docs/catalog.md).")
    return dest


def _pixmap(rgba: np.ndarray) -> QPixmap:
    rgba = np.ascontiguousarray(rgba)
    image = QImage(rgba.data, rgba.shape[1], rgba.shape[0], rgba.strides[0], QImage.Format.Format_RGBA8888)
    return QPixmap.fromImage(image.copy())


def _checker() -> QBrush:
    tile = QPixmap(32, 32)
    tile.fill(QColor("#3a3a3c"))
    painter = QPainter(tile)
    painter.fillRect(0, 0, 16, 16, QColor("#2c2c2e"))
    painter.fillRect(16, 16, 16, 16, QColor("#2c2c2e"))
    painter.end()
    return QBrush(tile)


class AnchorHandle(QGraphicsItem):
    """A draggable, labelled dot; keeps its size on screen (ItemIgnoresTransformations) and stays on the image."""

    def __init__(self, name: str, bounds: QRectF, on_move: Callable[[str, QPointF], None]) -> None:
        super().__init__()
        self.name = name
        self.bounds = bounds
        self._on_move = weakref.WeakMethod(on_move)  # the editor holds the handles
        self.colour = _NECK if name == "neck" else (_LEFT if name.startswith("left_") else _RIGHT)
        self.label = name.replace("_", " ")
        self.font = QFont()
        self.font.setPixelSize(13)
        self.font.setBold(True)
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
            | QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations
        )
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.setZValue(2 if name == "neck" else 1)
        # Labels sit where neighbours do not: outward for the outline's corners, inward for armpits and
        # waist (inside the outline), below for cuffs and elbows (they sit near the armpits).
        part = name.split("_", 1)[-1]
        outward = part not in ("armpit", "waist")
        self._label_left = name.startswith("right_") == outward
        self._label_below = part in ("cuff", "elbow")

    def _label_rect(self) -> QRectF:
        width = 8 * len(self.label) + 12
        if self._label_below:
            return QRectF(-width / 2, HANDLE_RADIUS + 4, width, 22)
        x = -HANDLE_RADIUS - 4 - width if self._label_left else HANDLE_RADIUS + 4
        return QRectF(x, -11, width, 22)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        r = _TOUCH_RADIUS
        return QRectF(-r, -r, 2 * r, 2 * r).united(self._label_rect()).adjusted(-2, -2, 2, 2)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), _TOUCH_RADIUS, _TOUCH_RADIUS)
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = HANDLE_RADIUS
        painter.setPen(QPen(QColor("white"), 2.5))
        fill = QColor(self.colour)
        fill.setAlpha(150)
        painter.setBrush(fill)
        painter.drawEllipse(QPointF(0, 0), r, r)
        painter.setPen(QPen(QColor("white"), 1.5))
        painter.drawLine(QPointF(-4, 0), QPointF(4, 0))
        painter.drawLine(QPointF(0, -4), QPointF(0, 4))
        rect = self._label_rect()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 170))
        painter.drawRoundedRect(rect, 5, 5)
        painter.setPen(self.colour.lighter(140))
        painter.setFont(self.font)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.label)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:  # noqa: N802 - Qt's name
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionChange:
            point = QPointF(value)
            b = self.bounds
            return QPointF(min(max(point.x(), b.left()), b.right()), min(max(point.y(), b.top()), b.bottom()))
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            on_move = self._on_move()
            if on_move is not None:
                on_move(self.name, self.pos())
        return super().itemChange(change, value)


class AnchorView(QGraphicsView):
    """The garment, fitted to the view, on a checkerboard (its transparency shows)."""

    def __init__(self, scene: QGraphicsScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setBackgroundBrush(_checker())
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setMinimumSize(360, 360)

    def fit(self) -> None:
        rect = self.sceneRect()
        self.fitInView(rect.adjusted(-40, -30, 40, 30), Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.fit()

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.fit()


EDITOR_STYLE = """
QDialog{background:#1c1c1e;color:#eee}
QLabel{color:#ddd;font-size:15px}
QLabel#title{font-size:20px;font-weight:600;color:#fff}
QLabel#coords{font-family:monospace;font-size:14px;color:#ccc}
QLabel#message{color:#ffb454}
QPushButton{background:#2c2c2e;color:#fff;border:none;border-radius:10px;font-size:16px;min-height:52px;
  padding:0 18px}
QPushButton:pressed{background:#3a3a3c}
QPushButton:disabled{color:#666}
QPushButton#primary{background:#2d6cdf}
"""


class AnchorEditor(QDialog):
    """One garment's front image with its anchors as handles; Save writes them back, Cancel discards.

    `on_saved(folder)` is called after a save with the catalog folder written (a new copy for the
    built-in catalog), so the owner can reload it live.
    """

    def __init__(
        self,
        garment: Garment,
        catalog_dir: Path,
        copies_root: Path,
        on_saved: Callable[[Path], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.garment = garment
        self.catalog_dir = Path(catalog_dir)
        self.copies_root = copies_root
        self.on_saved = on_saved
        self.builtin = is_builtin_catalog(self.catalog_dir)
        self.saved_to: Path | None = None
        self.anchors: dict[str, tuple[float, float]] = dict(garment.anchors)
        self._ready = False  # handles report moves only once the side panel exists
        self.setWindowTitle(f"Anchors — {garment.name}")
        self.setStyleSheet(EDITOR_STYLE)
        self.resize(1000, 760)

        height, width = garment.rgba.shape[:2]
        self.scene = QGraphicsScene(self)
        self.scene.setSceneRect(QRectF(0, 0, width, height))
        self.image_item = QGraphicsPixmapItem(_pixmap(garment.rgba))
        self.image_item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene.addItem(self.image_item)
        bounds = QRectF(0, 0, width, height)
        self.handles: dict[str, AnchorHandle] = {}
        order = [n for n in (*REQUIRED_ANCHORS, *OPTIONAL_ANCHORS) if n in self.anchors]
        for name in order + sorted(set(self.anchors) - set(order)):
            handle = AnchorHandle(name, bounds, self._moved)
            x, y = self.anchors[name]
            handle.setPos(x, y)
            self.scene.addItem(handle)
            self.handles[name] = handle
        self.view = AnchorView(self.scene)

        title = QLabel(garment.name)
        title.setObjectName("title")
        where = QLabel(f"{garment.id} · {self.catalog_dir.name}")
        where.setWordWrap(True)
        hint = QLabel(
            "Drag each dot to its place on the garment. Left and right are the wearer's sides: "
            "red (wearer's left) sits on the image's right."
        )
        hint.setWordWrap(True)
        self.coords = QLabel()
        self.coords.setObjectName("coords")
        self.coords.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)

        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.save)
        self.copy_button = QPushButton("Save as a copy")
        self.copy_button.clicked.connect(self.save_copy)
        self.reset_button = QPushButton("Undo changes")
        self.reset_button.clicked.connect(self.reset)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        for button in (self.save_button, self.copy_button, self.reset_button, self.cancel_button):
            button.setAutoDefault(False)
        if self.builtin:
            self.save_button.hide()
            self.copy_button.setObjectName("primary")
            self.message.setText(
                "This is the built-in catalog, which cannot be changed. “Save as a copy” makes your own "
                f"copy in {copies_root} and switches the mirror to it."
            )

        side = QVBoxLayout()
        side.setSpacing(10)
        side.addWidget(title)
        side.addWidget(where)
        side.addWidget(hint)
        side.addWidget(self.coords)
        side.addStretch(1)
        side.addWidget(self.message)
        side.addWidget(self.save_button)
        side.addWidget(self.copy_button)
        side.addWidget(self.reset_button)
        side.addWidget(self.cancel_button)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setFixedWidth(300)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self.view, 1)
        layout.addWidget(side_widget)
        self._ready = True
        self._show_coords()

    def _moved(self, name: str, pos: QPointF) -> None:
        self.anchors[name] = (pos.x(), pos.y())
        if self._ready:
            self._show_coords()

    def _show_coords(self) -> None:
        lines = []
        for name, handle in self.handles.items():
            x, y = self.anchors[name]
            changed = " *" if self._moved_from_saved(name) else ""
            lines.append(f"{name:<15}{x:6.0f} {y:5.0f}{changed}")
            handle.setToolTip(f"{name}: {x:.0f}, {y:.0f}")
        self.coords.setText("\n".join(lines))

    def _moved_from_saved(self, name: str) -> bool:
        (x, y), (x0, y0) = self.anchors[name], self.garment.anchors[name]
        return (round(x, 1), round(y, 1)) != (round(x0, 1), round(y0, 1))

    def changed(self) -> bool:
        """Whether any handle was moved."""
        return any(self._moved_from_saved(name) for name in self.anchors)

    def reset(self) -> None:
        """Put every handle back where the catalog has it."""
        for name, handle in self.handles.items():
            handle.setPos(*self.garment.anchors[name])
        self.message.setText("")

    def save(self) -> bool:
        """Write the anchors into this catalog; True if written (then the dialog closes)."""
        if self.builtin:
            self.message.setText("The built-in catalog cannot be changed: use “Save as a copy”.")
            return False
        return self._write(self.catalog_dir)

    def save_copy(self) -> bool:
        """Copy the catalog into the catalogs folder and save there; True if written."""
        try:
            dest = copy_catalog(self.catalog_dir, self.copies_root)
        except (AnchorSaveError, OSError) as exc:
            self.message.setText(f"Could not copy the catalog: {exc}")
            return False
        if not self._write(dest):
            shutil.rmtree(dest, ignore_errors=True)
            return False
        return True

    def _write(self, folder: Path) -> bool:
        try:
            write_anchors(folder, self.garment.id, self.anchors)
        except (AnchorSaveError, OSError) as exc:
            self.message.setText(f"Not saved: {exc}")
            return False
        self.saved_to = folder
        if self.on_saved is not None:
            self.on_saved(folder)
        self.accept()
        return True
