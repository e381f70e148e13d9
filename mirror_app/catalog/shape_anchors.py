"""Anchors from a garment's cut-out silhouette, so an imported product photo needs no hand placement.

Everything is measured on the image-left half (the wearer's RIGHT side) and the other half is the same
code run on the mirrored mask; see docs/catalog.md for what each anchor means. Coordinates are continuous
pixels of the image (pixel j covers [j, j + 1)), the same frame the catalog's anchors use.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from itertools import pairwise

import cv2
import numpy as np

from mirror_app.catalog.garment import CATEGORIES
from mirror_app.catalog.problem import FixableError

log = logging.getLogger(__name__)

Anchors = dict[str, tuple[float, float]]

ELBOW_FRACTION = 0.5  # along the sleeve from the armhole to the cuff, as in the drawn default catalog
LONG_SLEEVE_RATIO = 1.8  # sleeve (shoulder to cuff) longer than this many chest half-widths: long sleeves
_MIN_SLEEVE_SHARE = 0.015  # a side's sleeve must hold at least this share of the garment's pixels
_WAIST_FALLBACK = 0.6  # no clear narrowing: the waist is this far from the shoulders to the hem
_SHOULDER_FALLBACK = 1.07  # no shoulder corner: the seam sits this far out, in chest half-widths
_CHORDS = (0.12, 0.42)  # how far out from the armhole (share of the sleeve's reach) its middle line is measured
_CHORD_COUNT = 8  # chords measured there
_CHORD_SLOPE_MAX = 2.0  # a middle line nearer the armhole's direction than this (~27 degrees): no chords across


class ShapeError(FixableError):
    """The silhouette is not one a garment's anchors can be read from, with a fix a person can act on."""


@dataclass(frozen=True, slots=True)
class ShapeAnchors:
    """Anchors found on a silhouette, the category they were read as, and how sure (0..1)."""

    anchors: Anchors
    category: str
    confidence: float
    note: str  # e.g. "t-shirt, short sleeves, symmetric 0.97"


@dataclass(slots=True)
class _Side:
    """What was found on one half (image-left frame): anchor points and whether each was measured."""

    shoulder: tuple[float, float]
    armpit: tuple[float, float]
    hem: tuple[float, float]
    waist: tuple[float, float] | None = None
    cuff: tuple[float, float] | None = None
    sleeve: _Sleeve | None = None  # the cuff is placed from both sides' sleeves (find_anchors)
    armpit_found: bool = True
    shoulder_found: bool = True
    sleeve_share: float = 0.0


def _solid(alpha: np.ndarray) -> np.ndarray:
    """The garment's filled outline: the largest opaque region with its holes (the neck opening) closed."""
    opaque = (alpha >= 128).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(opaque, connectivity=8)
    if count <= 1:
        raise ShapeError("the cut-out is empty", "use a photo where the garment is clearly visible")
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    mask = (labels == biggest).astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(mask)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    return filled.astype(bool)


def _centre_x(solid: np.ndarray, top: int, bottom: int) -> float:
    """The garment's vertical axis: the middle of the body's rows in its lower half (sleeves excluded)."""
    xs = np.nonzero(solid.any(axis=0))[0]
    guess = int(round(np.nonzero(solid)[1].mean()))
    mids = []
    for y in range(top + int(0.55 * (bottom - top)), bottom - int(0.05 * (bottom - top)) + 1):
        left, right = _run_at(solid[y], guess)
        if left is not None and right is not None:
            mids.append((left + right) / 2.0)
    return float(np.median(mids)) if mids else float((xs[0] + xs[-1] + 1) / 2.0)


def _run_at(row: np.ndarray, x: int) -> tuple[float | None, float | None]:
    """Continuous left and right edges of the opaque run through column x (None when x is empty)."""
    if x < 0 or x >= row.size or not row[x]:
        return None, None
    gaps_left = np.nonzero(~row[:x])[0]
    gaps_right = np.nonzero(~row[x:])[0]
    left = float(gaps_left[-1] + 1) if gaps_left.size else 0.0
    right = float(x + gaps_right[0]) if gaps_right.size else float(row.size)
    return left, right


