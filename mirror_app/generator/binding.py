"""Binding a garment to the body's bones: its rest mesh, skin weights and rest bone frames.

Computed once per garment (at catalog load), from its alpha and anchors; the generator model then
takes these as inputs, so one model serves every garment.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from mirror_app.catalog.garment import Garment
from mirror_app.generator import contract as c
from mirror_app.generator.fit import GarmentMesh

HIP_LEVEL_PER_SHOULDER_WIDTH = 1.2
"""Garment shoulder-seam width to the body's shoulder-line-to-hip-joint distance, for an average adult."""
ARMPIT_PER_SHOULDER = 0.93
"""A set-in-sleeve top's armpit-to-armpit width over its shoulder-seam width (the catalog's tees and
long-sleeve: 0.92-0.93). A tank's or a strap dress's "shoulders" are its straps, well inside the wearer's
shoulders: its scale comes from its armpits instead, so the straps sit inside the shoulders and the hem at
the garment's length, not at the knees."""
SLEEVE_CAP_DEPTH = 0.23
"""How far down its armhole, at most, a sleeve turns about, in shoulder-seam widths from the seam's end. The
catalog's tees and long-sleeve have armholes 0.44-0.46 seam widths deep and turn about their middle; a product
photo's sleeves, laid out at an angle, often meet the body far lower (0.55-0.71 on the VITON-HD photos), and
turned about that lower middle to a hanging arm their caps swung out past the wearer's shoulders like pads."""
GRID_CELLS = 40


@dataclass(frozen=True, slots=True)
class GarmentBinding:
    """The generator inputs that belong to one garment, plus its mesh for the compositor."""

    mesh: GarmentMesh
    rest_vertices: np.ndarray  # (N + A, 2) float32: mesh vertices, then the anchors
    skin_weights: np.ndarray  # (N + A, NUM_BONES) float32
    rest_bones: np.ndarray  # (NUM_BONES, 3, 2) float32
    params: np.ndarray  # (NUM_PARAMS,) float32
    sleeve_halves: np.ndarray  # (2,) float32: contract input `sleeve_halves`
    cuff_widths: np.ndarray  # (2,) float32: contract input `cuff_widths`
    anchor_names: tuple[str, ...]  # the last len(anchor_names) rows of rest_vertices

    @property
    def mesh_size(self) -> int:
        """How many leading rows of the generator's output are mesh vertices."""
        return len(self.rest_vertices) - len(self.anchor_names)


def _pt(garment: Garment, name: str) -> np.ndarray:
    return np.asarray(garment.anchors[name], dtype=np.float64)


def _smoothstep(lo: float, hi: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - lo) / (hi - lo), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _edge_x(garment: Garment, side: str, y: float) -> float:
    """x of the garment's torso edge on one side at height y, through its armpit, waist and hem anchors."""
    names = [f"{side}_armpit", f"{side}_waist", f"{side}_hem"]
    pts = sorted((_pt(garment, n) for n in names if n in garment.anchors), key=lambda p: p[1])
    ys = np.array([p[1] for p in pts])
    xs = np.array([p[0] for p in pts])
    return float(np.interp(y, ys, xs))


def _polyline_distance(points: np.ndarray, line: list[np.ndarray]) -> np.ndarray:
    """Distance of each point to a polyline."""
    best = np.full(len(points), np.inf)
    for a, b in zip(line[:-1], line[1:], strict=True):
        ab = b - a
        t = np.clip(((points - a) @ ab) / max(float(ab @ ab), 1e-9), 0.0, 1.0)
        best = np.minimum(best, np.linalg.norm(points - (a + t[:, None] * ab), axis=1))
    return best


