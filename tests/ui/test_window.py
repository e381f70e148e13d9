"""The real window under Xvfb (pytest-xvfb provides the display): the mirror and the garment are visible."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

pytestmark = pytest.mark.window

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from mirror_app.capture.demo import DemoSource  # noqa: E402
from mirror_app.catalog.loader import load_catalog_or_default  # noqa: E402
from mirror_app.pipeline import Wardrobe  # noqa: E402
from mirror_app.ui import app as app_module  # noqa: E402
from mirror_app.ui.app import build_window  # noqa: E402
from mirror_app.ui.mirror_view import letterbox  # noqa: E402
from mirror_app.ui.mirror_widget import MirrorWidget  # noqa: E402
from mirror_app.ui.picture_widget import PictureMirrorWidget  # noqa: E402

from .qt_wait import wait_for  # noqa: E402

_wait = wait_for


HOSTS = {"window": MirrorWidget, "offscreen": PictureMirrorWidget}


@pytest.fixture(params=sorted(HOSTS))
def window(request, monkeypatch):
    monkeypatch.setattr(app_module, "choose_offscreen", lambda _setting: request.param == "offscreen")
    catalog = load_catalog_or_default(None)
    app, win = build_window(DemoSource(live=True), Wardrobe(catalog.garments), catalog, [])
    win.resize(900, 900)
    win.show()
    yield app, win
    win.close()
    app.processEvents()


def test_window_shows_mirror_and_garment(window, tmp_path) -> None:
    app, win = window
    assert _wait(app, lambda: win.mirror.latest is not None and win.mirror.latest.fit is not None, 60)
    assert _wait(app, lambda: len(win.stats.recent) >= 3, 30)
    assert tuple(win.stats.recent_summary()["resolution"]) == win.mirror.latest.frame.size
    done = win.mirror.latest
    shot = win.mirror.grab()  # what the widget shows, whichever host draws it
    shot.save(str(tmp_path / "window.png"))
    grab = cv2.cvtColor(cv2.imread(str(tmp_path / "window.png")), cv2.COLOR_BGR2RGB)
    x, y, w, h = letterbox(done.frame.size, (grab.shape[1], grab.shape[0]))
    shown = cv2.resize(grab[y : y + h, x : x + w], done.frame.size, interpolation=cv2.INTER_AREA)
    camera = done.frame.image[:, ::-1]  # mirrored
    # Garment region: the fit's triangles, mirrored into output coordinates.
    fw = done.frame.size[0]
    verts = done.fit.vertices_px.copy()
    verts[:, 0] = fw - verts[:, 0]
    region = np.zeros(camera.shape[:2], np.uint8)
    for tri in done.fit.mesh.triangles[::3]:
        cv2.fillConvexPoly(region, np.round(verts[tri]).astype(np.int32), 1)
    region = cv2.erode(region, np.ones((9, 9), np.uint8)) > 0
    outside = cv2.dilate(region.astype(np.uint8), np.ones((61, 61), np.uint8)) == 0
    diff = np.abs(shown.astype(int) - camera.astype(int)).mean(axis=2)
    # The mirror shows the camera where there is no garment (a frame or two of motion allowed)...
    assert diff[outside].mean() < 20
    assert shown[outside].std() > 20, "the mirror shows a real picture, not a blank"
    # ...and the garment where it sits, clearly different from the camera picture under it.
    assert diff[region].mean() > 25


def test_keys_switch_garments_and_toggle_overlay(window) -> None:
    app, win = window
    first = win.wardrobe.current.id
    QTest.keyClick(win, Qt.Key.Key_Right)
    assert win.wardrobe.current.id != first
    assert win.strip.currentItem().data(Qt.ItemDataRole.UserRole) == win.wardrobe.current.id
    QTest.keyClick(win, Qt.Key.Key_Left)
    assert win.wardrobe.current.id == first
    assert not win.overlay.isVisible()
    QTest.keyClick(win, Qt.Key.Key_D)
    assert _wait(app, lambda: len(win.stats.recent) >= 2, 60)
    win._refresh_overlay()
    assert win.overlay.isVisible()
    text = win.overlay.text()
    assert "FPS" in text and "latency" in text and "generator: CPU" in text and "pose" in text
    assert win.processor.pose_model in {"full", "lite"} and f"pose model: {win.processor.pose_model}" in text


def test_clicking_the_strip_chooses_a_garment(window) -> None:
    app, win = window
    item = win.strip.item(2)
    rect = win.strip.visualItemRect(item)
    QTest.mouseClick(win.strip.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert win.wardrobe.current.id == item.data(Qt.ItemDataRole.UserRole)


def test_f11_toggles_full_screen_and_escape_leaves(window) -> None:
    app, win = window
    QTest.keyClick(win, Qt.Key.Key_F11)
    assert _wait(app, win.isFullScreen, 5)
    QTest.keyClick(win, Qt.Key.Key_Escape)
    assert _wait(app, lambda: not win.isFullScreen(), 5)


def test_notices_are_shown_on_the_mirror() -> None:
    catalog = load_catalog_or_default(None)
    app, win = build_window(DemoSource(live=True), Wardrobe(catalog.garments), catalog, ["no camera found: demo"])
    win.show()
    try:
        assert _wait(app, lambda: win.notices.isVisible(), 5)
        assert "no camera found" in win.notices.text()
        geo = win.notices.geometry()
        assert win.mirror.rect().contains(geo), "the notice sits inside the mirror, where people look"
    finally:
        win.close()
        app.processEvents()


def test_garments_upload_a_few_per_frame_worn_first(window) -> None:
    app, win = window
    assert _wait(app, lambda: win.mirror.latest is not None, 60)
    win.mirror.preload_all()
    pending = [g.id for g, _ in win.mirror.uploads.pending]
    assert pending[0] == win.wardrobe.current.id, "the worn garment goes up first"
    assert len(pending) == len(win.wardrobe.garments)
    assert _wait(app, lambda: not win.mirror.uploads.pending, 30)
    assert all(win.mirror.compositor.is_loaded(g.id) for g in win.wardrobe.garments)


def test_closing_stops_cleanly_without_falling_back_to_the_demo(tmp_path) -> None:
    from mirror_app.capture.files import VideoFileSource

    path = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 30.0, (320, 240))
    for i in range(10):
        writer.write(np.full((240, 320, 3), 20 * i, np.uint8))
    writer.release()
    catalog = load_catalog_or_default(None)
    app, win = build_window(VideoFileSource(path, paced=True, loop=True), Wardrobe(catalog.garments), catalog, [])
    win.show()
    assert _wait(app, lambda: win.mirror.latest is not None, 30)
    win.close()
    _wait(app, lambda: False, 0.5)  # let queued results arrive after the close
    assert isinstance(win.source, VideoFileSource), "a deliberate stop is not a source failure"
    assert not win.worker.running


def test_compositing_setting_picks_the_host() -> None:
    from mirror_app.render.offscreen import egl_renderer_name, is_software_gl

    assert app_module.choose_offscreen("offscreen") is True
    assert app_module.choose_offscreen("window") is False
    name = egl_renderer_name()
    assert app_module.choose_offscreen("auto") is (name is not None and is_software_gl(name))
    assert is_software_gl("llvmpipe (LLVM 15.0.6, 256 bits)")
    assert not is_software_gl("NVIDIA H100 80GB HBM3/PCIe/SSE2")


def test_offscreen_host_without_egl_shows_the_camera_and_says_why(monkeypatch) -> None:
    from mirror_app.render.offscreen import RenderBackendError
    from mirror_app.ui import picture_widget

    def no_egl(*_args, **_kwargs):  # noqa: ANN202
        raise RenderBackendError("moderngl could not create a standalone EGL context")

    monkeypatch.setattr(picture_widget, "OffscreenRenderer", no_egl)
    monkeypatch.setattr(app_module, "choose_offscreen", lambda _setting: True)
    catalog = load_catalog_or_default(None)
    app, win = build_window(DemoSource(live=True), Wardrobe(catalog.garments), catalog, [])
    win.resize(700, 800)
    win.show()
    try:
        assert _wait(app, lambda: len(win.stats.recent) >= 3, 60), "the mirror keeps running"
        win._refresh_overlay()
        assert win.notices.isVisible() and "EGL" in win.notices.text()
        done = win.mirror.latest
        pixels, _target = win.mirror._picture
        h, w = pixels.shape[:2]
        camera = cv2.resize(done.frame.image[:, ::-1], (w, h), interpolation=cv2.INTER_AREA)
        assert np.abs(pixels[..., :3].astype(int) - camera.astype(int)).mean() < 3, "the plain mirrored camera"
    finally:
        win.close()
        app.processEvents()


def test_window_measures_closes_after_its_frames_and_writes_its_stats(tmp_path) -> None:
    import json

    catalog = load_catalog_or_default(None)
    app, win = build_window(DemoSource(live=True), Wardrobe(catalog.garments), catalog, [])
    path = tmp_path / "window.json"
    win.measure(path, 6)
    win.show()
    assert _wait(app, lambda: not win.isVisible(), 60), "closed itself after 6 frames"
    data = json.loads(path.read_text())
    assert data["summary"]["frames"] == len(data["frames"]) >= 6
    assert all("render" in f["stage_ms"] and "pose" in f["stage_ms"] for f in data["frames"])
    assert all(f["latency_ms"] > 0 for f in data["frames"])


def test_offscreen_host_follows_a_camera_that_changes_resolution() -> None:
    from PySide6.QtWidgets import QApplication

    from mirror_app.capture.frame import Frame
    from mirror_app.pipeline import Processed
    from mirror_app.render.settings import CompositorSettings
    from mirror_app.stats import StatsRecorder

    app = QApplication.instance() or QApplication([])
    catalog = load_catalog_or_default(None)
    wardrobe = Wardrobe(catalog.garments)
    stats = StatsRecorder()
    widget = PictureMirrorWidget(wardrobe, CompositorSettings(), stats)
    widget.resize(640, 480)
    widget.show()
    try:
        rng = np.random.default_rng(0)
        for index, (w, h) in enumerate([(320, 240), (320, 240), (640, 360)]):
            image = rng.integers(0, 255, (h, w, 3), np.uint8)
            widget.show_result(Processed(Frame(image, index, 0), None, None, None))
            assert (widget.renderer.width, widget.renderer.height) == (w, h)
            pixels, target = widget._picture
            x, y, lw, lh = letterbox((w, h), (640, 480))
            assert (target.x(), target.y(), target.width(), target.height()) == (x, y, lw, lh)
            shown = cv2.resize(pixels[..., :3], (w, h), interpolation=cv2.INTER_AREA)
            assert np.abs(shown.astype(int) - image[:, ::-1].astype(int)).mean() < 40, "the mirrored camera"
        assert len(widget.uploads.pending) > 0, "a new renderer uploads the garments again, a few per frame"
        assert stats.shown == 3
        app.processEvents()
    finally:
        widget.release()
        widget.close()
