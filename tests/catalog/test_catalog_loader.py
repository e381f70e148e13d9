"""Bad catalogs must degrade into Problems while every good entry still loads."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from catalog_testkit import anchors, entry, png_bytes, synthetic_rgba, write_catalog

from mirror_app.catalog import image_file
from mirror_app.catalog.loader import CatalogLoad, default_catalog_dir, load_catalog, load_catalog_or_default
from mirror_app.catalog.problem import Problem


def _ids(load: CatalogLoad) -> list[str]:
    return [g.id for g in load.garments]


def _only_problem(load: CatalogLoad) -> Problem:
    assert len(load.problems) == 1, [str(p) for p in load.problems]
    return load.problems[0]


def test_good_catalog_loads_in_manifest_order(tmp_path: Path) -> None:
    write_catalog(tmp_path, [entry("b-tee"), entry("a-tee"), entry("c-tee", back="c-tee.png")], name="Shop")
    load = load_catalog(tmp_path)
    assert load.name == "Shop"
    assert _ids(load) == ["b-tee", "a-tee", "c-tee"]
    assert load.problems == []
    garment = load.garments[0]
    assert garment.rgba.shape == (80, 60, 4) and garment.rgba.dtype == np.uint8
    assert tuple(garment.rgba[40, 30]) == (200, 40, 30, 255)  # RGB order, not cv2's BGR
    assert garment.anchors["left_shoulder"] == tuple(anchors()["left_shoulder"])
    assert garment.sizes[0].label == "M" and garment.sizes[0].chest_cm == 100.0
    assert garment.sku == "B-TEE" and garment.price == "€10"
    assert garment.back_rgba is None and load.garments[2].back_rgba is not None


def test_manifest_file_path_is_accepted_too(tmp_path: Path) -> None:
    manifest = write_catalog(tmp_path, [entry("a-tee")])
    assert _ids(load_catalog(manifest)) == ["a-tee"]


def test_malformed_toml_gives_no_garments_and_a_problem(tmp_path: Path) -> None:
    write_catalog(tmp_path, [entry("a-tee")])
    (tmp_path / "catalog.toml").write_text('schema_version = 1\nname = "x\n[[garments]]\n', "utf-8")
    load = load_catalog(tmp_path)
    problem = _only_problem(load)
    assert load.garments == []
    assert problem.file.endswith("catalog.toml") and "TOML" in problem.message


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("", "schema_version"),
        ('schema_version = 2\nname = "x"\n', "schema_version"),
        ('schema_version = 1\nname = "x"\ncolour = "red"\n', "colour"),
        ('schema_version = 1\nname = "x"\ngarments = 3\n', "garments"),
    ],
)
def test_bad_manifest_top_level_is_reported(tmp_path: Path, text: str, field: str) -> None:
    (tmp_path / "catalog.toml").write_text(text, "utf-8")
    problem = _only_problem(load_catalog(tmp_path))
    assert problem.field.startswith(field), str(problem)


def test_missing_manifest_and_missing_folder(tmp_path: Path) -> None:
    assert "not found" in _only_problem(load_catalog(tmp_path)).message
    gone = load_catalog(tmp_path / "nope")
    assert gone.garments == [] and "not found" in _only_problem(gone).message


def test_non_utf8_manifest(tmp_path: Path) -> None:
    (tmp_path / "catalog.toml").write_bytes(b'schema_version = 1\nname = "\xff\xfe"\n')
    assert "UTF-8" in _only_problem(load_catalog(tmp_path)).message


def test_oversized_manifest_is_refused_unread(tmp_path: Path) -> None:
    manifest = write_catalog(tmp_path, [entry("a-tee")])
    with manifest.open("a", encoding="utf-8") as handle:
        handle.write(("# padding " + "x" * 1013 + "\n") * 10_000)  # ~10 MB
    assert manifest.stat().st_size > 10_000_000
    load = load_catalog(tmp_path)
    problem = _only_problem(load)
    assert load.garments == [] and "too large" in problem.message and problem.file.endswith("catalog.toml")


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        (entry("bad", colour="red"), "garments[1].colour", "unknown key"),
        (entry("bad", price=12), "garments[1].price", "string"),
        (entry("bad", category="hat"), "garments[1].category", "hat"),
        (entry("bad", id="Bad Id"), "garments[1].id", "pattern"),
        (entry("bad", anchors={**anchors(), "neck": "middle"}), "garments[1].anchors.neck", "tuple"),
        (entry("bad", anchors={**anchors(), "neck": [1.0]}), "garments[1].anchors.neck[1]", "required"),
        (entry("bad", sizes=[{"label": "M", "chest_cm": "big"}]), "garments[1].sizes[0].chest_cm", "number"),
        (
            entry("bad", anchors={k: v for k, v in anchors().items() if k != "left_hem"}),
            "garments[1].anchors",
            "left_hem",
        ),
        (
            entry("bad", anchors={**anchors(), "left_shoulder": [10.0, 8.0], "right_shoulder": [50.0, 8.0]}),
            "garments[1].anchors",
            "WEARER",
        ),
        (entry("bad", anchors={**anchors(), "left_hip": [1.0, 1.0]}), "garments[1].anchors", "left_hip"),
        (entry("bad", anchors={**anchors(), "left_cuff": [55.0, 30.0]}), "garments[1].anchors", "both sides"),
    ],
)
def test_bad_entry_is_skipped_and_named(tmp_path: Path, bad: dict, field: str, words: str) -> None:
    write_catalog(tmp_path, [entry("good-a"), bad, entry("good-b")])
    load = load_catalog(tmp_path)
    problem = _only_problem(load)
    assert _ids(load) == ["good-a", "good-b"]
    assert problem.field == field, str(problem)
    assert words.lower() in (problem.message + problem.fix).lower(), str(problem)
    assert problem.file.endswith("catalog.toml") and problem.fix


def test_duplicate_id_keeps_the_first(tmp_path: Path) -> None:
    write_catalog(tmp_path, [entry("tee", name="First"), entry("other"), entry("tee", name="Second")])
    load = load_catalog(tmp_path)
    problem = _only_problem(load)
    assert [(g.id, g.name) for g in load.garments] == [("tee", "First"), ("other", "Other")]
    assert problem.field == "garments[2].id" and "duplicate" in problem.message


def test_anchor_outside_the_image(tmp_path: Path) -> None:
    write_catalog(tmp_path, [entry("good"), entry("bad", anchors={**anchors(), "left_hem": [61.5, 75.0]})])
    load = load_catalog(tmp_path)
    assert _ids(load) == ["good"] and _only_problem(load).field == "garments[1].anchors.left_hem"


def _bad_image_case(tmp_path: Path, kind: str) -> tuple[str, str]:
    """Writes the bad file for one case; returns (front path for the manifest, words expected)."""
    outside = tmp_path / "elsewhere.png"
    outside.write_bytes(png_bytes(synthetic_rgba()))
    root = tmp_path / "cat"
    root.mkdir()
    good = png_bytes(synthetic_rgba())
    if kind == "missing":
        return "missing.png", "not found"
    if kind == "truncated":
        big = png_bytes(np.random.default_rng(1).integers(0, 255, (120, 100, 4), dtype=np.uint8))
        (root / "bad.png").write_bytes(big[: len(big) // 2])
        return "bad.png", "corrupt"
    if kind == "text":
        (root / "bad.png").write_text("this is not an image\n", "utf-8")
        return "bad.png", "not a png"
    if kind == "dotdot":
        return "../elsewhere.png", "leaves the catalog"
    if kind == "absolute":
        return str(outside), "absolute"
    if kind == "symlink":
        os.symlink(outside, root / "link.png")
        return "link.png", "outside the catalog"
    if kind == "backslash":
        (root / "bad.png").write_bytes(good)
        return "sub\\bad.png", "backslash"
    if kind == "folder":
        (root / "bad.png").mkdir()
        return "bad.png", "not a regular file"
    if kind == "bmp":
        ok, data = cv2.imencode(".bmp", synthetic_rgba()[:, :, :3])
        (root / "bad.png").write_bytes(data.tobytes())
        return "bad.png", "not a png"
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind", ["missing", "truncated", "text", "dotdot", "absolute", "symlink", "backslash", "folder", "bmp"]
)
def test_bad_front_image_is_skipped_and_named(tmp_path: Path, kind: str) -> None:
    front, words = _bad_image_case(tmp_path, kind)
    root = tmp_path / "cat"
    write_catalog(root, [entry("good-a"), entry("bad", front=front), entry("good-b")], images=False)
    for name in ("good-a.png", "good-b.png"):
        (root / name).write_bytes(png_bytes(synthetic_rgba()))
    load = load_catalog(root)
    problem = _only_problem(load)
    assert _ids(load) == ["good-a", "good-b"]
    assert problem.field == "garments[1].front"
    assert words in (problem.message + " " + problem.fix).lower(), str(problem)
    named = Path(front.replace("\\", "/")).name
    assert named in problem.file or named in problem.message, str(problem)


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims the given size, followed by a little (far too short) image data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 4096)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_huge_png_header_is_refused_before_decoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    huge = _png_claiming(20000, 20000)
    decoded_sizes: list[int] = []
    real = cv2.imdecode

    def spy(buf: np.ndarray, flags: int) -> np.ndarray | None:
        decoded_sizes.append(len(buf))
        return real(buf, flags)

    monkeypatch.setattr(image_file.cv2, "imdecode", spy)
    write_catalog(tmp_path, [entry("good"), entry("huge")])
    (tmp_path / "huge.png").write_bytes(huge)
    load = load_catalog(tmp_path)
    problem = _only_problem(load)
    assert _ids(load) == ["good"]
    assert "20000x20000" in problem.message and problem.file.endswith("huge.png")
    assert len(huge) not in decoded_sizes and decoded_sizes  # the good one was decoded, the huge one never


def test_oversized_image_file_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(image_file, "MAX_IMAGE_BYTES", 1000)
    big = png_bytes(np.random.default_rng(2).integers(0, 255, (40, 40, 4), dtype=np.uint8))
    assert len(big) > 1000
    write_catalog(tmp_path, [entry("good"), entry("big")])
    (tmp_path / "big.png").write_bytes(big)
    load = load_catalog(tmp_path)
    assert _ids(load) == ["good"] and "too large" in _only_problem(load).message


def test_bad_back_image_only_loses_the_back(tmp_path: Path) -> None:
    write_catalog(tmp_path, [entry("a", back="gone.png"), entry("b", back="small.png")])
    (tmp_path / "small.png").write_bytes(png_bytes(synthetic_rgba(30, 40)))
    load = load_catalog(tmp_path)
    assert _ids(load) == ["a", "b"]
    assert all(g.back_rgba is None for g in load.garments)
    assert [p.field for p in load.problems] == ["garments[0].back", "garments[1].back"]


@pytest.mark.parametrize("layout", ["gray", "gray16", "rgb", "rgba16", "jpeg", "gray_alpha"])
def test_image_layouts_become_rgba_uint8_in_rgb_order(tmp_path: Path, layout: str) -> None:
    rgba = synthetic_rgba()
    bgr = cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGR)
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    ext = ".png"
    if layout == "gray":
        image = gray
    elif layout == "gray16":
        image = gray.astype(np.uint16) * 257
    elif layout == "rgb":
        image = bgr
    elif layout == "rgba16":
        image = cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA).astype(np.uint16) * 257
    elif layout == "gray_alpha":
        image = np.dstack([gray, gray, gray, rgba[:, :, 3]])
    else:
        image, ext = bgr, ".jpg"
    ok, data = cv2.imencode(ext, image)
    assert ok
    write_catalog(tmp_path, [entry("g", front=f"g{ext}")], images=False)
    (tmp_path / f"g{ext}").write_bytes(data.tobytes())
    load = load_catalog(tmp_path)
    assert load.problems == []
    out = load.garments[0].rgba
    assert out.dtype == np.uint8 and out.shape == (80, 60, 4)
    red, green, blue, alpha = (int(v) for v in out[40, 30])
    if layout in ("gray", "gray16", "gray_alpha"):
        assert red == green == blue == int(gray[40, 30])
    else:
        assert abs(red - 200) <= 6 and abs(blue - 30) <= 8 and red > green > 0
    opaque_background = layout in ("gray", "gray16", "rgb", "jpeg")
    assert alpha == 255 and (out[0, 0, 3] == 255) == opaque_background


def test_thumbnail_is_small_rgba_without_dark_fringes(tmp_path: Path) -> None:
    rgba = np.zeros((400, 300, 4), np.uint8)
    rgba[50:350, 60:240] = (250, 250, 250, 255)
    write_catalog(tmp_path, [entry("g", anchors=anchors(300, 400))], images=False)
    (tmp_path / "g.png").write_bytes(png_bytes(rgba))
    thumb = load_catalog(tmp_path).garments[0].thumbnail
    assert thumb is not None and thumb.dtype == np.uint8
    assert thumb.shape == (128, 96, 4)
    edge = thumb[(thumb[:, :, 3] > 0) & (thumb[:, :, 3] < 255)]
    assert len(edge) and edge[:, :3].min() >= 240  # colour stays white where alpha is partial


def test_problem_str_is_one_readable_line() -> None:
    text = str(Problem("shop/catalog.toml", "garments[2].front", "file not found", "check the name"))
    assert "\n" not in text
    for part in ("shop/catalog.toml", "garments[2].front", "file not found", "check the name"):
        assert part in text


def test_default_catalog_dir_points_into_assets() -> None:
    path = default_catalog_dir()
    assert path.parts[-3:] == ("assets", "catalogs", "default") and (path / "catalog.toml").is_file()


def test_or_default_falls_back_and_keeps_problems(tmp_path: Path) -> None:
    write_catalog(tmp_path, [entry("bad", front="gone.png")], images=False)
    load = load_catalog_or_default(tmp_path)
    default = load_catalog(default_catalog_dir())
    assert _ids(load) == _ids(default) and _ids(load)
    assert load.problems[0].field == "garments[0].front"
    assert any("default catalog" in p.message for p in load.problems)


def test_or_default_keeps_a_working_catalog(tmp_path: Path) -> None:
    write_catalog(tmp_path, [entry("mine")])
    assert _ids(load_catalog_or_default(tmp_path)) == ["mine"]
    assert _ids(load_catalog_or_default(None)) == _ids(load_catalog(default_catalog_dir()))
