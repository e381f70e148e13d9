"""Export parity: the ONNX model against torch (numpy analytic warp + torch refiner) on varied synthetic bodies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort

from mirror_app.catalog.loader import load_catalog_or_default
from mirror_app.generator.binding import bind_garment
from mirror_app.learn.export import refiner_from_checkpoint, torch_reference


def random_feeds(rng: np.random.Generator, garment_index: int = 0) -> dict[str, np.ndarray]:
    """Contract feeds for a plausible upright body with jittered joints, on a built-in catalog garment."""
    garments = load_catalog_or_default(None).garments
    binding = bind_garment(garments[garment_index % len(garments)])
    lm = np.zeros((33, 3), np.float32)
    lm[:, 2] = 0.9
    lm[:, 0] = 640 + rng.normal(0, 60, 33)
    lm[:, 1] = 360 + rng.normal(0, 60, 33)
    lm[11, :2], lm[12, :2] = (720, 250), (560, 250)  # shoulders (wearer's left on the image's right)
    lm[23, :2], lm[24, :2] = (700, 470), (580, 470)
    lm[[13, 14, 15, 16, 23, 24], :2] += rng.normal(0, 15, (6, 2))
    world = rng.normal(0, 0.2, (33, 3)).astype(np.float32)
    world[11], world[12] = (0.18, -0.5, 0.0), (-0.18, -0.5, 0.0)
    sil = np.abs(rng.normal(90, 10, (3, 2))).astype(np.float32)
    return {
        "landmarks": lm.astype(np.float32),
        "world": world,
        "silhouette": sil,
        "rest_vertices": binding.rest_vertices,
        "skin_weights": binding.skin_weights,
        "rest_bones": binding.rest_bones,
        "garment_params": binding.params,
        "shoulder_tops": np.abs(rng.normal(25, 8, 2)).astype(np.float32),
        "arm_reach": np.abs(rng.normal(30, 8, 2)).astype(np.float32),
        "sleeve_halves": binding.sleeve_halves,
        "forearm_widths": np.abs(rng.normal(35, 8, 2)).astype(np.float32),
        "cuff_widths": binding.cuff_widths,
    }


def parity(checkpoint: Path, model: Path, trials: int = 4) -> float:
    """Largest absolute difference (px for vertices) between ORT and torch over a few random bodies."""
    refiner, _hp = refiner_from_checkpoint(checkpoint)
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    worst = 0.0
    for k in range(trials):
        feeds = random_feeds(rng, k)
        got = session.run(["vertices", "shading", "alpha"], feeds)
        want = torch_reference(refiner, feeds)
        worst = max(worst, *(float(np.abs(g - w).max()) for g, w in zip(got, want, strict=True)))
    return worst
