"""A synthetic capture session: a person whose striped shirt rides up and brightens as the arms rise.

The analytic generator knows neither effect, so a learned refinement has something real to learn: where the
stripes are (a pose-dependent offset) and how bright they are (pose-dependent shading).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from mirror_app.learn.session import CaptureWriter
from mirror_app.tracking import body as lm
from mirror_app.tracking.body import Body
from tests.generator.synthetic import body as make_body

FRAME = (320, 240)


def person(arm_deg: float) -> Body:
    """A front-facing person with both arms raised arm_deg from hanging."""
    return make_body(
        centre=(160.0, 125.0), shoulder_half=30.0, torso=85.0, left_arm_deg=arm_deg, right_arm_deg=arm_deg, frame=FRAME
    )


def _segment_distance(px: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    t = np.clip(((px - a) @ ab) / max(float(ab @ ab), 1e-9), 0.0, 1.0)
    return np.linalg.norm(px - (a + t[..., None] * ab), axis=-1)


def draw(body: Body, arm_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """The frame (RGB uint8) and person mask (float32) of the person in the pose."""
    w, h = FRAME
    pts = body.landmarks_px[:, :2].astype(np.float64)
    s = (pts[lm.LEFT_SHOULDER] + pts[lm.RIGHT_SHOULDER]) / 2
    hip = (pts[lm.LEFT_HIP] + pts[lm.RIGHT_HIP]) / 2
    length = float(np.linalg.norm(hip - s))
    down = (hip - s) / length
    across = np.array([down[1], -down[0]])
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64) + 0.5
    px = np.stack([xx, yy], axis=-1)
    rel = px - s
    u, v = rel @ across / length, rel @ down / length
    torso = (np.abs(u) < 0.8) & (v > -0.12) & (v < 1.15)
    arms = np.zeros_like(torso)
    for sh, el, wr in (
        (lm.LEFT_SHOULDER, lm.LEFT_ELBOW, lm.LEFT_WRIST),
        (lm.RIGHT_SHOULDER, lm.RIGHT_ELBOW, lm.RIGHT_WRIST),
    ):
        arms |= _segment_distance(px, pts[sh], pts[el]) < 0.14 * length
        arms |= _segment_distance(px, pts[el], pts[wr]) < 0.11 * length
    rise = 0.12 * math.sin(math.radians(arm_deg))
    stripes = 0.5 + 0.5 * np.tanh(3.0 * np.sin(2 * math.pi * (v + rise) * 4.0))
    light = 0.55 + 0.45 * min(arm_deg / 120.0, 1.0)
    shirt = (
        np.array([30, 40, 120]) * (1 - stripes[..., None]) + np.array([235, 235, 225]) * stripes[..., None]
    ) * light
    frame = np.empty((h, w, 3))
    frame[:] = (90, 110, 95)
    frame[arms] = (200, 160, 130)
    frame[torso] = shirt[torso]
    return np.clip(frame, 0, 255).astype(np.uint8), (torso | arms).astype(np.float32)


def write_capture(root: Path, frames: int = 40, seed: int = 0) -> Path:
    """Record the synthetic session into root, through the real capture writer."""
    rng = np.random.default_rng(seed)
    writer = CaptureWriter(root, "synthetic-tee", "synthetic")
    for i in range(frames):
        angle = float(rng.uniform(5.0, 120.0))
        body = person(angle)
        image, mask = draw(body, angle)
        writer.add(image, mask, body.landmarks_px, body.world, i)
    writer.close({})
    return root
