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
SHOULDER_LIFT = 0.1
"""Torso lengths above the shoulder joints where the seams sit when the mask's top over the shoulders is unknown
(the median of what tracking measured on the project's clips: 0.08-0.12)."""
SHOULDER_LIFT_RANGE = (0.04, 0.2)
"""Bounds on a measured lift (torso lengths): the mask's top edge over a shoulder past them is not the shoulder's."""
THIGH_FULL_VIEW = 0.85
"""A thigh's length in the picture over its world length at and above which the skirt keeps its full length
(standing, the project's clips show 0.86-1.0; squatting 0.55-0.6)."""
SKIRT_DRAPE_MIN = 0.35
"""The shortest the skirt is drawn below the hips, as a share of its length, however foreshortened the thighs."""
SKIRT_FOLLOW = (1.35, 1.55)
"""Torso lengths below the shoulder line of a garment's skirt slice over which it goes from hanging from the torso
(a top: binding.py puts a virtual slice at 1.35, the tank's hem is at 1.37) to following the thighs (the dress's
hem: 1.66)."""
TORSO_PER_SHOULDER_WIDTH = 1.3  # mid-shoulders to mid-hips over shoulder-joint width, average adult


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


QUARTER_TURNS = [[0.0, 1.0, 0.0, 0.0], [-1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0], [0.0, 0.0, -1.0, 0.0]]
"""Points in columns (x, y, x, y) times this are turned a quarter turn, (x, y) -> (-y, x): so a turn by t
is p cos t + (p @ QUARTER_TURNS) sin t, with no per-column gathers."""


def _turn_blend(o: Ops, torso: Any, sleeve: Any, weight: Any, pivot: Any, turn: Any) -> Any:
    """Join torso-posed and sleeve-posed positions by turning about the shoulder, not by averaging.

    Averaging two positions a half turn apart folds the underarm over itself. Instead the sleeve pose is
    turned back by the arm's turn, blended with the torso pose there (where the two nearly agree), and
    the blend is turned by the weighted share of the turn: the fabric fans out about the shoulder.
    All (N, 4): two points per row in columns (x, y, x, y); pivot and turn (1, 4) or (4,).
    """
    quarter = o.const(QUARTER_TURNS)
    a = o.sub(torso, pivot)
    b = o.sub(sleeve, pivot)
    back = o.sub(o.mul(b, o.cos(turn)), o.mul(o.matmul(b, quarter), o.sin(turn)))
    mixed = o.add(a, o.mul(weight, o.sub(back, a)))
    share = o.mul(weight, turn)
    return o.add(pivot, o.add(o.mul(mixed, o.cos(share)), o.mul(o.matmul(mixed, quarter), o.sin(share))))


