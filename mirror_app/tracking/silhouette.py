"""Torso width from the person mask: how far the body really extends across the torso, to size garments."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from mirror_app.generator.contract import SILHOUETTE_FRACTIONS  # torso_extents' heights: the generator's input's
from mirror_app.tracking.body import (
    LEFT_ELBOW,
    LEFT_SHOULDER,
    LEFT_WRIST,
    RIGHT_ELBOW,
    RIGHT_SHOULDER,
    RIGHT_WRIST,
    TORSO,
    Body,
)
from mirror_app.tracking.flank import widen_to_top

COARSE_SAMPLES = 64  # samples per ray to find the edge
FINE_SAMPLES = 32  # samples between the last inside and first outside coarse sample, to place it sub-pixel
REACH = 2.0  # rays run this many torso lengths (or shoulder widths, if larger) from the axis
THRESHOLD = 0.5
_SHOULDER_ROWS = [LEFT_SHOULDER, RIGHT_SHOULDER]
_TORSO_ROWS = list(TORSO)  # shoulders, then hips
_FINE_STEPS = np.linspace(0.0, 1.0, FINE_SAMPLES + 1)  # a constant: linspace costs ~8 µs a call


def _bilinear(mask: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mask values at float mask-pixel coordinates, and whether each point lies inside the mask image."""
    h, w = mask.shape
    # minimum/maximum, not np.clip, and flat indices: the same values, fewer and cheaper calls on these small arrays.
    xc = np.minimum(np.maximum(x, 0.0), w - 1.0)
    yc = np.minimum(np.maximum(y, 0.0), h - 1.0)
    inside = (xc == x) & (yc == y)  # clamping moved it (or it is NaN): outside the image
    x0 = np.minimum(xc.astype(np.intp), w - 2) if w > 1 else np.zeros(xc.shape, np.intp)
    y0 = np.minimum(yc.astype(np.intp), h - 2) if h > 1 else np.zeros(yc.shape, np.intp)
    fx = xc - x0
    fy = yc - y0
    gx = 1.0 - fx
    flat = mask.ravel()
    at = y0 * w + x0
    right = 1 if w > 1 else 0  # the next column (the same one in a one-column mask)
    below = at + (w if h > 1 else 0)
    top = flat.take(at) * gx + flat.take(at + right) * fx
    bottom = flat.take(below) * gx + flat.take(below + right) * fx
    return top * (1.0 - fy) + bottom * fy, inside


def _spaced(stop: float, intervals: int) -> np.ndarray:
    """np.linspace(0.0, stop, intervals + 1), the same values (for a finite stop) at a quarter of its ~8 µs."""
    steps = np.arange(intervals + 1, dtype=np.float64)
    steps *= stop / intervals
    steps[-1] = stop
    return steps


def torso_axis(body: Body) -> tuple[float, float, float, float, float] | None:
    """The torso's axis in plain floats: mid-shoulders (x, y), the unit axis down to mid-hips (x, y), the length in
    frame px; None when the two coincide. (_torso_frame as arrays.)"""
    # The same float64 arithmetic as on 2-vectors, without numpy's cost per call (run 4 times a frame).
    (lsx, lsy), (rsx, rsy), (lhx, lhy), (rhx, rhy) = body.landmarks_px[_TORSO_ROWS, :2].tolist()
    sx, sy = (lsx + rsx) / 2.0, (lsy + rsy) / 2.0
    ax, ay = (lhx + rhx) / 2.0 - sx, (lhy + rhy) / 2.0 - sy
    length = float(np.hypot(ax, ay))
    if length < 1e-6:
        return None
    return sx, sy, ax / length, ay / length, length


def torso_length(body: Body) -> float:
    """Mid-shoulders to mid-hips in frame px (0 when they coincide): the unit a person's own widths keep."""
    floats = torso_axis(body)
    return 0.0 if floats is None else floats[4]


