"""Draws the default catalog (python -m mirror_app.catalog.draw_default) so the app ships garments it owns."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from mirror_app.catalog import draw_kit as kit
from mirror_app.catalog.draw_kit import Points, rgb
from mirror_app.catalog.draw_shapes import SleeveSpec, TopShape, TopSpec, build_top
from mirror_app.catalog.loader import CatalogLoad, default_catalog_dir, load_catalog
from mirror_app.catalog.manifest import MANIFEST_NAME, CatalogManifest, GarmentEntry, SizeEntry, dump_manifest

log = logging.getLogger(__name__)

CATALOG_NAME = "Mirror basics"
_SEED = 20250611


@dataclass(frozen=True, slots=True)
class Style:
    """Colours and fabric of one garment."""

    base: np.ndarray
    band: np.ndarray
    thread: np.ndarray
    fabric: str = "jersey"  # jersey | heather | rib | twill | voile
    band_width: float = 12.0
    bound: bool = False  # sleeveless: armholes finished with a binding strip


class Painter:
    """Paints one view (front or back) of one garment; every step works on a float RGB canvas."""

    def __init__(self, spec: TopSpec, shape: TopShape, style: Style, view: str, seed: int) -> None:
        self.spec, self.shape, self.style, self.view = spec, shape, style, view
        self.hw = (spec.height, spec.width)
        self.rng = np.random.default_rng(seed)
        self.alpha = kit.cover(self.hw, [shape.outline])
        self.img = np.empty((*self.hw, 3), np.float32)
        self.img[:] = style.base
        self.y, self.x = np.mgrid[0 : spec.height, 0 : spec.width].astype(np.float32) + 0.5
        # Front only: how much of each pixel still shows the inside of the back (the neck opening's patch)
        self.inside: np.ndarray | None = None

    # -- building blocks -------------------------------------------------------------------------------
    def texture(self, strength: float = 1.0) -> np.ndarray:
        """A multiplicative fabric texture for the style's fabric (1.0 = untouched)."""
        n = kit.smooth_noise
        kind = self.style.fabric
        mottle = 0.007 if kind in ("voile", "jersey") else 0.012
        tex = 1.0 + 0.016 * n(self.hw, self.rng, 0.8) + mottle * n(self.hw, self.rng, 18)
        if kind == "heather":
            raw = self.rng.standard_normal(self.hw).astype(np.float32)
            streaks = cv2.GaussianBlur(raw, (0, 0), sigmaX=1.6, sigmaY=0.5)
            tex += 0.05 * streaks / max(float(streaks.std()), 1e-6)
            flecks = (self.rng.random(self.hw) < 0.006).astype(np.float32)
            tex += 0.22 * cv2.GaussianBlur(flecks, (0, 0), 0.6) * np.sign(self.rng.standard_normal(self.hw))
        elif kind == "rib":
            tex += 0.07 * np.sin(2 * np.pi * self.x / 3.6)
        elif kind == "twill":
            tex += 0.05 * np.sin(2 * np.pi * (self.x + self.y) / 3.4)
            slub = cv2.GaussianBlur(self.rng.standard_normal(self.hw).astype(np.float32), (0, 0), 0.5, sigmaY=6)
            tex += 0.05 * slub / max(float(slub.std()), 1e-6)
        return 1.0 + (tex - 1.0) * strength

    def paint(self, color: np.ndarray, coverage: np.ndarray, opacity: float = 1.0) -> None:
        """Lays a colour over the canvas where coverage says; opaque paint hides the inside of the back.

        Translucent strokes (ribs, seams, stitching, shadows) are surface detail of whatever lies under them.
        """
        kit.paint(self.img, color, coverage, opacity)
        if self.inside is not None and opacity >= 1.0:
            self.inside *= 1.0 - coverage

    def inward(self, line: Points, distance: float) -> Points:
        """The offset of a seam line that lies inside the garment (stitching sits inside the edge)."""
        candidates = [kit.offset(line, distance), kit.offset(line, -distance)]
        return max(candidates, key=self._mean_alpha)

    def _mean_alpha(self, pts: Points) -> float:
        """Mean coverage under points, to tell the inside of an edge from the outside."""
        h, w = self.hw
        xi = np.clip(pts[:, 0].astype(int), 0, w - 1)
        yi = np.clip(pts[:, 1].astype(int), 0, h - 1)
        return float(self.alpha[yi, xi].mean())

    def seam(self, lines: list[Points], opacity: float = 0.55, width: float = 1.1) -> None:
        """A sewn seam: a thin dark groove with a faint highlight beside it."""
        self.paint(self.style.base * 0.45, kit.stroke(self.hw, lines, width), opacity)

    def stitch(self, lines: list[Points], opacity: float = 0.8) -> None:
        """Visible topstitching as a dashed thread line."""
        self.paint(self.style.thread, kit.stroke(self.hw, lines, 0.9, dash=(3.4, 2.2)), opacity)

    def ribs(self, line: Points, width: float, step: float = 2.6, opacity: float = 0.28) -> None:
        """Rib lines across a band that runs along `line` (neckbands, cuffs, bindings)."""
        pts = kit.resample(line, step)
        across = kit.normals(pts) * width
        segments = [np.stack([p, p + a]) for p, a in zip(pts, across, strict=True)]
        self.paint(self.style.band * 0.55, kit.stroke(self.hw, segments, 0.7), opacity)

    def stripes(self, coord: np.ndarray, period: float, thickness: float, start: float) -> np.ndarray:
        """Anti-aliased stripe coverage along a coordinate field (pixels), from `start` onwards."""
        t = np.mod(coord - start, period)
        inside = np.minimum(t, thickness - t)
        outside = -np.minimum(t - thickness, period - t)
        signed = np.where(t < thickness, inside, outside)
        return np.clip(signed + 0.5, 0.0, 1.0) * (coord > start - 0.5)

    # -- garment parts ---------------------------------------------------------------------------------
    def neckline(self) -> None:
        """Front: band on the front neckline with the inside of the back showing above it; back: band only."""
        s, st = self.shape, self.style
        bw = st.band_width
        if self.view == "front":
            inside = kit.cover(self.hw, [np.vstack([s.back_neck, s.front_neck[::-1]])])
            self.paint(st.base * 0.58 * self.texture(0.6)[:, :, None], inside)
            self.paint(st.band * 0.66, kit.cover(self.hw, [kit.band(s.back_neck, 0.8 * bw)]) * inside)
            self.ribs(s.back_neck, 0.8 * bw, opacity=0.2)
            self._label(float(s.back_neck[:, 1].max()) + 0.8 * bw + 3)
            self.inside = inside.copy()  # the patch, collar and label are in place: what follows covers them
            self.paint(st.band * self.texture(0.8)[:, :, None], kit.cover(self.hw, [kit.band(s.front_neck, bw)]))
            self.ribs(s.front_neck, bw)
            self.seam([kit.offset(s.front_neck, bw)], opacity=0.35)
            self.stitch([kit.offset(s.front_neck, bw + 2.5)])
            shadow = kit.cover(self.hw, [kit.band(s.front_neck, 5)])
            self.paint(np.zeros(3, np.float32), cv2.GaussianBlur(shadow, (0, 0), 2.0), 0.18)
        else:
            self.paint(st.band * self.texture(0.8)[:, :, None], kit.cover(self.hw, [kit.band(s.back_neck, bw)]))
            self.ribs(s.back_neck, bw)
            self.seam([kit.offset(s.back_neck, bw)], opacity=0.35)
            self.stitch([kit.offset(s.back_neck, bw + 2.5)])

    def _label(self, top: float) -> None:
        """The woven size label sewn inside the back neck, as every real tee shows through the opening."""
        cx = self.spec.cx
        rect = np.array([[cx - 17, top], [cx + 17, top], [cx + 17, top + 15], [cx - 17, top + 15]])
        self.paint(rgb("#ebe7dc"), kit.cover(self.hw, [rect]))
        marks = [
            np.array([[cx - 11, top + 5], [cx + 11, top + 5]]),
            np.array([[cx - 7, top + 10], [cx + 7, top + 10]]),
        ]
        self.paint(rgb("#4a4a4a"), kit.stroke(self.hw, marks, 1.4), 0.7)

    def bindings(self) -> None:
        """Sleeveless armholes finished with a narrow bound strip and a line of stitching."""
        for hole in self.shape.armholes:
            inner = self.inward(hole, 9)
            strip = np.vstack([hole, inner[::-1]])
            self.paint(self.style.band * self.texture(0.8)[:, :, None], kit.cover(self.hw, [strip]))
            self.stitch([self.inward(hole, 7)])
            self.seam([inner], opacity=0.3)

    def sleeves(self) -> None:
        """Cuffs (ribbed band or plain hem) and the armhole seams joining sleeves to the body."""
        spec = self.spec.sleeve
        if spec is None:
            return
        for cuff, (_, direction) in zip(self.shape.cuffs, self.shape.sleeve_axes, strict=True):
            if spec.cuff_band > 0:
                top = cuff - direction * spec.cuff_band
                region = kit.cover(self.hw, [np.vstack([cuff, top[::-1]])])
                self.paint(self.style.band * self.texture(0.8)[:, :, None], region)
                step = kit.resample(cuff, 2.8)
                ribs = [np.stack([p, p - direction * spec.cuff_band]) for p in step]
                self.paint(self.style.band * 0.55, kit.stroke(self.hw, ribs, 0.7) * region, 0.3)
                self.seam([top], opacity=0.45)
            else:
                self.stitch([cuff - direction * 10, cuff - direction * 13.5])
        self.seam(self.shape.armholes, opacity=0.5)

    def body_seams(self) -> None:
        """Shoulder and side seams, and the twin-needle hem."""
        s = self.shape
        bw = self.style.band_width
        shoulders = [line.copy() for line in s.shoulder_seams]
        for line in shoulders:  # start below the neckband so the seam meets it
            line[0] = line[0] + (line[1] - line[0]) / np.linalg.norm(line[1] - line[0]) * (
                0 if self.style.bound else bw
            )
        self.seam(shoulders, opacity=0.5)
        self.stitch([self.inward(side, 4.0) for side in s.sides], opacity=0.55)
        self.paint(self.style.base * 0.9, kit.cover(self.hw, [kit.band(s.hem, -16)]), 0.5)
        self.stitch([self.inward(s.hem, 11), self.inward(s.hem, 14.5)])

    def shade(self) -> None:
        """Soft studio shading: edges roll away, shadows under the arms, a few drag folds."""
        spec, s = self.spec, self.shape
        dist = kit.inside_distance(self.alpha)
        shade = 1.0 - 0.2 * np.exp(-dist / 8.0) - 0.07 * np.exp(-dist / 45.0)
        across = np.clip(np.abs(self.x - spec.cx) / spec.chest_half, 0, 1.6)
        shade *= 1.0 - 0.07 * across**2
        shade *= 1.0 + 0.04 * (1.0 - self.y / spec.height)
        for side in (-1, 1):
            name = "right" if side < 0 else "left"
            ax, ay = self.shape.anchors[f"{name}_armpit"]
            angle = -side * 12.0
            shade *= 1.0 - 0.2 * kit.blob(self.hw, (ax - side * 10, ay - 12), 9, 34, angle)
            if spec.sleeve is not None:
                shade *= 1.0 - 0.12 * kit.blob(self.hw, (ax + side * 18, ay + 10), 26, 9, side * 40)
            folds = [np.array([[ax - side * 12, ay + 14], [spec.cx + side * 40, ay + 95 + k * 40]]) for k in (0, 1)]
            crease = cv2.GaussianBlur(kit.stroke(self.hw, folds, 5), (0, 0), 5)
            shade *= 1.0 - 0.12 * crease
            light = cv2.GaussianBlur(kit.stroke(self.hw, [f + [0, -10] for f in folds], 4), (0, 0), 5)
            shade *= 1.0 + 0.06 * light
        for hole in s.armholes:
            shade *= 1.0 - 0.06 * cv2.GaussianBlur(kit.stroke(self.hw, [hole], 3), (0, 0), 3)
        self.img *= shade[:, :, None]

    def finish(self) -> np.ndarray:
        """RGBA uint8 with the silhouette as alpha."""
        return kit.to_rgba8(self.img, self.alpha)

    def inside_mask(self) -> np.ndarray | None:
        """(H, W) uint8 coverage of the inside of the back as the finished front shows it; None if there is none."""
        if self.inside is None:
            return None
        mask = np.clip(self.inside * self.alpha * 255 + 0.5, 0, 255).astype(np.uint8)
        return mask if mask.any() else None


