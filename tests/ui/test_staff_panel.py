"""The staff panel in the real window under Xvfb: PIN, live catalog and camera switches, anchors, picture."""

from __future__ import annotations

import gc
import shutil
import sys
import tomllib
import types
from pathlib import Path

import pytest
import tomli_w

pytestmark = pytest.mark.window

from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from mirror_app.capture.demo import DemoSource  # noqa: E402
from mirror_app.capture.errors import SourceError  # noqa: E402
from mirror_app.catalog.loader import default_catalog_dir, load_catalog_or_default  # noqa: E402
from mirror_app.config import config_path, load_config, save_config  # noqa: E402
from mirror_app.pin import PinLimiter, hash_pin, verify_pin  # noqa: E402
from mirror_app.pipeline import Wardrobe  # noqa: E402
from mirror_app.ui.app import build_window  # noqa: E402

from .qt_wait import wait_for  # noqa: E402

PIN = "2468"


_wait = wait_for


@pytest.fixture()
def env(monkeypatch, tmp_path):
    """Settings and catalogs in tmp_path, never the user's."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    root = tmp_path / "data" / "mirror" / "catalogs"
    root.mkdir(parents=True)
    return root


@pytest.fixture()
def window(env):
    catalog = load_catalog_or_default(None)
    app, win = build_window(DemoSource(live=True), Wardrobe(catalog.garments), catalog, [])
    win.resize(900, 700)
    win.show()
    QTest.qWaitForWindowExposed(win)
    yield app, win
    win.close()
    app.processEvents()
    del win
    gc.collect()  # here, on the GUI thread: never let a processing thread collect Qt objects


def _preset_pin(pin: str = PIN) -> None:
    config = load_config().config
    config.pin_hash = hash_pin(pin)
    save_config(config)


def _type_pin(dialog, pin: str) -> None:
    QTest.keyClicks(dialog.field, pin)
    QTest.keyClick(dialog.field, Qt.Key.Key_Return)


def _unlock(app, win):
    _preset_pin()
    win.open_staff_panel()
    _type_pin(win.staff.pin_dialog, PIN)
    assert _wait(app, lambda: win.staff.panel is not None and win.staff.panel.isVisible(), 5)
    return win.staff.panel


def _make_catalog(root: Path, folder: str, name: str, ids: list[str], edit=None) -> Path:
    """A small catalog: some garments of the default one, copied with their images."""
    source = default_catalog_dir()
    data = tomllib.loads((source / "catalog.toml").read_text())
    dest = root / folder
    (dest / "images").mkdir(parents=True)
    garments = []
    for garment in data["garments"]:
        if garment["id"] in ids:
            for key in ("front", "back", "inside"):
                if key in garment:
                    shutil.copy(source / garment[key], dest / garment[key])
            garments.append(garment)
    data["name"], data["garments"] = name, garments
    if edit is not None:
        edit(data)
    (dest / "catalog.toml").write_text(tomli_w.dumps(data))
    return dest


def _strip_ids(win) -> list[str]:
    return [win.strip.item(i).data(Qt.ItemDataRole.UserRole) for i in range(win.strip.count())]


def _choose_catalog(panel, folder: Path) -> None:
    for row in range(panel.catalog_list.count()):
        item = panel.catalog_list.item(row)
        if Path(item.data(Qt.ItemDataRole.UserRole)) == folder:
            panel.catalog_list.setCurrentItem(item)
            QTest.mouseClick(panel.use_button, Qt.MouseButton.LeftButton)
            return
    raise AssertionError(f"{folder} not listed")


# ------------------------------------------------------------------------------------------------ PIN


def test_shortcut_asks_for_the_pin_and_only_the_right_one_opens(window) -> None:
    app, win = window
    _preset_pin()
    win.activateWindow()
    assert QTest.qWaitForWindowActive(win)
    QTest.keyClick(win, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = win.staff.pin_dialog
    assert dialog is not None and dialog.mode == "verify" and dialog.isVisible()
    _type_pin(dialog, "1357")
    assert win.staff.panel is None
    assert "Wrong PIN" in dialog.message.text()
    # The on-screen keypad works as well as the keyboard.
    for digit in PIN:
        QTest.mouseClick(dialog.keys[digit], Qt.MouseButton.LeftButton)
    QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert _wait(app, lambda: win.staff.panel is not None and win.staff.panel.isVisible(), 5)
    assert win.staff.pin_dialog is None


def test_cancel_leaves_the_panel_closed(window) -> None:
    app, win = window
    _preset_pin()
    win.open_staff_panel()
    QTest.mouseClick(win.staff.pin_dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert _wait(app, lambda: win.staff.pin_dialog is None, 2)
    assert win.staff.panel is None


def test_first_use_sets_the_pin_typed_twice(window) -> None:
    app, win = window
    assert not config_path().exists()
    win.open_staff_panel()
    dialog = win.staff.pin_dialog
    assert dialog.mode == "set"
    _type_pin(dialog, "1111")
    assert "same digit" in dialog.message.text()
    _type_pin(dialog, "1357")
    _type_pin(dialog, "1358")
    assert "differ" in dialog.message.text() and win.staff.panel is None
    _type_pin(dialog, "1357")
    _type_pin(dialog, "1357")
    assert _wait(app, lambda: win.staff.panel is not None, 5)
    stored = load_config().config.pin_hash
    assert stored is not None and "1357" not in config_path().read_text()
    assert verify_pin("1357", stored)


def test_wrong_pins_are_rate_limited(window) -> None:
    app, win = window
    _preset_pin()
    now = [100.0]
    win.staff.limiter = PinLimiter(free_tries=3, first_lockout_s=30, clock=lambda: now[0])
    win.open_staff_panel()
    dialog = win.staff.pin_dialog
    for wrong in ("1111", "2222", "3333"):
        _type_pin(dialog, wrong)
    assert "Try again in 30 s" in dialog.message.text()
    assert not dialog.field.isEnabled() and not dialog.ok_button.isEnabled()
    dialog._verify(PIN)  # even the right PIN is refused while locked
    assert win.staff.panel is None
    now[0] += 31
    assert _wait(app, lambda: dialog.field.isEnabled(), 2)
    _type_pin(dialog, PIN)
    assert _wait(app, lambda: win.staff.panel is not None, 5)


def test_long_press_on_the_top_left_corner_opens_the_pin(window) -> None:
    app, win = window
    _preset_pin()
    win.staff._hold.setInterval(150)  # 3 s in the shop; the test need not wait that long
    QTest.mousePress(win.mirror, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    QTest.mouseRelease(win.mirror, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))  # a tap: nothing
    QTest.qWait(250)
    assert win.staff.pin_dialog is None
    QTest.mousePress(win.mirror, Qt.MouseButton.LeftButton, pos=QPoint(400, 300))  # not the corner
    QTest.qWait(250)
    QTest.mouseRelease(win.mirror, Qt.MouseButton.LeftButton, pos=QPoint(400, 300))
    assert win.staff.pin_dialog is None
    QTest.mousePress(win.mirror, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    assert _wait(app, lambda: win.staff.pin_dialog is not None, 2)
    QTest.mouseRelease(win.mirror, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))


def test_panel_closes_when_idle(window) -> None:
    app, win = window
    panel = _unlock(app, win)
    editor = panel.fix_anchors()
    assert editor.isVisible()
    win.staff._idle.setInterval(200)
    win.staff._idle.start()
    assert panel.isVisible()
    assert _wait(app, lambda: win.staff.panel is None, 3)
    assert "closed after" in win.notices.text()
    assert not editor.isVisible()  # unsaved anchor edits are dropped with it


def test_saved_settings_apply_at_start(window, env) -> None:
    app, win = window
    shop = _make_catalog(env, "shop", "Shop", ["black-rib-tank"])
    config = load_config().config
    config.catalog = str(shop)
    config.picture.mirror = False
    config.picture.folds_strength = 0.3
    config.diagnostics = True
    save_config(config)
    win.staff.apply_saved_settings()  # what run_window does before showing the window
    assert win.mirror.settings.mirror is False and win.mirror.settings.folds_strength == pytest.approx(0.3)
    assert win.overlay.isVisible()
    assert _wait(app, lambda: not win.staff.loading, 20)
    assert [g.id for g in win.wardrobe.garments] == ["black-rib-tank"] and _strip_ids(win) == ["black-rib-tank"]


def test_unreadable_settings_lock_the_panel(window) -> None:
    app, win = window
    config_path().parent.mkdir(parents=True)
    config_path().write_text("pin_hash = [broken")
    win.open_staff_panel()
    assert win.staff.pin_dialog is None and win.staff.panel is None  # no new PIN over an unreadable one
    assert "Staff panel locked" in win.notices.text() and str(config_path()) in win.notices.text()


# -------------------------------------------------------------------------------------------- catalogs


def test_switching_catalogs_live_changes_strip_and_wardrobe(window, env) -> None:
    app, win = window
    shop = _make_catalog(env, "summer", "Summer shop", ["red-badge-tee", "black-rib-tank"])
    panel = _unlock(app, win)
    frames_before = len(win.stats.recent)
    _choose_catalog(panel, shop)
    assert win.staff.loading  # loaded on a worker thread: the call returns at once
    assert _wait(app, lambda: not win.staff.loading, 20)
    assert [g.id for g in win.wardrobe.garments] == ["red-badge-tee", "black-rib-tank"]
    assert _strip_ids(win) == ["red-badge-tee", "black-rib-tank"]
    assert win.strip.currentItem().data(Qt.ItemDataRole.UserRole) == win.wardrobe.current.id
    assert "Summer shop" in win.windowTitle()
    assert "Now showing 'Summer shop': 2 garments" in panel.catalog_status.text()
    assert load_config().config.catalog == str(shop)  # remembered for the next start
    assert "✓" in panel.catalog_list.currentItem().text()
    assert _wait(app, lambda: len(win.stats.recent) > frames_before, 20), "the mirror keeps running"
    # And back to the built-in catalog, which is remembered as "no catalog set".
    _choose_catalog(panel, default_catalog_dir())
    assert _wait(app, lambda: not win.staff.loading, 20)
    assert len(win.wardrobe.garments) == 6 and win.strip.count() == 6
    assert load_config().config.catalog is None


def _swap_hems(data: dict) -> None:
    for garment in data["garments"]:
        anchors = garment["anchors"]
        anchors["left_hem"], anchors["right_hem"] = anchors["right_hem"], anchors["left_hem"]


def test_catalog_with_nothing_usable_keeps_the_current_one(window, env) -> None:
    app, win = window
    broken = _make_catalog(env, "broken", "Broken shop", ["red-badge-tee"], edit=_swap_hems)
    panel = _unlock(app, win)
    before = [g.id for g in win.wardrobe.garments]
    _choose_catalog(panel, broken)
    assert _wait(app, lambda: not win.staff.loading, 20)
    assert [g.id for g in win.wardrobe.garments] == before
    assert _strip_ids(win) == before
    assert "no usable garments" in win.notices.text() and "Mirror basics" in win.notices.text()
    lines = [panel.problems.item(i).text() for i in range(panel.problems.count())]
    assert panel.problems.isVisible() and any("left_hem" in line and "red-badge-tee" in line for line in lines)
    assert load_config().config.catalog is None


def test_partly_bad_catalog_loads_and_names_the_skipped_garments(window, env) -> None:
    app, win = window

    def break_second(data: dict) -> None:
        data["garments"][1]["front"] = "images/missing.png"

    shop = _make_catalog(env, "mixed", "Mixed shop", ["breton-stripe-tee", "heather-long-sleeve"], edit=break_second)
    panel = _unlock(app, win)
    _choose_catalog(panel, shop)
    assert _wait(app, lambda: not win.staff.loading, 20)
    assert [g.id for g in win.wardrobe.garments] == ["breton-stripe-tee"]
    assert "Skipped: heather-long-sleeve" in win.notices.text()
    assert any("missing.png" in panel.problems.item(i).text() for i in range(panel.problems.count()))


def test_catalog_list_offers_builtin_and_subfolders(window, env) -> None:
    app, win = window
    _make_catalog(env, "autumn", "Autumn", ["black-rib-tank"])
    (env / "empty-folder").mkdir()
    panel = _unlock(app, win)
    texts = [panel.catalog_list.item(i).text() for i in range(panel.catalog_list.count())]
    assert texts[0] == "✓  Mirror basics (built-in)"
    assert "Autumn" in texts and "empty-folder  — no catalog.toml" in texts


# --------------------------------------------------------------------------------------------- anchors


def _drag(view, handle, dx: int, dy: int) -> None:
    start = view.mapFromScene(handle.scenePos())
    end = start + QPoint(dx, dy)
    QTest.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    QTest.mouseMove(view.viewport(), start + QPoint(dx // 2, dy // 2))
    QTest.mouseMove(view.viewport(), end)
    QTest.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=end)


def test_anchor_editor_drag_save_and_reload(window, env) -> None:
    app, win = window
    shop = _make_catalog(env, "shop", "Shop", ["red-badge-tee", "black-rib-tank"])
    panel = _unlock(app, win)
    _choose_catalog(panel, shop)
    assert _wait(app, lambda: not win.staff.loading, 20)
    panel.garment_combo.setCurrentIndex(panel.garment_combo.findData("red-badge-tee"))
    QTest.mouseClick(panel.anchors_button, Qt.MouseButton.LeftButton)
    editor = panel.editor
    assert _wait(app, editor.isVisible, 5)
    old_x, old_y = editor.anchors["left_hem"]
    _drag(editor.view, editor.handles["left_hem"], 30, 20)
    new_x, new_y = editor.anchors["left_hem"]
    assert new_x > old_x + 5 and new_y > old_y + 5
    assert editor.changed() and "left_hem" in editor.coords.text()
    QTest.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.saved_to == shop
    saved = tomllib.loads((shop / "catalog.toml").read_text())
    tee = next(g for g in saved["garments"] if g["id"] == "red-badge-tee")
    assert tee["anchors"]["left_hem"] == [round(new_x, 1), round(new_y, 1)]
    assert saved["name"] == "Shop" and len(saved["garments"]) == 2
    assert (shop / "catalog.toml.bak").exists()
    # Reloaded live: the mirror's garment now has the moved anchor.
    assert _wait(app, lambda: not win.staff.loading, 20)
    worn = next(g for g in win.wardrobe.garments if g.id == "red-badge-tee")
    assert worn.anchors["left_hem"] == pytest.approx((round(new_x, 1), round(new_y, 1)))


def _tank_catalog_in_editor(window, env) -> tuple[Path, str, object]:
    """A shop catalog of one tank, loaded live, its anchor editor open: (folder, manifest text, editor)."""
    app, win = window
    shop = _make_catalog(env, "shop", "Shop", ["black-rib-tank"])
    panel = _unlock(app, win)
    _choose_catalog(panel, shop)
    assert _wait(app, lambda: not win.staff.loading, 20)
    return shop, (shop / "catalog.toml").read_text(), panel.fix_anchors()


def test_anchor_editor_cancel_discards(window, env) -> None:
    _, win = window
    shop, before, editor = _tank_catalog_in_editor(window, env)
    _drag(editor.view, editor.handles["neck"], 0, 40)
    assert editor.changed()
    QTest.mouseClick(editor.cancel_button, Qt.MouseButton.LeftButton)
    assert (shop / "catalog.toml").read_text() == before
    assert not win.staff.loading


def test_anchor_editor_refuses_an_invalid_edit(window, env) -> None:
    shop, before, editor = _tank_catalog_in_editor(window, env)
    editor.handles["left_hem"].setPos(10, editor.anchors["left_hem"][1])  # left of right_hem: swapped
    assert not editor.save()
    assert "Not saved" in editor.message.text() and "left_hem" in editor.message.text()
    assert (shop / "catalog.toml").read_text() == before
    editor.reject()


def test_builtin_catalog_is_never_edited_but_can_be_copied(window, env) -> None:
    app, win = window
    builtin = default_catalog_dir() / "catalog.toml"
    before = builtin.read_bytes()
    panel = _unlock(app, win)
    editor = panel.fix_anchors()
    assert editor.builtin and editor.save_button.isHidden()
    assert "built-in" in editor.message.text()
    garment_id = editor.garment.id
    _drag(editor.view, editor.handles["neck"], 0, 15)
    moved = editor.anchors["neck"]
    assert not editor.save()
    QTest.mouseClick(editor.copy_button, Qt.MouseButton.LeftButton)
    copy = editor.saved_to
    assert copy is not None and copy.parent == env
    assert builtin.read_bytes() == before
    assert _wait(app, lambda: not win.staff.loading, 20)
    assert win.staff.catalog_path == copy and "Mirror basics (copy)" in win.windowTitle()
    worn = next(g for g in win.wardrobe.garments if g.id == garment_id)
    assert worn.anchors["neck"] == pytest.approx((round(moved[0], 1), round(moved[1], 1)))
    assert len(win.wardrobe.garments) == 6


# ---------------------------------------------------------------------------------------- picture, camera


def test_picture_switches_change_the_compositor_and_persist(window) -> None:
    app, win = window
    panel = _unlock(app, win)
    panel.tabs.setCurrentIndex(2)
    settings = win.mirror.settings
    assert settings.mirror
    QTest.mouseClick(panel.switches["mirror"], Qt.MouseButton.LeftButton)
    assert settings.mirror is False
    QTest.mouseClick(panel.switches["shadows"], Qt.MouseButton.LeftButton)
    assert settings.shadows is False and settings.light and settings.occlusion
    panel.folds_slider.setValue(25)
    assert settings.folds_strength == pytest.approx(0.25)
    QTest.mouseClick(panel.switches["folds"], Qt.MouseButton.LeftButton)
    assert settings.folds is False and not panel.folds_slider.isEnabled()
    assert settings.hair
    QTest.mouseClick(panel.switches["hair"], Qt.MouseButton.LeftButton)
    assert settings.hair is False and settings.occlusion
    QTest.mouseClick(panel.diagnostics_box, Qt.MouseButton.LeftButton)
    assert win.overlay.isVisible()
    saved = load_config().config
    assert saved.picture.mirror is False and saved.picture.shadows is False and saved.picture.folds is False
    assert saved.picture.hair is False
    assert saved.picture.folds_strength == pytest.approx(0.25) and saved.diagnostics


def test_camera_that_fails_keeps_the_old_source(window, monkeypatch) -> None:
    app, win = window
    panel = _unlock(app, win)
    old_source, old_worker = win.source, win.worker

    def refuse(spec, size):
        raise SourceError(f"cannot open camera {spec}: not connected or in use by another program")

    monkeypatch.setattr(win.staff, "camera_factory", refuse)
    assert not win.staff.switch_camera("7", (1920, 1080), name="Shop cam")
    assert win.source is old_source and win.worker is old_worker
    assert "Camera not changed" in win.notices.text() and "not connected" in win.notices.text()
    assert load_config().config.camera.name is None
    frames = len(win.stats.recent)
    assert _wait(app, lambda: len(win.stats.recent) > frames, 20), "the old source still runs"
    del panel


def test_camera_switch_replaces_source_and_worker(window, monkeypatch) -> None:
    app, win = window
    panel = _unlock(app, win)
    opened = []

    def fake(spec, size):
        opened.append((spec, size))
        return DemoSource(live=True)

    monkeypatch.setattr(win.staff, "camera_factory", fake)
    panel.tabs.setCurrentIndex(1)
    panel.camera_combo.setCurrentIndex(panel.camera_combo.count() - 1)  # the built-in demo
    panel.size_combo.setCurrentIndex(panel.size_combo.findData("1920x1080"))
    old_source, old_worker = win.source, win.worker
    QTest.mouseClick(panel.camera_button, Qt.MouseButton.LeftButton)
    assert opened == [("demo", (1920, 1080))]
    assert win.source is not old_source and win.worker is not old_worker
    assert not old_worker.running
    frames = len(win.stats.recent)
    assert _wait(app, lambda: len(win.stats.recent) > frames, 20)
    camera = load_config().config.camera
    assert (camera.name, camera.width, camera.height) == ("demo", 1920, 1080)


# ------------------------------------------------------------------------------------------------ import


def test_import_photos_runs_the_importer_and_reloads(window, env, monkeypatch) -> None:
    app, win = window
    shop = _make_catalog(env, "shop", "Shop", ["black-rib-tank"])
    calls = []

    def import_photos(paths, catalog_dir, category=None, progress=None):
        calls.append((paths, catalog_dir))
        if progress is not None:
            progress(1, 1)
        return ["added photo.png as 'photo'"]

    monkeypatch.setitem(sys.modules, "mirror_app.catalog.importer", types.SimpleNamespace(import_photos=import_photos))
    panel = _unlock(app, win)
    assert panel.import_button.isEnabled()
    _choose_catalog(panel, shop)
    assert _wait(app, lambda: not win.staff.loading, 20)
    loads = win.staff._generation
    panel.run_import(import_photos, [Path("/tmp/photo.png")], shop)
    assert _wait(app, lambda: win.staff._generation > loads and not win.staff.loading, 20)
    assert win.staff.last_result.folder == shop
    assert calls == [([Path("/tmp/photo.png")], shop)]


def test_import_photos_with_the_real_importer_adds_a_wearable_garment(window, env, tmp_path) -> None:
    import cv2
    import numpy as np

    from mirror_app.catalog.importer import import_photos

    app, win = window
    shop = _make_catalog(env, "shop", "Shop", ["black-rib-tank"])
    photo = np.full((500, 420, 3), 245, np.uint8)  # a red tee, flat on white
    cv2.fillPoly(
        photo,
        [
            np.array(
                [
                    (210, 60),
                    (290, 70),
                    (380, 150),
                    (330, 200),
                    (300, 170),
                    (300, 450),
                    (120, 450),
                    (120, 170),
                    (90, 200),
                    (40, 150),
                    (130, 70),
                ],
                np.int32,
            )
        ],
        (40, 40, 200),
    )
    path = tmp_path / "red-tee.jpg"
    cv2.imwrite(str(path), photo)
    panel = _unlock(app, win)
    _choose_catalog(panel, shop)
    assert _wait(app, lambda: not win.staff.loading, 20)
    loads = win.staff._generation
    panel.run_import(import_photos, [path], shop)
    assert _wait(app, lambda: win.staff._generation > loads and not win.staff.loading, 60)
    assert "red-tee" in [g.id for g in win.wardrobe.garments]
    assert win.strip.count() == len(win.wardrobe.garments) == 2
