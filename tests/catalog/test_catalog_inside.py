"""The optional `inside` mask: loaded as (H, W) uint8 coverage; a bad one is reported and only the mask is lost."""

from __future__ import annotations

import tomllib
from pathlib import Path

import cv2
import numpy as np
import pytest
from catalog_testkit import entry, mask_png_bytes, png_bytes, synthetic_inside, synthetic_rgba, write_catalog
from typer.testing import CliRunner

from mirror_app.catalog.loader import default_catalog_dir, load_catalog
from mirror_app.catalog.manifest import CatalogManifest, GarmentEntry, ManifestError, dump_manifest, validate_entry
from mirror_app.cli import app


def _encode(image: np.ndarray) -> bytes:
    """PNG bytes of an image in cv2's channel order."""
    ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()


def _mask_file(layout: str, mask: np.ndarray) -> bytes:
    """The same mask saved the ways an editor might save it."""
    if layout == "gray8":
        return mask_png_bytes(mask)
    if layout == "gray16":
        return _encode(mask.astype(np.uint16) * 257)
    if layout == "grey_rgb":
        return _encode(np.dstack([mask, mask, mask]))
    if layout == "alpha":  # a coloured layer on transparency: the alpha is the mask
        return _encode(np.dstack([np.full_like(mask, 40), np.full_like(mask, 200), np.full_like(mask, 90), mask]))
    raise AssertionError(layout)


@pytest.mark.parametrize("layout", ["gray8", "gray16", "grey_rgb", "alpha"])
def test_inside_loads_as_uint8_coverage_of_the_front(tmp_path: Path, layout: str) -> None:
    mask = synthetic_inside()
    write_catalog(tmp_path, [entry("plain"), entry("tee", inside="images/tee-inside.png")])
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "tee-inside.png").write_bytes(_mask_file(layout, mask))
    load = load_catalog(tmp_path)
    assert load.problems == []
    plain, tee = load.garments
    assert plain.inside is None and "inside" not in plain.extras
    assert tee.inside is not None
    assert tee.inside.shape == tee.rgba.shape[:2] and tee.inside.dtype == np.uint8
    assert tee.inside.flags.c_contiguous
    np.testing.assert_array_equal(tee.inside, mask)
    assert tee.extras["inside"] == "images/tee-inside.png"


def _bad_inside(root: Path, kind: str) -> tuple[str, str]:
    """Writes the bad inside file for one case; returns (path for the manifest, words expected)."""
    mask = synthetic_inside()
    if kind == "missing":
        return "gone-inside.png", "not found"
    if kind == "truncated":
        noisy = np.random.default_rng(3).integers(0, 255, (80, 60), dtype=np.uint8)
        data = mask_png_bytes(noisy)
        (root / "bad-inside.png").write_bytes(data[: len(data) // 2])
        return "bad-inside.png", "corrupt"
    if kind == "text":
        (root / "bad-inside.png").write_text("not a mask\n", "utf-8")
        return "bad-inside.png", "not a png"
    if kind == "wrong-size":
        (root / "small-inside.png").write_bytes(mask_png_bytes(synthetic_inside(30, 40)))
        return "small-inside.png", "30x40"
    if kind == "colour":  # e.g. the front image named by mistake
        opaque_front = synthetic_rgba()
        opaque_front[:, :, 3] = 255
        (root / "tee-inside.png").write_bytes(png_bytes(opaque_front))
        return "tee-inside.png", "colour"
    if kind == "inverted":
        (root / "tee-inside.png").write_bytes(mask_png_bytes(255 - mask))
        return "tee-inside.png", "inverted"
    if kind == "dotdot":
        (root.parent / "elsewhere.png").write_bytes(mask_png_bytes(mask))
        return "../elsewhere.png", "leaves the catalog"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["missing", "truncated", "text", "wrong-size", "colour", "inverted", "dotdot"])
def test_bad_inside_only_loses_the_mask(tmp_path: Path, kind: str) -> None:
    root = tmp_path / "cat"
    root.mkdir()
    inside, words = _bad_inside(root, kind)
    (root / "good-inside.png").write_bytes(mask_png_bytes(synthetic_inside()))
    write_catalog(root, [entry("tee", inside=inside), entry("other", inside="good-inside.png")])
    load = load_catalog(root)
    assert [g.id for g in load.garments] == ["tee", "other"]
    tee, other = load.garments
    assert tee.inside is None and "inside" not in tee.extras
    assert other.inside is not None  # one bad mask does not touch the next garment's
    assert len(load.problems) == 1, [str(p) for p in load.problems]
    problem = load.problems[0]
    assert problem.field == "garments[0].inside"
    assert "(inside ignored)" in problem.message and problem.fix
    assert words in (problem.message + " " + problem.fix).lower(), str(problem)
    named = Path(inside).name
    assert problem.file.endswith(named) or named in problem.message, str(problem)


def test_inside_key_round_trips_through_the_writer() -> None:
    with_mask = GarmentEntry.model_validate(entry("a-tee", inside="images/a-tee-inside.png"))
    without = GarmentEntry.model_validate(entry("b-tee"))
    text = dump_manifest(CatalogManifest(name="Shop", garments=[with_mask, without]))
    tables = tomllib.loads(text)["garments"]
    assert tables[0]["inside"] == "images/a-tee-inside.png" and "inside" not in tables[1]
    assert validate_entry(tables[0], 0) == with_mask
    with pytest.raises(ManifestError) as info:
        validate_entry(entry("c-tee", inside=""), 2)
    assert info.value.issues[0][0] == "garments[2].inside"


def test_catalog_check_names_a_bad_inside_and_passes_the_default(tmp_path: Path) -> None:
    (tmp_path / "small-inside.png").write_bytes(mask_png_bytes(synthetic_inside(30, 40)))
    write_catalog(tmp_path, [entry("tee", inside="small-inside.png")])
    runner = CliRunner()
    result = runner.invoke(app, ["catalog", "check", str(tmp_path)])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 2, result.output
    assert "small-inside.png [garments[0].inside]" in lines[0] and "(inside ignored)" in lines[0]
    assert "fix:" in lines[0]
    assert lines[1] == "1 garments OK, 1 problems"
    shipped = runner.invoke(app, ["catalog", "check", str(default_catalog_dir())])
    assert shipped.exit_code == 0, shipped.output
    assert shipped.output.strip().endswith("6 garments OK, 0 problems")