# -- prints and details --------------------------------------------------------------------------------------
Step = Callable[[Painter], None]


def breton_stripes(p: Painter) -> None:
    """Navy stripes: horizontal on the body, across the sleeve on the sleeves, as knitted."""
    navy = rgb("#1f2b4d")
    body = kit.cover(p.hw, [p.shape.body])
    start = p.spec.top_y + p.spec.front_drop + 34
    p.paint(navy * p.texture(0.6)[:, :, None], p.stripes(p.y, 26, 10, start) * body)
    for poly, (origin, direction) in zip(p.shape.sleeves, p.shape.sleeve_axes, strict=True):
        region = kit.cover(p.hw, [poly])
        along = (p.x - origin[0]) * direction[0] + (p.y - origin[1]) * direction[1]
        p.paint(navy * p.texture(0.6)[:, :, None], p.stripes(along, 26, 10, 30) * region)


def chest_graphic(p: Painter) -> None:
    """A cracked screen-printed badge on the chest: ring, mountains and sun, with lettering."""
    cx, cy = p.spec.cx, p.spec.top_y + p.spec.front_drop + 118
    ink = rgb("#f0e6d0")
    hw = p.hw
    ring = np.clip(kit.dots(hw, np.array([[cx, cy]]), 66) - kit.dots(hw, np.array([[cx, cy]]), 60), 0, 1)
    sun = kit.dots(hw, np.array([[cx - 26, cy - 26]]), 11)
    peaks = np.array([[cx - 52, cy + 22], [cx - 22, cy - 18], [cx - 8, cy], [cx + 12, cy - 30], [cx + 52, cy + 22]])
    mountains = kit.cover(hw, [peaks])
    snow = kit.cover(hw, [np.array([[cx + 12, cy - 30], [cx + 22, cy - 16], [cx + 12, cy - 20], [cx + 3, cy - 17]])])
    bar = kit.cover(hw, [np.array([[cx - 54, cy + 26], [cx + 54, cy + 26], [cx + 54, cy + 30], [cx - 54, cy + 30]])])
    word = kit.text(hw, "MIRROR", (cx, cy + 44), 13, 1.6)
    below = kit.text(hw, "SUPPLY CO.", (cx, cy + 84), 12, 1.4)
    year = kit.text(hw, "EST. 2025", (cx, cy + 102), 8, 1.0)
    shapes = np.clip(ring + sun + mountains + bar + word + below + year, 0, 1)
    shapes = shapes * (1 - 0.85 * snow)  # snow cap is the shirt showing through
    crack = np.clip((kit.smooth_noise(hw, p.rng, 1.1) + 1.6) * 1.5, 0, 1)
    p.paint(ink * p.texture(0.5)[:, :, None], shapes * crack, 0.94)