def _torso_frame(body: Body) -> tuple[np.ndarray, np.ndarray, np.ndarray, float] | None:
    """Mid-shoulders, the unit axis down to mid-hips, across (a quarter turn from it) and the torso's length."""
    floats = torso_axis(body)
    if floats is None:
        return None
    sx, sy, dx, dy, length = floats
    return np.array([sx, sy]), np.array([dx, dy]), np.array([dy, -dx]), length


def ray_edges(body: Body, origins: np.ndarray, dirs: np.ndarray, reach: float) -> np.ndarray:
    """Distances (frame px) from each origin along each direction to where the person mask ends, (n, m).

    0 where unknown: no mask, the origin off the person or outside the mask image, or the ray leaving the
    image (or running `reach` px) before it leaves the person. Coarse samples find the edge, fine ones
    place it to a fraction of a pixel.
    """
    out = np.zeros((len(origins), len(dirs)), np.float32)
    mask = body.mask
    if mask is None or out.size == 0 or mask.ndim != 2 or mask.size == 0:
        return out
    fw, fh = body.frame_size
    mh, mw = mask.shape
    # Frame px -> mask px (pixel centres line up when scaled this way: x_m = (x_f + 0.5) * sx - 0.5).
    sx, sy = mw / fw, mh / fh

    def sample(along: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The mask at `along` px (broadcast to (n, m, k)) along each ray: x and y apart, contiguous."""
        x = origins[:, None, None, 0] + dirs[None, :, None, 0] * along
        y = origins[:, None, None, 1] + dirs[None, :, None, 1] * along
        return _bilinear(mask, (x + 0.5) * sx - 0.5, (y + 0.5) * sy - 0.5)

    # Coarse pass: distances 0..reach, sample 0 is the origin itself.
    d = _spaced(reach, COARSE_SAMPLES)
    val, inside = sample(d)  # (n, m, k)
    on = (val >= THRESHOLD) & inside
    leaves = ~on
    leaves[..., 0] = False
    has_edge = leaves.any(axis=-1)
    first_out = np.argmax(leaves, axis=-1)  # index of the first sample off the person (if any)
    ok = on[..., 0] & has_edge
    rays = np.arange(len(origins))[:, None], np.arange(len(dirs))[None, :]  # with a sample index: one per ray
    ok &= inside[(*rays, first_out)]  # left the person, not the image
    # Every sample before first_out is on the person (first_out is the first that is not).
    if not ok.any():
        return out
    # Fine pass between the last on-person coarse sample and the first off one.
    d0 = d[np.maximum(first_out - 1, 0)]
    step = d[1] - d[0]
    fine = d0[..., None] + step * _FINE_STEPS  # (n, m, f)
    fval, _ = sample(fine)
    below = fval < THRESHOLD
    below[..., 0] = False
    below[..., -1] = True
    j = np.argmax(below, axis=-1)  # first fine sample under threshold (>= 1)
    v_in = fval[(*rays, j - 1)]
    v_out = fval[(*rays, j)]
    t = np.minimum(np.maximum((v_in - THRESHOLD) / np.maximum(v_in - v_out, 1e-9), 0.0), 1.0)
    dist = fine[(*rays, j - 1)] + t * (step / FINE_SAMPLES)
    out[ok] = dist[ok].astype(np.float32)
    return out


def torso_extents(body: Body, fractions: tuple[float, ...] = SILHOUETTE_FRACTIONS) -> np.ndarray:
    """Distances (frame px) from the torso axis to the silhouette edge, [+across, -across] per fraction.

    For each f the ray origin is P = S + f * (H - S) (S, H: mid-shoulders, mid-hips), the directions are
    +/- across with across = (down.y, -down.x), down = normalize(H - S). Returns (len(fractions), 2) float32;
    0 where unknown: no mask, P outside the mask image or not on the person, or the ray leaving the image (or
    running 2 torso lengths) before it leaves the person.
    """
    frame = _torso_frame(body)
    if frame is None or not fractions:
        return np.zeros((len(fractions), 2), np.float32)
    s, down, across, length = frame
    lm = body.landmarks_px[:, :2].astype(np.float64)
    reach = REACH * max(length, float(np.linalg.norm(lm[LEFT_SHOULDER] - lm[RIGHT_SHOULDER])))
    origins = s + np.asarray(fractions, np.float64)[:, None] * (down * length)  # (n, 2)
    return ray_edges(body, origins, np.stack([across, -across]), reach)


SHOULDER_TOP_REACH = 0.3
"""Torso lengths above a shoulder joint within which the mask's top edge must lie to count as the shoulder's
top; past that the ray runs into the head, raised hair or a hood, and the top is unknown."""


TOP_SAMPLES = 32
"""Samples along each shoulder's ray (over SHOULDER_TOP_REACH torso lengths)."""


def shoulder_tops(body: Body) -> np.ndarray:
    """How far (frame px) the person mask reaches above each shoulder joint, against the torso axis:
    [the shoulder on the +across side, the one on the -across side], as the silhouette's columns; 0 unknown.

    The garment's shoulder seams belong there, on top of the shoulder, where MediaPipe's landmarks are the
    joints' centres: a fixed height above the joints left the wearer's own top showing over the garment's
    shoulders when they were raised or seen turned. The ones the tracker already measured (Body.tops) when
    it did.
    """
    if body.tops is not None:
        return body.tops
    mask = body.mask
    frame = _torso_frame(body)
    if frame is None or mask is None or mask.ndim != 2 or mask.size == 0:
        return np.zeros(2, np.float32)
    s, down, across, length = frame
    pair = body.landmarks_px[_SHOULDER_ROWS, :2].astype(np.float64)
    if float((pair[0] - s) @ across) < 0.0:  # the columns follow the sides, not the labels
        pair = pair[::-1]
    # Nearest mask pixels, a step of ~1 % of the torso (a 2 px mask pixel at 720p): the steadying filters
    # the rest, and this costs under a third of ray_edges' sub-pixel search (0.08 against 0.30 ms, timeit).
    fw, fh = body.frame_size
    mh, mw = mask.shape
    d = _spaced(SHOULDER_TOP_REACH * length, TOP_SAMPLES)
    pts = pair[:, None, :] - down[None, None, :] * d[None, :, None]  # (2 sides, k, 2)
    x = np.rint((pts[..., 0] + 0.5) * (mw / fw) - 0.5).astype(np.intp)
    y = np.rint((pts[..., 1] + 0.5) * (mh / fh) - 0.5).astype(np.intp)
    xc, yc = np.minimum(np.maximum(x, 0), mw - 1), np.minimum(np.maximum(y, 0), mh - 1)
    inside = (xc == x) & (yc == y)  # not moved by clamping to the mask image
    on = (mask[yc, xc] >= THRESHOLD) & inside
    off = ~on
    off[:, 0] = False
    first_out = np.argmax(off, axis=1)
    # Known: the joint on the person, and the ray leaving it for the room (not the picture's edge) in reach.
    ok = on[:, 0] & off.any(axis=1) & inside[np.arange(2), first_out]
    return np.where(ok, d[first_out] - 0.5 * d[1], 0.0).astype(np.float32)


ARM_RADIUS = 0.11  # upper-arm half thickness as a share of the shoulder-to-hip length
ARM_CHAINS = ((LEFT_SHOULDER, LEFT_ELBOW, LEFT_WRIST), (RIGHT_SHOULDER, RIGHT_ELBOW, RIGHT_WRIST))
_SIDE_SIGNS = np.array([1.0, -1.0])  # the extents' columns: +across, -across
ARM_STEPS = np.linspace(0.0, 1.0, 12)[:, None]  # where along each arm bone it is sampled (a constant: ~8 µs a call)
FAR_TURN_DEG = 12.0
"""A body turned at least this far (its shoulder line, world landmarks) has its far arm's cut checked against
the frame's colours: MediaPipe puts that arm 10-30 px inside the real one. A frontal body's arms are tracked
well, and its sleeves' folds and hands would only mislead the colours (the asl signers: 0-4 degrees)."""
ARM_BEHIND_M = 0.08  # an elbow this far (metres) behind its shoulder is behind the back
ARM_BAND = 0.08  # arm points within this share of the torso length from a slice's height count for it
TORSO_FLOOR = ((0.3, 0.9), (0.65, 0.8), (1.0, 0.85))
"""(slice, least half-width in half shoulder widths) an arm may cut a slice back to. The mask cannot tell a
forearm held in front of the waist from the torso's edge; cut to 0.5 there, the garment got an hourglass
notch (taiji frame 130). On taiji frames with the arms clear of the body the torso measured 1.03 / 0.90 /
1.06 at the 5th percentile (chest, waist, hem): these floors sit below that, for slimmer bodies."""


def exclude_arms(
    body: Body,
    extents: np.ndarray,
    fractions: tuple[float, ...] = SILHOUETTE_FRACTIONS,
    image: np.ndarray | None = None,
) -> np.ndarray:
    """Cut the silhouette extents back to the inner edge of arms hanging beside the torso.

    The person mask does not separate arms from the torso, so with the arms down the silhouette reaches
    their outside: a garment fitted to that looks like a box. Arms held away from the body, or in front of
    it, leave the extents as they are. The cut goes to the arm's landmarks less an assumed radius; given the
    frame (`image`, RGB, the body's frame size), a turned body's far side goes out again to where the colours
    turn from the wearer's top to the arm (tracking/flank.py): the landmarks of that arm lie inside the real
    one, and the cut left a band of the top beside the garment.
    """
    out = extents.astype(np.float32).copy()
    frame = _torso_frame(body)
    if frame is None:
        return out
    s, down, across, length = frame
    axis = down * length
    lm = body.landmarks_px[:, :2].astype(np.float64)
    half_shoulders = float(np.linalg.norm(lm[LEFT_SHOULDER] - lm[RIGHT_SHOULDER])) / 2.0
    # Only arms beside or in front of the body widen the mask; an arm behind the back is hidden by it.
    z = body.world[:, 2]
    bones = [
        bone
        for chain in ARM_CHAINS
        if z[chain[1]] - z[chain[0]] < ARM_BEHIND_M
        for bone in zip(chain[:-1], chain[1:], strict=True)
    ]
    if not bones:
        return out
    # All the arms' bones at once: ARM_STEPS points along each, (bones * steps, 2).
    starts, ends = lm[[bone[0] for bone in bones]], lm[[bone[1] for bone in bones]]
    points = (starts[:, None, :] + ARM_STEPS * (ends - starts)[:, None, :]).reshape(-1, 2)
    along = (points - s) @ down / length
    side = (points - s) @ across
    radius = ARM_RADIUS * length
    floor_at, floor = zip(*TORSO_FLOOR, strict=True)
    least = np.interp(fractions, floor_at, floor)[:, None] * half_shoulders
    # Every (slice, side) at once: (slices, sides, arm points), the nearest arm point beside the torso per ray.
    near = np.abs(along[None, :] - np.asarray(fractions, np.float64)[:, None]) < ARM_BAND  # (slices, points)
    dist = _SIDE_SIGNS[:, None] * side[None, :]  # (sides, points)
    beside = near[:, None, :] & (dist > 0.6 * half_shoulders)[None, :, :]
    nearest = np.where(beside, dist[None, :, :], np.inf).min(axis=-1)
    cut = np.maximum(nearest - radius, least)
    cutting = beside.any(axis=-1) & (out > 0) & (cut < out)
    out[cutting] = cut[cutting]
    rays = [(int(i), int(col), float(_SIDE_SIGNS[col])) for i, col in zip(*np.nonzero(cutting), strict=True)]
    if image is None or not rays:
        return out
    far = _far_side(body, s, across)
    rays = [ray for ray in rays if ray[1] == far]  # only a turned body's far side is read
    if rays:
        rows, cols, signs = (np.array(v) for v in zip(*rays, strict=True))
        origins = s + np.asarray(fractions, np.float64)[rows, None] * axis
        hem = np.asarray(fractions, np.float64)[rows] >= 0.9
        out[rows, cols] = widen_to_top(
            image, origins, signs[:, None] * across, out[rows, cols], extents[rows, cols], cols, hem
        )
    return out


def _far_side(body: Body, mid_shoulders: np.ndarray, across: np.ndarray) -> int | None:
    """The extents' column (0: +across, 1: -across) of a turned body's far side; None for a frontal body."""
    line = body.world[LEFT_SHOULDER] - body.world[RIGHT_SHOULDER]
    if np.degrees(np.arctan2(abs(float(line[2])), abs(float(line[0])))) < FAR_TURN_DEG:
        return None
    far = LEFT_SHOULDER if body.world[LEFT_SHOULDER, 2] > body.world[RIGHT_SHOULDER, 2] else RIGHT_SHOULDER
    return 0 if float((body.landmarks_px[far, :2] - mid_shoulders) @ across) > 0 else 1


ARM_REACH_MAX = 0.25
"""Torso lengths from an upper arm's axis within which the mask's edge counts as that arm's outside (the bulkiest
arms seen, asl_book's hoodie sleeves, reach 0.12-0.14); past it the ray ran on into the torso or another limb."""
ARM_SEEN = 0.5  # visibility both joints of a limb need for its width to be measured
_ARM_ROWS = [LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_ELBOW, RIGHT_ELBOW]
_FOREARM_ROWS = [LEFT_ELBOW, RIGHT_ELBOW, LEFT_WRIST, RIGHT_WRIST]
FOREARM_EDGE_MAX = 0.2
"""Torso lengths from a forearm's axis within which each of its edges must lie (the clips' forearms: bare ones
0.10-0.17 torso lengths across, asl_walk's hoodie 0.2-0.3, the axis up to 0.19 off one edge)."""
FOREARM_SHOWN = 0.7
"""The least share of its length a forearm shows in the picture (against its world length, at the torso's px per
metre) for its width to be measured: one pointing at the camera is mostly fist, and the mask's width across it
is not the forearm's (squats 4 and 28: 48 and 72 px, against 34-38 hanging)."""


def _limbs_beside_torso(
    body: Body, extents: np.ndarray | None, rows: list[int], min_shown: float
) -> tuple[list[tuple[int, float, float, float, float]], float]:
    """The limbs (shoulder-to-elbow or elbow-to-wrist, joints in `rows`: left and right root, then left and right
    end) whose middle the mask can tell from the torso, as (side, middle x, y, outward normal x, y), side 0 the
    one on the +across side; with the torso's length. "Outward": square to the limb, away from the torso's middle.

    The mask cannot tell a limb held in front of the torso from the torso, so one whose middle lies within the
    torso's measured width (`extents`, the silhouette's widths with the arms cut out; the shoulders' width where
    unknown) is left out, as are one barely seen, one showing less than `min_shown` of its length (FOREARM_SHOWN),
    and one going behind the back."""
    frame = torso_axis(body)
    if frame is None or body.mask is None:
        return [], 0.0
    sx, sy, dx, dy, length = frame  # down = (dx, dy); across = (dy, -dx)
    # In floats, as _torso_frame: written with numpy on 2-vectors (a few dozen calls), the bench's `smooth` stage
    # p50 rose 0.4-0.9 ms (asl_book; GIL waits on the busy drawing thread), this way 0.1-0.4.
    (lax, lay, lav), (rax, ray, rav), (lex, ley, lev), (rex, rey, rev) = body.landmarks_px[rows].tolist()
    (lwa, lwb, laz), (rwa, rwb, raz), (lwc, lwd, lez), (rwc, rwd, rez) = body.world[rows].tolist()
    world_lens = [math.hypot(lwc - lwa, lwd - lwb, lez - laz), math.hypot(rwc - rwa, rwd - rwb, rez - raz)]
    (wlsx, wlsy, wlsz), (wrsx, wrsy, wrsz), (wlhx, wlhy, wlhz), (wrhx, wrhy, wrhz) = body.world[_TORSO_ROWS].tolist()
    torso_m = math.hypot(
        (wlhx + wrhx - wlsx - wrsx) / 2, (wlhy + wrhy - wlsy - wrsy) / 2, (wlhz + wrhz - wlsz - wrsz) / 2
    )
    px_per_m = length / max(torso_m, 1e-6)
    lsx, lsy = body.landmarks_px[LEFT_SHOULDER, :2].tolist()
    rsx, rsy = body.landmarks_px[RIGHT_SHOULDER, :2].tolist()
    cx, cy = sx + dx * 0.5 * length, sy + dy * 0.5 * length  # the torso's middle
    limbs = [(lax, lay, lav, laz, lex, ley, lev, lez), (rax, ray, rav, raz, rex, rey, rev, rez)]
    if (lsx - sx) * dy - (lsy - sy) * dx < 0.0:  # the columns follow the sides, not the labels
        limbs.reverse()
        world_lens.reverse()
    widths = extents if extents is not None else body.extents
    columns = None if widths is None else widths.T.tolist()  # [+across, -across], each at SILHOUETTE_FRACTIONS
    half_shoulders = math.hypot(lsx - rsx, lsy - rsy) / 2.0
    out: list[tuple[int, float, float, float, float]] = []
    for side, (ax, ay, av, az, ex, ey, ev, ez) in enumerate(limbs):
        limb_len = math.hypot(ex - ax, ey - ay)
        if min(av, ev) < ARM_SEEN or limb_len < max(min_shown * world_lens[side] * px_per_m, 1e-6):
            continue  # barely seen, or end-on
        if ez - az >= ARM_BEHIND_M:
            continue  # behind the back (the mask there is the torso's)
        mx, my = (ax + ex) / 2.0, (ay + ey) / 2.0
        along = ((mx - sx) * dx + (my - sy) * dy) / length
        across_at = (mx - sx) * dy - (my - sy) * dx
        torso_half = 0.0
        if -0.1 <= along <= 1.1:
            torso_half = half_shoulders
            if columns is not None:
                known = [
                    (f, w)
                    for f, w in zip(SILHOUETTE_FRACTIONS, columns[0 if across_at >= 0.0 else 1], strict=True)
                    if w > 0
                ]
                if known:
                    torso_half = _interp(along, known)
        if abs(across_at) <= torso_half:  # in front of the torso: its edge would pass for the limb's
            continue
        nx, ny = (ey - ay) / limb_len, -(ex - ax) / limb_len
        if (mx - cx) * nx + (my - cy) * ny < 0.0:
            nx, ny = -nx, -ny
        out.append((side, mx, my, nx, ny))
    return out, length


def arm_reach(body: Body, extents: np.ndarray | None = None) -> np.ndarray:
    """How far (frame px) the person mask reaches outward from each upper arm's axis at its middle: [the arm on
    the +across side, the other], as shoulder_tops; 0 unknown (an arm `_limbs_beside_torso` leaves out, or one
    whose edge lies past ARM_REACH_MAX). "Outward": square to the arm, away from the torso's middle.

    A garment's sleeve sized from the torso alone is narrower than a bulky arm: an orange hoodie showed past the
    long sleeve's edge all down the upper arm. The ones the tracker already measured (Body.arms) when it did.
    """
    if body.arms is not None:
        return body.arms
    out = np.zeros(2, np.float32)
    rays, length = _limbs_beside_torso(body, extents, _ARM_ROWS, 0.0)
    if rays:
        ends = _ray_ends(
            body, np.array([r[1:3] for r in rays]), np.array([r[3:] for r in rays]), ARM_REACH_MAX * length
        )
        out[[r[0] for r in rays]] = ends
    return out


def forearm_widths(body: Body, extents: np.ndarray | None = None) -> np.ndarray:
    """The person mask's width (frame px) across each forearm at its middle, square to it: [the forearm on the
    +across side, the other], as arm_reach; 0 unknown (a forearm `_limbs_beside_torso` leaves out, or one with an
    edge past FOREARM_EDGE_MAX from its axis).

    A long sleeve's forearm keeps the product photo's flat width, about twice a slim bare forearm's (squats,
    taiji): it flared like a bell. The generator narrows it to this. The ones the tracker already measured
    (Body.forearms) when it did."""
    if body.forearms is not None:
        return body.forearms
    out = np.zeros(2, np.float32)
    limbs, length = _limbs_beside_torso(body, extents, _FOREARM_ROWS, FOREARM_SHOWN)
    if limbs:
        middles = np.array([r[1:3] for r in limbs]).repeat(2, axis=0)
        normals = np.array([r[3:] for r in limbs]).repeat(2, axis=0) * np.tile([[1.0], [-1.0]], (len(limbs), 1))
        ends = _ray_ends(body, middles, normals, FOREARM_EDGE_MAX * length).reshape(-1, 2)
        out[[r[0] for r in limbs]] = np.where((ends > 0).all(axis=1), ends.sum(axis=1), 0.0)
    return out


def _interp(x: float, points: list[tuple[float, float]]) -> float:
    """np.interp over a few (x, y) points, in floats: the value at x, held flat past the ends."""
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in zip(points[:-1], points[1:], strict=False):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]