def generate(
    ops: Ops,
    landmarks: Any,
    world: Any,
    silhouette: Any,
    rest_vertices: Any,
    skin_weights: Any,
    rest_bones: Any,
    garment_params: Any,
    shoulder_tops: Any = None,
) -> tuple[Any, Any, Any, Any]:
    """Deform the garment mesh onto the body; returns (vertices, depth, opacity, back_view).

    Written batched (the four torso slices together, both arms together) because on CPU the model's cost
    is mostly the number of graph nodes, not the arithmetic.
    """
    o, v = ops, _Vec(ops)

    def row(a: Any, i: int | list[int], axis: int = 0) -> Any:
        return o.take(a, i, axis=axis)

    def param(i: int) -> Any:
        return row(garment_params, [i])

    joints = [lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER, lm.LEFT_ELBOW, lm.RIGHT_ELBOW, lm.LEFT_WRIST, lm.RIGHT_WRIST]
    pts = row(row(landmarks, [*joints, lm.LEFT_HIP, lm.RIGHT_HIP, lm.LEFT_KNEE, lm.RIGHT_KNEE]), [0, 1], 1)
    zs = row(row(world, joints), [2], 1)  # (6, 1)
    vis = row(row(landmarks, joints), [2], 1)  # (6, 1)

    # Torso frame: axis from mid-shoulders down to mid-hips, "across" a quarter turn from it.
    ls, rs = row(pts, 0), row(pts, 1)
    shoulders = v.lerp(ls, rs, 0.5)
    knees = v.lerp(row(pts, 8), row(pts, 9), 0.5)
    # Hips the tracker can't see (a shopper close to the camera) are guesses that wander: lean on a
    # torso built from the shoulders instead, pointing away from the head, sized by the turn-corrected
    # shoulder width.
    seen_hips = v.lerp(row(pts, 6), row(pts, 7), 0.5)
    hip_vis = o.minimum(row(row(landmarks, lm.LEFT_HIP), [2]), row(row(landmarks, lm.RIGHT_HIP), [2]))
    perp = v.unit(v.rot(o.sub(ls, rs)))
    head = o.sub(shoulders, row(row(landmarks, lm.NOSE), [0, 1]))
    perp = o.mul(perp, o.where(o.greater(v.dot(perp, head), 0.0), 1.0, -1.0))
    line = o.sub(row(world, lm.LEFT_SHOULDER), row(world, lm.RIGHT_SHOULDER))
    lx_w, lz_w = row(line, [0]), row(line, [2])
    facing_abs = o.abs(o.div(lx_w, o.sqrt(o.add(o.add(o.mul(lx_w, lx_w), o.mul(lz_w, lz_w)), EPS))))
    true_width = o.div(v.norm(o.sub(ls, rs)), o.maximum(facing_abs, 0.35))
    guessed_hips = o.add(shoulders, o.mul(perp, o.mul(true_width, TORSO_PER_SHOULDER_WIDTH)))
    hips = o.add(guessed_hips, o.mul(v.smoothstep(0.3, 0.7, hip_vis), o.sub(seen_hips, guessed_hips)))
    torso_len = v.norm(o.sub(hips, shoulders))
    down = o.div(o.sub(hips, shoulders), torso_len)
    across = v.rot(down)
    half_shoulders = o.mul(v.norm(o.sub(ls, rs)), 0.5)
    # Turning shrinks the shoulder distance; the torso length keeps a floor under the width prior.
    width_ref = o.maximum(half_shoulders, o.mul(torso_len, 0.3))

    # Sleeve A goes on the arm on the +across side, whatever the labels say: swaps never flip it.
    swap = o.greater(0.0, v.dot(o.sub(ls, rs), across))
    left, right = row(pts, [0, 2, 4]), row(pts, [1, 3, 5])  # shoulder, elbow, wrist
    arms = o.where(swap, o.stack([right, left], axis=0), o.stack([left, right], axis=0))  # (2 sides, 3, 2)
    left_z, right_z = row(zs, [0, 2, 4]), row(zs, [1, 3, 5])
    arms_z = o.where(swap, o.stack([right_z, left_z], axis=0), o.stack([left_z, right_z], axis=0))
    left_v, right_v = row(vis, [0, 2, 4]), row(vis, [1, 3, 5])
    arms_v = o.where(swap, o.stack([right_v, left_v], axis=0), o.stack([left_v, right_v], axis=0))

    rest_o, rest_x, rest_y = row(rest_bones, 0, 1), row(rest_bones, 1, 1), row(rest_bones, 2, 1)  # (B, 2)
    shoulder_o = row(rest_o, c.SHOULDER)
    rest_len = o.sub(row(row(rest_o, c.HIP), [1]), row(shoulder_o, [1]))
    scale = o.div(torso_len, rest_len)  # texture px -> frame px along the body

    # Torso slices: centre on the torso axis shifted to the silhouette's middle, width from the silhouette.
    column = [[f] for f in c.SLICE_FRACTIONS]
    centres = o.add(shoulders, o.mul(down, o.mul(torso_len, o.const(column))))  # (4, 2)
    plus, minus = row(silhouette, [0], 1), row(silhouette, [1], 1)  # (3, 1)
    known = o.greater(o.minimum(plus, minus), 0.5)
    fitted = o.minimum(o.maximum(o.mul(o.add(plus, minus), 0.5), o.mul(width_ref, 0.7)), o.mul(width_ref, 1.6))
    prior = o.mul(width_ref, o.const([[1.0], [0.9], [0.95]]))
    body_half = o.mul(o.where(known, fitted, prior), param(c.PARAM_WIDTH_EASE))
    limit = o.mul(body_half, 0.3)
    shift = o.minimum(o.maximum(o.mul(o.sub(plus, minus), 0.5), o.mul(limit, -1.0)), limit)
    halves = o.concat([o.unsqueeze(o.mul(half_shoulders, param(c.PARAM_SHOULDER_EASE)), 0), body_half], axis=0)
    offsets = o.concat([o.const([[0.0]]), o.where(known, shift, 0.0)], axis=0)  # (4, 1)
    # Shoulder landmarks are joint centres; the seams sit on top of the shoulders: where tracking measured the
    # mask's top edge over them (the mean of the sides it saw), else SHOULDER_LIFT torso lengths up.
    tops = o.const(c.UNMEASURED_TOPS) if shoulder_tops is None else shoulder_tops
    top_seen = o.where(o.greater(tops, 0.5), 1.0, 0.0)
    seen_count = o.sum(top_seen, axis=0)
    mean_top = o.div(o.sum(o.mul(tops, top_seen), axis=0), o.maximum(seen_count, 1.0))
    measured = o.minimum(o.maximum(o.div(mean_top, torso_len), SHOULDER_LIFT_RANGE[0]), SHOULDER_LIFT_RANGE[1])
    lift = o.mul(o.const([[1.0], [0.0], [0.0], [0.0]]), o.where(o.greater(seen_count, 0.5), measured, SHOULDER_LIFT))
    slice_o = o.add(o.sub(centres, o.mul(down, o.mul(torso_len, lift))), o.mul(across, offsets))
    slice_x = o.mul(across, halves)
    slice_y = o.mul(o.mul(down, torso_len), o.const([[1.0]] * 4))

    # Skirt slice: continues below the hips toward the knees, keeping the garment's own flare.
    legs = v.unit(o.add(v.unit(o.sub(knees, hips)), down))
    # Thighs pointing at the camera (a squat, a knee raised) look short; the skirt lies on them and looks as
    # short, instead of sticking out past the knees. How short: the thighs' length in the picture against
    # their length in the world landmarks, in px per metre of the torso or the shoulders (whichever is less
    # turned away: turning only shortens). Knees or hips barely seen leave the skirt its full length.
    mids = o.mul(o.sum(o.reshape(row(world, [*lm.TORSO, lm.LEFT_KNEE, lm.RIGHT_KNEE]), [3, 2, 3]), axis=1), 0.5)
    spans_w = v.norm(o.sub(row(mids, [0, 2]), row(mids, [1])))  # world torso and thigh lengths (2,)
    px_per_m = o.maximum(
        o.div(v.norm(o.sub(seen_hips, shoulders)), row(spans_w, [0])), o.div(v.norm(o.sub(ls, rs)), v.norm(line))
    )
    thigh_seen = o.div(v.norm(o.sub(knees, hips)), o.mul(row(spans_w, [1]), px_per_m))
    knee_vis = o.minimum(row(row(landmarks, lm.LEFT_KNEE), [2]), row(row(landmarks, lm.RIGHT_KNEE), [2]))
    knee_trust = v.smoothstep(0.3, 0.7, o.minimum(knee_vis, hip_vis))
    # hanging: 1 free (standing), 0 lying on the thighs as far as it goes.
    drape = o.minimum(o.maximum(o.div(thigh_seen, THIGH_FULL_VIEW), SKIRT_DRAPE_MIN), 1.0)
    hanging = o.add(1.0, o.mul(knee_trust, o.sub(o.div(o.sub(drape, SKIRT_DRAPE_MIN), 1.0 - SKIRT_DRAPE_MIN), 1.0)))
    skirt_len = o.mul(torso_len, o.add(SKIRT_DRAPE_MIN, o.mul(hanging, 1.0 - SKIRT_DRAPE_MIN)))
    skirt_frac = o.div(o.sub(row(row(rest_o, c.SKIRT), [1]), row(shoulder_o, [1])), rest_len)
    flare = o.div(v.norm(row(rest_x, c.SKIRT)), v.norm(row(rest_x, c.HIP)))
    # Hanging, the hem lies halfway between the hip line and the horizontal; on the thighs, level across the
    # knees, and its flare gives way to the knees' spread (pulled taut between them). A hem kept square to the
    # thighs sheared the skirt's side into a spike past the knees when they pointed sideways (a turned squat).
    level = o.mul(o.const([1.0, 0.0]), o.where(o.greater(row(across, [0]), 0.0), 1.0, -1.0))
    hem_dir = v.unit(o.add(o.mul(across, hanging), level))
    free_half = o.mul(row(halves, c.HIP), o.add(1.0, o.mul(o.sub(flare, 1.0), hanging)))
    knees_half = o.add(o.mul(o.abs(v.dot(o.sub(row(pts, 8), row(pts, 9)), hem_dir)), 0.5), o.mul(torso_len, 0.1))
    hip_o = row(slice_o, c.HIP)
    dress_o = o.add(hip_o, o.mul(legs, o.mul(skirt_len, o.sub(skirt_frac, 1.0))))
    dress_x = o.mul(hem_dir, o.maximum(free_half, o.mul(knees_half, o.sub(1.0, hanging))))
    dress_y = o.mul(legs, skirt_len)
    # A top hangs from the torso: below the hips it carries on along the torso (its skirt slice is a virtual one
    # at 1.35 torso lengths, binding.py); pulled toward the knees, a tee's hem reached down a squatting thigh.
    # Between a top's hem and a dress's, a long top follows the thighs part way.
    top_o = o.add(hip_o, o.mul(down, o.mul(torso_len, o.sub(skirt_frac, 1.0))))
    top_x = o.mul(v.unit(o.add(across, level)), o.mul(row(halves, c.HIP), flare))
    top_y = row(slice_y, c.HIP)
    follow = v.smoothstep(SKIRT_FOLLOW[0], SKIRT_FOLLOW[1], skirt_frac)
    pairs = ((top_o, dress_o), (top_x, dress_x), (top_y, dress_y))
    skirt_o, skirt_x, skirt_y = (v.lerp(a, b, follow) for a, b in pairs)
    # A dress's hip slice carries the fabric below it as the skirt does (along the thighs, as short), or the two
    # pull the skirt's sides apart where the thighs leave the torso's line; a top's carries on along the torso.
    slice_y = o.concat([row(slice_y, [c.SHOULDER, c.CHEST, c.WAIST]), o.unsqueeze(skirt_y, 0)], axis=0)

    # Sleeves, both arms at once (rows: sleeve A, sleeve B).
    sh, el, wr = row(arms, 0, 1), row(arms, 1, 1), row(arms, 2, 1)  # (2, 2)
    # Joints the tracker barely sees (out of frame, hidden) jump about: lean them toward arms hanging
    # relaxed at the sides, so a half-seen arm gets a calm sleeve instead of a flailing one.
    outward = o.mul(o.mul(across, torso_len), o.const([[0.12], [-0.12]]))
    el_rest = o.add(o.add(sh, o.mul(down, o.mul(torso_len, 0.6))), outward)
    el_trust = v.smoothstep(0.25, 0.65, row(arms_v, 1, 1))  # (2, 1)
    el = o.add(el_rest, o.mul(el_trust, o.sub(el, el_rest)))
    wr_rest = o.add(el, o.mul(down, o.mul(torso_len, 0.55)))
    wr_trust = o.minimum(el_trust, v.smoothstep(0.25, 0.65, row(arms_v, 2, 1)))
    wr = o.add(wr_rest, o.mul(wr_trust, o.sub(wr, wr_rest)))
    up_rest_o = row(rest_o, [c.SLEEVE_A_UPPER, c.SLEEVE_B_UPPER])
    up_rest_x = row(rest_x, [c.SLEEVE_A_UPPER, c.SLEEVE_B_UPPER])
    up_rest_len = v.norm(up_rest_x)  # (2,)
    lo_rest_len = v.norm(row(rest_x, [c.SLEEVE_A_LOWER, c.SLEEVE_B_LOWER]))
    # Where the shoulder slice alone carries a texture point (or direction): the sleeves hang from there.
    x0, y0 = row(slice_x, c.SHOULDER), row(slice_y, c.SHOULDER)
    sx0, sy0 = row(row(rest_x, c.SHOULDER), [0]), row(row(rest_y, c.SHOULDER), [1])

    def carry(d: Any) -> Any:
        return o.add(o.mul(x0, o.div(row(d, [0], 1), sx0)), o.mul(y0, o.div(row(d, [1], 1), sy0)))

    up_o = o.add(row(slice_o, c.SHOULDER), carry(o.sub(up_rest_o, shoulder_o)))
    # The sleeve hangs from its armhole toward the elbow, so the arm runs inside it.
    arm = o.sub(el, up_o)
    arm_len = v.norm(arm)
    upper_arm = v.norm(o.sub(el, sh))
    # Long sleeves put their elbow anchor on the elbow; short ones keep their size and foreshorten.
    exact = o.minimum(o.maximum(o.div(arm_len, o.mul(up_rest_len, scale)), 0.2), 2.0)
    short = o.minimum(o.maximum(o.div(upper_arm, o.mul(torso_len, 0.6)), 0.35), 1.0)
    along = o.where(o.greater(param(c.PARAM_LONG_SLEEVES), 0.5), exact, short)
    up_dir = o.div(arm, o.unsqueeze(arm_len, 1))
    up_x = o.mul(up_dir, o.unsqueeze(o.mul(o.mul(up_rest_len, scale), along), 1))
    up_y = o.mul(v.rot(up_dir), o.unsqueeze(o.mul(up_rest_len, scale), 1))
    # The arm's turn relative to where the torso alone would carry the sleeve's rest axis.
    carried = carry(up_rest_x)
    cross = o.sub(o.mul(row(carried, 0, 1), row(up_x, 1, 1)), o.mul(row(carried, 1, 1), row(up_x, 0, 1)))
    turns = _atan2(o, cross, v.dot(carried, up_x))  # (2,)
    fore = o.sub(wr, el)
    fore_len = v.norm(fore)
    fore_dir = o.div(fore, o.unsqueeze(fore_len, 1))
    fore_along = o.minimum(o.maximum(o.div(fore_len, o.mul(lo_rest_len, scale)), 0.2), 2.0)
    lo_o = o.add(up_o, up_x)
    lo_x = o.mul(fore_dir, o.unsqueeze(o.mul(o.mul(lo_rest_len, scale), fore_along), 1))
    lo_y = o.mul(v.rot(fore_dir), o.unsqueeze(o.mul(lo_rest_len, scale), 1))
    sh_z, el_z, wr_z = row(arms_z, 0, 1), row(arms_z, 1, 1), row(arms_z, 2, 1)  # (2, 1)
    # Sleeves sit a little in front of the torso unless the arm really goes behind it.
    up_depth = o.sub(o.mul(o.sub(el_z, sh_z), 0.5), 0.03)
    lo_depth = o.sub(o.sub(o.mul(o.add(el_z, wr_z), 0.5), sh_z), 0.03)

    # Bones in contract order: 0-3 slices, 4 skirt, then A upper, A lower, B upper, B lower.
    order = [0, 2, 1, 3]

    def bones(slices: Any, skirt: Any, upper: Any, lower: Any) -> Any:
        sleeves = row(o.concat([upper, lower], axis=0), order)
        return o.concat([slices, o.unsqueeze(skirt, 0), sleeves], axis=0)

    cur_o = bones(slice_o, skirt_o, up_o, lo_o)
    cur_x = bones(slice_x, skirt_x, up_x, lo_x)
    cur_y = bones(slice_y, skirt_y, up_y, lo_y)
    depths = o.concat([o.const([0.0] * 5), row(row(o.concat([up_depth, lo_depth], axis=0), order), 0, 1)], axis=0)

    # Each bone as an affine map of texture px: p' = a*x + b*y + t, from its rest and current frames.
    def comp(a: Any, i: int) -> Any:
        return o.unsqueeze(o.take(a, i, axis=-1), 1)  # (B, 1)

    rx0, rx1, ry0, ry1 = comp(rest_x, 0), comp(rest_x, 1), comp(rest_y, 0), comp(rest_y, 1)
    det = o.sub(o.mul(rx0, ry1), o.mul(ry0, rx1))
    det = o.where(o.greater(o.abs(det), EPS), det, EPS)
    col_a = o.div(o.sub(o.mul(cur_x, ry1), o.mul(cur_y, rx1)), det)  # (B, 2): d p' / d x
    col_b = o.div(o.sub(o.mul(cur_y, rx0), o.mul(cur_x, ry0)), det)  # (B, 2): d p' / d y
    shift_t = o.sub(cur_o, o.add(o.mul(col_a, comp(rest_o, 0)), o.mul(col_b, comp(rest_o, 1))))
    # Every vertex under every bone at once, one matrix product: (N, 2B) laid out [b0 x, b0 y, b1 x, ...].
    lin = o.concat([o.reshape(col_a, [1, -1]), o.reshape(col_b, [1, -1])], axis=0)  # (2, 2B)
    posed = o.add(o.matmul(rest_vertices, lin), o.reshape(shift_t, [1, -1]))

    # Torso and each sleeve are posed separately (weights renormalised within the part), then joined by
    # turning about the shoulder. Constant matrices do the per-part sums and everything per vertex stays a
    # 2D (N, k) array: on CPU the model's cost is its per-vertex nodes, and ORT's broadcasting over small
    # 3D shapes was several times slower than these products.
    part_of = [0] * 5 + [1, 1, 2, 2]  # torso, sleeve A, sleeve B

    def table(rows: int, cols: int, one: Any) -> Any:
        return o.const([[float(one(i, j)) for j in range(cols)] for i in range(rows)])

    bones_n, coords = c.NUM_BONES, 2 * c.NUM_BONES
    part_total = o.matmul(skin_weights, table(bones_n, bones_n, lambda i, j: part_of[i] == part_of[j]))
    normalised = o.div(skin_weights, o.maximum(part_total, EPS))
    weighted = o.mul(o.matmul(normalised, table(bones_n, coords, lambda i, j: j // 2 == i)), posed)  # (N, 2B)
    torso = o.matmul(weighted, table(coords, 2, lambda i, j: part_of[i // 2] == 0 and i % 2 == j))  # (N, 2)
    # Both sleeves side by side, columns (A x, A y, B x, B y); the binding gives no vertex to both.
    torso2 = o.matmul(weighted, table(coords, 4, lambda i, j: part_of[i // 2] == 0 and i % 2 == j % 2))
    sleeves = o.matmul(weighted, table(coords, 4, lambda i, j: part_of[i // 2] == 1 + j // 2 and i % 2 == j % 2))
    sleeve_weight = o.matmul(skin_weights, table(bones_n, 4, lambda i, j: part_of[i] == 1 + j // 2))  # (N, 4)
    pivots = o.reshape(up_o, [1, 4])
    joined = _turn_blend(o, torso2, sleeves, sleeve_weight, pivots, o.take(turns, [0, 0, 1, 1], axis=0))
    # Each side moved only its own sleeve's vertices: add both sides' moves to the torso pose.
    vertices = o.sub(o.matmul(joined, table(4, 2, lambda i, j: i % 2 == j)), torso)
    depth = o.reshape(o.matmul(skin_weights, o.unsqueeze(depths, 1)), [-1])  # (N, 9) @ (9, 1): a plain GEMM

    # Turn: the facing cosine from the world shoulder line; fade out, or flip to the back image.
    shoulder_line = o.sub(row(world, lm.LEFT_SHOULDER), row(world, lm.RIGHT_SHOULDER))
    sx, sz = row(shoulder_line, [0]), row(shoulder_line, [2])
    facing = o.div(sx, o.sqrt(o.add(o.add(o.mul(sx, sx), o.mul(sz, sz)), EPS)))
    has_back = o.greater(param(c.PARAM_HAS_BACK), 0.5)
    opacity = v.smoothstep(0.05, 0.25, o.where(has_back, o.abs(facing), facing))
    back_view = o.where(o.greater(0.0, facing), o.where(has_back, 1.0, 0.0), 0.0)
    return vertices, depth, opacity, back_view