def _sleeve_regions(garment: Garment, scale: float = 0.25) -> tuple[np.ndarray, np.ndarray] | None:
    """Per-pixel membership of each sleeve (left, right), from the garment's own shape.

    The opaque region is cut along the shoulder-armpit seams; the part holding a cuff is that sleeve, and
    every pixel (transparent ones too) takes the part of its nearest opaque pixel. So the underarm wedge
    goes with whichever fabric it touches. None when a sleeve is not separable (it touches the body).
    """
    alpha = garment.rgba[:, :, 3]
    small = cv2.resize(alpha, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) > 64
    cut = small.astype(np.uint8)
    for side in ("left", "right"):
        shoulder, armpit = _pt(garment, f"{side}_shoulder") * scale, _pt(garment, f"{side}_armpit") * scale
        seam = (armpit - shoulder) / max(float(np.linalg.norm(armpit - shoulder)), 1e-9)
        beyond, top = armpit + seam * 3.0, shoulder - seam * 3.0
        cv2.line(cut, tuple(np.round(top).astype(int)), tuple(np.round(beyond).astype(int)), 0, 2)
    count, labels = cv2.connectedComponents(cut, connectivity=4)

    def label_at(name: str) -> int:
        x, y = np.round(_pt(garment, name) * scale).astype(int)
        h, w = labels.shape
        win = labels[max(0, y - 3) : min(h, y + 4), max(0, x - 3) : min(w, x + 4)]
        found = win[win > 0]
        return int(np.bincount(found).argmax()) if found.size else 0

    torso = label_at("neck") or label_at("left_hem")
    sleeves = [label_at("left_cuff"), label_at("right_cuff")]
    if torso == 0 or 0 in sleeves or torso in sleeves or sleeves[0] == sleeves[1]:
        return None
    # Nearest opaque pixel's label for every pixel.
    _, nearest = cv2.distanceTransformWithLabels(
        (labels == 0).astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
    )
    ys, xs = np.nonzero(labels > 0)
    pixel_label = np.zeros(nearest.max() + 1, np.int32)
    # distanceTransformWithLabels numbers the zero pixels in scan order.
    pixel_label[nearest[ys, xs]] = labels[ys, xs]
    owner = pixel_label[nearest]
    blur = max(1.0, 0.03 * abs(_pt(garment, "left_shoulder")[0] - _pt(garment, "right_shoulder")[0]) * scale)
    maps = []
    for lab in sleeves:
        m = cv2.GaussianBlur((owner == lab).astype(np.float32), (0, 0), blur)
        maps.append(cv2.resize(m, (alpha.shape[1], alpha.shape[0]), interpolation=cv2.INTER_LINEAR))
    return maps[0], maps[1]


SLEEVE_EDGE_STEP = 0.5  # px between the samples that look for a sleeve's edge


def _opaque_run(alpha: np.ndarray, start: np.ndarray, direction: np.ndarray, reach: float) -> float | None:
    """Texture px from `start` along `direction` to the alpha's edge; None where `start` is not opaque or the
    run reaches `reach` without leaving the garment."""
    h, w = alpha.shape
    steps = np.arange(0.0, reach, SLEEVE_EDGE_STEP)
    pts = np.rint(start + steps[:, None] * direction).astype(np.intp)
    inside = (pts[:, 0] >= 0) & (pts[:, 0] < w) & (pts[:, 1] >= 0) & (pts[:, 1] < h)
    opaque = np.zeros(len(steps), bool)
    opaque[inside] = alpha[pts[inside, 1], pts[inside, 0]] >= 128
    if not opaque[0] or opaque.all():
        return None
    return float(steps[int(np.argmin(opaque))] - 0.5 * SLEEVE_EDGE_STEP)


def _bone_point(bones: np.ndarray, bone: int, at: float = 0.5) -> tuple[np.ndarray, np.ndarray, float] | None:
    """The point `at` of the way along a bone and its unit normal pointing away from the torso's middle, with the
    bone's length (texture px)."""
    origin, x_axis, _ = bones[bone].astype(np.float64)
    length = float(np.hypot(*x_axis))
    if length < 1.0:
        return None
    torso_middle = bones[c.SHOULDER, 0].astype(np.float64) + 0.5 * bones[c.SHOULDER, 2].astype(np.float64)
    point = origin + at * x_axis
    normal = np.array([x_axis[1], -x_axis[0]]) / length
    if float((point - torso_middle) @ normal) < 0.0:
        normal = -normal
    return point, normal, length


