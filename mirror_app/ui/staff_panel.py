"""The staff panel: catalog, camera and picture settings behind a PIN, changed live while the mirror runs.

`StaffAccess` belongs to the window: it opens the panel (Ctrl+Shift+S, or a 3-second press on the
mirror's top-left corner), asks for the PIN, closes the panel when idle, keeps the settings file, and
does the live switches (catalog on a worker thread, camera, compositor switches). `StaffPanel` is the
dialog with its tabs; it only shows things and calls StaffAccess.
"""

from __future__ import annotations

import atexit
import importlib
import logging
import re
import shutil
import tempfile
import threading
import tomllib
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QPainter, QPen, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressDialog,
    QPushButton,
    QSlider,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mirror_app.capture.camera import CameraSource, list_cameras, resolve_camera
from mirror_app.capture.demo import DEMO_NAME, DemoSource
from mirror_app.capture.errors import SourceError
from mirror_app.capture.source import Source
from mirror_app.catalog.loader import CatalogLoad, default_catalog_dir, load_catalog
from mirror_app.catalog.manifest import MANIFEST_NAME, MAX_MANIFEST_BYTES
from mirror_app.config import Config, ConfigLoad, load_config, save_config
from mirror_app.pin import PinLimiter
from mirror_app.pipeline import Wardrobe
from mirror_app.ui.anchor_editor import AnchorEditor, copy_catalog, is_builtin_catalog
from mirror_app.ui.pin_dialog import PinDialog

if TYPE_CHECKING:
    from mirror_app.ui.app import MirrorWindow

log = logging.getLogger(__name__)

HOLD_MS = 3000  # press the mirror's top-left corner this long to open the panel
CORNER_PX = 90
SHORTCUT = "Ctrl+Shift+S"
RESOLUTIONS = ((640, 480), (1280, 720), (1920, 1080), (3840, 2160))
_INPUT_EVENTS = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.KeyPress,
    QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate,
    QEvent.Type.Wheel,
}


# ---------------------------------------------------------------------------------------------- catalogs


@dataclass(frozen=True, slots=True)
class CatalogChoice:
    """One catalog the panel offers."""

    label: str
    path: Path
    builtin: bool = False
    note: str = ""  # why it may not load (no catalog.toml...)


def _manifest_name(folder: Path) -> tuple[str | None, str]:
    """The catalog's display name from its manifest (cheap: no images read), or a note on why not."""
    path = folder / MANIFEST_NAME
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            return None, "catalog.toml too large"
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        return None, "no catalog.toml"
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None, "catalog.toml unreadable"
    name = data.get("name")
    return (name if isinstance(name, str) and name else None), ""


def list_catalogs(root: Path, current: Path | None = None) -> list[CatalogChoice]:
    """The built-in catalog, every subfolder of root, and the current catalog if it lives elsewhere."""
    builtin = default_catalog_dir()
    name, _ = _manifest_name(builtin)
    choices = [CatalogChoice(f"{name or 'Default'} (built-in)", builtin, builtin=True)]
    try:
        folders = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    except OSError:
        folders = []
    for folder in folders:
        name, note = _manifest_name(folder)
        choices.append(CatalogChoice(name or folder.name, folder, note=note))
    if current is not None and not any(_same(current, c.path) for c in choices):
        name, note = _manifest_name(current)
        choices.append(CatalogChoice(name or current.name, current, note=note))
    return choices


def _same(a: Path | None, b: Path | None) -> bool:
    if a is None or b is None:
        return a is b
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b


@dataclass
class CatalogResult:
    """The outcome of a live catalog switch."""

    ok: bool
    folder: Path
    message: str
    load: CatalogLoad | None = None
    lines: list[str] = field(default_factory=list)  # skipped garments and other problems, one line each
    wardrobe: Wardrobe | None = None  # bound on the worker thread, adopted as is on the GUI thread


def _skipped_ids(lines: list[str]) -> list[str]:
    ids = []
    for line in lines:
        match = re.search(r"garment '([^']+)' skipped", line) or re.match(r"garment (\S+): cannot be fitted", line)
        if match and match.group(1) not in ids:
            ids.append(match.group(1))
    return ids


# ---------------------------------------------------------------------------------------------- cameras


def open_camera(spec: str, size: tuple[int, int]) -> Source:
    """The demo, or a camera by index, device path or name, at this resolution."""
    if spec == DEMO_NAME:
        return DemoSource(live=True)
    return CameraSource(spec, size)


def _device_of_source(source: Source) -> str | None:
    if isinstance(source, DemoSource):
        return DEMO_NAME
    match = re.search(r"\((/dev/video\d+)\)$", getattr(source, "name", ""))
    return match.group(1) if match else None


def _device_of_spec(spec: str) -> str | None:
    if spec == DEMO_NAME:
        return DEMO_NAME
    try:
        return resolve_camera(spec).path
    except SourceError:
        return None


# ---------------------------------------------------------------------------------------------- access


