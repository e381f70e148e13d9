"""Raster helpers for drawing garments: supersampled anti-aliased shapes, strokes, curves and fabric noise."""

from __future__ import annotations

from collections.abc import Sequence
from math import comb
from typing import Any

import cv2
import numpy as np

SS = 4  # supersampling factor: shapes are filled at 4x then area-averaged, giving smooth alpha edges
_SHIFT = 4  # fixed-point bits handed to cv2 so sub-pixel geometry survives rasterisation

Points = np.ndarray  # (N, 2) float64, continuous pixel coordinates (pixel j covers [j, j + 1))


def rgb(hex_code: str) -> np.ndarray:
    """A '#rrggbb' colour as float RGB in 0..1, the working space of every drawing routine."""
    value = hex_code.lstrip("#")
    return np.array([int(value[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.float32) / 255.0


def _fixed(points: Points) -> np.ndarray:
    """Continuous 1x coordinates to the fixed-point supersampled pixel centres cv2 draws with."""
    return np.round((np.asarray(points, np.float64) * SS - 0.5) * (1 << _SHIFT)).astype(np.int32)


def _down(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Area-averages a supersampled 8-bit mask to coverage in 0..1 at the output size."""
    return cv2.resize(mask, size, interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0


def cover(shape: tuple[int, int], polygons: Sequence[Points]) -> np.ndarray:
    """Anti-aliased coverage (H, W) of filled polygons."""
    height, width = shape
    mask = np.zeros((height * SS, width * SS), np.uint8)
    for polygon in polygons:  # one call each: a single call would XOR where polygons overlap
        cv2.fillPoly(mask, [_fixed(polygon)], 255, cv2.LINE_AA, _SHIFT)
    return _down(mask, (width, height))


def stroke(
    shape: tuple[int, int],
    lines: Sequence[Points],
    width: float,
    dash: tuple[float, float] | None = None,
) -> np.ndarray:
    """Anti-aliased coverage of open polylines; `dash` = (on, off) lengths in pixels for stitching."""
    height, width_px = shape
    mask = np.zeros((height * SS, width_px * SS), np.uint8)
    thickness = max(1, round(width * SS))
    pieces: list[Points] = []
    for line in lines:
        pieces.extend(dashes(line, *dash) if dash else [np.asarray(line, np.float64)])
    cv2.polylines(mask, [_fixed(p) for p in pieces if len(p) >= 2], False, 255, thickness, cv2.LINE_AA, _SHIFT)
    return _down(mask, (width_px, height))


def dots(shape: tuple[int, int], centres: Points, radius: float) -> np.ndarray:
    """Anti-aliased coverage of filled discs (buttons, polka dots, flower centres)."""
    height, width = shape
    mask = np.zeros((height * SS, width * SS), np.uint8)
    r = round(radius * SS * (1 << _SHIFT))
    for x, y in _fixed(centres):
        cv2.circle(mask, (int(x), int(y)), r, 255, -1, cv2.LINE_AA, _SHIFT)
    return _down(mask, (width, height))


def ellipses(shape: tuple[int, int], items: Sequence[tuple[float, float, float, float, float]]) -> np.ndarray:
    """Coverage of filled ellipses given as (cx, cy, half_len, half_width, angle_deg): petals and leaves."""
    polygons = []
    for cx, cy, a, b, angle in items:
        t = np.linspace(0, 2 * np.pi, 28, endpoint=False)
        c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
        x, y = a * np.cos(t), b * np.sin(t)
        polygons.append(np.stack([cx + c * x - s * y, cy + s * x + c * y], axis=1))
    return cover(shape, polygons)


def text(
    shape: tuple[int, int], label: str, centre: tuple[float, float], height_px: float, weight: float = 2.0
) -> np.ndarray:
    """Coverage of a centred line of text in a Hershey font (enough for logos and care labels)."""
    height, width = shape
    mask = np.zeros((height * SS, width * SS), np.uint8)
    font = cv2.FONT_HERSHEY_DUPLEX
    scale = height_px * SS / 22.0
    thickness = max(1, round(weight * SS))
    (tw, th), _ = cv2.getTextSize(label, font, scale, thickness)
    origin = (round(centre[0] * SS - tw / 2), round(centre[1] * SS + th / 2))
    cv2.putText(mask, label, origin, font, scale, 255, thickness, cv2.LINE_AA)
    return _down(mask, (width, height))


def bezier(control: Sequence[Any], n: int = 40) -> Points:
    """Samples a Bezier curve of any degree (Bernstein form) from its control points."""
    ctrl = np.asarray(control, np.float64)
    degree = len(ctrl) - 1
    t = np.linspace(0.0, 1.0, n)[:, None]
    weights = [comb(degree, k) * t**k * (1 - t) ** (degree - k) for k in range(degree + 1)]
    return sum(w * p for w, p in zip(weights, ctrl, strict=True))


def spline(points: Sequence[Any], n: int = 16) -> Points:
    """A Catmull-Rom curve through the points, so drawn seams pass exactly through anchor positions."""
    pts = np.asarray(points, np.float64)
    padded = np.vstack([2 * pts[0] - pts[1], pts, 2 * pts[-1] - pts[-2]])
    out = [pts[0]]
    t = np.linspace(0, 1, n + 1)[1:, None]
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1 : i + 3]
        out.extend(
            0.5
            * (2 * p1 + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2 + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3)
        )
    return np.asarray(out)


def resample(line: Points, step: float) -> Points:
    """Points every `step` pixels along a polyline (for ribs, dashes and evenly spaced details)."""
    line = np.asarray(line, np.float64)
    seg = np.linalg.norm(np.diff(line, axis=0), axis=1)
    dist = np.concatenate([[0.0], np.cumsum(seg)])
    if dist[-1] <= 0:
        return line[:1].copy()
    at = np.arange(0.0, dist[-1] + 1e-9, step)
    return np.stack([np.interp(at, dist, line[:, 0]), np.interp(at, dist, line[:, 1])], axis=1)


def dashes(line: Points, on: float, off: float) -> list[Points]:
    """Splits a polyline into dash pieces, like a running stitch."""
    fine = resample(line, 0.5)
    period = on + off
    index = np.arange(len(fine)) * 0.5 % period < on
    pieces, start = [], None
    for i, inside in enumerate(index):
        if inside and start is None:
            start = i
        elif not inside and start is not None:
            pieces.append(fine[start:i])
            start = None
    if start is not None:
        pieces.append(fine[start:])
    return [p for p in pieces if len(p) >= 2]


def normals(line: Points) -> Points:
    """Unit normals (-dy, dx) of a polyline: for a rightward line on screen they point down."""
    line = np.asarray(line, np.float64)
    tangent = np.gradient(line, axis=0)
    tangent /= np.maximum(np.linalg.norm(tangent, axis=1, keepdims=True), 1e-9)
    return np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)


def offset(line: Points, distance: float) -> Points:
    """The polyline moved sideways by `distance` along its normals (bands, stitching, bindings)."""
    return np.asarray(line, np.float64) + normals(line) * distance


def band(line: Points, width: float) -> Points:
    """Closed polygon of a strip of `width` along one side of a polyline (neckbands, cuffs, bindings)."""
    return np.vstack([line, offset(line, width)[::-1]])


def mirror(points: Points, cx: float) -> Points:
    """Reflects points about the vertical line x = cx (garments are drawn half and mirrored)."""
    pts = np.array(points, np.float64, copy=True)
    pts[..., 0] = 2 * cx - pts[..., 0]
    return pts


def paint(image: np.ndarray, color: np.ndarray | float, coverage: np.ndarray, opacity: float = 1.0) -> None:
    """Alpha-blends a colour (flat or per-pixel) into an RGB float image where coverage says."""
    a = (coverage * opacity)[:, :, None]
    image *= 1.0 - a
    image += np.asarray(color, np.float32) * a


def smooth_noise(shape: tuple[int, int], rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Zero-mean, unit-std noise blurred to `sigma` pixels: fabric grain at small sigma, mottling at large."""
    noise: np.ndarray = rng.standard_normal(shape).astype(np.float32)
    if sigma > 0:
        noise = cv2.GaussianBlur(noise, (0, 0), sigma)
    return (noise - noise.mean()) / max(float(noise.std()), 1e-6)


def inside_distance(coverage: np.ndarray) -> np.ndarray:
    """Distance in pixels from each inside pixel to the outline (drives edge shading)."""
    return cv2.distanceTransform((coverage > 0.5).astype(np.uint8), cv2.DIST_L2, 5)


def blob(shape: tuple[int, int], centre: Sequence[float], sx: float, sy: float, angle: float = 0.0) -> np.ndarray:
    """A rotated Gaussian bump in 0..1, used for soft shadows under sleeves and collar."""
    height, width = shape
    y, x = np.mgrid[0:height, 0:width].astype(np.float32) + 0.5
    c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    dx, dy = x - centre[0], y - centre[1]
    u, v = c * dx + s * dy, -s * dx + c * dy
    return np.exp(-0.5 * ((u / sx) ** 2 + (v / sy) ** 2))


def to_rgba8(image: np.ndarray, alpha: np.ndarray, pad: int = 3) -> np.ndarray:
    """Float RGB + coverage to RGBA uint8; colour is kept a few pixels past the edge for filtering."""
    out = np.zeros((*alpha.shape, 4), np.uint8)
    near = cv2.dilate((alpha > 0).astype(np.uint8), np.ones((2 * pad + 1, 2 * pad + 1), np.uint8)) > 0
    out[:, :, :3] = np.where(near[:, :, None], np.clip(image, 0, 1) * 255 + 0.5, 0).astype(np.uint8)
    out[:, :, 3] = np.clip(alpha * 255 + 0.5, 0, 255).astype(np.uint8)
    return out
