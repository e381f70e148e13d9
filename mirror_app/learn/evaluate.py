"""Held-out evaluation: masked L1 and SSIM of the learned generator and of the analytic one, on the same frames.

Both are measured the same way, in garment space: the garment's albedo (from the training split's reference
frames) times the generator's shading (1 for the analytic one), against the held-out frame sampled at the
generator's vertices, inside the fabric that the analytic fit puts on the person (the same pixels for both).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from mirror_app.generator import contract
from mirror_app.generator.runtime import input_names, learned_feeds
from mirror_app.learn.dataset import CaptureData
from mirror_app.learn.losses import GarmentSpace, masked_l1, masked_ssim
from mirror_app.learn.train import reference_albedo


@dataclass(frozen=True, slots=True)
class Scores:
    """Mean masked error over the held-out frames (L1 in 0..255 grey levels, lower is better; SSIM higher)."""

    l1: float
    ssim: float
    jitter_px: float  # median |v[t-1] - 2 v[t] + v[t+1]| of the garment's vertices over consecutive frames


def jitter_px(vertices: dict[int, np.ndarray]) -> float:
    """Median second difference (px) of vertex positions over runs of consecutive frames: shake, not motion.

    A steady drift or a smooth swing has a small second difference; frame-to-frame shake has a large one.
    Both generators see the same motion, so their figures compare the shake each adds. NaN without three
    consecutive frames.
    """
    diffs = [
        np.linalg.norm(vertices[i - 1] - 2.0 * vertices[i] + vertices[i + 1], axis=-1)
        for i in vertices
        if i - 1 in vertices and i + 1 in vertices
    ]
    return float(np.median(np.concatenate(diffs))) if diffs else float("nan")


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Learned against analytic on the same held-out frames."""

    frames: int
    learned: Scores
    analytic: Scores

    def table(self) -> str:
        """Three lines a person can read."""
        rows = (("analytic", self.analytic), ("learned", self.learned))
        head = f"{self.frames} held-out frames   masked L1 (0-255, lower better)   masked SSIM (higher better)"
        return f"{head}   shake px (lower better)\n" + "\n".join(
            f"{name:<27}{s.l1:8.3f}{'':26}{s.ssim:.4f}{'':20}{s.jitter_px:.2f}" for name, s in rows
        )


def run_learned(session: ort.InferenceSession, data: CaptureData, i: int) -> tuple[np.ndarray, np.ndarray]:
    """The learned model's vertices and shading for frame i of the capture."""
    b = data.binding
    feeds = {
        "landmarks": data.landmarks[i],
        "world": data.world[i],
        "silhouette": data.silhouette[i],
        "rest_vertices": b.rest_vertices,
        "skin_weights": b.skin_weights,
        "rest_bones": b.rest_bones,
        "garment_params": b.params,
        "sleeve_halves": b.sleeve_halves,
        "cuff_widths": b.cuff_widths,
    }
    vertices, shading = session.run(["vertices", "shading"], learned_feeds(feeds, input_names(session)))
    return vertices, shading


def evaluate(data: CaptureData, model: Path, frames: np.ndarray | None = None) -> Evaluation:
    """Score the learned ONNX model and the analytic fit on the held-out frames (or the given ones)."""
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    missing = [name for name, _ in contract.OUTPUTS if name not in names]
    if missing or "shading" not in names:
        raise ValueError(f"{model} is not a learned generator (outputs {names}): export one with mirror-app export")
    train, held = data.split()
    picks = held if frames is None else frames
    if len(picks) == 0:
        raise ValueError("no held-out frames with the garment facing the camera: record a longer capture")
    space = GarmentSpace(data.grid)
    albedo = torch.from_numpy(reference_albedo(data, train))[None]
    n = data.binding.mesh_size
    sums = {"learned": [0.0, 0.0], "analytic": [0.0, 0.0]}
    drawn: dict[str, dict[int, np.ndarray]] = {"learned": {}, "analytic": {}}
    with torch.no_grad():
        for i in picks:
            frame = torch.from_numpy(data.frames[i].transpose(2, 0, 1).copy())[None].float() / 255.0
            mask = torch.from_numpy(data.masks[i][None, None].copy()).float() / 255.0
            base = space.dense(torch.from_numpy(data.analytic[i : i + 1, :n]))
            box = torch.from_numpy(data.boxes[i : i + 1])
            weight = space.valid * GarmentSpace.sample(mask, base, box)
            vertices, shading = run_learned(session, data, int(i))
            drawn["learned"][int(i)] = vertices[:n]
            drawn["analytic"][int(i)] = data.analytic[i, :n]
            pos = space.dense(torch.from_numpy(vertices[None, :n]))
            shade = space.dense(torch.from_numpy(shading[None, :n, None]))
            for name, where, made in (("analytic", base, albedo), ("learned", pos, albedo * shade)):
                seen = GarmentSpace.sample(frame, where, box)
                sums[name][0] += float(masked_l1(made, seen, weight)) * 255.0
                sums[name][1] += float(masked_ssim(made, seen, weight))
    k = float(len(picks))
    return Evaluation(
        frames=len(picks),
        learned=Scores(sums["learned"][0] / k, sums["learned"][1] / k, jitter_px(drawn["learned"])),
        analytic=Scores(sums["analytic"][0] / k, sums["analytic"][1] / k, jitter_px(drawn["analytic"])),
    )