class StaffAccess(QObject):
    """The window's staff side: the hidden gesture, the PIN, the settings file and the live switches."""

    catalog_changed = Signal(object)  # CatalogResult, after every switch attempt
    status = Signal(str)  # short progress lines for the panel
    _loaded = Signal(int, object)  # (generation, CatalogResult) from the loading thread

    camera_factory: Callable[[str, tuple[int, int]], Source] = staticmethod(open_camera)

    def __init__(self, window: MirrorWindow) -> None:
        super().__init__(window)
        # Weak: the window holds this object, and a cycle would leave the window to the garbage collector,
        # which may run on the processing thread, where deleting Qt widgets aborts.
        self._window = weakref.ref(window)
        self.limiter = PinLimiter()
        self.config_path: Path | None = None  # None: the XDG location
        self._config_load: ConfigLoad | None = None
        self.catalog_path: Path = default_catalog_dir()
        self.camera_size: tuple[int, int] = (1280, 720)
        self.pin_dialog: PinDialog | None = None
        self.panel: StaffPanel | None = None
        self.loading = False
        self.last_result: CatalogResult | None = None
        self._generation = 0
        self._loaded.connect(self._take_catalog, Qt.ConnectionType.QueuedConnection)

        self.shortcut = QShortcut(QKeySequence(SHORTCUT), window)
        self.shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.shortcut.activated.connect(self.open)
        self._hold = QTimer(self)
        self._hold.setSingleShot(True)
        self._hold.setInterval(HOLD_MS)
        self._hold.timeout.connect(self.open)
        window.mirror.installEventFilter(self)
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self._idle_timeout)
        self._watching = False

    @property
    def window(self) -> MirrorWindow:
        window = self._window()
        if window is None:
            raise RuntimeError("the mirror window is gone")
        return window

    # -- settings file

    @property
    def config(self) -> Config:
        """The settings in force (read from the file on first use)."""
        if self._config_load is None:
            self.reload_config()
        assert self._config_load is not None
        return self._config_load.config

    @property
    def config_load(self) -> ConfigLoad:
        if self._config_load is None:
            self.reload_config()
        assert self._config_load is not None
        return self._config_load

    def reload_config(self) -> ConfigLoad:
        """Read the settings file again (staff may have edited it, e.g. to preset the PIN)."""
        self._config_load = load_config(self.config_path)
        return self._config_load

    def save_config(self) -> bool:
        """Write the settings; a failure is said on the mirror and the change stays for this session."""
        load = self.config_load
        try:
            kept = save_config(load.config, load.path)
        except OSError as exc:
            self.window.say(f"Could not save the settings to {load.path}: {exc.strerror or exc}")
            return False
        if kept is not None:
            self.window.say(f"The settings file had errors; the old one is kept as {kept}")
        load.problems, load.pin_unreadable, load.exists = [], False, True
        return True

    # -- opening, PIN and idle

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """The corner long-press on the mirror, and staff activity that keeps the panel open."""
        window = self._window()
        if window is None:
            return False
        kind = event.type()
        if obj is window.mirror:
            if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
                if self._in_corner(event.position().toPoint()):  # type: ignore[attr-defined]
                    self._hold.start()
            elif kind == QEvent.Type.MouseButtonRelease or (
                kind == QEvent.Type.MouseMove
                and self._hold.isActive()
                and not self._in_corner(event.position().toPoint())  # type: ignore[attr-defined]
            ):
                self._hold.stop()
        elif self._watching and kind in _INPUT_EVENTS and isinstance(obj, QWidget) and self._is_staff_widget(obj):
            self._idle.start()
        return False

    def _in_corner(self, pos: QPoint) -> bool:
        return 0 <= pos.x() < CORNER_PX and 0 <= pos.y() < CORNER_PX

    def _is_staff_widget(self, widget: QWidget) -> bool:
        mine = {w for w in (self.panel, self.pin_dialog) if w is not None}
        node: QWidget | None = widget
        while node is not None:
            if node in mine:
                return True
            node = node.parentWidget()
        return False

    def _watch(self) -> None:
        """Count idle time while a staff window is open."""
        self._idle.setInterval(int(self.config.staff_idle_minutes * 60_000))
        self._idle.start()
        if not self._watching:
            instance = QApplication.instance()
            if instance is not None:
                instance.installEventFilter(self)
            self._watching = True

    def _unwatch(self) -> None:
        self._idle.stop()
        if self._watching:
            instance = QApplication.instance()
            if instance is not None:
                instance.removeEventFilter(self)
            self._watching = False

    def _idle_timeout(self) -> None:
        minutes = self.config.staff_idle_minutes
        was_open = self.panel is not None or self.pin_dialog is not None
        self.lock()
        if was_open:
            self.window.say(f"Staff panel closed after {minutes:g} minutes without use.")

    def lock(self) -> None:
        """Close the panel and any PIN or editor dialog (unsaved anchor edits are discarded)."""
        if self.pin_dialog is not None:
            self.pin_dialog.reject()
        if self.panel is not None:
            for child in self.panel.findChildren(QDialog):  # anchor editor, file and PIN dialogs
                if child.isVisible():
                    child.reject()
            self.panel.close()
        self._unwatch()

    def open(self) -> None:
        """Open the panel, asking for the PIN first (or having one chosen if none is set)."""
        self._hold.stop()
        if self.panel is not None:
            self.panel.show()
            self.panel.raise_()
            self.panel.activateWindow()
            return
        if self.pin_dialog is not None:
            self.pin_dialog.raise_()
            return
        load = self.reload_config()
        if load.pin_unreadable:
            self.window.say(
                f"Staff panel locked: the PIN in {load.path} cannot be read ({'; '.join(load.problems)}). "
                "Fix or delete that file, then try again."
            )
            return
        stored = load.config.pin_hash
        dialog = PinDialog(self.window, "verify" if stored else "set", stored, self.limiter)
        dialog.finished.connect(lambda result, d=dialog: self._pin_done(d, result))
        self.pin_dialog = dialog
        dialog.open()
        self._watch()

    def _pin_done(self, dialog: PinDialog, result: int) -> None:
        self.pin_dialog = None
        dialog.deleteLater()
        if result != QDialog.DialogCode.Accepted:
            if self.panel is None:
                self._unwatch()
            return
        if dialog.new_hash:
            self.config.pin_hash = dialog.new_hash
            if self.save_config():
                self.window.say("Staff PIN set.")
        self.show_panel()

    def show_panel(self) -> StaffPanel:
        """Show the panel (the PIN must have been checked: call open() instead)."""
        if self.panel is None:
            self.panel = StaffPanel(self)
            self.panel.finished.connect(self._panel_closed)
        self.panel.show()
        self.panel.raise_()
        self._watch()
        return self.panel

    def _panel_closed(self) -> None:
        panel, self.panel = self.panel, None
        if panel is not None:
            panel.deleteLater()
        if self.pin_dialog is None:
            self._unwatch()

    def change_pin(self, parent: QWidget) -> None:
        """Have a new PIN typed twice; saved when confirmed."""
        dialog = PinDialog(parent, "set")
        dialog.prompt.setText("Choose the new staff PIN.")

        def done(result: int) -> None:
            if result == QDialog.DialogCode.Accepted and dialog.new_hash:
                self.config.pin_hash = dialog.new_hash
                if self.save_config():
                    self.window.say("Staff PIN changed.")
            dialog.deleteLater()

        dialog.finished.connect(done)
        dialog.open()

    def shutdown(self) -> None:
        """The window is closing."""
        self.lock()

    # -- settings applied at start

    def apply_saved_settings(self, saved_catalog: bool = True, saved_camera: bool = True) -> None:
        """At start: the saved picture switches, diagnostics, catalog and camera.

        A catalog or source given on the command line wins (the caller passes False for it).
        """
        load = self.reload_config()
        for line in load.problems:
            self.window.say(line)
        cfg = load.config
        settings = self.window.mirror.settings
        settings.light = cfg.picture.light
        settings.folds = cfg.picture.folds
        settings.folds_strength = cfg.picture.folds_strength
        settings.shadows = cfg.picture.shadows
        settings.occlusion = cfg.picture.occlusion
        settings.hair = cfg.picture.hair
        settings.mirror = settings.mirror and cfg.picture.mirror  # --no-mirror still wins
        if cfg.diagnostics:
            self.set_diagnostics(True, persist=False)
        if saved_catalog and cfg.catalog and is_builtin_catalog(self.catalog_path):
            saved = Path(cfg.catalog).expanduser()
            if not _same(saved, self.catalog_path):
                self.switch_catalog(saved)
        source = self.window.source
        if saved_camera and cfg.camera.name and (isinstance(source, DemoSource | CameraSource)):
            size = (cfg.camera.width, cfg.camera.height)
            same = _device_of_spec(cfg.camera.name) == _device_of_source(source) and size == self.camera_size
            if not same:
                self.switch_camera(cfg.camera.name, size, persist=False)

    # -- catalog

    def switch_catalog(self, folder: Path) -> None:
        """Load a catalog on a worker thread; when done, wear it (or keep the current one and say why)."""
        self._generation += 1
        generation = self._generation
        self.loading = True
        self.status.emit(f"Loading {folder} …")
        worker = threading.Thread(
            target=self._load_job, args=(generation, Path(folder)), name="catalog-load", daemon=True
        )
        worker.start()

    def _load_job(self, generation: int, folder: Path) -> None:
        try:
            load = load_catalog(folder)
            probe = Wardrobe(load.garments)  # binds every garment: those the generator cannot fit are skipped
            self.window.processor.generator.open_learned(probe.learned_models())  # here, not while drawing
            lines = [str(p) for p in load.problems] + probe.skipped
            result = CatalogResult(bool(probe.garments), folder, "", load, lines, probe)
        except Exception as exc:  # noqa: BLE001 - reported; the mirror keeps its catalog
            log.exception("loading catalog %s", folder)
            result = CatalogResult(False, folder, f"could not load {folder}: {exc}")
        self._loaded.emit(generation, result)

    def _take_catalog(self, generation: int, result: CatalogResult) -> None:
        """On the GUI thread: put the loaded catalog on the mirror, or report why not."""
        if generation != self._generation:
            return  # a newer switch was asked for meanwhile
        self.loading = False
        window = self.window
        current_name = window.windowTitle().removeprefix("mirror — ")
        load = result.load
        if not result.ok:
            name = load.name if load is not None else result.folder.name
            result.message = result.message or (
                f"Catalog '{name}' has no usable garments; still showing '{current_name}'."
            )
            window.say(result.message)
            for line in result.lines[:3]:
                window.say(line)
        else:
            assert load is not None
            if result.wardrobe is not None:  # bound on the worker: the GUI thread only swaps it in
                window.wardrobe.adopt(result.wardrobe)  # keeps the worn garment if the new catalog has it
            else:
                window.wardrobe.set_garments(load.garments)
            window.mirror.preload_all()
            window.strip.set_garments(window.wardrobe.garments, window._current_id())
            window.setWindowTitle(f"mirror — {load.name}")
            self.catalog_path = result.folder
            result.lines += [line for line in window.wardrobe.skipped if line not in result.lines]
            count = len(window.wardrobe.garments)
            result.message = f"Now showing '{load.name}': {count} garment{'s' if count != 1 else ''}."
            skipped = _skipped_ids(result.lines)
            if skipped:
                result.message += f" Skipped: {', '.join(skipped)} (details in the staff panel)."
            elif result.lines:
                result.message += f" {len(result.lines)} note(s) in the staff panel."
            window.say(result.message)
            for line in result.lines[:2]:
                window.say(line)
            saved = None if is_builtin_catalog(result.folder) else str(result.folder)
            if self.config.catalog != saved:
                self.config.catalog = saved
                self.save_config()
        self.last_result = result
        self.status.emit(result.message)
        self.catalog_changed.emit(result)

    # -- camera

    def switch_camera(self, spec: str, size: tuple[int, int], persist: bool = True, name: str | None = None) -> bool:
        """Show this camera (or 'demo'); if it cannot be opened, the current source stays and the reason is said.

        A different device is opened before the current one is let go. The same device (a new resolution)
        must be released first; if it then fails, the old setting is opened again.
        """
        window = self.window
        old = window.source
        old_device = _device_of_source(old)
        same_device = old_device is not None and old_device == _device_of_spec(spec)
        if not same_device:
            try:
                new = self.camera_factory(spec, size)
            except (SourceError, OSError) as exc:
                window.say(f"Camera not changed: {exc}")
                self.status.emit(f"Camera not changed: {exc}")
                return False
            window.worker.stop()
            old.close()
            self._use_source(new, size)
        else:
            window.worker.stop()
            old.close()
            try:
                new = self.camera_factory(spec, size)
            except (SourceError, OSError) as exc:
                old_spec = DEMO_NAME if old_device == DEMO_NAME else str(old_device).removeprefix("/dev/video")
                try:
                    restored = self.camera_factory(old_spec, self.camera_size)
                except (SourceError, OSError) as again:
                    restored = DemoSource(live=True)
                    exc = SourceError(f"{exc}; the previous camera did not come back either ({again})")
                self._use_source(restored, self.camera_size)
                window.say(f"Camera not changed: {exc}")
                self.status.emit(f"Camera not changed: {exc}")
                return False
            self._use_source(new, size)
        window.say(f"Camera: {new.name}")
        self.status.emit(f"Now showing {new.name}")
        if persist:
            cam = self.config.camera
            cam.name = name or spec
            cam.width, cam.height = size
            self.save_config()
        return True

    def _use_source(self, source: Source, size: tuple[int, int]) -> None:
        window = self.window
        window.source = source
        window.stats.source = source.name
        window.worker = window._start_worker(source)
        self.camera_size = size

    # -- picture

    def set_picture(self, persist: bool = True, **changes: Any) -> None:
        """Change compositor switches live (mirror, light, folds, folds_strength, shadows, occlusion, hair)."""
        settings = self.window.mirror.settings
        for key, value in changes.items():
            setattr(settings, key, value)
            setattr(self.config.picture, key, value)
        if persist:
            self.save_config()

    def set_diagnostics(self, on: bool, persist: bool = True) -> None:
        """Show or hide the diagnostics overlay (as the D key does)."""
        self.window.overlay.setVisible(on)
        self.window._refresh_overlay()
        if persist and self.config.diagnostics != on:
            self.config.diagnostics = on
            self.save_config()

    def set_idle_minutes(self, minutes: float) -> None:
        self.config.staff_idle_minutes = minutes
        self._idle.setInterval(int(minutes * 60_000))
        self.save_config()

    # -- anchors and photos

    def edit_anchors(self, garment_id: str, parent: QWidget) -> AnchorEditor | None:
        """Open the anchor editor for a garment of the current catalog."""
        garment = next((g for g in self.window.wardrobe.garments if g.id == garment_id), None)
        if garment is None:
            return None
        editor = AnchorEditor(garment, self.catalog_path, self.config.catalogs_root_path(), self.switch_catalog, parent)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.open()
        return editor

    def copy_current_catalog(self) -> Path | None:
        """Copy the current catalog into the catalogs folder and switch to the copy."""
        try:
            dest = copy_catalog(self.catalog_path, self.config.catalogs_root_path())
        except (OSError, ValueError) as exc:
            self.window.say(f"Could not copy the catalog: {exc}")
            return None
        self.switch_catalog(dest)
        return dest


