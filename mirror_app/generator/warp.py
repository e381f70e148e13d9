"""The analytic garment warp, written once for both backends (numpy reference and ONNX graph).

Linear blend skinning of the garment mesh over nine bones: four torso slices whose centres and widths
follow the torso axis and the person's silhouette, a skirt slice that follows the thighs, and an upper and
a lower bone per sleeve that follow the arm. Sleeves are attached where the torso puts the garment's
shoulder seam, and blended with the torso near it, so nothing tears whatever the arm does.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

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
SIDEWAYS_THIGHS = (0.5, 0.85)
"""A thigh's share across the torso (|knees - hips| . across over its length in the picture) over which the skirt
goes from following the thighs to hanging from the hips over them (a squat turned from the camera)."""
SKIRT_DRAPE_MIN = 0.35
"""The shortest the skirt is drawn below the hips, as a share of its length, however foreshortened the thighs."""
SKIRT_FOLLOW = (1.35, 1.55)
"""Torso lengths below the shoulder line of a garment's skirt slice over which it goes from hanging from the torso
(a top: binding.py puts a virtual slice at 1.35, the tank's hem is at 1.37) to following the thighs (the dress's
hem: 1.66)."""
SLEEVE_WIDEN_MAX = 1.6
"""The most a sleeve is widened to the wearer's arm (asl_book's hoodie against the long sleeve: ~1.4)."""
FOREARM_SHARE = 0.7
"""The share of the upper sleeve's widening its forearm sleeve takes (asl_book and asl_walk with 0.4, 0.7 and 1.0:
the hoodie shown beside the forearms fell about evenly with each step, the cuffs widened with it; 0.7 kept them
from flaring)."""
FOREARM_EASE = 1.25
"""The widest a long sleeve's cuff is drawn over a measured forearm, as a share of the forearm's width at its
middle (a wrist is about three quarters of that: a cuff with room). The product photo's flat cuff, scaled with
the body, measured 1.5-2 times slim bare forearms on squats and taiji, and the sleeve flared like a bell."""
FOREARM_NARROW_MIN = 0.6
"""The least share of its own width a lower sleeve is narrowed to, however slim the forearm reads."""
CAP_TAPER = 0.5
"""How much of its width a fully lowered arm's sleeve cap loses at the armhole's middle (see CAP_TAPER_TURN). A flat
sleeve's root is its whole armhole, which hangs down the torso's side when worn; turned down with the arm it swung
the cap's top out past the shoulder like a pad. 0.5 took 5-62 % of the garment pixels off the room (asl_book,
taiji, squats; docs/generator.md) with as much of the upper arm covered; 0.65 and 0.8 left more of it bare."""
CAP_TAPER_REACH = 0.5
"""Share of the upper sleeve's rest length (armhole middle to cuff, or elbow) over which the taper fades out."""
CAP_TAPER_TURN = (0.2, 0.8)
"""Lowering turns (radians past the photo's sleeve angle) over which the taper ramps from none to CAP_TAPER."""
SLEEVE_END_ON = 0.64
"""A short sleeve's tube radius as a share of its flat half width (a tube of circumference twice the flat width:
2 / pi). Foreshortened, the sleeve's opening turns toward the camera and its rim shows that radius times the sine
of the arm's tilt beyond the cuff's middle (see `generate`)."""
SLEEVE_TUCK_DEPTH = 0.06
"""How far (metres) a sleeve's fabric on the torso's side of its arm goes back: past the torso plane, from the 0.03
in front every sleeve is drawn, unless the arm itself is in front of the body."""
SLEEVE_TUCK_REACH = 0.1
"""Torso lengths past the arm's line (toward the torso's middle) over which it goes back in full."""
UNDERARM_GATHER = 1.0
"""How far the fabric between torso and sleeve is drawn in from its fan toward the straight line across it where
the turn raises the arm (0: a rigid fan about the turn point; 1: its middle on that line). Rigid, it hung as a web
below a raised arm: an imported tee with arms up in a V (vitonhd-04743-00) looked like a poncho."""
TORSO_PER_SHOULDER_WIDTH = 1.3  # mid-shoulders to mid-hips over shoulder-joint width, average adult


QUARTER_BACK = [[0.0, -1.0], [1.0, 0.0]]
"""Vectors in rows (x, y) times this are turned a quarter turn, (x, y) -> (y, -x): `_Vec.rot` in one product."""


class _Vec:
    """2D vector helpers over an `Ops` backend: values of shape (..., 2), so one call serves a stack of vectors."""

    def __init__(self, ops: Ops) -> None:
        self.o = ops

    def norm(self, v: Any, keepdims: bool = False) -> Any:
        return self.o.sqrt(self.o.add(self.o.sum(self.o.mul(v, v), axis=-1, keepdims=keepdims), EPS))

    def unit(self, v: Any) -> Any:
        return self.o.div(v, self.norm(v, keepdims=True))

    def rot(self, v: Any) -> Any:
        """Rotate a quarter turn, (x, y) -> (y, -x): same handedness in rest and current frames."""
        return self.o.matmul(v, self.o.const(QUARTER_BACK))

    def dot(self, a: Any, b: Any, keepdims: bool = False) -> Any:
        return self.o.sum(self.o.mul(a, b), axis=-1, keepdims=keepdims)

    def lerp(self, a: Any, b: Any, t: Any) -> Any:
        return self.o.add(a, self.o.mul(self.o.sub(b, a), t))

    def smoothstep(self, lo: float | Sequence[float], hi: float | Sequence[float], x: Any) -> Any:
        """0 below lo, 1 above hi, smooth between; lo and hi may give one bound per entry of x's last axis."""
        o = self.o
        lo_, hi_ = np.asarray(lo, np.float64), np.asarray(hi, np.float64)
        t = o.minimum(o.maximum(o.div(o.sub(x, lo_), hi_ - lo_), 0.0), 1.0)
        return o.mul(o.mul(t, t), o.sub(3.0, o.mul(t, 2.0)))