def _torso_left_edges(solid: np.ndarray, cx: float) -> np.ndarray:
    """Per row, the left edge of the run through the centre column (NaN where the centre is empty)."""
    column = int(np.clip(np.floor(cx), 0, solid.shape[1] - 1))
    half = solid[:, : column + 1][:, ::-1]
    has = half[:, 0]
    first_gap = np.where((~half).any(axis=1), np.argmax(~half, axis=1), half.shape[1])
    edges = (column + 1 - first_gap).astype(np.float64)
    edges[~has] = np.nan
    return edges


def _hem_corner(edges: np.ndarray, cx: float, top: int, bottom: int) -> tuple[float, float]:
    """Bottom outer corner of the body: the lowest, outermost side point (where the side turns into the hem)."""
    rows = np.arange(top + int(0.5 * (bottom - top)), bottom + 1)
    values = edges[rows]
    ok = ~np.isnan(values)
    if not ok.any():
        raise ShapeError("no hem found", "the garment must be photographed whole, hem included")
    score = np.where(ok, rows + (cx - np.nan_to_num(values)), -np.inf)
    best = int(np.argmax(score))
    return float(values[best]), float(rows[best] + 0.5)


def _median_profile(values: np.ndarray, half: int) -> np.ndarray:
    """A running median, so ruffles and frills along a side do not read as corners (NaN stays NaN)."""
    padded = np.pad(values, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        smooth = np.nanmedian(windows, axis=1)
    return np.where(np.isnan(values), np.nan, smooth)


def _armpit(edges: np.ndarray, hem_y: float, top: int) -> tuple[tuple[float, float], bool]:
    """Where the body's side ends going up: it turns sharply out (a sleeve) or in (an armhole).

    Garment sides stay within ~55 degrees of vertical (even a flared skirt); an armhole or a sleeve's
    underside runs nearly horizontally into the armpit, so the first steep stretch going up marks it.
    """
    step = max(3, round(0.01 * (hem_y - top)))
    edges = _median_profile(edges, max(3, round(0.015 * (hem_y - top))))
    y = int(hem_y - 0.25 * (hem_y - top))
    while y - step > top and not np.isnan(edges[y - step]):
        if abs(edges[y - step] - edges[y]) > 1.5 * step + 1.0:
            # The corner lies within the steep stretch: the last row still on the side's line.
            for row in range(y - 1, y - step - 1, -1):
                if abs(edges[row] - edges[row + 1]) > 2.0:
                    return (float(edges[row + 1]), float(row + 1.5)), True
            return (float(edges[y]), float(y + 0.5)), True
        y -= 1
    # No sharp corner (a shallow armhole): the widest point of the upper body, if the outline turns in above it.
    length = hem_y - top
    rows = np.arange(int(top + 0.1 * length), int(top + 0.5 * length))
    values = edges[rows]
    reach = max(2, int(0.03 * length))
    for candidate, value in zip(rows.tolist(), values.tolist(), strict=True):
        if not np.isfinite(value):
            continue
        around = edges[max(top, candidate - reach) : candidate + reach + 1]
        above = edges[max(top, int(candidate - 0.1 * length))]
        below = edges[min(len(edges) - 1, int(candidate + 0.05 * length))]
        if (
            value <= np.nanmin(around)
            and np.isfinite(above)
            and above - value > 0.02 * length
            and np.isfinite(below)
            and below - value > 0.005 * length
        ):
            return (float(value), float(candidate + 0.5)), True
    if y - step > top + 0.1 * length and np.isfinite(edges[y]):
        # The body's side runs up into the neckline without a corner (a shallow armhole): its top is the armpit.
        while y - 1 > top and np.isfinite(edges[y - 1]):
            y -= 1
        return (float(edges[y]), float(y + 0.5)), True
    guess_y = int(top + 0.3 * length)
    x = edges[guess_y] if not np.isnan(edges[guess_y]) else np.nanmin(edges)
    return (float(x), float(guess_y + 0.5)), False


def _top_envelope(solid: np.ndarray) -> np.ndarray:
    """Per column, the first opaque row from the top (NaN for empty columns)."""
    has = solid.any(axis=0)
    tops = np.argmax(solid, axis=0).astype(np.float64)
    tops[~has] = np.nan
    return tops


def _shoulder(tops: np.ndarray, cx: float, x_end: float) -> tuple[float, float]:
    """The shoulder point: the knee of the top outline between the collar point and the outer end.

    The top outline runs collar point -> shoulder -> sleeve (or strap -> armhole); the shoulder is the
    point farthest above the straight line from the collar point to where that outline ends.
    """
    centre = int(np.floor(cx))
    end = int(np.clip(np.floor(x_end), 0, centre))
    columns = np.arange(end, centre + 1)
    values = tops[columns]
    ok = ~np.isnan(values)
    columns, values = columns[ok], values[ok]
    if columns.size < 3:
        raise ShapeError("no shoulder line found", "the garment must be photographed flat, front view")
    # Collar point: the highest column on this half (the innermost one when the top is flat).
    highest = values.min()
    collar_index = int(np.nonzero(values <= highest + 1.0)[0].max())
    xs, ys = columns[: collar_index + 1], values[: collar_index + 1]
    if xs.size < 3:
        return float(xs[0] + 0.5), float(ys[0])
    x0, y0, x1, y1 = float(xs[-1]), float(ys[-1]), float(xs[0]), float(ys[0])
    chord = y0 + (xs - x0) * (y1 - y0) / (x1 - x0) if x1 != x0 else np.full(xs.shape, y0)
    knee = int(np.argmax(chord - ys))
    return float(xs[knee] + 0.5), float(ys[knee])


def _sleeve_pixels(
    solid: np.ndarray, edges: np.ndarray, cx: float, shoulder: tuple[float, float], armpit: tuple[float, float]
) -> np.ndarray:
    """Pixels of this half's sleeve: outside the armhole line above the armpit, outside the body below it."""
    height, width = solid.shape
    ys, xs = np.mgrid[0:height, 0:width]
    (sx, sy), (ax, ay) = shoulder, armpit
    half = xs + 0.5 < cx
    slope = (ax - sx) / (ay - sy) if ay - sy > 1.0 else 0.0
    line_x = sx + (ys + 0.5 - sy) * slope
    margin = 0.02 * width
    upper = (ys + 0.5 >= sy - 0.02 * height) & (ys + 0.5 < ay) & (xs + 0.5 < line_x - margin)
    body_edge = np.where(np.isnan(edges), cx, edges)[:, None]
    lower = (ys + 0.5 >= ay) & (xs + 0.5 < body_edge - margin)
    candidates = solid & half & (upper | lower)
    # Only pieces that reach above the armpit hang from the shoulder; others are flares or hem notches.
    count, labels = cv2.connectedComponents(candidates.astype(np.uint8), connectivity=8)
    attached = np.unique(labels[candidates & upper])
    return np.isin(labels, attached[attached > 0])


@dataclass(frozen=True, slots=True)
class _Sleeve:
    """One sleeve's pixels seen from its armhole, and the middles of its chords parallel to the armhole."""

    points: np.ndarray  # (N, 2) pixel centres
    shoulder: np.ndarray  # (2,) where the armhole line starts
    seam: np.ndarray  # (2,) unit: along the armhole, shoulder to armpit
    out: np.ndarray  # (2,) unit: square to it, away from the body
    levels: np.ndarray  # how far out each chord lies
    middles: np.ndarray  # each chord's middle, along the armhole from the shoulder

    def slope(self) -> float | None:
        """How far the sleeve's middle line moves along the armhole per px out; None where it cannot tell."""
        if self.levels.size < 3:
            return None
        slope = float(np.polyfit(self.levels, self.middles, 1)[0])
        return slope if abs(slope) <= _CHORD_SLOPE_MAX else None


def _sleeve_chords(sleeve: np.ndarray, shoulder: tuple[float, float], armpit: tuple[float, float]) -> _Sleeve:
    """The sleeve's chords parallel to its armhole (shoulder to armpit), 0.12 to 0.42 of the way out.

    There its top edge and its underside bound them, not the armhole's cut nor the opening, so their middles
    trace the sleeve's middle line, along which the arm runs when it is worn.
    """
    ys, xs = np.nonzero(sleeve)
    points = np.stack([xs + 0.5, ys + 0.5], axis=1)
    start = np.asarray(shoulder, dtype=np.float64)
    seam = np.asarray(armpit, dtype=np.float64) - start
    seam /= max(float(np.linalg.norm(seam)), 1e-6)
    out = np.array([seam[1], -seam[0]])
    if (points.mean(axis=0) - start) @ out < 0.0:
        out = -out
    reach = (points - start) @ out
    down = (points - start) @ seam
    far = float(reach.max())
    middles, levels = [], []
    for lo, hi in pairwise(np.linspace(_CHORDS[0] * far, _CHORDS[1] * far, _CHORD_COUNT + 1)):
        chord = down[(reach >= lo) & (reach < hi)]
        if chord.size >= 3:
            middles.append((chord.min() + chord.max()) / 2.0)
            levels.append((lo + hi) / 2.0)
    return _Sleeve(points, start, seam, out, np.asarray(levels), np.asarray(middles))


def _cuff(sleeve: _Sleeve, slope: float | None) -> tuple[float, float]:
    """Middle of the sleeve's far end, where its middle line (running `slope` along the armhole per px out)
    leaves it.

    A cap sleeve widening toward the body has its top edge falling steeply and its underside rising: measured
    along the line from the shoulder to the sleeve's outermost corner (`_far_end`), the Minnie tee's sleeves
    (vitonhd-04743-00) ran about 35 degrees steeper than they lie, and a lowered arm turned them out into
    wings. A sleeve that runs along its armhole (a long sleeve hanging beside the body: `slope` None) is
    still measured that way.
    """
    if slope is None:
        return _far_end(sleeve.points, (float(sleeve.shoulder[0]), float(sleeve.shoulder[1])))
    axis = sleeve.out + sleeve.seam * slope
    axis /= float(np.linalg.norm(axis))
    origin = sleeve.shoulder + sleeve.seam * float(np.mean(sleeve.middles - slope * sleeve.levels))
    along = (sleeve.points - origin) @ axis
    near = np.abs((sleeve.points - origin) @ np.array([-axis[1], axis[0]])) < max(2.0, 0.05 * float(along.max()))
    point = origin + axis * float(along[near].max())
    return float(point[0]), float(point[1])


def _shared_slope(right: _Sleeve | None, left: _Sleeve | None) -> tuple[float | None, float | None]:
    """Each side's middle-line slope, both the mean of the two where both read one (garments are cut
    symmetric; a fold or a notch under one arm of the photo would otherwise hang the sleeves differently)."""
    slopes = [None if s is None else s.slope() for s in (right, left)]
    if slopes[0] is not None and slopes[1] is not None:
        mean = (slopes[0] + slopes[1]) / 2.0
        return mean, mean
    return slopes[0], slopes[1]


def _far_end(points: np.ndarray, shoulder: tuple[float, float]) -> tuple[float, float]:
    """Middle of the sleeve's far end, measured along the line from the shoulder to its outermost point."""
    outer = points[np.lexsort((points[:, 1], points[:, 0]))[0]]  # outermost column, its top pixel
    axis = outer - np.asarray(shoulder)
    axis /= max(float(np.linalg.norm(axis)), 1e-6)
    across = np.array([-axis[1], axis[0]])
    along = (points - shoulder) @ axis
    side = (points - shoulder) @ across
    length = float(along.max())
    strip = along >= length - max(2.0, 0.08 * length)
    bins = np.round(side[strip]).astype(int)
    order = np.argsort(bins)
    bins, ends = bins[order], along[strip][order]
    starts = np.r_[0, np.nonzero(np.diff(bins))[0] + 1]
    end_along = float(np.maximum.reduceat(ends, starts).mean())
    mid_across = float((side[strip].min() + side[strip].max()) / 2.0)
    point = np.asarray(shoulder) + axis * end_along + across * mid_across
    return float(point[0]), float(point[1])


def _waist(edges: np.ndarray, cx: float, armpit_y: float, hem_y: float, shoulder_y: float) -> tuple[float, float]:
    """The body's side at its narrowest between armpit and hem, or 60% down when the sides are straight."""
    first, last = int(armpit_y + 0.1 * (hem_y - armpit_y)), int(armpit_y + 0.85 * (hem_y - armpit_y))
    rows = np.arange(first, max(first + 1, last))
    half_widths = cx - edges[rows]
    ok = ~np.isnan(half_widths)
    if ok.sum() >= 5:
        smooth = np.convolve(np.where(ok, half_widths, np.nanmax(half_widths)), np.ones(5) / 5, mode="same")
        smooth[:2], smooth[-2:] = smooth[2], smooth[-3]
        narrowest = float(smooth.min())
        ends = max(float(smooth[: max(1, len(smooth) // 10)].max()), float(smooth[-max(1, len(smooth) // 10) :].max()))
        if narrowest < 0.97 * ends:
            tied = np.nonzero(smooth <= narrowest + 0.5)[0]
            y = int(rows[int(np.median(tied))])
            return float(edges[y]), float(y + 0.5)
    y = int(shoulder_y + _WAIST_FALLBACK * (hem_y - shoulder_y))
    x = edges[y] if not np.isnan(edges[y]) else float(np.nanmin(edges[rows]))
    return float(x), float(y + 0.5)


def _measure_side(solid: np.ndarray, cx: float, top: int, bottom: int) -> _Side:
    """All anchors of the image-left half (the wearer's right)."""
    edges = _torso_left_edges(solid, cx)
    hem = _hem_corner(edges, cx, top, bottom)
    armpit, found = _armpit(edges, hem[1], top)
    tops = _top_envelope(solid)
    outermost = float(np.nonzero(solid.any(axis=0))[0][0])
    # First pass with the outline's far end; if there is no sleeve, the shoulder lies between the collar and
    # the armpit instead (a tank's strap ends above the armhole).
    shoulder = _shoulder(tops, cx, outermost)
    sleeve = _sleeve_pixels(solid, edges, cx, shoulder, armpit)
    share = float(sleeve.sum()) / max(float(solid.sum()), 1.0)
    side = _Side(shoulder=shoulder, armpit=armpit, hem=hem, armpit_found=found, sleeve_share=share)
    if share >= _MIN_SLEEVE_SHARE:
        chest_half = cx - armpit[0]
        if not 0.85 * chest_half <= cx - shoulder[0] <= 1.25 * chest_half:
            # No clear shoulder corner (the shoulder runs smoothly into the sleeve): set-in sleeves start a
            # little outside the chest line.
            x = cx - _SHOULDER_FALLBACK * chest_half
            column = int(np.clip(np.floor(x), 0, solid.shape[1] - 1))
            y = tops[column] if np.isfinite(tops[column]) else shoulder[1]
            shoulder = (float(x), float(y))
            side.shoulder = shoulder
            side.shoulder_found = False
            # The sleeve as seen from the seam now chosen (the first pass cut it at the outline's knee).
            seen = _sleeve_pixels(solid, edges, cx, shoulder, armpit)
            sleeve = seen if seen.any() else sleeve
        side.sleeve = _sleeve_chords(sleeve, shoulder, armpit)
    else:
        side.shoulder = _shoulder(tops, cx, armpit[0])
    side.waist = _waist(edges, cx, armpit[1], hem[1], side.shoulder[1])
    return side


def _neck(alpha: np.ndarray, solid: np.ndarray, cx: float) -> tuple[float, float]:
    """Top edge of the garment at the centre (the back neckline), to a fraction of a pixel."""
    centre = int(np.clip(np.floor(cx), 0, solid.shape[1] - 1))
    columns = [c for c in range(centre - 2, centre + 3) if 0 <= c < solid.shape[1] and solid[:, c].any()]
    if not columns:
        raise ShapeError("no neckline found at the garment's centre", "photograph the garment front-on, centred")
    ys = []
    for c in columns:
        first = int(np.argmax(solid[:, c]))
        span = min(first + 3, alpha.shape[0])
        coverage = float(np.clip(alpha[:span, c].astype(np.float64) / 255.0, 0, 1).sum())
        ys.append(span - coverage)
    return float(cx), float(np.median(ys))


def _mirror_side(side: _Side, width: int) -> _Side:
    """A side measured on the mirrored mask, back in image coordinates."""

    def flip(point: tuple[float, float] | None) -> tuple[float, float] | None:
        return None if point is None else (width - point[0], point[1])

    return _Side(
        shoulder=(width - side.shoulder[0], side.shoulder[1]),
        armpit=(width - side.armpit[0], side.armpit[1]),
        hem=(width - side.hem[0], side.hem[1]),
        waist=flip(side.waist),
        cuff=flip(side.cuff),
        armpit_found=side.armpit_found,
        shoulder_found=side.shoulder_found,
        sleeve_share=side.sleeve_share,
    )


def _symmetry(solid: np.ndarray, cx: float) -> float:
    """IoU of the silhouette with its mirror image about the garment's axis (1 = perfectly symmetric)."""
    shift = 2.0 * cx - solid.shape[1]
    height, width = solid.shape
    matrix = np.array([[-1.0, 0.0, width - 1 + shift], [0.0, 1.0, 0.0]], np.float32)
    mirrored = cv2.warpAffine(solid.astype(np.uint8), matrix, (width, height), flags=cv2.INTER_NEAREST) > 0
    union = np.logical_or(solid, mirrored).sum()
    return float(np.logical_and(solid, mirrored).sum() / union) if union else 0.0


def _guess_category(sleeves: bool, long_sleeves: bool, right: _Side, left: _Side, neck_y: float) -> str:
    """Category from the shape alone: sleeves decide tee/long-sleeve; a long flared body is a dress."""
    if sleeves:
        return "long-sleeve" if long_sleeves else "t-shirt"
    chest = left.armpit[0] - right.armpit[0]
    hem = left.hem[0] - right.hem[0]
    length = (left.hem[1] + right.hem[1]) / 2.0 - neck_y
    return "dress" if hem > 1.4 * chest or length > 2.2 * chest else "tank"


def find_anchors(alpha: np.ndarray, category: str | None = None) -> ShapeAnchors:
    """Anchors (front-image pixels, wearer's left on the image right) read from a cut-out's alpha.

    `category` is a hint: "tank" and "dress" never get cuffs, sleeved categories get them when sleeves are
    found; without it the category is guessed from the shape. Raises ShapeError for unusable shapes.
    """
    if category is not None and category not in CATEGORIES:
        raise ShapeError(f"unknown category {category!r}", f"use one of: {', '.join(CATEGORIES)}")
    solid = _solid(alpha)
    if solid.sum() < 400:
        raise ShapeError("the garment is too small in the photo", "use a photo where the garment is large")
    height, width = solid.shape
    rows = np.nonzero(solid.any(axis=1))[0]
    top, bottom = int(rows[0]), int(rows[-1])
    cx = _centre_x(solid, top, bottom)
    right = _measure_side(solid, cx, top, bottom)
    mirrored = _measure_side(solid[:, ::-1], width - cx, top, bottom)
    for side, slope in zip((right, mirrored), _shared_slope(right.sleeve, mirrored.sleeve), strict=True):
        if side.sleeve is not None:
            side.cuff = _cuff(side.sleeve, slope)
    left = _mirror_side(mirrored, width)
    neck = _neck(alpha, solid, cx)
    symmetry = _symmetry(solid, cx)

    problems: list[str] = []
    both = right.cuff is not None and left.cuff is not None
    if (right.cuff is None) != (left.cuff is None):
        problems.append("a sleeve on one side only")
    sleeve_length = 0.0
    if both:
        assert right.cuff is not None and left.cuff is not None
        sleeve_length = float(
            np.mean([np.hypot(*np.subtract(s.cuff, s.shoulder)) for s in (right, left) if s.cuff is not None])
        )
    chest_half = (left.armpit[0] - right.armpit[0]) / 2.0
    long_found = both and sleeve_length > LONG_SLEEVE_RATIO * chest_half
    used = category or _guess_category(both, long_found, right, left, neck[1])
    sleeved = used in ("t-shirt", "long-sleeve", "outerwear")
    if sleeved and not both:
        problems.append("no sleeves found")
    if not sleeved and both:
        problems.append(f"sleeves found on a {used}; ignored")
    if used == "long-sleeve" and both and not long_found:
        problems.append("sleeves look short for a long-sleeve")

    anchors: Anchors = {"neck": neck}
    for name, (r, lft) in {
        "shoulder": (right.shoulder, left.shoulder),
        "armpit": (right.armpit, left.armpit),
        "waist": (right.waist, left.waist),
        "hem": (right.hem, left.hem),
    }.items():
        if r is not None and lft is not None:
            anchors[f"right_{name}"], anchors[f"left_{name}"] = r, lft
    if sleeved and both and right.cuff is not None and left.cuff is not None:
        anchors["right_cuff"], anchors["left_cuff"] = right.cuff, left.cuff
        if used in ("long-sleeve", "outerwear") and long_found:
            for side, key in ((right, "right_elbow"), (left, "left_elbow")):
                assert side.cuff is not None
                root = (np.asarray(side.shoulder) + np.asarray(side.armpit)) / 2.0
                elbow = root + ELBOW_FRACTION * (np.asarray(side.cuff) - root)
                anchors[key] = (float(elbow[0]), float(elbow[1]))

    if not (right.shoulder_found and left.shoulder_found):
        problems.append("shoulders estimated (no shoulder corner)")
    if not (right.armpit_found and left.armpit_found):
        problems.append("armpits guessed (no clear underarm corner)")
    hem_y = min(anchors["left_hem"][1], anchors["right_hem"][1])
    upper = max(anchors["neck"][1], anchors["left_shoulder"][1], anchors["right_shoulder"][1])
    if not (upper < hem_y and max(anchors["left_armpit"][1], anchors["right_armpit"][1]) < hem_y):
        raise ShapeError(
            "the hem is not below the shoulders and armpits",
            "photograph the garment upright and whole, laid flat or on a ghost mannequin",
        )

    size = max(bottom - top, 1)
    pair_error = 0.0
    for name in ("shoulder", "armpit", "hem", "cuff"):
        if f"left_{name}" in anchors:
            (lx, ly), (rx, ry) = anchors[f"left_{name}"], anchors[f"right_{name}"]
            pair_error = max(pair_error, abs((lx - cx) - (cx - rx)) / size, abs(ly - ry) / size)
    confidence = symmetry**2 * float(np.clip(1.0 - 4.0 * pair_error, 0.2, 1.0))
    confidence *= 0.8 ** len(problems)
    anchors = {k: (round(float(x), 2), round(float(y), 2)) for k, (x, y) in anchors.items()}

    if "left_cuff" in anchors:
        sleeves = "long sleeves" if "left_elbow" in anchors else "short sleeves"
    else:
        sleeves = "no sleeves"
    note = ", ".join([used, sleeves, f"symmetric {symmetry:.2f}", *problems])
    log.debug("shape anchors: %s (confidence %.2f)", note, confidence)
    return ShapeAnchors(anchors, used, float(np.clip(confidence, 0.0, 1.0)), note)