def importer() -> Callable[..., Any] | None:
    """`import_photos` of mirror_app.catalog.importer, when this build has it."""
    try:
        module = importlib.import_module("mirror_app.catalog.importer")
    except ImportError:
        return None
    found = getattr(module, "import_photos", None)
    return found if callable(found) else None


# ---------------------------------------------------------------------------------------------- panel

PANEL_STYLE = """
QDialog{background:#1c1c1e}
QWidget{color:#eee;font-size:16px}
QLabel#heading{font-size:20px;font-weight:600;color:#fff}
QLabel#hint{color:#aaa;font-size:14px}
QLabel#status{color:#ffb454;font-size:14px}
QTabWidget::pane{border:none;border-top:1px solid #333}
QTabBar::tab{background:#2c2c2e;color:#ccc;min-width:110px;min-height:46px;padding:0 14px;margin-right:4px;
  border-top-left-radius:8px;border-top-right-radius:8px}
QTabBar::tab:selected{background:#2d6cdf;color:#fff}
QPushButton{background:#2c2c2e;color:#fff;border:none;border-radius:10px;min-height:52px;padding:0 18px}
QPushButton:pressed{background:#3a3a3c}
QPushButton:disabled{color:#666;background:#242426}
QPushButton#primary{background:#2d6cdf}
QPushButton#primary:disabled{background:#23406f;color:#9ab}
QListWidget{background:#111;border:1px solid #333;border-radius:8px;padding:4px}
QListWidget::item{min-height:48px;padding:4px 8px;border-radius:6px}
QListWidget::item:selected{background:#2d6cdf;color:#fff}
QListWidget#problems{font-size:13px;color:#fd8}
QListWidget#problems::item{min-height:0px}
QComboBox{background:#2c2c2e;border:none;border-radius:10px;min-height:52px;padding:0 14px}
QComboBox::drop-down{border:none;width:44px}
QScrollBar:vertical{background:#111;width:14px;margin:2px}
QScrollBar::handle:vertical{background:#555;border-radius:5px;min-height:40px}
QScrollBar::add-line,QScrollBar::sub-line{height:0;width:0}
QScrollBar::add-page,QScrollBar::sub-page{background:none}
QComboBox QAbstractItemView{background:#2c2c2e;selection-background-color:#2d6cdf;min-height:44px}
QCheckBox{min-height:52px;spacing:14px}
QCheckBox::indicator{width:30px;height:30px;border-radius:6px;border:2px solid #666;background:#111}
QCheckBox::indicator:checked{background:#2d6cdf;border-color:#2d6cdf}
QSlider{min-height:52px}
QSlider::groove:horizontal{height:8px;background:#333;border-radius:4px}
QSlider::sub-page:horizontal{background:#2d6cdf;border-radius:4px}
QSlider::handle:horizontal{width:30px;height:30px;margin:-11px 0;border-radius:15px;background:#fff}
"""