def sleeve_halves(alpha: np.ndarray, bones: np.ndarray) -> np.ndarray:
    """Each upper sleeve's half width (texture px) at the middle of its bone, on its outer side (away from the
    torso's middle, as tracking measures the wearer's arm): [sleeve A, B]; 0 where the alpha gives none
    (sleeveless). The generator widens a sleeve against this when the wearer's arm is wider. The inner side
    (under the arm) may run on into the torso; it is used only where the outer one has no edge."""
    out = np.zeros(2, np.float32)
    for side, bone in enumerate((c.SLEEVE_A_UPPER, c.SLEEVE_B_UPPER)):
        found = _bone_point(bones, bone)
        if found is None:
            continue
        middle, normal, length = found
        for sign in (1.0, -1.0):  # outer side first
            run = _opaque_run(alpha, middle, sign * normal, 1.5 * length)
            if run is not None:
                out[side] = run
                break
    return out


CUFF_AT = 0.9
"""Where along a lower sleeve's bone (elbow 0, cuff anchor 1) its cuff's width is read: inside the hem."""


def cuff_widths(alpha: np.ndarray, bones: np.ndarray) -> np.ndarray:
    """Each lower sleeve's width (texture px) across its bone near the cuff (CUFF_AT): [sleeve A, B]; 0 where the
    alpha gives none (a short sleeve's lower bone starts at its hem). The generator narrows a long sleeve's
    forearm against this when the wearer's forearm is slimmer. Twice the nearer edge: the bone runs down the
    sleeve's middle (elbow to cuff anchors), and an inner side lying against the torso in a photo would run on."""
    out = np.zeros(2, np.float32)
    for side, bone in enumerate((c.SLEEVE_A_LOWER, c.SLEEVE_B_LOWER)):
        found = _bone_point(bones, bone, CUFF_AT)
        if found is None:
            continue
        point, normal, length = found
        runs = [_opaque_run(alpha, point, sign * normal, 1.5 * length) for sign in (1.0, -1.0)]
        if runs[0] is not None and runs[1] is not None:
            out[side] = 2.0 * min(runs[0], runs[1])
    return out


