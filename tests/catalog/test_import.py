"""Importing product photos: synthetic garments with known outlines and anchors, plus the real sample photos."""

from __future__ import annotations

import tomllib
from pathlib import Path

import cv2
import numpy as np
import pytest
from import_testkit import (
    Photo,
    bbox,
    dress_spec,
    iou,
    long_sleeve_spec,
    photo,
    save,
    tank_spec,
    tee_spec,
)

from mirror_app.catalog.cutout import CutoutError, cut_out
from mirror_app.catalog.draw_shapes import TopSpec
from mirror_app.catalog.importer import import_photos, slugify
from mirror_app.catalog.loader import load_catalog
from mirror_app.catalog.manifest import REQUIRED_ANCHORS
from mirror_app.catalog.shape_anchors import find_anchors

MEDIA = Path(__file__).resolve().parents[3] / "shared" / "media" / "garments"
ANCHOR_TOLERANCE = 0.04  # of the garment's height
WAIST_TOLERANCE = 0.06  # the drawn waist sits at the spec's height, the narrowest point a little lower

CASES: dict[str, tuple[TopSpec, tuple[int, int, int], tuple[int, int, int], bool, str, str]] = {
    # name: (shape, fabric RGB, backdrop RGB, see-through neck, file type, category)
    "red-tee": (tee_spec(), (200, 30, 30), (250, 250, 250), False, ".jpg", "t-shirt"),
    "white-tee-on-grey": (tee_spec(), (252, 252, 252), (236, 236, 238), True, ".jpg", "t-shirt"),
    "grey-long-sleeve": (long_sleeve_spec(), (120, 125, 130), (246, 246, 246), False, ".png", "long-sleeve"),
    "black-tank": (tank_spec(), (35, 35, 40), (244, 244, 244), False, ".jpg", "tank"),
    "blue-dress": (dress_spec(), (90, 130, 200), (248, 248, 248), True, ".png", "dress"),
}


def _photo(name: str, seed: int = 0) -> Photo:
    spec, colour, backdrop, hole, _, _ = CASES[name]
    return photo(spec, colour, backdrop, neck_hole=hole, seed=seed)