_IMAGES: dict[str, str] = {}


def _style_images() -> dict[str, str]:
    """A tick and a drop-down arrow for the stylesheet, drawn once per process into a private temp folder."""
    if not _IMAGES:
        folder = Path(tempfile.mkdtemp(prefix="mirror-ui-"))
        atexit.register(shutil.rmtree, folder, True)
        for name, points in (("check", [(7, 16), (13, 22), (25, 9)]), ("arrow", [(9, 12), (16, 20), (23, 12)])):
            pixmap = QPixmap(32, 32)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            pen = QPen(QColor("white"), 4 if name == "check" else 3)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            painter.drawPolyline([QPointF(x, y) for x, y in points])
            painter.end()
            path = folder / f"{name}.png"
            pixmap.save(str(path))
            _IMAGES[name] = path.as_posix()
    return _IMAGES


def _panel_style() -> str:
    images = _style_images()
    return PANEL_STYLE + (
        f"QCheckBox::indicator:checked{{image:url({images['check']})}}"
        f"QComboBox::down-arrow{{image:url({images['arrow']});width:22px;height:22px}}"
    )


class _Switch(QCheckBox):
    """A check box that toggles wherever its row is touched, not only on the box and its text."""

    def hitButton(self, pos: QPoint) -> bool:  # noqa: N802 - Qt's name
        return self.rect().contains(pos)