def _mix(o: Ops, a: Any, keys: Sequence[Any], rows: Sequence[Any]) -> Any:
    """Fixed weighted sums of a's rows, in one matrix product: (len(rows), K) @ a.

    `keys` names a's rows; each of `rows` is {key: weight} (keys not named weigh 0), or a list of them for a
    value spread over several result rows. Picks, midpoints and differences come out of one node this way
    instead of a gather, a sub and a mul each.
    """

    def weights(r: Any) -> list:
        return sum((weights(x) for x in r), []) if isinstance(r, list) else [[float(r.get(k, 0.0)) for k in keys]]

    return o.matmul(o.const(sum((weights(r) for r in rows), [])), a)


def _atan2(o: Ops, y: Any, x: Any) -> Any:
    """atan2 from Atan (ONNX has no Atan2): the half-angle form, exact away from a half turn."""
    r = o.sqrt(o.add(o.add(o.mul(x, x), o.mul(y, y)), EPS))
    return o.mul(o.atan(o.div(y, o.add(o.add(r, x), EPS))), 2.0)


QUARTER_TURNS = [[0.0, 1.0, 0.0, 0.0], [-1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0], [0.0, 0.0, -1.0, 0.0]]
"""Points in columns (x, y, x, y) times this are turned a quarter turn, (x, y) -> (-y, x): so a turn by t
is p cos t + (p @ QUARTER_TURNS) sin t, with no per-column gathers."""


def _turn_blend(o: Ops, torso: Any, sleeve: Any, weight: Any, pivot: Any, turn: Any, sag: Any) -> Any:
    """Join torso-posed and sleeve-posed positions by turning about the shoulder, not by averaging.

    Averaging two positions a half turn apart folds the underarm over itself. Instead the sleeve pose is
    turned back by the arm's turn, blended with the torso pose there (where the two nearly agree), and
    the blend is turned by the weighted share of the turn: the fabric fans out about the shoulder. Where the
    turn raises the arm, the fan's middle is drawn in toward the pivot by `sag` of its distance, less toward the
    fan's ends (0 lowering): a real underarm pulls taut or gathers, it does not bulge out below a raised arm.
    All (N, 4): two points per row in columns (x, y, x, y); pivot, turn and sag (1, 4) or (4,).
    """
    quarter = o.const(QUARTER_TURNS)
    a = o.sub(torso, pivot)
    # Turned back by the turn, p cos t - (p @ QUARTER_TURNS) sin t, as one product per vertex with the matrix
    # I cos t - QUARTER_TURNS sin t (its columns scaled by each column's turn).
    back = o.matmul(o.sub(sleeve, pivot), o.sub(o.mul(o.const(np.eye(4)), o.cos(turn)), o.mul(quarter, o.sin(turn))))
    mixed = o.add(a, o.mul(weight, o.sub(back, a)))
    share = o.mul(weight, turn)
    fanned = o.add(o.mul(mixed, o.cos(share)), o.mul(o.matmul(mixed, quarter), o.sin(share)))
    # 4 w (1 - w): 1 mid-fan, 0 at its ends (the torso and sleeve poses stay as they are).
    drawn_in = o.sub(1.0, o.mul(o.mul(weight, o.sub(1.0, weight)), o.mul(sag, 4.0)))
    return o.add(pivot, o.mul(fanned, drawn_in))


