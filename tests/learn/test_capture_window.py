"""The staff panel's capture button path in the real window under Xvfb: records the window's tracked frames."""

from __future__ import annotations

import gc
import json

import pytest

pytestmark = pytest.mark.window

from PySide6.QtTest import QTest  # noqa: E402

from mirror_app.capture.demo import DemoSource  # noqa: E402
from mirror_app.catalog.loader import load_catalog_or_default  # noqa: E402
from mirror_app.pipeline import Wardrobe  # noqa: E402
from mirror_app.ui import capture_dialog  # noqa: E402
from mirror_app.ui.app import build_window  # noqa: E402
from tests.ui.qt_wait import wait_for  # noqa: E402


def test_window_capture_records_tracked_frames_then_stops(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(capture_dialog, "FRAMES", 4)
    catalog = load_catalog_or_default(None)
    app, win = build_window(DemoSource(live=True), Wardrobe(catalog.garments), catalog, [])
    win.resize(800, 600)
    win.show()
    QTest.qWaitForWindowExposed(win)
    try:
        assert win.capture is None  # never on by default
        dialog = capture_dialog.start_capture(win, win, folder=tmp_path / "captures")
        assert dialog is not None and win.capture is not None
        assert wait_for(app, lambda: win.capture is None, 30), "capture did not finish"
        (folder,) = (tmp_path / "captures").iterdir()
        assert folder.name.startswith(f"capture-{catalog.garments[0].id}-")
        manifest = json.loads((folder / "capture.json").read_text())
        assert manifest["frames"] == 4 and manifest["garment_id"] == catalog.garments[0].id
        assert len(list((folder / "frames").iterdir())) == 4 == len(list((folder / "masks").iterdir()))
    finally:
        win.close()
        app.processEvents()
        win = None  # drop the window here, on the GUI thread, never on the processing thread
        gc.collect()