def _tab_page(spacing: int) -> tuple[QWidget, QVBoxLayout]:
    """An empty tab with the panel's margins, for one group of settings."""
    tab = QWidget()
    layout = QVBoxLayout(tab)
    layout.setContentsMargins(4, 16, 4, 4)
    layout.setSpacing(spacing)
    return tab, layout


def _label(text: str, name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if name:
        label.setObjectName(name)
    return label


def _button(text: str, slot: Callable[[], Any], primary: bool = False) -> QPushButton:
    button = QPushButton(text)
    button.setAutoDefault(False)
    if primary:
        button.setObjectName("primary")
    button.clicked.connect(lambda _=False: slot())
    return button


class StaffPanel(QDialog):
    """Tabs for the catalog, the camera, the picture and staff matters; every change applies live."""

    def __init__(self, access: StaffAccess) -> None:
        super().__init__(access.window)
        self.access = access
        self.setWindowTitle("Staff panel")
        self.setStyleSheet(_panel_style())
        self.setModal(False)
        self.resize(640, 820)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._catalog_tab(), "Catalog")
        self.tabs.addTab(self._camera_tab(), "Camera")
        self.tabs.addTab(self._picture_tab(), "Picture")
        self.tabs.addTab(self._staff_tab(), "Staff")
        self.close_button = _button("Close", self.close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(12)
        layout.addWidget(self.tabs, 1)
        bottom = QHBoxLayout()
        self.footer = _label(f"Closes by itself after {access.config.staff_idle_minutes:g} min without use.", "hint")
        bottom.addWidget(self.footer, 1)
        bottom.addWidget(self.close_button)
        layout.addLayout(bottom)
        access.status.connect(self._status)
        access.catalog_changed.connect(self._catalog_changed)
        self.refresh_catalogs()
        if access.last_result is not None:
            self._show_problems(access.last_result.lines)
        self._set_busy(access.loading)

    @property
    def window_(self) -> MirrorWindow:
        return self.access.window

    # -- catalog tab

    def _catalog_tab(self) -> QWidget:
        tab, layout = _tab_page(spacing=10)
        self.current_label = _label("", "heading")
        self.catalog_list = QListWidget()
        self.catalog_list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.catalog_list.setMinimumHeight(176)  # three catalogs at least, problems or not
        self.catalog_list.itemDoubleClicked.connect(lambda _item: self.use_selected_catalog())
        self.use_button = _button("Show this catalog", self.use_selected_catalog, primary=True)
        self.open_button = _button("Open folder…", self.open_folder)
        row = QHBoxLayout()
        row.addWidget(self.use_button, 2)
        row.addWidget(self.open_button, 1)
        self.garment_combo = QComboBox()
        self.anchors_button = _button("Fix anchors…", self.fix_anchors)
        anchors_row = QHBoxLayout()
        anchors_row.addWidget(self.garment_combo, 2)
        anchors_row.addWidget(self.anchors_button, 1)
        self.copy_button = _button("Make an editable copy", self.copy_catalog)
        self.import_button = _button("Import photos…", self.import_photos)
        if importer() is None:
            self.import_button.setEnabled(False)
            self.import_button.setToolTip("Photo import is not part of this version.")
        tools = QHBoxLayout()
        tools.addWidget(self.copy_button)
        tools.addWidget(self.import_button)
        self.catalog_status = _label("", "status")
        self.problems = QListWidget()
        self.problems.setObjectName("problems")
        self.problems.setWordWrap(True)
        self.problems.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.problems.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.problems.setMaximumHeight(120)
        self.problems.hide()
        layout.addWidget(self.current_label)
        layout.addWidget(_label(f"Catalogs in {self.access.config.catalogs_root_path()}", "hint"))
        layout.addWidget(self.catalog_list, 1)
        layout.addLayout(row)
        layout.addLayout(tools)
        layout.addWidget(self.catalog_status)
        layout.addWidget(self.problems)
        layout.addSpacing(8)
        layout.addWidget(_label("Garment anchors", "heading"))
        layout.addWidget(_label("If a garment sits wrongly on the body, fix where it attaches.", "hint"))
        layout.addLayout(anchors_row)
        return tab

    def refresh_catalogs(self) -> None:
        """List the catalogs, marking the one shown; list its garments for the anchor editor."""
        access = self.access
        self.catalog_list.clear()
        for choice in list_catalogs(access.config.catalogs_root_path(), access.catalog_path):
            current = _same(choice.path, access.catalog_path)
            text = f"{'✓  ' if current else ''}{choice.label}"
            if choice.note:
                text += f"  — {choice.note}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, str(choice.path))
            item.setToolTip(str(choice.path))
            self.catalog_list.addItem(item)
            if current:
                self.catalog_list.setCurrentItem(item)
        title = self.window_.windowTitle().removeprefix("mirror — ").removeprefix("mirror")
        count = len(self.window_.wardrobe.garments)
        self.current_label.setText(f"Showing: {title or access.catalog_path.name} · {count} garments")
        self.garment_combo.clear()
        worn = self.window_.wardrobe.current
        for garment in self.window_.wardrobe.garments:
            self.garment_combo.addItem(garment.name, garment.id)
        if worn is not None:
            self.garment_combo.setCurrentIndex(max(0, self.garment_combo.findData(worn.id)))

    def use_selected_catalog(self) -> None:
        item = self.catalog_list.currentItem()
        if item is not None:
            self.switch_to(Path(item.data(Qt.ItemDataRole.UserRole)))

    def switch_to(self, folder: Path) -> None:
        self._set_busy(True)
        self.access.switch_catalog(folder)

    def open_folder(self) -> None:
        start = self.access.config.catalogs_root_path()
        folder = QFileDialog.getExistingDirectory(
            self,
            "Open a catalog folder",
            str(start if start.is_dir() else Path.home()),
            QFileDialog.Option.ShowDirsOnly | QFileDialog.Option.DontUseNativeDialog,
        )
        if folder:
            self.switch_to(Path(folder))

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.use_button, self.open_button, self.anchors_button, self.copy_button, self.catalog_list):
            widget.setEnabled(not busy)
        self.import_button.setEnabled(not busy and importer() is not None)

    def _status(self, text: str) -> None:
        self.catalog_status.setText(text)

    def _show_problems(self, lines: list[str]) -> None:
        self.problems.clear()
        for line in lines:
            self.problems.addItem(line)
        self.problems.setVisible(bool(lines))

    def _catalog_changed(self, result: CatalogResult) -> None:
        self._set_busy(False)
        self.refresh_catalogs()
        self.catalog_status.setText(result.message)
        self._show_problems(result.lines)

    def fix_anchors(self) -> AnchorEditor | None:
        garment_id = self.garment_combo.currentData()
        if garment_id is None:
            return None
        self.editor = self.access.edit_anchors(garment_id, self)
        return self.editor

    def copy_catalog(self) -> None:
        self._set_busy(True)
        if self.access.copy_current_catalog() is None:
            self._set_busy(False)

    def import_photos(self) -> None:
        """Add garment photos to the current catalog with the importer, then reload it."""
        run = importer()
        if run is None:
            return
        folder = self.access.catalog_path
        if is_builtin_catalog(folder):
            self.catalog_status.setText(
                "Photos cannot go into the built-in catalog: make an editable copy first, or open a shop catalog."
            )
            return
        paths, _ = QFileDialog.getOpenFileNames(
            self,
            "Garment photos",
            str(Path.home()),
            "Images (*.png *.jpg *.jpeg *.webp)",
            options=QFileDialog.Option.DontUseNativeDialog,
        )
        if paths:
            self.run_import(run, [Path(p) for p in paths], folder)

    def run_import(self, run: Callable[..., Any], paths: list[Path], folder: Path) -> None:
        progress = QProgressDialog("Importing photos…", "", 0, len(paths), self)
        progress.setCancelButton(None)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setValue(0)
        self._progress = progress
        signals = _ImportSignals(self)
        signals.progress.connect(self._import_step)
        signals.done.connect(self._import_finished)

        def report(*args: Any) -> None:
            signals.progress.emit(args)

        def job() -> None:
            try:
                results = run(paths, folder, progress=report)
                signals.done.emit((folder, list(results or []), None))
            except Exception as exc:  # noqa: BLE001 - shown to staff
                log.exception("photo import")
                signals.done.emit((folder, [], exc))

        threading.Thread(target=job, name="photo-import", daemon=True).start()

    def _import_step(self, args: tuple[Any, ...]) -> None:
        numbers = [a for a in args if isinstance(a, int | float) and not isinstance(a, bool)]
        if len(numbers) >= 2 and numbers[1]:
            self._progress.setMaximum(int(numbers[1]))
            self._progress.setValue(int(numbers[0]))
        elif len(numbers) == 1 and 0 <= numbers[0] <= 1:
            self._progress.setMaximum(100)
            self._progress.setValue(int(numbers[0] * 100))
        texts = [a for a in args if isinstance(a, str)]
        if texts:
            self._progress.setLabelText(texts[-1])

    def _import_finished(self, outcome: tuple[Path, list[Any], Exception | None]) -> None:
        folder, results, error = outcome
        self._progress.close()
        if error is not None:
            self.catalog_status.setText(f"Import failed: {error}")
            self.window_.say(f"Photo import failed: {error}")
            return
        self._show_problems([str(r) for r in results])
        self.switch_to(folder)

    # -- camera tab

    def record_capture(self) -> None:
        """Record someone wearing the real garment, from the live camera, into a folder the staff choose."""
        from mirror_app.ui.capture_dialog import start_capture

        self._capture_dialog = start_capture(self.window_, self)

    def _camera_tab(self) -> QWidget:
        tab, layout = _tab_page(spacing=10)
        self.source_label = _label("", "heading")
        self.camera_combo = QComboBox()
        self.size_combo = QComboBox()
        for w, h in RESOLUTIONS:
            self.size_combo.addItem(f"{w} × {h}", f"{w}x{h}")
        self.camera_button = _button("Use this camera", self.use_camera, primary=True)
        refresh = _button("Look for cameras again", self.refresh_cameras)
        self.camera_status = _label("", "status")
        layout.addWidget(self.source_label)
        layout.addWidget(_label("Camera", "hint"))
        layout.addWidget(self.camera_combo)
        layout.addWidget(_label("Resolution", "hint"))
        layout.addWidget(self.size_combo)
        layout.addWidget(self.camera_button)
        layout.addWidget(refresh)
        layout.addWidget(self.camera_status)
        layout.addWidget(_label("Capture for a learned generator (docs/learned.md)", "hint"))
        layout.addWidget(_button("Record a capture…", self.record_capture))
        layout.addStretch(1)
        self.access.status.connect(self._camera_status_line)
        self.refresh_cameras()
        return tab

    def refresh_cameras(self) -> None:
        """List the cameras the system has now, plus the built-in demo."""
        self.camera_combo.clear()
        for cam in list_cameras():
            self.camera_combo.addItem(f"{cam.name}  ({cam.path})", (str(cam.index), cam.name))
        self.camera_combo.addItem("Built-in demo (no camera)", (DEMO_NAME, DEMO_NAME))
        self.source_label.setText(f"Showing: {self.window_.source.name}")
        saved = self.access.config.camera
        for i in range(self.camera_combo.count()):
            spec, name = self.camera_combo.itemData(i)
            if saved.name and saved.name == name:
                self.camera_combo.setCurrentIndex(i)
        index = self.size_combo.findData("{}x{}".format(*self.access.camera_size))
        if index >= 0:
            self.size_combo.setCurrentIndex(index)

    def use_camera(self) -> bool:
        data = self.camera_combo.currentData()
        if data is None:
            return False
        spec, name = data
        self.camera_status.setText("Opening the camera…")
        self.camera_status.repaint()
        width, height = (int(v) for v in self.size_combo.currentData().split("x"))
        ok = self.access.switch_camera(spec, (width, height), name=name)
        self.source_label.setText(f"Showing: {self.window_.source.name}")
        return ok

    def _camera_status_line(self, text: str) -> None:
        if text.startswith(("Camera", "Now showing")) and "garment" not in text:
            self.camera_status.setText(text)

    # -- picture tab

    def _picture_tab(self) -> QWidget:
        tab, layout = _tab_page(spacing=4)
        settings = self.window_.mirror.settings
        self.switches: dict[str, QCheckBox] = {}
        rows = (
            ("mirror", "Mirror (flip left and right)"),
            ("light", "Match the room's light"),
            ("folds", "Show the wearer's folds on the garment"),
            ("shadows", "Soft shadows at the garment's edges"),
            ("occlusion", "Arms and chin in front of the garment"),
            ("hair", "Long hair in front of the shoulders"),
        )
        for key, text in rows:
            box = _Switch(text)
            box.setChecked(bool(getattr(settings, key)))
            box.toggled.connect(lambda on, k=key: self._toggle(k, on))
            self.switches[key] = box
            layout.addWidget(box)
            if key == "folds":
                self.folds_slider = QSlider(Qt.Orientation.Horizontal)
                self.folds_slider.setRange(0, 100)
                self.folds_slider.setValue(round(settings.folds_strength * 100))
                self.folds_value = QLabel(f"{settings.folds_strength:.2f}")
                self.folds_value.setMinimumWidth(48)
                self.folds_slider.valueChanged.connect(lambda v: self.folds_value.setText(f"{v / 100:.2f}"))
                self.folds_slider.valueChanged.connect(
                    lambda v: self.access.set_picture(persist=False, folds_strength=v / 100)
                )
                self.folds_slider.sliderReleased.connect(self.access.save_config)
                self.folds_slider.setEnabled(settings.folds)
                row = QHBoxLayout()
                row.setContentsMargins(44, 0, 0, 0)
                row.addWidget(_label("Strength", "hint"))
                row.addWidget(self.folds_slider, 1)
                row.addWidget(self.folds_value)
                layout.addLayout(row)
        layout.addSpacing(12)
        self.diagnostics_box = _Switch("Diagnostics overlay (FPS, latency; key D)")
        self.diagnostics_box.setChecked(self.window_.overlay.isVisible())
        self.diagnostics_box.toggled.connect(self.access.set_diagnostics)
        layout.addWidget(self.diagnostics_box)
        layout.addStretch(1)
        return tab

    def _toggle(self, key: str, on: bool) -> None:
        self.access.set_picture(**{key: on})
        if key == "folds":
            self.folds_slider.setEnabled(on)

    # -- staff tab

    def _staff_tab(self) -> QWidget:
        tab, layout = _tab_page(spacing=10)
        load = self.access.config_load
        layout.addWidget(_label("Staff PIN", "heading"))
        layout.addWidget(_button("Change the PIN…", lambda: self.access.change_pin(self)))
        layout.addWidget(_label("Close the panel after this long without use", "hint"))
        self.idle_combo = QComboBox()
        for minutes in (1, 2, 3, 5, 10):
            self.idle_combo.addItem(f"{minutes} minute{'s' if minutes > 1 else ''}", float(minutes))
        index = self.idle_combo.findData(float(load.config.staff_idle_minutes))
        if index < 0:
            self.idle_combo.addItem(f"{load.config.staff_idle_minutes:g} minutes", load.config.staff_idle_minutes)
            index = self.idle_combo.count() - 1
        self.idle_combo.setCurrentIndex(index)
        self.idle_combo.currentIndexChanged.connect(
            lambda _i: self.access.set_idle_minutes(float(self.idle_combo.currentData()))
        )
        layout.addWidget(self.idle_combo)
        layout.addSpacing(8)
        layout.addWidget(_label("Settings file", "heading"))
        layout.addWidget(_label(str(load.path), "hint"))
        if load.problems:
            layout.addWidget(_label("\n".join(load.problems), "status"))
        layout.addStretch(1)
        layout.addWidget(_button("Lock now", self.access.lock))
        return tab


class _ImportSignals(QObject):
    progress = Signal(object)
    done = Signal(object)