def tank_emblem(p: Painter) -> None:
    """A small embroidered mark on the wearer's left chest (image right)."""
    ax, ay = p.shape.anchors["left_armpit"]
    at = (p.spec.cx + 0.45 * (ax - p.spec.cx), ay + 10)
    p.paint(rgb("#c9c6bd"), kit.text(p.hw, "M", at, 13, 1.8), 0.9)


def floral_print(p: Painter) -> None:
    """Scattered five-petal flowers with leaves, on a jittered grid so it reads as a repeat print."""
    rng = np.random.default_rng(_SEED + 7)
    h, w = p.hw
    petals: dict[str, list[tuple[float, float, float, float, float]]] = {}
    leaves: list[tuple[float, float, float, float, float]] = []
    centres: list[tuple[float, float]] = []
    specks: list[tuple[float, float]] = []
    colours = ["#e56f5c", "#ea9ab2", "#e8b248", "#7fa3d4"]
    for gy in np.arange(-10, h + 40, 44.0):
        for gx in np.arange(-10 + (gy % 88 == 0) * 22, w + 40, 44.0):
            x, y = gx + rng.uniform(-10, 10), gy + rng.uniform(-10, 10)
            size, turn = rng.uniform(0.8, 1.2), rng.uniform(0, 72)
            colour = colours[int(rng.integers(len(colours)))]
            for k in range(5):
                theta = np.radians(turn + 72 * k)
                r = 6.2 * size
                petals.setdefault(colour, []).append(
                    (x + r * np.cos(theta), y + r * np.sin(theta), 6.4 * size, 4.0 * size, np.degrees(theta))
                )
            centres.append((x, y))
            for _ in range(2):
                theta = rng.uniform(0, 2 * np.pi)
                r = 14 * size
                leaves.append((x + r * np.cos(theta), y + r * np.sin(theta), 6.5, 2.6, np.degrees(theta)))
            specks.append((x + rng.uniform(14, 22), y + rng.uniform(-22, -14)))
    tex = p.texture(0.4)[:, :, None]
    p.paint(rgb("#7f9c6d") * tex, kit.ellipses(p.hw, leaves))
    for colour, items in petals.items():
        p.paint(rgb(colour) * tex, kit.ellipses(p.hw, items))
    p.paint(rgb("#8a4a2c"), kit.dots(p.hw, np.array(centres), 2.6))
    p.paint(rgb("#e56f5c"), kit.dots(p.hw, np.array(specks), 1.4), 0.9)


