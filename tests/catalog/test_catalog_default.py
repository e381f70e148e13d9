"""The shipped default catalog: complete, well anchored, and in sync with the script that draws it."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import cv2
import numpy as np
import pytest

from mirror_app.catalog import draw_default
from mirror_app.catalog import draw_kit as kit
from mirror_app.catalog.draw_kit import rgb
from mirror_app.catalog.draw_shapes import build_top
from mirror_app.catalog.loader import CatalogLoad, default_catalog_dir, load_catalog
from mirror_app.catalog.manifest import REQUIRED_ANCHORS, iter_anchor_pairs

EDGE_ANCHORS = ("left_shoulder", "right_shoulder", "left_armpit", "right_armpit", "left_hem", "right_hem")
LABEL_RGB = rgb("#ebe7dc") * 255  # the woven size label sewn inside the back neck


@pytest.fixture(scope="module")
def default_load() -> CatalogLoad:
    return load_catalog(default_catalog_dir())


def _near(mask: np.ndarray, x: float, y: float, radius: int) -> bool:
    """Whether any True pixel of mask lies within `radius` px of (x, y)."""
    h, w = mask.shape
    cx, cy = int(x), int(y)
    window = mask[max(0, cy - radius) : min(h, cy + radius + 1), max(0, cx - radius) : min(w, cx + radius + 1)]
    return bool(window.any())


def test_default_catalog_loads_cleanly_with_every_category(default_load: CatalogLoad) -> None:
    assert default_load.problems == []
    assert len(default_load.garments) >= 6
    categories = {g.category for g in default_load.garments}
    assert {"t-shirt", "long-sleeve", "tank", "dress"} <= categories
    assert any(g.back_rgba is not None for g in default_load.garments)
    assert len({g.id for g in default_load.garments}) == len(default_load.garments)


def test_required_anchors_inside_and_sides_the_wearer_way(default_load: CatalogLoad) -> None:
    for g in default_load.garments:
        h, w = g.rgba.shape[:2]
        assert set(REQUIRED_ANCHORS) <= set(g.anchors), g.id
        for name, (x, y) in g.anchors.items():
            assert 0 <= x < w and 0 <= y < h, (g.id, name)
        for left, right in iter_anchor_pairs():
            if left in g.anchors:
                assert g.anchors[left][0] > g.anchors[right][0], (g.id, left)
        assert g.anchors["neck"][1] < g.anchors["left_armpit"][1] < g.anchors["left_hem"][1], g.id


def test_anchors_sit_on_the_garment(default_load: CatalogLoad) -> None:
    for g in default_load.garments:
        alpha = g.rgba[:, :, 3]
        opaque, clear = alpha > 0, alpha < 255
        for name, (x, y) in g.anchors.items():
            assert _near(opaque, x, y, 3), f"{g.id}.{name} is off the garment"
            assert alpha[int(y), int(x)] > 0 or name in EDGE_ANCHORS, f"{g.id}.{name} should be inside"
        for name in EDGE_ANCHORS:
            x, y = g.anchors[name]
            assert _near(clear, x, y, 3), f"{g.id}.{name} should be on the outline"


def test_sleeve_anchors_match_the_category(default_load: CatalogLoad) -> None:
    for g in default_load.garments:
        if g.category in ("t-shirt", "long-sleeve"):
            assert g.has_sleeves, g.id
        if g.category == "long-sleeve":
            assert g.long_sleeves, g.id
            for side in ("left", "right"):
                sx, sy = g.anchors[f"{side}_shoulder"]
                ex, ey = g.anchors[f"{side}_elbow"]
                cx, cy = g.anchors[f"{side}_cuff"]
                assert sy < ey < cy, g.id  # down the arm
                assert (sx - ex) * (ex - cx) > 0, g.id  # and outwards, the same way all along
        if g.category in ("tank", "dress"):
            assert not g.has_sleeves, g.id


def test_dress_hem_is_much_wider_than_its_waist(default_load: CatalogLoad) -> None:
    dresses = [g for g in default_load.garments if g.category == "dress"]
    assert dresses
    for g in dresses:
        hem = g.anchors["left_hem"][0] - g.anchors["right_hem"][0]
        waist = g.anchors["left_waist"][0] - g.anchors["right_waist"][0]
        assert hem > 1.6 * waist, g.id


def test_images_are_transparent_around_and_backs_match_fronts(default_load: CatalogLoad) -> None:
    for g in default_load.garments:
        alpha = g.rgba[:, :, 3]
        assert alpha[0].max() == 0 and alpha[:, 0].max() == 0 and alpha[:, -1].max() == 0, g.id
        assert 0.25 < (alpha > 127).mean() < 0.85, g.id
        assert g.thumbnail is not None and g.thumbnail.shape[0] <= 128, g.id
        if g.back_rgba is not None:
            assert g.back_rgba.shape == g.rgba.shape, g.id
            overlap = ((g.back_rgba[:, :, 3] > 127) == (alpha > 127)).mean()
            assert overlap > 0.99, g.id  # same silhouette


def test_manifest_matches_the_drawing_geometry(default_load: CatalogLoad) -> None:
    by_id = {g.id: g for g in default_load.garments}
    designs = draw_default.designs()
    assert [d.id for d in designs] == [g.id for g in default_load.garments]
    for design in designs:
        garment = by_id[design.id]
        assert garment.rgba.shape[:2] == (design.spec.height, design.spec.width)
        expected = build_top(design.spec).anchors
        assert garment.anchors.keys() == expected.keys()
        for name, point in expected.items():
            assert np.allclose(garment.anchors[name], point, atol=0.01), (design.id, name)


def test_committed_png_is_what_the_script_draws(default_load: CatalogLoad) -> None:
    design = next(d for d in draw_default.designs() if d.category == "tank")
    rgba, _ = draw_default.draw(design)
    stored = next(g for g in default_load.garments if g.id == design.id).rgba
    assert rgba.shape == stored.shape
    assert np.abs(rgba[:, :, 3].astype(int) - stored[:, :, 3]).mean() < 0.5
    assert np.abs(rgba.astype(int) - stored).mean() < 3.0


def _neck_regions(design: draw_default.Design) -> dict[str, np.ndarray]:
    """Coverage, from the drawing geometry, of the neck opening, the front neckband and the back collar band."""
    shape = build_top(design.spec)
    hw = (design.spec.height, design.spec.width)
    bw = design.style.band_width
    return {
        "opening": kit.cover(hw, [np.vstack([shape.back_neck, shape.front_neck[::-1]])]),
        "front_band": kit.cover(hw, [kit.band(shape.front_neck, bw)]),
        "back_band": kit.cover(hw, [kit.band(shape.back_neck, 0.8 * bw)]),
    }


def test_every_front_with_a_neck_opening_has_its_inside_mask(default_load: CatalogLoad) -> None:
    by_id = {g.id: g for g in default_load.garments}
    for design in draw_default.designs():
        garment = by_id[design.id]
        has_opening = _neck_regions(design)["opening"].sum() > 100
        assert has_opening, design.id  # all six: tees, long-sleeve, tank, dress and shirt-tee show the inside
        assert garment.inside is not None, design.id
        assert garment.inside.shape == garment.rgba.shape[:2] and garment.inside.dtype == np.uint8
        assert garment.extras["inside"] == f"images/{design.id}-inside.png"


def test_inside_masks_cover_the_inside_patch_and_nothing_else(default_load: CatalogLoad) -> None:
    by_id = {g.id: g for g in default_load.garments}
    for design in draw_default.designs():
        garment = by_id[design.id]
        mask, alpha = garment.inside, garment.rgba[:, :, 3]
        assert mask is not None
        regions = _neck_regions(design)
        opening, front_band = regions["opening"], regions["front_band"]
        assert (mask <= alpha).all(), design.id  # never more than the garment itself
        share = mask.sum(dtype=np.int64) / alpha.sum(dtype=np.int64)
        assert 0.005 < share < 0.08, (design.id, share)
        # The front neckband (and everything below it) is the wearer's front: never masked.
        assert (front_band == 1).sum() > 1000 and mask[front_band == 1].max() == 0, design.id
        assert mask[(opening == 0) & (front_band == 0)].max() == 0, design.id
        # Everything inside the opening that the band does not cover is masked fully: patch, collar, label.
        clear = (opening > 0.99) & (front_band == 0) & (alpha == 255)
        assert mask[clear].min() == 255, design.id
        collar = clear & (regions["back_band"] > 0.99)
        label = clear & (np.abs(garment.rgba[:, :, :3] - LABEL_RGB).max(axis=2) < 25)
        assert collar.sum() > 150 and label.sum() > 150, design.id  # both really are drawn there
        assert mask[collar].min() == 255 and mask[label].min() == 255, design.id
        # The lower edge stays anti-aliased: partly masked pixels along the front neckline.
        assert ((mask > 0) & (mask < 255)).sum() > 50, design.id
        # Pixel for pixel: the opening less the front band over it, times alpha (the shirt's collar hides a
        # few more edge pixels; translucent ribs, seams and shadows hide nothing).
        expected = opening * (1.0 - front_band) * alpha
        excess = mask - expected
        assert excess.max() <= 1.0, design.id
        hidden_more = excess < -1.0
        assert hidden_more.sum() <= (300 if design.details is draw_default.shirt_details else 0), design.id


def test_committed_inside_mask_is_what_the_script_draws(default_load: CatalogLoad) -> None:
    design = next(d for d in draw_default.designs() if d.category == "tank")
    rgba, inside, _ = draw_default.draw_front(design)
    stored = next(g for g in default_load.garments if g.id == design.id)
    assert inside is not None and stored.inside is not None
    assert np.abs(inside.astype(int) - stored.inside).mean() < 0.5
    assert np.array_equal(rgba, draw_default.draw(design)[0])  # tracking the inside leaves the picture alone
    path = default_catalog_dir() / "images" / f"{design.id}-inside.png"
    assert cv2.imread(str(path), cv2.IMREAD_UNCHANGED).ndim == 2  # stored as a greyscale PNG


def test_the_back_view_has_no_inside_mask() -> None:
    painter, _ = draw_default._painted(draw_default.designs()[1], "back")
    assert painter.inside is None and painter.inside_mask() is None


def test_a_front_without_opening_gets_no_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tee = next(d for d in draw_default.designs() if d.id == "red-badge-tee")
    plain = dataclasses.replace(tee, id="plain-tee", with_back=False)
    real = draw_default.draw_front

    def no_opening_for_plain(design: draw_default.Design) -> tuple:
        rgba, inside, anchors = real(design)
        return rgba, None if design.id == "plain-tee" else inside, anchors

    monkeypatch.setattr(draw_default, "designs", lambda: [plain, dataclasses.replace(tee, with_back=False)])
    monkeypatch.setattr(draw_default, "draw_front", no_opening_for_plain)
    draw_default.write_catalog(tmp_path)
    tables = tomllib.loads((tmp_path / "catalog.toml").read_text("utf-8"))["garments"]
    assert "inside" not in tables[0] and tables[1]["inside"] == "images/red-badge-tee-inside.png"
    assert not (tmp_path / "images" / "plain-tee-inside.png").exists()
    load = load_catalog(tmp_path)
    assert load.problems == [] and [g.inside is None for g in load.garments] == [True, False]


def test_catalog_folder_stays_small() -> None:
    total = sum(p.stat().st_size for p in default_catalog_dir().rglob("*") if p.is_file())
    assert total < 4_000_000
