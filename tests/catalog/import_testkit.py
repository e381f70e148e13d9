"""Synthetic product photos for the import tests: flat garments with exact outlines and anchors.

The shapes come from the same geometry that draws the default catalog (draw_shapes), so the true mask and
the true anchors are known exactly; the photo adds what real ones have: a light backdrop, sensor noise, a
soft contact shadow and JPEG compression.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from mirror_app.catalog.draw_kit import cover
from mirror_app.catalog.draw_shapes import SleeveSpec, TopShape, TopSpec, build_top

WIDTH, HEIGHT = 720, 680
COLLAR_BAND = 9  # px of back collar left above a see-through neck opening


def tee_spec() -> TopSpec:
    """A short-sleeve tee, sleeves angled down and away from the body (a gap under each arm)."""
    sleeve = SleeveSpec(angle_deg=45, length=150, opening=100, armhole_depth=150)
    return TopSpec(
        width=WIDTH, height=HEIGHT, top_y=70, neck_half=62, front_drop=52, back_drop=12, shoulder_half=168,
        shoulder_slope=24, chest_half=156, waist_half=146, waist_y=360, hem_half=158, hem_y=600, sleeve=sleeve,
    )  # fmt: skip


def long_sleeve_spec() -> TopSpec:
    """A long-sleeve top, sleeves hanging down beside the body."""
    sleeve = SleeveSpec(angle_deg=24, length=330, opening=80, armhole_depth=140, elbow=True)
    return TopSpec(
        width=WIDTH, height=HEIGHT, top_y=60, neck_half=56, front_drop=44, back_drop=10, shoulder_half=150,
        shoulder_slope=22, chest_half=138, waist_half=130, waist_y=350, hem_half=140, hem_y=560, sleeve=sleeve,
    )  # fmt: skip


def tank_spec() -> TopSpec:
    """A tank top: narrow straps, deep armholes."""
    return TopSpec(
        width=WIDTH, height=HEIGHT, top_y=60, neck_half=64, front_drop=120, back_drop=40, shoulder_half=104,
        shoulder_slope=12, chest_half=150, waist_half=140, waist_y=370, hem_half=152, hem_y=610,
        armhole_depth=170,
    )  # fmt: skip


def dress_spec() -> TopSpec:
    """A sleeveless dress flaring from the waist seam."""
    return TopSpec(
        width=WIDTH, height=HEIGHT, top_y=40, neck_half=60, front_drop=70, back_drop=18, shoulder_half=104,
        shoulder_slope=14, chest_half=128, waist_half=108, waist_y=240, hem_half=230, hem_y=630, hem_sag=10,
        armhole_depth=130, flare_from_waist=True,
    )  # fmt: skip


@dataclass(frozen=True)
class Photo:
    """A synthetic product photo with its ground truth."""

    rgb: np.ndarray  # (H, W, 3) uint8, RGB order
    coverage: np.ndarray  # (H, W) float 0..1: how much of each pixel the garment covers (neck hole excluded)
    anchors: dict[str, tuple[float, float]]
    shape: TopShape
    neck_hole: np.ndarray  # (H, W) bool: where the backdrop shows through the neck (empty if not drawn)


def neck_opening(shape: TopShape) -> np.ndarray:
    """The region between the front and the back neckline (the open neck, seen from the front)."""
    return np.vstack([shape.front_neck, shape.back_neck[::-1]])


def photo(
    spec: TopSpec,
    colour: tuple[int, int, int],
    backdrop: tuple[int, int, int] = (246, 246, 246),
    *,
    neck_hole: bool = False,
    noise: float = 1.5,
    shadow: float = 14.0,
    seed: int = 0,
) -> Photo:
    """Draws the garment flat on a light backdrop with noise and a soft shadow; the inside back shows through
    the neck as darker fabric, or (neck_hole=True) the backdrop does."""
    rng = np.random.default_rng(seed)
    shape = build_top(spec)
    size = (spec.height, spec.width)
    garment = cover(size, [shape.outline])
    opening = cover(size, [neck_opening(shape)])
    hole = np.zeros(size, np.float32)
    if neck_hole:
        # The backdrop shows through the neck below a collar band of the back (as on a ghost mannequin).
        band = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * COLLAR_BAND + 1, 2 * COLLAR_BAND + 1))
        hole = cv2.erode(opening, band)
        garment = np.clip(garment - hole, 0.0, 1.0)
    base = np.empty((*size, 3), np.float32)
    base[:] = backdrop
    # Soft contact shadow, offset down-right like a light from the top left, only on the backdrop.
    blurred = cv2.GaussianBlur(garment, (0, 0), 9.0)
    offset = np.roll(np.roll(blurred, 6, axis=0), 4, axis=1)
    # Product photos show the backdrop through a see-through neck clean (it is composited or lit from behind).
    base *= (1.0 - shadow / 255.0 * np.clip(offset * 1.6, 0.0, 1.0) * (1.0 - hole))[:, :, None]
    fabric = np.empty_like(base)
    fabric[:] = colour
    # A little shading across the fabric, as on a real flat-lay, and the darker inside back at the neck.
    yy, xx = np.mgrid[0 : size[0], 0 : size[1]].astype(np.float32)
    fabric *= (1.0 - 0.03 * np.sin(xx / 37.0) * np.cos(yy / 53.0))[:, :, None]
    if not neck_hole:
        fabric = fabric * (1.0 - 0.25 * opening[:, :, None])
    image = base * (1.0 - garment[:, :, None]) + fabric * garment[:, :, None]
    image += rng.normal(0.0, noise, image.shape).astype(np.float32)
    rgb = np.clip(image, 0, 255).round().astype(np.uint8)
    return Photo(rgb, garment, dict(shape.anchors), shape, hole > 0.5)


def save(photo_: Photo, path: Path, quality: int = 92) -> Path:
    """Writes the photo as JPEG or PNG (by suffix), the way a shop's product photos arrive."""
    bgr = cv2.cvtColor(photo_.rgb, cv2.COLOR_RGB2BGR)
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if path.suffix.lower() in (".jpg", ".jpeg") else []
    assert cv2.imwrite(str(path), bgr, params)
    return path


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two boolean masks."""
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0


def bbox(mask: np.ndarray) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of a mask's True pixels, in continuous pixel coordinates."""
    ys, xs = np.nonzero(mask)
    return float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)