def dress_details(p: Painter) -> None:
    """Waist seam with gathers, bodice darts and fanned skirt folds."""
    spec, s = p.spec, p.shape
    if s.waist_line is None:
        return
    cx = spec.cx
    gathers = []
    for x in np.arange(cx - spec.waist_half + 10, cx + spec.waist_half - 8, 7.0):
        y0 = spec.waist_y + 4 + 6 * (1 - ((x - cx) / spec.waist_half) ** 2)
        gathers.append(np.array([[x, y0], [x + (x - cx) * 0.05, y0 + 12 + 6 * np.sin(x)]]))
    p.paint(p.style.base * 0.5, cv2.GaussianBlur(kit.stroke(p.hw, gathers, 1.6), (0, 0), 1.0), 0.35)
    p.seam([s.waist_line], opacity=0.6, width=1.4)
    p.stitch([s.waist_line + [0, 4]], opacity=0.6)
    for side in (-1, 1):
        dart = np.array([[cx + side * 52, spec.waist_y + 2], [cx + side * 56, spec.waist_y - 80]])
        p.seam([dart], opacity=0.35)
    waist_y, hem_y = spec.waist_y, spec.hem_y
    t = np.clip((p.y - waist_y) / (hem_y - waist_y), 0, 1)
    theta = np.arctan2(p.x - cx, p.y - (waist_y - 260))
    folds = np.sin(theta * 23 + 0.6) + 0.5 * np.sin(theta * 41 + 2.0)
    p.img *= (1.0 + 0.1 * t**0.7 * folds)[:, :, None]


