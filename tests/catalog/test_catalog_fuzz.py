"""Damaged files of every kind must never make load_catalog raise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from catalog_testkit import entry, png_bytes, write_catalog

from mirror_app.catalog.garment import Garment
from mirror_app.catalog.loader import load_catalog


def _mutate(data: bytes, rng: np.random.Generator) -> bytes:
    """Flips a few bytes, truncates, or both."""
    buf = bytearray(data)
    mode = rng.integers(3)
    if mode in (0, 2):
        for _ in range(int(rng.integers(1, 8))):
            buf[int(rng.integers(len(buf)))] = int(rng.integers(256))
    if mode in (1, 2):
        buf = buf[: int(rng.integers(len(buf)))]
    return bytes(buf)


@pytest.mark.parametrize("case", range(50))
def test_damaged_manifest_or_image_never_raises(tmp_path: Path, case: int) -> None:
    rng = np.random.default_rng(1000 + case)
    image = np.zeros((48, 40, 4), np.uint8)
    image[4:, 6:34] = rng.integers(0, 256, (44, 28, 4), dtype=np.uint8)
    image[4:, 6:34, 3] = 255
    write_catalog(tmp_path, [entry("a", anchors=_small_anchors()), entry("b", anchors=_small_anchors())])
    good = png_bytes(image)
    (tmp_path / "a.png").write_bytes(good)
    (tmp_path / "b.png").write_bytes(good)
    manifest = tmp_path / "catalog.toml"
    target = rng.integers(3)
    if target in (0, 2):
        manifest.write_bytes(_mutate(manifest.read_bytes(), rng))
    if target in (1, 2):
        (tmp_path / "a.png").write_bytes(_mutate(good, rng))
    load = load_catalog(tmp_path)
    assert len(load.garments) + len(load.problems) >= 1
    for garment in load.garments:
        assert isinstance(garment, Garment)
        assert garment.rgba.dtype == np.uint8 and garment.rgba.ndim == 3 and garment.rgba.shape[2] == 4
        assert garment.rgba.shape[0] <= 48 and garment.rgba.shape[1] <= 40


def _small_anchors() -> dict[str, list[float]]:
    return {
        "neck": [20.0, 5.0],
        "left_shoulder": [32.0, 6.0],
        "right_shoulder": [8.0, 6.0],
        "left_armpit": [32.0, 18.0],
        "right_armpit": [8.0, 18.0],
        "left_hem": [32.0, 46.0],
        "right_hem": [8.0, 46.0],
    }