def _cap_taper(o: Ops, v: _Vec, rest_vertices: Any, rest_bones: Any, upper_y: Any, turns: Any, raise_sign: Any) -> Any:
    """What a lowered arm's sleeve cap loses toward its armhole, to take off the sleeve pose (N, 4: A x, y, B x, y).

    Each upper sleeve's cross coordinate (its rest frame's y, from the armhole's middle) is scaled by 1 - taper
    there, back to 1 by CAP_TAPER_REACH of the way to the cuff, where the sleeve holds the arm; taper grows with
    the lowering turn (CAP_TAPER_TURN). The rest frames are orthogonal with equal axes (binding.py), so a rest
    point's coordinates are its offset's dot products with x / |x|^2 and y / |y|^2. `upper_y` (2, 2): the upper
    sleeves' current y axes.
    """
    flat = o.reshape(rest_bones, [-1, 2])  # per bone: origin, x axis, y axis
    a, b = 3 * c.SLEEVE_A_UPPER, 3 * c.SLEEVE_B_UPPER
    axes = o.take(flat, [a + 1, b + 1, a + 2, b + 2], axis=0)  # A x, B x, A y, B y
    # Rows x / (-|x|^2 CAP_TAPER_REACH) and y / |y|^2, so that one product and shift give, per vertex, 1 less its
    # share of CAP_TAPER_REACH along each sleeve (clamped below: how near its root) and its cross coordinate.
    per = o.const([[-1.0 / CAP_TAPER_REACH], [-1.0 / CAP_TAPER_REACH], [1.0], [1.0]])
    axes = o.div(o.mul(axes, per), o.maximum(v.dot(axes, axes, keepdims=True), EPS))
    to_local = o.reshape(o.take(o.reshape(axes, [8]), [0, 2, 4, 6, 1, 3, 5, 7], axis=0), [2, 4])  # its transpose
    origins = o.take(flat, [a, b, a, b], axis=0)
    shift = o.sub(o.const([[1.0, 1.0, 0.0, 0.0]]), o.reshape(v.dot(origins, axes), [1, 4]))
    near_root, across = o.split(o.add(o.matmul(rest_vertices, to_local), shift), [2, 2], axis=1)  # (N, 2): A, B
    near_root = o.minimum(o.maximum(near_root, 0.0), 1.0)
    lo, hi = CAP_TAPER_TURN
    lowered = o.div(o.sub(o.mul(turns, o.mul(raise_sign, -1.0)), lo), hi - lo)
    taper = o.mul(o.reshape(o.minimum(o.maximum(lowered, 0.0), 1.0), [2, 1]), CAP_TAPER)  # (2, 1): A, B
    # Each sleeve's current y axis, times its taper, in that sleeve's two columns.
    ys = o.mul(o.mul(o.reshape(upper_y, [1, 4]), taper), o.const([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]))
    return o.matmul(o.mul(near_root, across), ys)


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
    arm_reach: Any = None,
    sleeve_halves: Any = None,
    forearm_widths: Any = None,
    cuff_widths: Any = None,
) -> tuple[Any, Any, Any, Any]:
    """Deform the garment mesh onto the body; returns (vertices, depth, opacity, back_view).

    Written batched (the four torso slices together, both arms together, like figures stacked into one call)
    because on CPU the model's cost is mostly the number of graph nodes, not the arithmetic.
    """
    o, v = ops, _Vec(ops)

    def row(a: Any, i: Any, axis: int = 0) -> Any:
        return o.take(a, i, axis=axis)

    def param(i: int) -> Any:
        return row(garment_params, [i])

    LS, RS, LE, RE = lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER, lm.LEFT_ELBOW, lm.RIGHT_ELBOW
    LW, RW, LH, RH, LK, RK = lm.LEFT_WRIST, lm.RIGHT_WRIST, lm.LEFT_HIP, lm.RIGHT_HIP, lm.LEFT_KNEE, lm.RIGHT_KNEE
    read = [LS, RS, LE, RE, LW, RW, LH, RH, LK, RK]

    def mid(a: int, b: int, w: float = 1.0) -> dict[int, float]:
        return {a: 0.5 * w, b: 0.5 * w}

    def metres(weights: dict[int, float]) -> dict[Any, float]:
        return {("world", k): w for k, w in weights.items()}

    # The landmarks the warp reads and the midpoints and differences of them it needs: fixed sums of landmark
    # rows (x px, y px, visibility) and world landmark rows (x, y, z metres), all from one product. Only the plain
    # landmark rows' visibility means anything.
    body_rows: dict[Any, dict[Any, float]] = {k: {k: 1.0} for k in read}
    body_rows |= {
        "shoulders": mid(LS, RS),
        "seen_hips": mid(LH, RH),
        "knees": mid(LK, RK),
        "head": mid(LS, RS) | {lm.NOSE: -1.0},  # the shoulders from the nose
        "knee_spread": {LK: 1.0, RK: -1.0},
        # Lengths, measured together below: in px the seen hips from the shoulders and the shoulder line; in
        # metres the torso (midpoint to midpoint), the shoulder line, a thigh, and the shoulder line from above.
        "seen_torso": mid(LH, RH) | mid(LS, RS, -1.0),
        "shoulder_line": {LS: 1.0, RS: -1.0},
        "torso_m": metres(mid(LS, RS) | mid(LH, RH, -1.0)),
        "line_m": metres({LS: 1.0, RS: -1.0}),
        "thigh_m": metres(mid(LK, RK) | mid(LH, RH, -1.0)),
        "line_xz": metres({LS: 1.0, RS: -1.0}),
        # Per arm the sleeves' depths (z): the upper's, elbow against shoulder; the lower's, forearm against it.
        "zero": {},
        "upper_l": metres({LE: 0.5, LS: -0.5}),
        "lower_l": metres(mid(LE, LW) | {LS: -1.0}),
        "upper_r": metres({RE: 0.5, RS: -0.5}),
        "lower_r": metres(mid(RE, RW) | {RS: -1.0}),
    }
    at = {name: i for i, name in enumerate(body_rows)}
    picked = o.concat([row(landmarks, [*read, lm.NOSE]), row(world, read)], axis=0)
    body = _mix(o, picked, [*read, lm.NOSE, *(("world", k) for k in read)], list(body_rows.values()))
    pts, col_z = row(body, [0, 1], 1), row(body, 2, 1)  # col_z: visibility (px rows), z (metres rows)
    px = dict(zip(body_rows, o.split(pts, [1] * len(body_rows), axis=0), strict=True))  # each row, (1, 2)
    length_rows = ["seen_torso", "shoulder_line", "torso_m", "line_m", "thigh_m", "line_xz"]
    in_plane = [[1.0, 1.0, 0.0]] * 2 + [[1.0, 1.0, 1.0]] * 3 + [[1.0, 0.0, 1.0]]  # x, y (px); x, y, z; x, z
    lengths = v.norm(o.mul(row(body, [at[k] for k in length_rows]), in_plane))
    lengths_px, lengths_m, thigh_m, from_above = o.split(lengths, [2, 2, 1, 1], axis=0)
    shoulder_width = row(lengths_px, [[1]])  # (1, 1)

    # Turn: the facing cosine from the world shoulder line; fade out, or flip to the back image (the fade is
    # among the smoothsteps below).
    facing = o.div(row(px["line_xz"], 0, 1), from_above)
    has_back = o.greater(param(c.PARAM_HAS_BACK), 0.5)
    fade_in = o.where(has_back, o.abs(facing), facing)
    # Turned away with a back image: exactly where the fade reads |facing| for a negative facing.
    back_view = o.where(o.greater(fade_in, facing), 1.0, 0.0)

    # Rest-pose figures, fixed sums of rest_bones' entries (one product): per sleeve the upper bone's origin from
    # the shoulder slice's; the x axes of the upper and lower sleeve bones and of the hip and skirt slices; the
    # shoulder slice's x axis along x and y axis along y; the hip and skirt slices' heights below it.
    entries = [(b, p, k) for b in range(c.NUM_BONES) for p in range(3) for k in range(2)]  # p: origin, x, y axis

    def rest_vec(b: int, p: int, less: int | None = None) -> list[dict[Any, float]]:
        return [{(b, p, k): 1.0} | ({} if less is None else {(less, p, k): -1.0}) for k in range(2)]

    A_UP, A_LO, B_UP, B_LO = c.SLEEVE_A_UPPER, c.SLEEVE_A_LOWER, c.SLEEVE_B_UPPER, c.SLEEVE_B_LOWER
    rest_rows = [rest_vec(b, 0, c.SHOULDER) for b in (A_UP, B_UP)]
    rest_rows += [rest_vec(b, 1) for b in (A_UP, B_UP, A_LO, B_LO, c.HIP, c.SKIRT)]
    rest_rows += [[{(c.SHOULDER, 1, 0): 1.0}, {(c.SHOULDER, 2, 1): 1.0}]]
    rest_rows += [[rest_vec(c.HIP, 0, c.SHOULDER)[1], rest_vec(c.SKIRT, 0, c.SHOULDER)[1]]]
    # (rest_bones as a column, not a vector: ORT's MatMul is several times slower with a 1-D right-hand side.)
    rest = o.reshape(_mix(o, o.reshape(rest_bones, [-1, 1]), entries, rest_rows), [-1, 2])  # (10, 2)
    # Rest x-axis lengths: the sleeves' upper A, B and lower A, B bones; the hip and skirt slices.
    _, rest_seg, hip_rest, skirt_rest, _ = o.split(v.norm(rest, keepdims=True), [2, 4, 1, 1, 2], axis=0)
    carried_rest, _, shoulder_axes, heights = o.split(rest, [4, 4, 1, 1], axis=0)
    # Where the shoulder slice alone carries a texture point (or direction), in its axes' units: per sleeve its
    # upper bone's origin (A, B), then its upper bone's x axis (A, B).
    in_shoulder = o.div(carried_rest, shoulder_axes)
    rest_len = row(heights, [0], 1)
    skirt_frac = row(o.div(heights, rest_len), 1, 1)  # the skirt slice's height, torso lengths
    flare = o.div(skirt_rest, hip_rest)

    # Every smoothstep at once: how far the tracker's hips, knees, elbows and wrists are trusted (each pair's
    # lower trust: the first and second halves of the pairs meet in one minimum; a wrist no more than its elbow),
    # how far the garment's skirt follows the thighs, and how opaque the garment is at this turn.
    pairs = [(LH, RH), (LK, RK), (LE, LE), (RE, RE), (LE, LW), (RE, RW)]
    seen = row(col_z, [at[a] for a, _ in pairs] + [at[b] for _, b in pairs])
    vis_lo, vis_hi = [0.3] * 2 + [0.25] * 4, [0.7] * 2 + [0.65] * 4
    trusts = v.smoothstep(
        vis_lo * 2 + [SKIRT_FOLLOW[0], 0.05],
        vis_hi * 2 + [SKIRT_FOLLOW[1], 0.25],
        o.concat([seen, skirt_frac, fade_in], axis=0),
    )
    firsts, seconds, follow, opacity = o.split(trusts, [6, 6, 1, 1], axis=0)
    lower_trust = o.minimum(firsts, seconds)  # hips, knees, left and right elbows, left and right wrists
    hip_trust, knees_trust, _ = o.split(lower_trust, [1, 1, 4], axis=0)
    knee_trust = o.minimum(knees_trust, hip_trust)

    # Torso frame: axis from mid-shoulders down to mid-hips, "across" a quarter turn from it.
    shoulders, shoulder_line = px["shoulders"], px["shoulder_line"]
    # Hips the tracker can't see (a shopper close to the camera) are guesses that wander: lean on a
    # torso built from the shoulders instead, pointing away from the head, sized by the turn-corrected
    # shoulder width.
    perp = o.div(v.rot(shoulder_line), shoulder_width)
    perp = o.mul(perp, o.where(o.greater(v.dot(perp, px["head"]), 0.0), 1.0, -1.0))
    true_width = o.div(shoulder_width, o.maximum(o.abs(facing), 0.35))
    guessed_hips = o.add(shoulders, o.mul(perp, o.mul(true_width, TORSO_PER_SHOULDER_WIDTH)))
    hips = o.add(guessed_hips, o.mul(hip_trust, o.sub(px["seen_hips"], guessed_hips)))
    # The torso (hips from shoulders) and the thighs (knees from hips) together: lengths and directions.
    spans = o.concat([o.sub(hips, shoulders), o.sub(px["knees"], hips)], axis=0)
    span_lens = v.norm(spans, keepdims=True)
    span_dirs = o.div(spans, span_lens)
    torso_len, thigh_len = o.split(span_lens, [1, 1], axis=0)  # (1, 1)
    down, _ = o.split(span_dirs, [1, 1], axis=0)  # (1, 2)
    across = v.rot(down)
    tl_down = o.mul(down, torso_len)  # every torso slice's y axis
    half_shoulders = o.mul(shoulder_width, 0.5)
    # Turning shrinks the shoulder distance; the torso length keeps a floor under the width prior.
    width_ref = o.maximum(half_shoulders, o.mul(torso_len, 0.3))

    # Sleeve A goes on the arm on the +across side, whatever the labels say: swaps never flip it.
    swap = o.greater(0.0, v.dot(shoulder_line, across))
    joints, swapped = [at[k] for k in (LS, RS, LE, RE, LW, RW)], [at[k] for k in (RS, LS, RE, LE, RW, LW)]
    sh, el, wr = o.split(o.where(swap, row(pts, swapped), row(pts, joints)), [2, 2, 2], axis=0)  # rows: A, B
    el_trust, wr_trust = o.split(  # lower_trust rows 2-5: left and right elbows, left and right wrists
        o.where(swap, row(lower_trust, [[3], [2], [5], [4]]), row(lower_trust, [[2], [3], [4], [5]])), [2, 2], axis=0
    )
    scale = o.div(torso_len, rest_len)  # texture px -> frame px along the body

    # Torso slices: centre on the torso axis shifted to the silhouette's middle, width from the silhouette.
    plus, minus = o.split(silhouette, [1, 1], axis=1)  # (3, 1)
    known = o.greater(o.minimum(plus, minus), 0.5)
    middle, half_gap = o.split(o.matmul(silhouette, o.const([[0.5, 0.5], [0.5, -0.5]])), [1, 1], axis=1)
    fitted = o.minimum(o.maximum(middle, o.mul(width_ref, 0.7)), o.mul(width_ref, 1.6))
    prior = o.mul(width_ref, o.const([[1.0], [0.9], [0.95]]))
    body_half = o.mul(o.where(known, fitted, prior), param(c.PARAM_WIDTH_EASE))
    limit = o.mul(body_half, 0.3)
    shift = o.minimum(o.maximum(half_gap, o.mul(limit, -1.0)), limit)
    halves = o.concat([o.mul(half_shoulders, param(c.PARAM_SHOULDER_EASE)), body_half], axis=0)
    offsets = o.concat([o.const([[0.0]]), o.where(known, shift, 0.0)], axis=0)  # (4, 1)
    # Shoulder landmarks are joint centres; the seams sit on top of the shoulders: each where tracking measured
    # the mask's top edge over it (columns +across, -across), a side it did not see as high as the other, and
    # both SHOULDER_LIFT torso lengths up when it saw neither. A turned body's far shoulder shows higher than
    # its near one (squats: 0.03 torso lengths apart at the median, 0.06 at p90): one lift for both left a band
    # of the wearer's top above the far seam.
    tops = o.const(c.UNMEASURED_TOPS) if shoulder_tops is None else shoulder_tops
    top_seen = o.where(o.greater(tops, 0.5), 1.0, 0.0)
    seen_count = o.sum(top_seen, axis=0)
    measured = o.minimum(o.maximum(o.div(tops, torso_len), SHOULDER_LIFT_RANGE[0]), SHOULDER_LIFT_RANGE[1])
    seen_mean = o.div(o.matmul(measured, o.unsqueeze(top_seen, 1)), o.maximum(seen_count, 1.0))  # (1, 1)
    unseen = o.where(o.greater(seen_count, 0.5), seen_mean, SHOULDER_LIFT)
    side_lift = o.where(o.greater(tops, 0.5), measured, unseen)  # (1, 2)
    lift_mean, tilt = o.split(o.matmul(side_lift, o.const([[0.5, 0.5], [0.5, -0.5]])), [1, 1], axis=1)
    at_shoulders = o.const([[1.0], [0.0], [0.0], [0.0]])
    # Each slice's centre: its fraction of the torso down from the shoulders (less the lift), then shifted across.
    along_torso = o.sub(o.const([[f] for f in c.SLICE_FRACTIONS]), o.mul(at_shoulders, lift_mean))
    slice_o = o.add(o.add(shoulders, o.mul(tl_down, along_torso)), o.mul(across, offsets))
    # The shoulder slice's x axis tilts so its +across end rises by the sides' difference (the sleeves hang from it).
    slice_x = o.sub(o.mul(across, halves), o.mul(at_shoulders, o.mul(tl_down, tilt)))
    slice_origins = o.split(slice_o, [1] * 4, axis=0)

    # Skirt slice: continues below the hips toward the knees, keeping the garment's own flare.
    # Thighs pointing at the camera (a squat, a knee raised) look short; the skirt lies on them and looks as
    # short, instead of sticking out past the knees. How short: the thighs' length in the picture against
    # their length in the world landmarks, in px per metre of the torso or the shoulders (whichever is less
    # turned away: turning only shortens). Knees or hips barely seen leave the skirt its full length.
    px_per_m = o.maximum(*o.split(o.div(lengths_px, lengths_m), [1, 1], axis=0))
    thigh_px = o.mul(thigh_m, px_per_m)  # a thigh's world length, in the picture's px
    thigh_seen = o.div(thigh_len, thigh_px)
    # hanging: 1 free (standing), 0 lying on the thighs as far as it goes.
    drape = o.minimum(o.maximum(o.div(thigh_seen, THIGH_FULL_VIEW), SKIRT_DRAPE_MIN), 1.0)
    hanging = o.add(1.0, o.mul(knee_trust, o.sub(o.div(o.sub(drape, SKIRT_DRAPE_MIN), 1.0 - SKIRT_DRAPE_MIN), 1.0)))
    skirt_len = o.mul(torso_len, o.add(SKIRT_DRAPE_MIN, o.mul(hanging, 1.0 - SKIRT_DRAPE_MIN)))
    # Hanging, the hem lies halfway between the hip line and the horizontal; on the thighs, level across the
    # knees, and its flare gives way to the knees' spread (pulled taut between them). A hem kept square to the
    # thighs sheared the skirt's side into a spike past the knees when they pointed sideways (a turned squat).
    # Thighs pointing sideways (a squat turned from the camera): the skirt does not stick out along them but
    # hangs from the hips and over the thighs, its hem level and wide enough to reach the knees, its middle
    # between the hips and the knees. (Facing the camera, thighs go down or toward it: `sideways` is 0.)
    thighs = o.sub(px["knees"], hips)
    knee_across = v.dot(thighs, across, keepdims=True)  # (1, 1): px, signed
    knee_reach = o.abs(knee_across)
    side = o.div(knee_reach, o.maximum(thigh_len, 1.0))
    sideways = o.mul(knee_trust, v.smoothstep(SIDEWAYS_THIGHS[0], SIDEWAYS_THIGHS[1], side))
    level = o.where(o.greater(row(across, [0], 1), 0.0), [1.0, 0.0], [-1.0, 0.0])
    upright = o.mul(v.rot(level), -1.0)  # "down" for a body whose torso hangs straight
    # lie: 0 while the thighs hang below the torso, toward 1 as they lie foreshortened or go sideways (a squat).
    # (A skirt hanging from thighs turned sideways hangs level, whatever the torso's lean.)
    stands = o.mul(hanging, o.sub(1.0, sideways))
    lie = o.sub(1.0, stands)
    # Directions made unit in one call: the legs (thighs plus torso); the hem (halfway to level hanging, level
    # lying); the hip line (square to the torso hanging, level lying); a top's fall below the hips (along the
    # torso hanging, straight down lying).
    hem_aims = o.add(o.mul(across, stands), o.mul(level, o.concat([o.const([[1.0]]), lie], axis=0)))
    top_fall = v.lerp(down, upright, lie)
    aims = o.concat([o.sum(span_dirs, axis=0, keepdims=True), hem_aims, top_fall], axis=0)
    legs, hem_dir, hip_dir, top_down = o.split(v.unit(aims), [1, 1, 1, 1], axis=0)  # (1, 2) each
    hip_half = row(halves, c.HIP)
    # A squat: the torso leans over thighs that no longer hang below it, and the fabric at the hips rests on the
    # seat and in the lap instead of hanging square to the leaning torso: the hip line turns level about its
    # middle. Square to the torso, its front end reached down past the knees (squats frames 10 and 30: a tee's
    # hem sloping 21 degrees, its corner below the knees' line). A dress's hip line is left square: its skirt
    # lies along the thighs from it, and a level hip line kinked the skirt's side.
    top_hips = o.mul(o.const([[0.0], [0.0], [0.0], [1.0]]), o.sub(1.0, follow))
    slice_x = o.add(slice_x, o.mul(top_hips, o.mul(o.sub(hip_dir, across), hip_half)))
    free_half = o.mul(hip_half, o.add(1.0, o.mul(o.sub(flare, 1.0), hanging)))
    knees_half = o.add(o.mul(o.abs(v.dot(px["knee_spread"], hem_dir)), 0.5), o.mul(torso_len, 0.1))
    hip_o = slice_origins[c.HIP]
    below_hips = o.sub(skirt_frac, 1.0)
    skirt_below = o.mul(skirt_len, below_hips)  # px from the hip slice to the skirt slice, a dress's or a top's
    legs_d = v.unit(v.lerp(legs, down, sideways))
    towards_knees = o.mul(across, o.mul(knee_across, o.mul(sideways, 0.5)))
    dress_o = o.add(o.add(hip_o, o.mul(legs_d, skirt_below)), towards_knees)
    over_thighs = o.mul(sideways, o.add(o.mul(knee_reach, 0.5), o.mul(hip_half, 0.6)))
    dress_x = o.mul(hem_dir, o.maximum(o.maximum(free_half, o.mul(knees_half, o.sub(1.0, hanging))), over_thighs))
    dress_y = o.mul(legs_d, skirt_len)
    # A top hangs from the torso: below the hips it carries on along the torso (its skirt slice is a virtual one
    # at 1.35 torso lengths, binding.py); pulled toward the knees, a tee's hem reached down a squatting thigh.
    # Between a top's hem and a dress's, a long top follows the thighs part way.
    # Over a squat's seat and lap it falls straight down, not on along the leaning torso, and on thighs pointing
    # at the camera it looks as much shorter as a skirt there (a long top's hem reached past the knees).
    # Lying on the thighs, the fabric below the hips rests in the lap: it reaches down no further than its share
    # of the thighs' length (in the world) takes it down the thighs' drop in the picture (squats: the tank's hem
    # hung 0.1-0.19 torso lengths past the knees in 21 of 65 frames).
    in_lap = o.mul(
        o.maximum(v.dot(thighs, upright, keepdims=True), 0.0),
        o.minimum(o.div(o.mul(torso_len, below_hips), o.maximum(thigh_px, 1.0)), 1.0),
    )
    top_len = o.sub(skirt_below, o.mul(lie, o.maximum(o.sub(skirt_below, in_lap), 0.0)))
    top_y = o.mul(top_down, torso_len)
    top_o = o.add(hip_o, o.mul(top_down, top_len))
    top_x = o.mul(hem_dir, o.mul(hip_half, flare))
    tops_skirt, dress_skirt = o.concat([top_o, top_x, top_y], axis=0), o.concat([dress_o, dress_x, dress_y], axis=0)
    skirt = v.lerp(tops_skirt, dress_skirt, follow)  # rows: origin, x axis, y axis

    # Sleeves, both arms at once (rows: sleeve A, sleeve B).
    # Joints the tracker barely sees (out of frame, hidden) jump about: lean them toward arms hanging
    # relaxed at the sides, so a half-seen arm gets a calm sleeve instead of a flailing one.
    outward = o.mul(o.mul(across, torso_len), o.const([[0.12], [-0.12]]))
    el_rest = o.add(o.add(sh, o.mul(tl_down, 0.6)), outward)
    el = o.add(el_rest, o.mul(el_trust, o.sub(el, el_rest)))
    wr_rest = o.add(el, o.mul(tl_down, 0.55))
    wr = o.add(wr_rest, o.mul(wr_trust, o.sub(wr, wr_rest)))
    # Where the shoulder slice alone carries the sleeves' upper origins and rest axes: its x and y axes, weighted.
    shoulder_frame = o.concat([row(slice_x, [c.SHOULDER]), tl_down], axis=0)
    hang, carried = o.split(o.matmul(in_shoulder, shoulder_frame), [2, 2], axis=0)
    up_o = o.add(slice_origins[c.SHOULDER], hang)
    # The sleeve hangs from its armhole toward the elbow, so the arm runs inside it. Segments (rows): upper
    # sleeves A, B (armhole to elbow), lower sleeves A, B (elbow to wrist), upper arms A, B (shoulder to elbow).
    segs = o.sub(o.concat([el, wr, el], axis=0), o.concat([up_o, el, sh], axis=0))
    seg_lens = v.norm(segs, keepdims=True)  # (6, 1)
    seg_dirs = row(o.div(segs, seg_lens), [0, 1, 2, 3])
    rest_seg = o.mul(rest_seg, scale)  # (4, 1)
    # Long sleeves put their elbow anchor on the elbow; short ones keep their size and foreshorten. Each segment's
    # length over its rest length (the upper arm's over 0.6 torso lengths), kept within bounds.
    ratio = o.div(seg_lens, o.concat([rest_seg, o.mul(torso_len, o.const([[0.6], [0.6]]))], axis=0))
    ratio = o.minimum(o.maximum(ratio, o.const([[0.2]] * 4 + [[0.35]] * 2)), o.const([[2.0]] * 4 + [[1.0]] * 2))
    exact, fore_along, short = o.split(ratio, [2, 2, 2], axis=0)
    # A tube seen foreshortened is its ends' rims' hull: past the cuff's middle its opening's rim reaches the tube's
    # radius times the sine of the tilt. Scaled along its axis alone, an upper arm pointing toward the camera
    # shrank the short sleeve to a stub beside the wearer's own sleeve (taiji 230, 260: a raised arm's polo sleeve
    # reached twice as far as the tee's).
    sleeve_half = None if sleeve_halves is None else o.mul(o.unsqueeze(sleeve_halves, 1), scale)  # frame px
    if sleeve_half is not None:
        radius = o.mul(sleeve_half, SLEEVE_END_ON)
        upper_rest, _ = o.split(rest_seg, [2, 2], axis=0)
        tilt_sine = o.sqrt(o.sub(1.0, o.mul(short, short)))  # short is at most 1 (clamped above)
        short = o.add(short, o.mul(tilt_sine, o.div(radius, o.maximum(upper_rest, EPS))))
    along = o.concat([o.where(o.greater(param(c.PARAM_LONG_SLEEVES), 0.5), exact, short), fore_along], axis=0)
    seg_x = o.mul(seg_dirs, o.mul(rest_seg, along))
    # A sleeve at least as wide as the wearer's arm (tracking measures how far the mask reaches out from the upper
    # arm's axis, `arm_reach`): on a bulky arm (a hoodie's) the wearer's own sleeve showed down the garment's. The
    # sleeve's axis runs from the armhole, not the shoulder joint, so the arm's outer edge lies that much further
    # out or in. Widened only, never narrowed (an arm's inner edge is rarely seen: see docs/generator.md); not where
    # the elbow is barely seen or the arm not measured. The forearm's sleeve widens by FOREARM_SHARE of the upper
    # one's widening: measured there, the mask reaches round hands and bunched cuffs and the cuffs flared into bells;
    # kept at the garment's width, the hoodie showed beside the forearms.
    normals = v.rot(seg_dirs)
    widen = None
    if arm_reach is not None and sleeve_half is not None:
        reach = o.unsqueeze(arm_reach, 1)  # (2, 1): sleeve A's arm, sleeve B's
        upper_n = row(normals, [0, 1])
        arm_mid = o.mul(o.add(sh, el), 0.5)
        from_centre = v.dot(upper_n, o.sub(arm_mid, o.add(shoulders, o.mul(tl_down, 0.5))), keepdims=True)
        out_sign = o.where(o.greater(from_centre, 0.0), 1.0, -1.0)  # outward: away from the torso's middle
        arm_off = o.mul(v.dot(upper_n, o.sub(arm_mid, up_o), keepdims=True), out_sign)
        need = o.div(o.add(reach, arm_off), o.maximum(sleeve_half, EPS))  # the edge right on the mask's
        measured_arm = o.where(o.greater(o.minimum(reach, sleeve_half), 0.5), el_trust, 0.0)
        widen = o.mul(o.sub(o.minimum(o.maximum(need, 1.0), SLEEVE_WIDEN_MAX), 1.0), measured_arm)
        shares = o.const([[1.0], [1.0], [FOREARM_SHARE], [FOREARM_SHARE]])  # upper A, B, lower A, B
        normals = o.mul(normals, o.add(o.mul(o.concat([widen, widen], axis=0), shares), 1.0))
    # A long sleeve's cuff no wider than FOREARM_EASE times the wearer's forearm (tracking measures the mask across
    # its middle, `forearm_widths`, where the forearm lies beside the torso and shows its length; `cuff_widths` is
    # the garment's): the photo's flat sleeve, scaled with the body, flared like a bell round a slim forearm. The
    # whole lower sleeve narrows with its cuff, the upper one keeps its width, and the skinning's blend between
    # them at the elbow tapers it. Narrowed only, as widened above, and only as far as the wrist is seen.
    if forearm_widths is not None and cuff_widths is not None:
        fore = o.unsqueeze(forearm_widths, 1)  # (2, 1): sleeve A's forearm, sleeve B's
        own = o.mul(o.unsqueeze(cuff_widths, 1), scale)  # frame px
        if widen is not None:
            own = o.mul(own, o.add(o.mul(widen, FOREARM_SHARE), 1.0))
        fits = o.div(o.mul(fore, FOREARM_EASE), o.maximum(own, EPS))
        measured_fore = o.where(o.greater(o.minimum(fore, own), 0.5), wr_trust, 0.0)
        narrow = o.add(o.mul(o.sub(o.minimum(o.maximum(fits, FOREARM_NARROW_MIN), 1.0), 1.0), measured_fore), 1.0)
        normals = o.mul(normals, o.concat([o.const([[1.0], [1.0]]), narrow], axis=0))
    seg_y = o.mul(normals, rest_seg)
    up_x, _ = o.split(seg_x, [2, 2], axis=0)
    lo_o = o.add(up_o, up_x)
    # The arm's turn relative to where the torso alone would carry the sleeve's rest axis.
    turns = _atan2(o, v.dot(carried, v.rot(up_x)), v.dot(carried, up_x))  # (2,)
    # Where the turn raises the arm (toward the head), the underarm's fan is drawn in toward the straight line
    # between its ends, whose middle lies cos(turn / 2) of the radius out; lowering it leaves the fan round (the
    # fabric over the shoulder's cap).
    raise_sign = o.where(o.greater(v.dot(v.rot(carried), down), 0.0), 1.0, -1.0)
    raised = o.maximum(o.mul(turns, raise_sign), 0.0)
    sag = o.mul(o.sub(1.0, o.cos(o.mul(raised, 0.5))), UNDERARM_GATHER)
    # Sleeves sit a little in front of the torso unless the arm really goes behind it.
    torso_z = [at["zero"]] * 5
    depth_rows = [[i] for i in torso_z + [at["upper_l"], at["lower_l"], at["upper_r"], at["lower_r"]]]
    depth_swapped = [[i] for i in torso_z + [at["upper_r"], at["lower_r"], at["upper_l"], at["lower_l"]]]
    depths = o.where(swap, row(col_z, depth_swapped), row(col_z, depth_rows))  # (B, 1)
    depths = o.sub(depths, o.const([[0.0]] * 5 + [[0.03]] * 4))

    # Bones in contract order: 0-3 slices, 4 skirt, then A upper, A lower, B upper, B lower. Each bone's current
    # origin, x and y axis are rows of one table, picked out by one gather.
    # Table rows: the slices' origins and x axes (4 each) and their y axis (1); the skirt's origin, x and y axis;
    # the sleeves' origins, x axes and y axes (4 each: upper A, upper B, lower A, lower B).
    pieces = [slice_o, slice_x, tl_down, skirt, up_o, lo_o, seg_x, seg_y]
    groups = {"slice_o": 4, "slice_x": 4, "slice_y": 1, "skirt": 3, "sleeve_o": 4, "sleeve_x": 4, "sleeve_y": 4}
    first = dict(zip(groups, itertools.accumulate(groups.values(), initial=0), strict=False))
    frames = [[first["slice_o"] + i, first["slice_x"] + i, first["slice_y"]] for i in c.TORSO_SLICES]
    # A dress's hip slice carries the fabric below it as the skirt does (along the thighs, as short), or the two
    # pull the skirt's sides apart where the thighs leave the torso's line; a top's carries on along the torso.
    frames[c.HIP][2] = first["skirt"] + 2
    frames.append([first["skirt"] + k for k in range(3)])
    for side, seg in ((0, 0), (0, 1), (1, 0), (1, 1)):  # A upper, A lower, B upper, B lower
        frames.append([first[k] + 2 * seg + side for k in ("sleeve_o", "sleeve_x", "sleeve_y")])
    cur = row(o.concat(pieces, axis=0), frames)  # (B, 3, 2): origin, x axis, y axis

    # Each bone as an affine map of texture px: p' = a*x + b*y + t, from its rest and current frames. (a, b, t)
    # is a fixed mix of the current origin and axes, K @ (o, x, y), whose weights come from the rest frame alone:
    # a and b the inverse rest axes (adjugate over determinant), t what undoes the rest origin.
    turned = v.rot(rest_bones)  # rest origin, x and y axes turned: (x, y) -> (y, -x)
    # Cross products x × y (the determinant), o × y and o × x, as dot products with turned vectors.
    crosses = v.dot(row(rest_bones, [1, 0, 0], 1), row(turned, [2, 2, 1], 1))  # (B, 3)
    det, o_crosses = o.split(crosses, [1, 2], axis=1)
    det = o.where(o.greater(o.abs(det), EPS), det, EPS)
    inverse = o.div(o.concat([o.reshape(turned, [c.NUM_BONES, 6]), det, o_crosses], axis=1), det)
    # inverse: turned o (0, 1), turned x (2, 3) = (x1, -x0), turned y (4, 5) = (y1, -y0), 1, o × y, o × x (over det).
    k_rows = o.mul(
        row(inverse, [[6, 4, 2], [6, 5, 3], [6, 7, 8]], 1),
        o.const([[0.0, 1.0, -1.0], [0.0, 1.0, -1.0], [1.0, -1.0, 1.0]]),
    )
    affine = o.reshape(o.matmul(k_rows, cur), [-1])  # per bone (a, b, t), (B * 3 * 2,)
    # Every vertex under every bone at once, one matrix product: (N, 2B) laid out [b0 x, b0 y, b1 x, ...].
    bone_cols = [(b, k) for b in range(c.NUM_BONES) for k in range(2)]
    lin = row(affine, [[6 * b + 2 * r + k for b, k in bone_cols] for r in range(2)])  # (2, 2B): a, b
    shift_t = row(affine, [[6 * b + 4 + k for b, k in bone_cols]])  # (1, 2B): t
    posed = o.add(o.matmul(rest_vertices, lin), shift_t)

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
    # Per part, one product: the torso (x, y); then both sleeves side by side, columns (A x, A y, B x, B y), and
    # the torso twice to match; the binding gives no vertex to both sleeves.
    part = [0, 0, 0, 0, 0, 0, 1, 1, 2, 2]  # of each column
    per_part = table(coords, 10, lambda i, j: part_of[i // 2] == part[j] and i % 2 == j % 2)
    torso, torso2, sleeves = o.split(o.matmul(weighted, per_part), [2, 4, 4], axis=1)
    sleeves = o.sub(sleeves, _cap_taper(o, v, rest_vertices, rest_bones, row(seg_y, [0, 1]), turns, raise_sign))
    sleeve_weight = o.matmul(skin_weights, table(bones_n, 4, lambda i, j: part_of[i] == 1 + j // 2))  # (N, 4)
    pivots = o.reshape(up_o, [1, 4])
    per_column = [0, 0, 1, 1]
    joined = _turn_blend(
        o, torso2, sleeves, sleeve_weight, pivots, o.take(turns, per_column, axis=0), o.take(sag, per_column, axis=0)
    )
    # Each side moved only its own sleeve's vertices: add both sides' moves to the torso pose.
    vertices = o.sub(o.matmul(joined, table(4, 2, lambda i, j: i % 2 == j)), torso)
    depth = o.matmul(skin_weights, depths)  # (N, 9) @ (9, 1): a plain GEMM
    # An upper sleeve's fabric on the torso's side of its arm (under a hanging arm, the cap sleeve's underside that
    # the turn swings over the chest) tucks behind the torso: the torso's print is drawn over it, not cut by it.
    inward = v.rot(up_x)
    toward = o.greater(v.dot(inward, o.sub(slice_origins[c.CHEST], up_o), keepdims=True), 0.0)
    inward = o.mul(inward, o.where(toward, 1.0, -1.0))
    inward = o.div(inward, o.mul(v.norm(inward, keepdims=True), o.mul(torso_len, SLEEVE_TUCK_REACH)))  # rows A, B
    columns = o.reshape(o.take(o.reshape(inward, [4]), [0, 2, 1, 3], axis=0), [2, 2])  # its transpose
    past_arm = o.sub(o.matmul(vertices, columns), o.reshape(v.dot(up_o, inward), [1, 2]))  # (N, 2)
    upper = table(bones_n, 2, lambda i, j: i == (c.SLEEVE_A_UPPER, c.SLEEVE_B_UPPER)[j])
    tucked = o.mul(o.matmul(skin_weights, upper), o.minimum(o.maximum(past_arm, 0.0), 1.0))
    depth = o.add(depth, o.matmul(tucked, o.const([[SLEEVE_TUCK_DEPTH], [SLEEVE_TUCK_DEPTH]])))
    return vertices, o.reshape(depth, [-1]), opacity, back_view
