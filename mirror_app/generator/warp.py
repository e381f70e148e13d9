"""The analytic garment warp, written once for both backends (numpy reference and ONNX graph).

Linear blend skinning of the garment mesh over nine bones: four torso slices whose centres and widths
follow the torso axis and the person's silhouette, a skirt slice that follows the thighs, and an upper and
a lower bone per sleeve that follow the arm. Sleeves are attached where the torso puts the garment's
shoulder seam, and blended with the torso near it, so nothing tears whatever the arm does.
"""

from __future__ import annotations

from typing import Any

from mirror_app.generator import contract as c
from mirror_app.generator.ops import Ops
from mirror_app.tracking import body as lm

EPS = 1e-6
SHOULDER_LIFT = 0.06


class _Vec:
    """2D vector helpers over an `Ops` backend (values of shape (2,))."""

    def __init__(self, ops: Ops) -> None:
        self.o = ops

    def norm(self, v: Any) -> Any:
        return self.o.sqrt(self.o.add(self.o.sum(self.o.mul(v, v), axis=-1), EPS))

    def unit(self, v: Any) -> Any:
        return self.o.div(v, self.norm(v))

    def rot(self, v: Any) -> Any:
        """Rotate a quarter turn, (x, y) -> (y, -x): same handedness in rest and current frames."""
        o = self.o
        return o.concat([o.take(v, [1], axis=-1), o.mul(o.take(v, [0], axis=-1), -1.0)], axis=-1)

    def dot(self, a: Any, b: Any) -> Any:
        return self.o.sum(self.o.mul(a, b), axis=-1)

    def lerp(self, a: Any, b: Any, t: float) -> Any:
        return self.o.add(a, self.o.mul(self.o.sub(b, a), t))

    def smoothstep(self, lo: float, hi: float, x: Any) -> Any:
        o = self.o
        t = o.minimum(o.maximum(o.div(o.sub(x, lo), hi - lo), 0.0), 1.0)
        return o.mul(o.mul(t, t), o.sub(3.0, o.mul(t, 2.0)))


def _atan2(o: Ops, y: Any, x: Any) -> Any:
    """atan2 from Atan (ONNX has no Atan2): the half-angle form, exact away from a half turn."""
    r = o.sqrt(o.add(o.add(o.mul(x, x), o.mul(y, y)), EPS))
    return o.mul(o.atan(o.div(y, o.add(o.add(r, x), EPS))), 2.0)


def _rotate(o: Ops, xy: Any, cos_t: Any, sin_t: Any) -> Any:
    """Rotate (N, 2) points by per-row (N, 1) cosines and sines."""
    x, y = o.take(xy, [0], axis=1), o.take(xy, [1], axis=1)
    return o.concat([o.sub(o.mul(x, cos_t), o.mul(y, sin_t)), o.add(o.mul(x, sin_t), o.mul(y, cos_t))], axis=1)


def _turn_blend(o: Ops, torso: Any, sleeve: Any, weight: Any, pivot: Any, turn: Any) -> Any:
    """Join torso-posed and sleeve-posed positions by turning about the shoulder, not by averaging.

    Averaging two positions a half turn apart folds the underarm over itself. Instead the sleeve pose is
    turned back by the arm's turn, blended with the torso pose there (where the two nearly agree), and
    the blend is turned by the weighted share of the turn: the fabric fans out about the shoulder.
    """
    a = o.sub(torso, pivot)
    b = o.sub(sleeve, pivot)
    back = _rotate(o, b, o.cos(turn), o.mul(o.sin(turn), -1.0))
    mixed = o.add(a, o.mul(weight, o.sub(back, a)))
    share = o.mul(weight, turn)
    return o.add(pivot, _rotate(o, mixed, o.cos(share), o.sin(share)))