def _grid_mesh(alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A regular triangle grid over the opaque part of the texture: vertices (px) and triangles."""
    h, w = alpha.shape
    ys, xs = np.nonzero(alpha > 8)
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    step = max(x1 - x0, y1 - y0) / GRID_CELLS
    nx = int(np.ceil((x1 - x0) / step)) + 1
    ny = int(np.ceil((y1 - y0) / step)) + 1
    gx = x0 + np.arange(nx) * step
    gy = y0 + np.arange(ny) * step
    # A cell is kept when any opaque pixel lies in it (tested on a grown, cell-sized copy of the alpha).
    span_w, span_h = int(np.ceil((nx - 1) * step)), int(np.ceil((ny - 1) * step))
    region = np.zeros((span_h, span_w), np.uint8)
    crop = (alpha[y0 : y0 + span_h, x0 : x0 + span_w] > 8).astype(np.uint8) * 255
    region[: crop.shape[0], : crop.shape[1]] = crop
    occupied = cv2.resize(region, (nx - 1, ny - 1), interpolation=cv2.INTER_AREA)
    cells = occupied > 0
    # Cell (i, j) is kept only if the grown mask says so; vertices are those the kept cells use.
    vid = np.arange(nx * ny).reshape(ny, nx)
    tris = []
    for j, i in zip(*np.nonzero(cells), strict=True):
        a, b, cc, d = vid[j, i], vid[j, i + 1], vid[j + 1, i], vid[j + 1, i + 1]
        tris.append((a, b, d))
        tris.append((a, d, cc))
    triangles = np.asarray(tris, dtype=np.int64)
    used = np.unique(triangles)
    remap = -np.ones(nx * ny, dtype=np.int64)
    remap[used] = np.arange(len(used))
    gxx, gyy = np.meshgrid(gx, gy)
    verts = np.stack([gxx.ravel(), gyy.ravel()], axis=1)[used]
    verts[:, 0] = np.clip(verts[:, 0], 0, w)
    verts[:, 1] = np.clip(verts[:, 1], 0, h)
    return verts.astype(np.float32), remap[triangles].astype(np.int32)


def bind_garment(garment: Garment) -> GarmentBinding:
    """Build the garment's mesh, skin weights and rest bones from its alpha and anchors."""
    h, w = garment.rgba.shape[:2]
    verts, triangles = _grid_mesh(garment.rgba[:, :, 3])
    anchor_names = tuple(sorted(garment.anchors))
    anchors = np.array([garment.anchors[n] for n in anchor_names], dtype=np.float32).reshape(-1, 2)
    points = np.concatenate([verts, anchors], axis=0).astype(np.float64)

    ls, rs = _pt(garment, "left_shoulder"), _pt(garment, "right_shoulder")
    shoulder_y = (ls[1] + rs[1]) / 2.0
    armpit_half = abs(_pt(garment, "left_armpit")[0] - _pt(garment, "right_armpit")[0]) / 2.0
    # Half the wearer's shoulder width in garment pixels: the seams' own, or the straps' wearer's.
    shoulder_half = max(abs(ls[0] - rs[0]) / 2.0, armpit_half / ARMPIT_PER_SHOULDER)
    rest_len = HIP_LEVEL_PER_SHOULDER_WIDTH * 2.0 * shoulder_half
    hem_y = max(_pt(garment, "left_hem")[1], _pt(garment, "right_hem")[1])

    bones = np.zeros((c.NUM_BONES, 3, 2), dtype=np.float64)
    bones[c.SHOULDER] = [[(ls[0] + rs[0]) / 2.0, shoulder_y], [shoulder_half, 0.0], [0.0, rest_len]]
    slice_y = [shoulder_y + f * rest_len for f in c.SLICE_FRACTIONS]
    skirt_y = max(hem_y, shoulder_y + 1.35 * rest_len)
    for k, y in ((c.CHEST, slice_y[1]), (c.WAIST, slice_y[2]), (c.HIP, slice_y[3]), (c.SKIRT, skirt_y)):
        xl, xr = _edge_x(garment, "left", y), _edge_x(garment, "right", y)
        bones[k] = [[(xl + xr) / 2.0, y], [max(abs(xl - xr) / 2.0, 1.0), 0.0], [0.0, rest_len]]

    # Torso weights: piecewise-linear "hat" functions over the slice heights.
    knots = np.array([*slice_y, skirt_y])
    weights = np.zeros((len(points), c.NUM_BONES), dtype=np.float64)
    y = np.clip(points[:, 1], knots[0], knots[-1])
    for k in range(len(knots)):
        left = (y - knots[k - 1]) / (knots[k] - knots[k - 1]) if k > 0 else np.ones_like(y)
        right = (knots[k + 1] - y) / (knots[k + 1] - knots[k]) if k + 1 < len(knots) else np.ones_like(y)
        hat = np.clip(np.minimum(left, right), 0.0, 1.0)
        if k == 0:
            hat = np.where(y <= knots[0], 1.0, hat)
        weights[:, k] = hat
    weights[:, :5] /= weights[:, :5].sum(axis=1, keepdims=True)

    long_sleeves = garment.long_sleeves
    if garment.has_sleeves:
        blend = 0.06 * 2.0 * shoulder_half
        regions = _sleeve_regions(garment)
        sleeve_total = np.zeros(len(points))
        arm_w = np.zeros((len(points), 4))
        for col, side in ((0, "left"), (2, "right")):
            shoulder, armpit, cuff = (_pt(garment, f"{side}_{n}") for n in ("shoulder", "armpit", "cuff"))
            elbow = _pt(garment, f"{side}_elbow") if long_sleeves else cuff
            axis = (elbow - shoulder) / np.linalg.norm(elbow - shoulder)
            outward = np.sign(shoulder[0] - (ls[0] + rs[0]) / 2.0)
            # Sleeve: outside the shoulder-armpit seam, and nearer the sleeve's centre line than the
            # torso's side edge (so the transparent underarm wedge stays with the torso).
            seam = armpit - shoulder
            seam_n = np.array([seam[1], -seam[0]]) / np.linalg.norm(seam)
            seam_n *= np.sign(seam_n[0] * outward) or 1.0
            d_out = (points - shoulder) @ seam_n
            if regions is not None:
                px = np.clip(np.round(points).astype(int), 0, [w - 1, h - 1])
                member = regions[0 if side == "left" else 1][px[:, 1], px[:, 0]]
            else:
                side_edge = [armpit] + [
                    _pt(garment, f"{side}_{n}") for n in ("waist", "hem") if f"{side}_{n}" in garment.anchors
                ]
                centre_line = [shoulder, elbow, cuff] if long_sleeves else [shoulder, cuff]
                nearer = _polyline_distance(points, side_edge) - _polyline_distance(points, centre_line)
                member = _smoothstep(-blend, blend, d_out) * _smoothstep(-blend, blend, nearer)
            t = (points - shoulder) @ axis
            elbow_t = float((elbow - shoulder) @ axis)
            lower = _smoothstep(elbow_t - blend, elbow_t + blend, t) if long_sleeves else np.zeros(len(points))
            arm_w[:, col] = member * (1.0 - lower)
            arm_w[:, col + 1] = member * lower
            sleeve_total += member
            # The sleeve's own axis runs from the middle of the armhole, not from the shoulder seam at its
            # top edge: lining that up with the arm puts the arm inside the sleeve, not beside it. A deep
            # armhole's sleeve turns about a point no further down it than the catalog's (SLEEVE_CAP_DEPTH).
            seam_len = float(np.linalg.norm(armpit - shoulder))
            down = min(0.5, SLEEVE_CAP_DEPTH * 2.0 * shoulder_half / max(seam_len, 1e-9))
            armhole = shoulder + down * (armpit - shoulder)
            upper_vec = elbow - armhole
            lower_vec = cuff - elbow if long_sleeves else upper_vec
            upper_bone, lower_bone = (
                (c.SLEEVE_A_UPPER, c.SLEEVE_A_LOWER) if side == "left" else (c.SLEEVE_B_UPPER, c.SLEEVE_B_LOWER)
            )
            rot = np.array([[0.0, 1.0], [-1.0, 0.0]])
            bones[upper_bone] = [armhole, upper_vec, rot @ upper_vec]
            bones[lower_bone] = [elbow if long_sleeves else cuff, lower_vec, rot @ lower_vec]
        sleeve_total = np.clip(sleeve_total, 0.0, 1.0)
        weights[:, :5] *= (1.0 - sleeve_total)[:, None]
        weights[:, c.SLEEVE_A_UPPER : c.SLEEVE_B_LOWER + 1] = arm_w
    else:
        # Sleeveless: the sleeve bones are unused but must be well-formed frames.
        for bone, side in ((c.SLEEVE_A_UPPER, "left"), (c.SLEEVE_B_UPPER, "right")):
            p = _pt(garment, f"{side}_shoulder")
            unit = np.array([0.0, shoulder_half])
            bones[bone] = bones[bone + 1] = np.stack([p, unit, np.array([unit[1], -unit[0]])])
    weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-9)

    params = np.zeros(c.NUM_PARAMS, dtype=np.float32)
    params[c.PARAM_SHOULDER_EASE] = 1.2
    params[c.PARAM_WIDTH_EASE] = 1.06
    params[c.PARAM_HAS_BACK] = float(garment.back_rgba is not None)
    params[c.PARAM_LONG_SLEEVES] = float(long_sleeves)
    uv = verts / np.array([w, h], dtype=np.float32)
    no_sleeves = np.zeros(2, np.float32)
    return GarmentBinding(
        mesh=GarmentMesh(garment_id=garment.id, uv=uv.astype(np.float32), triangles=triangles),
        rest_vertices=points.astype(np.float32),
        skin_weights=weights.astype(np.float32),
        rest_bones=bones.astype(np.float32),
        params=params,
        sleeve_halves=sleeve_halves(garment.rgba[:, :, 3], bones) if garment.has_sleeves else no_sleeves,
        cuff_widths=cuff_widths(garment.rgba[:, :, 3], bones) if garment.has_sleeves else no_sleeves,
        anchor_names=anchor_names,
    )
