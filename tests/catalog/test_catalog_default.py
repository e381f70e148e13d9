"""The shipped default catalog: complete, well anchored, and in sync with the script that draws it."""

from __future__ import annotations

import numpy as np
import pytest

from mirror_app.catalog import draw_default
from mirror_app.catalog.draw_shapes import build_top
from mirror_app.catalog.loader import CatalogLoad, default_catalog_dir, load_catalog
from mirror_app.catalog.manifest import REQUIRED_ANCHORS, iter_anchor_pairs

EDGE_ANCHORS = ("left_shoulder", "right_shoulder", "left_armpit", "right_armpit", "left_hem", "right_hem")


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


def test_catalog_folder_stays_small() -> None:
    total = sum(p.stat().st_size for p in default_catalog_dir().rglob("*") if p.is_file())
    assert total < 4_000_000