def _ray_ends(body: Body, origins: np.ndarray, dirs: np.ndarray, reach: float) -> np.ndarray:
    """Distances (frame px) along each ray (origin i, direction i) to where the person mask ends, 0 where unknown
    (as ray_edges): one sample a frame pixel, the edge placed between the last one on and the first one off the
    person. For a few short rays cheaper than ray_edges' two passes (arm_reach: 0.12 ms a frame with this,
    asl_book's bodies, timeit; 0.30 with ray_edges and numpy geometry)."""
    assert body.mask is not None
    mask = body.mask
    fw, fh = body.frame_size
    mh, mw = mask.shape
    d = _spaced(reach, max(int(np.ceil(reach)), 1))
    x = origins[:, None, 0] + dirs[:, None, 0] * d
    y = origins[:, None, 1] + dirs[:, None, 1] * d
    val, inside = _bilinear(mask, (x + 0.5) * (mw / fw) - 0.5, (y + 0.5) * (mh / fh) - 0.5)
    on = (val >= THRESHOLD) & inside
    off = ~on
    off[:, 0] = False
    first_out = np.argmax(off, axis=1)
    rays = np.arange(len(origins))
    # Known: the origin on the person, and the ray leaving it for the room (not the picture's edge) within reach.
    ok = on[:, 0] & off.any(axis=1) & inside[rays, first_out]
    v_in, v_out = val[rays, first_out - 1], val[rays, first_out]
    t = np.minimum(np.maximum((v_in - THRESHOLD) / np.maximum(v_in - v_out, 1e-9), 0.0), 1.0)
    ends = d[first_out - 1] + t * (d[1] - d[0])
    return np.where(ok, ends, 0.0).astype(np.float32)


def torso_widths(body: Body, image: np.ndarray | None = None) -> np.ndarray:
    """What the generator fits the garment's width to: the silhouette's widths at chest, waist and hem with
    the arms beside the torso cut out (to the top's edge in `image`, the body's RGB frame, when given); the
    ones the tracker already measured (Body.extents) when it did."""
    if body.extents is not None:
        return body.extents
    return exclude_arms(body, torso_extents(body), image=image)


def fit_measures(body: Body, image: np.ndarray | None = None) -> tuple[Body, np.ndarray]:
    """The body with every mask measure the generator fits to filled in (the ones already there kept), and those
    measures stacked as the pipeline steadies them: widths (3 rows), shoulder tops, arm reach, forearm widths.
    One place names them, for the tracker (which measures on its thread) and for a body made elsewhere."""
    widths = torso_widths(body, image)
    tops, arms, forearms = shoulder_tops(body), arm_reach(body, widths), forearm_widths(body, widths)
    measured = dataclasses.replace(body, extents=widths, tops=tops, arms=arms, forearms=forearms)
    return measured, np.vstack([widths, tops, arms, forearms])
