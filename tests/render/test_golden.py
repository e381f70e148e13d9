"""Golden images per effect on the synthetic person + T-shirt.

Regenerate after an intended visual change (then look at the PNGs before committing them):
    MIRROR_REGEN_GOLDEN=1 .venv/bin/pytest tests/render
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from conftest import tshirt_renderer
from skimage.io import imread, imsave
from skimage.metrics import structural_similarity

from mirror_app.render import synthetic
from mirror_app.render.settings import CompositorSettings

GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("MIRROR_REGEN_GOLDEN") == "1"
SIZE = (480, 270)
OFF = {"light": False, "folds": False, "shadows": False, "occlusion": False, "hair": False}
CASES = {
    "plain": dict(OFF),
    "light": {**OFF, "light": True},
    "folds": {**OFF, "folds": True},
    "shadows": {**OFF, "shadows": True},
    "occlusion": {**OFF, "occlusion": True},
    "hair": {**OFF, "hair": True},  # drawn on the person with long hair over one shoulder
    "all_on": {},
}


@pytest.fixture(scope="module")
def scene():
    with tshirt_renderer(SIZE) as (renderer, mesh):
        frame, body, rect = synthetic.person_scene(*SIZE, light=(1.05, 0.95, 0.8))
        fit = synthetic.rect_fit(mesh, rect, bulge=0.5)
        hair_frame, hair_body, _ = synthetic.person_scene(*SIZE, light=(1.05, 0.95, 0.8), hair="long")
        yield renderer, frame, body, fit, hair_frame, hair_body


@pytest.mark.parametrize("name", list(CASES))
def test_golden(scene, name: str) -> None:
    renderer, frame, body, fit, hair_frame, hair_body = scene
    if name == "hair":
        frame, body = hair_frame, hair_body
    renderer.compositor.settings = CompositorSettings(**CASES[name])
    renderer.compositor.reset_light()
    out = renderer.render(frame, body, fit)
    path = GOLDEN / f"{name}.png"
    if REGEN or not path.exists():
        if not REGEN:
            pytest.fail(f"{path} missing: run MIRROR_REGEN_GOLDEN=1 .venv/bin/pytest tests/render/test_golden.py")
        GOLDEN.mkdir(exist_ok=True)
        imsave(path, out, check_contrast=False)
        return
    golden = imread(path)
    mad = np.abs(out.astype(np.float32) - golden).mean()
    ssim = structural_similarity(out, golden, channel_axis=2)
    assert mad < 1.0 and ssim > 0.98, f"{name}: mean abs diff {mad:.2f}, SSIM {ssim:.4f} (see {path})"


def test_goldens_differ_per_effect() -> None:
    plain = imread(GOLDEN / "plain.png").astype(np.float32)
    for name in CASES:
        if name not in ("plain", "hair"):  # hair is another scene; test_hair.py measures what it changes
            assert np.abs(imread(GOLDEN / f"{name}.png") - plain).mean() > 0.1, name