def generate(
    ops: Ops,
    landmarks: Any,
    world: Any,
    silhouette: Any,
    rest_vertices: Any,
    skin_weights: Any,
    rest_bones: Any,
    garment_params: Any,
) -> tuple[Any, Any, Any, Any]:
    """Deform the garment mesh onto the body; returns (vertices, depth, opacity, back_view)."""
    o, v = ops, _Vec(ops)

    def point(i: int) -> Any:
        return o.take(o.take(landmarks, i, axis=0), [0, 1], axis=0)

    def wz(i: int) -> Any:
        return o.take(o.take(world, i, axis=0), [2], axis=0)

    def rest(bone: int, row: int) -> Any:
        return o.take(o.take(rest_bones, bone, axis=0), row, axis=0)

    def param(i: int) -> Any:
        return o.take(garment_params, [i], axis=0)

    # Torso frame: axis from mid-shoulders down to mid-hips, "across" a quarter turn from it.
    ls, rs = point(lm.LEFT_SHOULDER), point(lm.RIGHT_SHOULDER)
    shoulders = v.lerp(ls, rs, 0.5)
    hips = v.lerp(point(lm.LEFT_HIP), point(lm.RIGHT_HIP), 0.5)
    torso_len = v.norm(o.sub(hips, shoulders))
    down = o.div(o.sub(hips, shoulders), torso_len)
    across = v.rot(down)
    half_shoulders = o.mul(v.norm(o.sub(ls, rs)), 0.5)
    # Turning shrinks the shoulder distance; the torso length keeps a floor under the width prior.
    width_ref = o.maximum(half_shoulders, o.mul(torso_len, 0.3))

    # Sleeve A goes on the arm on the +across side, whatever the labels say: swaps never flip it.
    swap = o.greater(0.0, v.dot(o.sub(ls, rs), across))
    chains = {}
    for name, (left, right) in {
        "shoulder": (lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER),
        "elbow": (lm.LEFT_ELBOW, lm.RIGHT_ELBOW),
        "wrist": (lm.LEFT_WRIST, lm.RIGHT_WRIST),
    }.items():
        chains[("A", name)] = o.where(swap, point(right), point(left))
        chains[("B", name)] = o.where(swap, point(left), point(right))
        chains[("A", name + "_z")] = o.where(swap, wz(right), wz(left))
        chains[("B", name + "_z")] = o.where(swap, wz(left), wz(right))

    rest_len = o.sub(o.take(rest(c.HIP, 0), [1], axis=0), o.take(rest(c.SHOULDER, 0), [1], axis=0))
    scale = o.div(torso_len, rest_len)  # texture px -> frame px along the body

    origins, x_axes, y_axes = [], [], []
    # Torso slices: centre on the torso axis shifted to the silhouette's middle, width from the silhouette.
    priors = {c.CHEST: 1.0, c.WAIST: 0.9, c.HIP: 0.95}
    for k in c.TORSO_SLICES:
        frac = c.SLICE_FRACTIONS[k]
        centre = o.add(shoulders, o.mul(down, o.mul(torso_len, frac)))
        if k == c.SHOULDER:
            half = o.mul(half_shoulders, param(c.PARAM_SHOULDER_EASE))
            offset = o.const([0.0])
        else:
            ext = o.take(silhouette, k - 1, axis=0)
            plus, minus = o.take(ext, [0], axis=0), o.take(ext, [1], axis=0)
            known = o.greater(o.minimum(plus, minus), 0.5)
            measured = o.mul(o.add(plus, minus), 0.5)
            lo, hi = o.mul(width_ref, 0.7), o.mul(width_ref, 1.6)
            fitted = o.minimum(o.maximum(measured, lo), hi)
            half = o.mul(o.where(known, fitted, o.mul(width_ref, priors[k])), param(c.PARAM_WIDTH_EASE))
            shift = o.mul(o.sub(plus, minus), 0.5)
            limit = o.mul(half, 0.3)
            offset = o.where(known, o.minimum(o.maximum(shift, o.mul(limit, -1.0)), limit), o.const([0.0]))
        if k == c.SHOULDER:
            # Shoulder landmarks are joint centres; the seams sit on top of the shoulder, a little higher.
            centre = o.sub(centre, o.mul(down, o.mul(torso_len, SHOULDER_LIFT)))
        origins.append(o.add(centre, o.mul(across, offset)))
        x_axes.append(o.mul(across, half))
        y_axes.append(o.mul(down, torso_len))

    # Skirt slice: continues below the hips toward the knees, keeping the garment's own flare.
    knees = v.lerp(point(lm.LEFT_KNEE), point(lm.RIGHT_KNEE), 0.5)
    legs = v.unit(o.add(v.unit(o.sub(knees, hips)), down))
    skirt_frac = o.div(o.sub(o.take(rest(c.SKIRT, 0), [1], axis=0), o.take(rest(c.SHOULDER, 0), [1], axis=0)), rest_len)
    flare = o.div(v.norm(rest(c.SKIRT, 1)), v.norm(rest(c.HIP, 1)))
    hip_half = v.norm(x_axes[c.HIP])
    origins.append(o.add(origins[c.HIP], o.mul(legs, o.mul(torso_len, o.sub(skirt_frac, 1.0)))))
    x_axes.append(o.mul(v.rot(legs), o.mul(hip_half, flare)))
    y_axes.append(o.mul(legs, torso_len))

    # Shoulder-slice mapping of a texture point: where the torso puts the garment's shoulder seams.
    def on_shoulder_slice(p: Any) -> Any:
        d = o.sub(p, rest(c.SHOULDER, 0))
        lx = o.div(o.take(d, [0], axis=0), o.take(rest(c.SHOULDER, 1), [0], axis=0))
        ly = o.div(o.take(d, [1], axis=0), o.take(rest(c.SHOULDER, 2), [1], axis=0))
        return o.add(origins[c.SHOULDER], o.add(o.mul(x_axes[0], lx), o.mul(y_axes[0], ly)))

    long_sleeves = o.greater(param(c.PARAM_LONG_SLEEVES), 0.5)
    depths = [o.const([0.0])] * 5
    turns: list[Any] = []
    for side, upper, lower in (
        ("A", c.SLEEVE_A_UPPER, c.SLEEVE_A_LOWER),
        ("B", c.SLEEVE_B_UPPER, c.SLEEVE_B_LOWER),
    ):
        sh, el, wr = chains[(side, "shoulder")], chains[(side, "elbow")], chains[(side, "wrist")]
        up_rest_len = v.norm(rest(upper, 1))
        lo_rest_len = v.norm(rest(lower, 1))
        arm = o.sub(el, sh)
        arm_len = v.norm(arm)
        # Long sleeves put their elbow anchor on the elbow; short ones keep their size and foreshorten.
        exact = o.div(arm_len, o.mul(up_rest_len, scale))
        short = o.minimum(o.maximum(o.div(arm_len, o.mul(torso_len, 0.6)), 0.35), 1.0)
        along = o.where(long_sleeves, o.minimum(o.maximum(exact, 0.2), 2.0), short)
        up_dir = o.div(arm, arm_len)
        up_origin = on_shoulder_slice(rest(upper, 0))
        up_x = o.mul(up_dir, o.mul(o.mul(up_rest_len, scale), along))
        # The arm's turn relative to where the torso alone would carry the sleeve's rest axis.
        carried = o.add(
            o.mul(
                x_axes[c.SHOULDER],
                o.div(o.take(rest(upper, 1), [0], axis=0), o.take(rest(c.SHOULDER, 1), [0], axis=0)),
            ),
            o.mul(
                y_axes[c.SHOULDER],
                o.div(o.take(rest(upper, 1), [1], axis=0), o.take(rest(c.SHOULDER, 2), [1], axis=0)),
            ),
        )
        turns.append(
            _atan2(
                o,
                o.sub(
                    o.mul(o.take(carried, [0], axis=0), o.take(up_x, [1], axis=0)),
                    o.mul(o.take(carried, [1], axis=0), o.take(up_x, [0], axis=0)),
                ),
                v.dot(carried, up_x),
            )
        )
        origins.append(up_origin)
        x_axes.append(up_x)
        y_axes.append(o.mul(v.rot(up_dir), o.mul(up_rest_len, scale)))

        fore = o.sub(wr, el)
        fore_len = v.norm(fore)
        fore_dir = o.div(fore, fore_len)
        fore_along = o.minimum(o.maximum(o.div(fore_len, o.mul(lo_rest_len, scale)), 0.2), 2.0)
        origins.append(o.add(up_origin, up_x))
        x_axes.append(o.mul(fore_dir, o.mul(o.mul(lo_rest_len, scale), fore_along)))
        y_axes.append(o.mul(v.rot(fore_dir), o.mul(lo_rest_len, scale)))

        sh_z = chains[(side, "shoulder_z")]
        el_z, wr_z = chains[(side, "elbow_z")], chains[(side, "wrist_z")]
        # Sleeves sit a little in front of the torso unless the arm really goes behind it.
        depths.append(o.sub(o.mul(o.sub(el_z, sh_z), 0.5), 0.03))
        depths.append(o.sub(o.sub(o.mul(o.add(el_z, wr_z), 0.5), sh_z), 0.03))
    # Bone order in the lists above matches contract: 0-4 slices, 5-6 sleeve A, 7-8 sleeve B.

    cur_o = o.stack(origins, axis=0)  # (B, 2)
    cur_x = o.stack(x_axes, axis=0)
    cur_y = o.stack(y_axes, axis=0)
    rest_o, rest_x, rest_y = (o.take(rest_bones, i, axis=1) for i in range(3))  # (B, 2) each

    # Local coordinates of every vertex in every rest bone frame (2x2 inverse), then re-posed.
    def comp(a: Any, i: int) -> Any:
        return o.take(a, i, axis=-1)

    det = o.sub(o.mul(comp(rest_x, 0), comp(rest_y, 1)), o.mul(comp(rest_y, 0), comp(rest_x, 1)))
    det = o.where(o.greater(o.abs(det), EPS), det, EPS)
    rel = o.sub(o.unsqueeze(rest_vertices, 1), o.unsqueeze(rest_o, 0))  # (N, B, 2)
    rx, ry = comp(rel, 0), comp(rel, 1)
    lx = o.div(o.sub(o.mul(comp(rest_y, 1), rx), o.mul(comp(rest_y, 0), ry)), det)  # (N, B)
    ly = o.div(o.sub(o.mul(comp(rest_x, 0), ry), o.mul(comp(rest_x, 1), rx)), det)
    posed = o.add(
        o.unsqueeze(cur_o, 0),
        o.add(o.mul(o.unsqueeze(lx, 2), o.unsqueeze(cur_x, 0)), o.mul(o.unsqueeze(ly, 2), o.unsqueeze(cur_y, 0))),
    )  # (N, B, 2)

    # Torso and each sleeve are posed separately, then joined by turning about the shoulder (below).
    def part(first: int, last: int) -> tuple[Any, Any]:
        cols = list(range(first, last + 1))
        w = o.take(skin_weights, cols, axis=1)  # (N, k)
        total = o.sum(w, axis=1, keepdims=True)
        pos = o.sum(o.mul(o.take(posed, cols, axis=1), o.unsqueeze(w, 2)), axis=1)
        return o.div(pos, o.maximum(total, EPS)), total

    vertices, _ = part(c.SHOULDER, c.SKIRT)
    for (upper, lower), turn in zip(
        ((c.SLEEVE_A_UPPER, c.SLEEVE_A_LOWER), (c.SLEEVE_B_UPPER, c.SLEEVE_B_LOWER)), turns, strict=True
    ):
        sleeve, weight = part(upper, lower)
        vertices = _turn_blend(o, vertices, sleeve, weight, origins[upper], turn)
    depth = o.sum(o.mul(skin_weights, o.unsqueeze(o.concat(depths, axis=0), 0)), axis=1)

    # Turn: the facing cosine from the world shoulder line; fade out, or flip to the back image.
    shoulder_line = o.sub(o.take(world, lm.LEFT_SHOULDER, axis=0), o.take(world, lm.RIGHT_SHOULDER, axis=0))
    sx, sz = o.take(shoulder_line, [0], axis=0), o.take(shoulder_line, [2], axis=0)
    facing = o.div(sx, o.sqrt(o.add(o.add(o.mul(sx, sx), o.mul(sz, sz)), EPS)))
    has_back = o.greater(param(c.PARAM_HAS_BACK), 0.5)
    opacity = v.smoothstep(0.05, 0.25, o.where(has_back, o.abs(facing), facing))
    back_view = o.where(o.greater(0.0, facing), o.where(has_back, 1.0, 0.0), 0.0)
    return vertices, depth, opacity, back_view