def _decoded(path: Path) -> np.ndarray:
    """What the importer sees: the saved file decoded to RGBA."""
    rgb = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    return np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Photo, Path]]:
    """Every case drawn once and saved in its file type."""
    folder = tmp_path_factory.mktemp("photos")
    out = {}
    for name, (*_, suffix, _category) in CASES.items():
        shot = _photo(name)
        out[name] = (shot, save(shot, folder / f"{name}{suffix}"))
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_cutout_matches_the_drawn_garment(name: str, saved: dict[str, tuple[Photo, Path]]) -> None:
    shot, path = saved[name]
    cut = cut_out(_decoded(path))
    found = cut.rgba[:, :, 3] >= 128
    assert iou(found, shot.coverage >= 0.5) > 0.95
    if shot.neck_hole.any():
        # The backdrop seen through the neck is transparent, the collar band above it is kept.
        inner = cv2.erode(shot.neck_hole.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
        assert np.mean(cut.rgba[:, :, 3][inner] == 0) > 0.95
        assert cut.holes >= 1
    assert cut.quality > 0.6


def test_inside_back_seen_through_the_neck_stays_fabric(saved: dict[str, tuple[Photo, Path]]) -> None:
    shot, path = saved["red-tee"]  # drawn with the darker inside back showing through the neck
    cut = cut_out(_decoded(path))
    cx = shot.rgb.shape[1] // 2
    neck_y = round(shot.anchors["neck"][1])
    assert cut.holes == 0
    assert (cut.rgba[neck_y + 3 : neck_y + 25, cx - 10 : cx + 10, 3] == 255).all()


def test_no_light_halo_around_a_red_tee_on_white(saved: dict[str, tuple[Photo, Path]]) -> None:
    shot, path = saved["red-tee"]
    cut = cut_out(_decoded(path))
    alpha = cut.rgba[:, :, 3]
    visible = alpha > 0
    rim = visible & ~cv2.erode(visible.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    inside = cv2.erode(visible.astype(np.uint8), np.ones((15, 15), np.uint8)).astype(bool)
    green = cut.rgba[:, :, 1].astype(float)
    # Red fabric has little green; white backdrop mixed into the rim would show as a pinkish ring.
    assert np.percentile(green[rim], 95) < np.percentile(green[inside], 95) + 25
    # Composited over black, the rim is never brighter than the fabric it belongs to.
    over_black = cut.rgba[:, :, :3].astype(float).mean(axis=2) * alpha / 255.0
    assert np.percentile(over_black[rim], 99) <= np.percentile(over_black[inside], 99) + 12


@pytest.mark.parametrize("name", list(CASES))
def test_anchors_from_the_shape_match_the_geometry(name: str, saved: dict[str, tuple[Photo, Path]]) -> None:
    shot, path = saved[name]
    category = CASES[name][5]
    cut = cut_out(_decoded(path))
    for hint in (category, None):  # with the category given and guessed from the shape
        found = find_anchors(cut.rgba[:, :, 3], hint)
        assert found.category == category
        assert set(found.anchors) == set(shot.anchors)
        height = bbox(shot.coverage >= 0.5)[3] - bbox(shot.coverage >= 0.5)[1]
        for anchor, truth in shot.anchors.items():
            error = float(np.hypot(*np.subtract(found.anchors[anchor], truth))) / height
            limit = WAIST_TOLERANCE if anchor.endswith("waist") else ANCHOR_TOLERANCE
            assert error < limit, f"{name} {anchor}: {found.anchors[anchor]} vs {truth} ({error:.1%})"
        assert found.confidence > 0.7
        assert category in found.note and "symmetric" in found.note


def test_import_writes_a_catalog_that_loads(tmp_path: Path, saved: dict[str, tuple[Photo, Path]]) -> None:
    catalog = tmp_path / "shop"
    paths = [path for _, path in saved.values()]
    seen: list[tuple[int, int, str]] = []
    results = import_photos(paths, catalog, progress=lambda done, total, text: seen.append((done, total, text)))
    assert [r.ok for r in results] == [True] * len(paths), [str(r) for r in results]
    assert seen[0][:2] == (0, len(paths)) and seen[-1][:2] == (len(paths), len(paths))
    assert [r.garment_id for r in results] == [slugify(p.stem) for p in paths]
    load = load_catalog(catalog)
    assert load.problems == []
    garments = {g.id: g for g in load.garments}
    for result, (name, (shot, _)) in zip(results, saved.items(), strict=True):
        assert result.garment_id is not None and 0.0 < result.confidence <= 1.0
        assert result.note.startswith(f"added as '{result.garment_id}'")
        garment = garments[result.garment_id]
        assert garment.category == CASES[name][5]
        assert garment.rgba.shape[0] <= 1024
        # The image is cropped: compare anchors relative to the garment's bounding box.
        x0, y0, _, y1 = bbox(garment.rgba[:, :, 3] >= 128)
        tx0, ty0, _, ty1 = bbox(shot.coverage >= 0.5)
        for anchor in REQUIRED_ANCHORS:
            got = np.subtract(garment.anchors[anchor], (x0, y0))
            want = np.subtract(shot.anchors[anchor], (tx0, ty0))
            assert np.hypot(*(got - want)) / (ty1 - ty0) < ANCHOR_TOLERANCE, (name, anchor)
    text = (catalog / "catalog.toml").read_text(encoding="utf-8")
    assert tomllib.loads(text)["schema_version"] == 1


def test_a_bad_photo_fails_alone(tmp_path: Path, saved: dict[str, tuple[Photo, Path]]) -> None:
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(saved["red-tee"][1].read_bytes()[:600])
    not_image = tmp_path / "notes.png"
    not_image.write_text("not a picture")
    empty = tmp_path / "empty.png"
    cv2.imwrite(str(empty), np.full((400, 300, 3), 245, np.uint8))
    missing = tmp_path / "missing.jpg"
    good = saved["black-tank"][1]
    results = import_photos([corrupt, not_image, good, empty, missing], tmp_path / "shop")
    assert [r.ok for r in results] == [False, False, True, False, False]
    for result in results:
        assert "\n" not in result.note and result.note
        if not result.ok:
            assert result.garment_id is None and "fix:" in result.note
            assert str(result).startswith(f"FAILED {result.path.name}: ")
    assert "no garment" in results[3].note
    assert [g.id for g in load_catalog(tmp_path / "shop").garments] == ["black-tank"]


def test_cutout_refuses_a_photo_without_background() -> None:
    noise = np.random.default_rng(1).integers(0, 255, (300, 300, 3), dtype=np.uint8)
    with pytest.raises(CutoutError):
        cut_out(np.dstack([noise, np.full((300, 300), 255, np.uint8)]))


def test_existing_entries_kept_ids_unique_and_reimport_updates(
    tmp_path: Path, saved: dict[str, tuple[Photo, Path]]
) -> None:
    catalog = tmp_path / "shop"
    first = import_photos([saved["red-tee"][1]], catalog, category="t-shirt")
    assert first[0].garment_id == "red-tee"
    # A staff edit to the entry survives a re-import of the same photo.
    manifest = catalog / "catalog.toml"
    manifest.write_text(manifest.read_text().replace('name = "Red tee"', 'name = "Red tee (spring)"'))
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    same_stem = save(_photo("black-tank"), other_dir / "red-tee.png")
    again = import_photos([saved["red-tee"][1], same_stem], catalog)
    assert [r.garment_id for r in again] == ["red-tee", "red-tee-2"]
    assert again[0].note.startswith("updated 'red-tee'")
    load = load_catalog(catalog)
    assert [g.id for g in load.garments] == ["red-tee", "red-tee-2"]
    assert load.garments[0].name == "Red tee (spring)"


def test_reimport_drops_an_inside_mask_drawn_for_the_old_image(
    tmp_path: Path, saved: dict[str, tuple[Photo, Path]]
) -> None:
    catalog = tmp_path / "shop"
    import_photos([saved["red-tee"][1]], catalog)
    manifest = catalog / "catalog.toml"
    front = load_catalog(catalog).garments[0].rgba
    mask = np.zeros(front.shape[:2], np.uint8)
    mask[20:40, front.shape[1] // 2 - 20 : front.shape[1] // 2 + 20] = 255
    cv2.imwrite(str(catalog / "images" / "red-tee-inside.png"), mask)
    line = 'front = "images/red-tee.png"\n'
    manifest.write_text(manifest.read_text().replace(line, line + 'inside = "images/red-tee-inside.png"\n'))
    assert load_catalog(catalog).garments[0].inside is not None
    again = import_photos([saved["red-tee"][1]], catalog)
    assert again[0].ok and again[0].note.startswith("updated 'red-tee'")
    assert "inside" not in tomllib.loads(manifest.read_text())["garments"][0]
    load = load_catalog(catalog)
    assert load.problems == [] and load.garments[0].inside is None


def test_refuses_to_rewrite_a_broken_manifest(tmp_path: Path, saved: dict[str, tuple[Photo, Path]]) -> None:
    catalog = tmp_path / "shop"
    catalog.mkdir()
    broken = 'schema_version = 1\nname = "Shop"\n[[garments]]\nid = "Bad Id"\n'
    (catalog / "catalog.toml").write_text(broken)
    results = import_photos([saved["red-tee"][1]], catalog)
    assert not results[0].ok and "left untouched" in results[0].note
    assert (catalog / "catalog.toml").read_text() == broken


def test_writes_only_inside_the_catalog(tmp_path: Path, saved: dict[str, tuple[Photo, Path]]) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    source = photos / "tee.jpg"
    source.write_bytes(saved["red-tee"][1].read_bytes())
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    import_photos([source], tmp_path / "shop")
    after = {p for p in tmp_path.rglob("*")}
    new = {p for p in after if p not in before}
    assert all(p.is_relative_to(tmp_path / "shop") for p in new)
    assert all(p.stat().st_mtime_ns == before[p] for p in before if p.exists() and not p.is_dir())
    assert sorted(p.name for p in (tmp_path / "shop").rglob("*")) == ["catalog.toml", "images", "tee.png"]


@pytest.mark.media
@pytest.mark.skipif(not MEDIA.is_dir(), reason="needs ../shared/media (sample product photos)")
def test_real_product_photos_import_with_plausible_anchors(tmp_path: Path) -> None:
    photos = sorted(MEDIA.glob("*.jpg"))
    assert photos
    results = import_photos(photos, tmp_path / "shop")
    assert all(r.ok for r in results), [str(r) for r in results]
    load = load_catalog(tmp_path / "shop")
    assert len(load.garments) == len(photos) and not load.problems
    for result, garment in zip(results, load.garments, strict=True):
        assert result.confidence >= 0.4, str(result)
        a = garment.anchors
        x0, y0, x1, y1 = bbox(garment.rgba[:, :, 3] >= 128)
        width, height = x1 - x0, y1 - y0
        assert abs(a["neck"][0] - (x0 + x1) / 2) < 0.08 * width
        assert a["neck"][1] < y0 + 0.3 * height
        for side in ("left", "right"):
            assert a[f"{side}_shoulder"][1] < a[f"{side}_armpit"][1] < a[f"{side}_hem"][1]
            assert a[f"{side}_hem"][1] > y0 + 0.85 * height
        for part in ("shoulder", "armpit", "hem"):
            assert abs(a[f"left_{part}"][1] - a[f"right_{part}"][1]) < 0.12 * height
        # Garment photos are roughly symmetric: pairs sit on both sides of the centre line at similar spans.
        centre = a["neck"][0]
        for part in ("shoulder", "armpit", "hem"):
            left, right = a[f"left_{part}"][0] - centre, centre - a[f"right_{part}"][0]
            assert left > 0 and right > 0 and abs(left - right) < 0.15 * width
        # The cut-out keeps the garment (it is most of its bounding box) and drops the backdrop.
        alpha = garment.rgba[:, :, 3]
        assert 0.4 < (alpha >= 128).mean() < 0.95
        assert (alpha[:3] == 0).all() and (alpha[-3:] == 0).all()


def _cap_sleeve_tee(underside_y: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A tee with wide short cap sleeves (as the Minnie tee, vitonhd-04743-00): each sleeve's top edge falls
    45 degrees from the shoulder, its opening is nearly upright and its underside rises back to a deep armpit.
    underside_y bends the image-left sleeve's underside down there (a fold in the photo). Returns the alpha and
    the image-left opening's middle."""
    cx = 360.0
    half = [(cx - 60, 60), (cx - 170, 90), (cx - 250, 170), (cx - 238, 260), (cx - 160, 300), (cx - 165, 620)]
    bent = half if underside_y is None else [*half[:4], (cx - 205, underside_y), *half[4:]]
    outline = np.array(bent + [(2 * cx - x, y) for x, y in half[::-1]])
    alpha = np.zeros((680, 720), np.uint8)
    cv2.fillPoly(alpha, [np.round(outline * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
    return alpha, (np.array(half[2]) + np.array(half[3])) / 2


def _sleeve_drop_deg(anchors: dict[str, tuple[float, float]], side: str) -> float:
    """How far below horizontal the sleeve's axis runs, from the armhole's middle to the cuff."""
    root = (np.array(anchors[f"{side}_shoulder"]) + np.array(anchors[f"{side}_armpit"])) / 2
    dx, dy = np.subtract(anchors[f"{side}_cuff"], root)
    return float(np.degrees(np.arctan2(dy, abs(dx))))


def test_a_cap_sleeves_cuff_is_the_middle_of_its_opening() -> None:
    """Measured along the line to the sleeve's outermost corner, the cuff landed at the opening's bottom corner
    (54 px off, the axis 49 degrees down where the sleeve lies at 14): a lowered arm turned it out as a wing."""
    alpha, opening = _cap_sleeve_tee()
    found = find_anchors(alpha, "t-shirt")
    cuff = np.array(found.anchors["right_cuff"])
    assert np.hypot(*(cuff - opening)) < 8.0, f"cuff {cuff} vs the opening's middle {opening}"
    root = np.array([360.0 - 165.0, (90 + 300) / 2])  # the armhole's middle, from the shoulder point to the armpit
    truth = float(np.degrees(np.arctan2(opening[1] - root[1], root[0] - opening[0])))
    for side in ("right", "left"):
        assert abs(_sleeve_drop_deg(found.anchors, side) - truth) < 5.0
    assert abs(found.anchors["left_cuff"][0] + found.anchors["right_cuff"][0] - 720.0) < 2.0


def test_a_fold_under_one_sleeve_does_not_hang_the_sleeves_apart() -> None:
    """Garments are cut symmetric: both sleeves take one slope, so one bent underside in the photo does not give
    its sleeve its own angle (measured alone, the two axes read 6 degrees apart)."""
    alpha, _ = _cap_sleeve_tee(underside_y=292.0)
    found = find_anchors(alpha, "t-shirt")
    assert abs(_sleeve_drop_deg(found.anchors, "right") - _sleeve_drop_deg(found.anchors, "left")) < 4.0