def shirt_details(p: Painter) -> None:
    """Chambray shirt-tee: point collar, button placket and a patch pocket, in golden topstitching."""
    spec = p.spec
    cx, top = spec.cx, spec.top_y
    base = p.style.base
    placket_top = top + spec.front_drop
    placket = np.array([[cx - 13, placket_top], [cx + 13, placket_top], [cx + 13, top + 250], [cx - 13, top + 250]])
    p.paint(base * 1.03 * p.texture(0.8)[:, :, None], kit.cover(p.hw, [placket]))
    p.seam([placket[[1, 2]], placket[[3, 0]]], opacity=0.4)
    p.stitch([placket[[0, 3]] + [3, 0], placket[[1, 2]] + [-3, 0], placket[[2, 3]] + [0, -3]])
    buttons = np.array([[cx, placket_top + 22 + 52 * k] for k in range(4)])
    shadow = cv2.GaussianBlur(kit.dots(p.hw, buttons + [1.2, 1.8], 6.5), (0, 0), 1.2)
    p.paint(np.zeros(3, np.float32), shadow, 0.35)
    p.paint(rgb("#ece6d8"), kit.dots(p.hw, buttons, 6.0))
    p.paint(rgb("#b9b0a0"), np.clip(kit.dots(p.hw, buttons, 6.0) - kit.dots(p.hw, buttons, 4.8), 0, 1), 0.8)
    holes = np.vstack([buttons + [-1.8, 0], buttons + [1.8, 0]])
    p.paint(rgb("#6d675d"), kit.dots(p.hw, holes, 0.9))
    # patch pocket on the wearer's left chest (image right)
    x0, y0 = cx + 40, top + 120
    pocket = np.vstack(
        [
            [[x0, y0], [x0 + 74, y0]],
            kit.bezier([[x0 + 74, y0 + 72], [x0 + 74, y0 + 84], [x0 + 62, y0 + 84]], 8),
            kit.bezier([[x0 + 12, y0 + 84], [x0, y0 + 84], [x0, y0 + 72]], 8),
        ]
    )
    pocket_cov = kit.cover(p.hw, [pocket])
    p.paint(np.zeros(3, np.float32), cv2.GaussianBlur(kit.cover(p.hw, [pocket + [1.5, 2.5]]), (0, 0), 2), 0.25)
    p.paint(base * 1.02 * p.texture(0.8)[:, :, None], pocket_cov)
    closed = np.vstack([pocket, pocket[:1]])
    p.seam([closed], opacity=0.3)
    inset = closed.copy()
    inset[:, 0] = x0 + 37 + (inset[:, 0] - x0 - 37) * 0.93
    inset[:, 1] = y0 + 42 + (inset[:, 1] - y0 - 42) * 0.93
    p.stitch([inset[1:], np.array([[x0 + 2, y0 + 12], [x0 + 72, y0 + 12]])])
    # point collar: two wings lying over the neckline, with a soft shadow under them
    s = p.shape
    hps = s.front_neck[0]
    wing = np.vstack(
        [
            [hps + [-10, -4]],
            kit.bezier([hps + [-10, -4], hps + [-26, 30], [cx - 62, top + 78]], 12),
            kit.bezier([[cx - 62, top + 78], [cx - 30, top + 60], [cx - 3, placket_top + 6]], 12),
            s.front_neck[: len(s.front_neck) // 2][::-1],
        ]
    )
    wings = [wing, kit.mirror(wing, cx)]
    under = cv2.GaussianBlur(kit.cover(p.hw, [w + [2, 4] for w in wings]), (0, 0), 3)
    p.paint(np.zeros(3, np.float32), under, 0.35)
    collar = kit.cover(p.hw, wings)
    p.paint(base * 1.05 * p.texture(0.8)[:, :, None], collar)
    p.seam([np.vstack([w, w[:1]]) for w in wings], opacity=0.45)
    for w in wings:
        edge = w[1:25]
        p.stitch([_towards(edge, cx, top + 40, 4)])


def _towards(line: Points, cx: float, cy: float, distance: float) -> Points:
    """Offsets a line by `distance` to whichever side faces the point (cx, cy)."""
    a, b = kit.offset(line, distance), kit.offset(line, -distance)
    da = np.linalg.norm(a.mean(axis=0) - [cx, cy])
    db = np.linalg.norm(b.mean(axis=0) - [cx, cy])
    return a if da < db else b


# -- the catalog -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Design:
    """One default garment: what to draw and what to write in the manifest."""

    id: str
    name: str
    category: str
    spec: TopSpec
    style: Style
    sizes: tuple[tuple[str, float, float], ...]
    sku: str
    price: str
    fabric_print: Step | None = None  # on front and back (it is the cloth)
    front_print: Step | None = None  # front only (screen print, embroidery)
    details: Step | None = None  # front only, drawn over seams (collar, pocket, waist seam)
    with_back: bool = False
    extra: dict[str, str] = field(default_factory=dict)


def _tee(**changes: float) -> TopSpec:
    """Short-sleeve tee proportions (about 6 px per cm), overridable per design."""
    values: dict[str, float] = dict(
        top_y=54,
        neck_half=60,
        front_drop=50,
        back_drop=10,
        shoulder_half=170,
        shoulder_slope=24,
        chest_half=158,
        waist_half=152,
        waist_y=330,
        hem_half=158,
        hem_y=530,
    )
    values.update(changes)
    sleeve = SleeveSpec(angle_deg=40, length=160, opening=104, armhole_depth=150)
    return TopSpec(width=600, height=570, sleeve=sleeve, **values)  # type: ignore[arg-type]


def designs() -> list[Design]:
    """The default catalog, in display order."""
    tee_sizes = (("S", 96, 69), ("M", 104, 72), ("L", 112, 74))
    return [
        Design(
            "breton-stripe-tee",
            "Breton stripe tee",
            "t-shirt",
            _tee(neck_half=84, front_drop=30, back_drop=8),
            Style(rgb("#f4f1e8"), rgb("#1f2b4d"), rgb("#d8d4c8")),
            tee_sizes,
            "MB-TS-001",
            "€24.90",
            fabric_print=breton_stripes,
        ),
        Design(
            "red-badge-tee",
            "Red badge tee",
            "t-shirt",
            _tee(),
            Style(rgb("#b3232c"), rgb("#a71f28"), rgb("#7c141b")),
            tee_sizes,
            "MB-TS-002",
            "€19.90",
            front_print=chest_graphic,
            with_back=True,
        ),
        Design(
            "heather-long-sleeve",
            "Heather grey long-sleeve",
            "long-sleeve",
            TopSpec(
                width=640,
                height=560,
                top_y=50,
                neck_half=58,
                front_drop=46,
                back_drop=10,
                shoulder_half=162,
                shoulder_slope=24,
                chest_half=150,
                waist_half=144,
                waist_y=320,
                hem_half=150,
                hem_y=522,
                sleeve=SleeveSpec(angle_deg=21, length=360, opening=84, armhole_depth=148, cuff_band=34, elbow=True),
            ),
            Style(rgb("#9a9c9f"), rgb("#8e9093"), rgb("#6c6e71"), fabric="heather"),
            (("S", 94, 66), ("M", 102, 69), ("L", 110, 72)),
            "MB-LS-003",
            "€29.90",
            with_back=True,
        ),
        Design(
            "black-rib-tank",
            "Black rib tank",
            "tank",
            TopSpec(
                width=480,
                height=610,
                top_y=40,
                neck_half=62,
                front_drop=118,
                back_drop=38,
                shoulder_half=100,
                shoulder_slope=12,
                chest_half=148,
                waist_half=138,
                waist_y=340,
                hem_half=150,
                hem_y=574,
                armhole_depth=172,
            ),
            Style(rgb("#2d2d32"), rgb("#27272b"), rgb("#18181b"), fabric="rib", band_width=9, bound=True),
            (("S", 84, 64), ("M", 90, 66), ("L", 96, 68)),
            "MB-TK-004",
            "€14.90",
            front_print=tank_emblem,
            with_back=True,
        ),
        Design(
            "floral-summer-dress",
            "Floral summer dress",
            "dress",
            TopSpec(
                width=560,
                height=690,
                top_y=36,
                neck_half=64,
                front_drop=78,
                back_drop=20,
                shoulder_half=112,
                shoulder_slope=14,
                chest_half=138,
                waist_half=116,
                waist_y=290,
                hem_half=252,
                hem_y=640,
                hem_sag=12,
                armhole_depth=146,
                flare_from_waist=True,
            ),
            Style(rgb("#f5ecd9"), rgb("#efe4cc"), rgb("#c9b99a"), fabric="voile", band_width=9, bound=True),
            (("S", 86, 98), ("M", 92, 100), ("L", 98, 102)),
            "MB-DR-005",
            "€49.90",
            fabric_print=floral_print,
            details=dress_details,
        ),
        Design(
            "chambray-shirt-tee",
            "Chambray button shirt-tee",
            "t-shirt",
            _tee(front_drop=36, back_drop=12),
            Style(rgb("#5f82ab"), rgb("#5a7ca4"), rgb("#d4a75e"), fabric="twill"),
            tee_sizes,
            "MB-TS-006",
            "€34.90",
            details=shirt_details,
        ),
    ]


def _painted(design: Design, view: str) -> tuple[Painter, dict[str, tuple[float, float]]]:
    """Paints one view of a design; the painter holds the picture and what of the inside stays visible."""
    shape = build_top(design.spec)
    seed = _SEED + sum(map(ord, design.id)) + (1 if view == "back" else 0)
    p = Painter(design.spec, shape, design.style, view, seed)
    p.img *= p.texture()[:, :, None]
    if design.fabric_print:
        design.fabric_print(p)
    if view == "front" and design.front_print:
        design.front_print(p)
    p.sleeves()
    if design.style.bound:
        p.bindings()
    p.body_seams()
    p.neckline()
    if view == "front" and design.details:
        design.details(p)
    p.shade()
    return p, shape.anchors


def draw(design: Design, view: str = "front") -> tuple[np.ndarray, dict[str, tuple[float, float]]]:
    """Draws one view of a design; returns RGBA uint8 and the anchors from the same geometry."""
    p, anchors = _painted(design, view)
    return p.finish(), anchors


def draw_front(design: Design) -> tuple[np.ndarray, np.ndarray | None, dict[str, tuple[float, float]]]:
    """The front (RGBA uint8), its inside-of-the-back mask ((H, W) uint8, None without one) and the anchors."""
    p, anchors = _painted(design, "front")
    return p.finish(), p.inside_mask(), anchors


def _write_png(path: Path, image: np.ndarray) -> None:
    """RGBA (RGB order) or a grey (H, W) mask to a maximally compressed PNG."""
    pixels = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGBA2BGRA)
    ok, data = cv2.imencode(".png", pixels, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    if not ok:
        raise OSError(f"PNG encoding failed for {path}")
    path.write_bytes(data.tobytes())


def write_catalog(out_dir: Path) -> CatalogManifest:
    """Draws every design into out_dir/images and writes the manifest next to them."""
    images = out_dir / "images"
    images.mkdir(parents=True, exist_ok=True)
    entries = []
    for design in designs():
        front, inside, anchors = draw_front(design)
        _write_png(images / f"{design.id}.png", front)
        inside_name = None
        if inside is not None:
            inside_name = f"images/{design.id}-inside.png"
            _write_png(out_dir / inside_name, inside)
        back_name = None
        if design.with_back:
            back, _ = draw(design, "back")
            back_name = f"images/{design.id}-back.png"
            _write_png(out_dir / back_name, back)
        entries.append(
            GarmentEntry(
                id=design.id,
                name=design.name,
                category=design.category,
                front=f"images/{design.id}.png",
                back=back_name,
                inside=inside_name,
                anchors=anchors,
                sizes=[SizeEntry(label=lbl, chest_cm=c, length_cm=ln) for lbl, c, ln in design.sizes],
                sku=design.sku,
                price=design.price,
            )
        )
        log.info("drew %s", design.id)
    manifest = CatalogManifest(name=CATALOG_NAME, garments=entries)
    comment = (
        "Default catalog, drawn by `python -m mirror_app.catalog.draw_default`.\n"
        "Regenerate instead of editing by hand; the format is described in docs/catalog.md."
    )
    (out_dir / MANIFEST_NAME).write_text(dump_manifest(manifest, comment), encoding="utf-8")
    return manifest


def contact_sheet(load: CatalogLoad, cell: tuple[int, int] = (330, 380)) -> np.ndarray:
    """All garments (and backs) on a grey board with anchors as dots, for eyeballing the catalog (RGB)."""
    tiles = []
    for garment in load.garments:
        views = [garment.rgba] + ([garment.back_rgba] if garment.back_rgba is not None else [])
        for index, rgba in enumerate(views):
            h, w = rgba.shape[:2]
            scale = min((cell[0] - 20) / w, (cell[1] - 40) / h)
            small = cv2.resize(rgba, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
            tile = np.full((cell[1], cell[0], 3), 200, np.uint8)
            tile[::16, :] = 190
            tile[:, ::16] = 190
            oy, ox = 30, (cell[0] - small.shape[1]) // 2
            a = small[:, :, 3:4].astype(np.float32) / 255
            region = tile[oy : oy + small.shape[0], ox : ox + small.shape[1]].astype(np.float32)
            tile[oy : oy + small.shape[0], ox : ox + small.shape[1]] = (small[:, :, :3] * a + region * (1 - a)).astype(
                np.uint8
            )
            for name, (x, y) in garment.anchors.items():
                color = (220, 30, 30) if name.startswith("left") else (30, 90, 230)
                if name == "neck":
                    color = (20, 170, 60)
                centre = (round(ox + x * scale), round(oy + y * scale))
                cv2.circle(tile, centre, 4, color, -1, cv2.LINE_AA)
                cv2.circle(tile, centre, 4, (255, 255, 255), 1, cv2.LINE_AA)
            label = garment.id + (" (back)" if index else "")
            cv2.putText(tile, label, (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (20, 20, 20), 1, cv2.LINE_AA)
            tiles.append(tile)
    columns = 4
    rows = -(-len(tiles) // columns) or 1
    sheet = np.full((rows * cell[1], columns * cell[0], 3), 255, np.uint8)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        sheet[r * cell[1] : (r + 1) * cell[1], c * cell[0] : (c + 1) * cell[0]] = tile
    return sheet


def main(argv: list[str] | None = None) -> int:
    """Command line: draw the catalog (default: the shipped one) and optionally a contact sheet."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=default_catalog_dir(), help="catalog folder to write")
    parser.add_argument("--sheet", type=Path, default=None, help="also write a contact sheet PNG here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    write_catalog(args.out)
    load = load_catalog(args.out)
    for problem in load.problems:
        log.error("%s", problem)
    if args.sheet is not None:
        sheet = contact_sheet(load)
        cv2.imwrite(str(args.sheet), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
        log.info("contact sheet written to %s", args.sheet)
    return 1 if load.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
