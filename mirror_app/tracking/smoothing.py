"""Landmark filtering: One Euro smoothing, left/right swap guard, light mask EMA, so garments sit still."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

import cv2
import numpy as np

log = logging.getLogger(__name__)

# MediaPipe pose left/right landmark pairs (left index, right index).
UPPER_PAIRS: tuple[tuple[int, int], ...] = (
    (1, 4),
    (2, 5),
    (3, 6),
    (7, 8),
    (9, 10),  # eyes, ears, mouth
    (11, 12),
    (13, 14),
    (15, 16),
    (17, 18),
    (19, 20),
    (21, 22),  # shoulders, elbows, wrists, hands
)
LOWER_PAIRS: tuple[tuple[int, int], ...] = (
    (23, 24),
    (25, 26),
    (27, 28),
    (29, 30),
    (31, 32),  # hips, knees, ankles, heels, feet
)
# Pairs the swap decision is measured on (face and finger points are too close together to say much).
UPPER_KEY_PAIRS: tuple[tuple[int, int], ...] = ((11, 12), (13, 14), (15, 16))
LOWER_KEY_PAIRS: tuple[tuple[int, int], ...] = ((23, 24), (25, 26), (27, 28))
# Both groups' key pairs in one gather (upper rows first): the swap guard judges them in one pass.
_KEY_LEFT = [p[0] for p in UPPER_KEY_PAIRS + LOWER_KEY_PAIRS]
_KEY_RIGHT = [p[1] for p in UPPER_KEY_PAIRS + LOWER_KEY_PAIRS]

# Defaults tuned on synthetic 30 fps tracks at 1280x720 (tests/tracking/test_one_euro.py): 2 px RMS white
# noise on a still point -> about 0.2 px RMS out, frame-to-frame steps under 0.2 px; a 100 px step is within
# 2 px after 2 frames; a 200 px, 1.5 Hz arm swing (1900 px/s peak) is followed within about 9 px (a seventh of
# a frame's motion). Price: slow motion lags by ~4 px; while moving most raw noise passes (motion hides it).
PX_MIN_CUTOFF_HZ = 0.1
PX_BETA = 0.06  # Hz per (px/s)
D_CUTOFF_HZ = 5.0
# Speed (px/s) the beta term ignores: the filter's speed estimate is (x - previous output) / dt, so pixel
# noise alone reads as ~60 px/s RMS; without this floor that noise would open the cutoff, letting jitter in.
PX_SPEED_FLOOR = 160.0
# Floor for landmark visibility used as filter confidence (a hidden joint is still followed, just slowly).
MIN_CONFIDENCE = 0.05
# Rough scale of a shopper at mirror distance: makes the world filter as calm as the pixel one.
PX_PER_METRE = 500.0


HOLD_AVERAGE = 8
"""Still frames whose samples are averaged into the held value (then it stays fixed while still)."""
RECENT_KEEP = 0.7
"""EMA weight of the previous estimate of where the samples are now, while held (noise ~0.4x a sample's)."""
CARRY_FADE = 0.8
"""Share of the carried offset (held value minus the samples' drift) kept per moving frame: ~0.3 s to go."""
STILL_SETTLE = 0.3
"""Smallest filter step toward the held value where still: a lagging output catches up in ~0.3 s."""


class StillHold:
    """Where the picture is still, replaces the samples by a fixed value: the mean of the first still ones.

    MediaPipe's landmarks on a still person jump 10-15 px a frame (as fast as a real swing, so no filter on
    the samples alone can tell) and drift by more over seconds in its tracking mode. Where the picture did
    not move (tracking/motion.py) the person did not either: the samples there are replaced by the mean of
    the first HOLD_AVERAGE still ones, so a filter fed with them settles (a lagging output still catches up)
    and then stays exactly still.

    Where the picture moves, samples pass with the drift carried: when a hold ends, the samples may have
    wandered tens of px from the held value in either direction, and jumping to them would move the garment
    by that wander instead of by the person's motion (or against it: a fast step then lags a frame). So the
    held value minus where the samples were (a light average) is added to the moving samples, and fades
    over about a third of a second, while the motion hides it.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget the held values (empty: the next sample, of whatever shape, starts afresh)."""
        self._held = np.empty(0)
        self._count = np.empty(0)
        self._recent = np.empty(0)  # where the samples are, while held (carry included)
        self._carry = np.empty(0)

    def seed(self, where: np.ndarray, x: np.ndarray) -> None:
        """Start the elements `where` afresh at `x`'s values: held there, nothing carried."""
        if self._held.shape == np.shape(x):
            self._held[where] = self._recent[where] = np.asarray(x, dtype=np.float64)[where]
            self._carry[where] = 0.0

    def __call__(self, x: np.ndarray, moving: np.ndarray | float) -> np.ndarray:
        """The sample, or where `moving` (broadcast against x) is below 0.5 the held value."""
        x = np.asarray(x, dtype=np.float64)
        still = np.broadcast_to(np.asarray(moving) < 0.5, x.shape)
        if self._held.shape != x.shape:
            self._held, self._recent = x.copy(), x.copy()
            self._count, self._carry = np.zeros(x.shape), np.zeros(x.shape)
        released = ~still & (self._count > 0)
        self._carry = np.where(released, self._carry + self._held - self._recent, self._carry)
        x = x + self._carry
        self._carry = np.where(still, self._carry, CARRY_FADE * self._carry)
        self._recent = np.where(still & (self._count > 0), self._recent + (1.0 - RECENT_KEEP) * (x - self._recent), x)
        self._count = np.where(still, self._count + 1.0, 0.0)
        weight = np.where(still, np.where(self._count <= HOLD_AVERAGE, 1.0 / np.maximum(self._count, 1.0), 0.0), 1.0)
        self._held = self._held + weight * (x - self._held)
        return self._held.copy()


class OneEuroFilter:
    """One Euro filter (Casiez et al. 2012): low cutoff when still (no jitter), higher when fast (no lag).

    Vectorised: every element of the array (e.g. 33 landmarks x 3 axes) is filtered independently, per axis.
    One addition to the published filter: `speed_floor` is subtracted from the speed before the beta term, so
    sensor noise does not raise the cutoff (set it to 0 for the classic filter), and the first samples after a
    reset are averaged (warm start) rather than the first one being trusted. Units: those of x, and seconds.
    """

    def __init__(
        self,
        min_cutoff: float = PX_MIN_CUTOFF_HZ,
        beta: float = PX_BETA,
        d_cutoff: float = D_CUTOFF_HZ,
        speed_floor: float = PX_SPEED_FLOOR,
    ):
        if min_cutoff <= 0 or d_cutoff <= 0 or beta < 0 or speed_floor < 0:
            raise ValueError("min_cutoff and d_cutoff must be > 0, beta and speed_floor >= 0")
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.d_cutoff = d_cutoff
        self.speed_floor = speed_floor
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t: float | None = None
        self._n = 0
        self._hold = StillHold()

    def reset(self) -> None:
        """Forget the past (new person, lost track)."""
        self._x = self._dx = self._t = None
        self._n = 0
        self._hold.reset()

    def seed(self, where: np.ndarray, x: np.ndarray) -> None:
        """Start the elements `where` afresh at `x`'s values, at rest (a measure first seen: not a jump from 0)."""
        if self._x is not None and self._dx is not None and self._x.shape == np.shape(x):
            self._x[where] = np.asarray(x, dtype=np.float64)[where]
            self._dx[where] = 0.0
            self._hold.seed(where, x)

    @staticmethod
    def _alpha(cutoff: np.ndarray | float, dt: float) -> np.ndarray | float:
        tau = 1.0 / (2.0 * math.pi * cutoff)
        return 1.0 / (1.0 + tau / dt)

    def __call__(
        self, x: np.ndarray, t: float, confidence: np.ndarray | None = None, moving: np.ndarray | None = None
    ) -> np.ndarray:
        """Filter one sample `x` taken at time `t` (seconds); returns a new float64 array of x's shape.

        `confidence` (in (0, 1], broadcast against x) scales the speed term: beta is multiplied by it and the
        speed floor divided by it, so unsure points (occluded, off-image) are smoothed harder. `moving` (in
        [0, 1], broadcast against x) says whether the picture moved there (tracking/motion.py); where it is
        still the samples are held (see StillHold) and the output settles on them.
        """
        x = np.asarray(x, dtype=np.float64)
        still = None
        if moving is not None:
            x = self._hold(x, moving)
            still = np.asarray(moving) < 0.5
        if self._x is None or self._t is None or self._x.shape != x.shape:
            self._x = x.copy()
            self._dx = np.zeros_like(x)
            self._t = t
            self._n = 1
            return self._x.copy()
        dt = t - self._t
        if dt <= 0.0:  # same or older timestamp: nothing new to learn from the speed
            dt = 1e-3
        self._t = t
        a_d = self._alpha(self.d_cutoff, dt)
        dx = (x - self._x) / dt
        self._dx = self._dx + a_d * (dx - self._dx)
        speed = np.abs(self._dx)
        if confidence is None:
            if self.speed_floor > 0.0:
                speed = np.maximum(speed - self.speed_floor, 0.0)
            cutoff = self.min_cutoff + self.beta * speed
        else:
            conf = np.minimum(np.maximum(confidence, 1e-3), 1.0)  # np.clip costs ~5 µs more
            speed = np.maximum(speed - self.speed_floor / conf, 0.0)
            cutoff = self.min_cutoff + (self.beta * conf) * speed
        # Warm start: average the first samples instead of trusting the first one for seconds (the still-state
        # time constant is ~1.6 s); after ~1/alpha samples this has no effect.
        self._n += 1
        a = np.maximum(self._alpha(cutoff, dt), 1.0 / self._n)
        if still is not None:  # settle on the held value within a few frames, then stay
            a = np.where(still, np.maximum(a, STILL_SETTLE), a)
        self._x = self._x + a * (x - self._x)
        return self._x.copy()


def swap_pairs(arr: np.ndarray, pairs: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Copy of a (33, k) landmark array with each (left, right) row pair exchanged."""
    out = arr.copy()
    left = [p[0] for p in pairs]
    right = [p[1] for p in pairs]
    out[left], out[right] = arr[right], arr[left]
    return out


class SwapGuard:
    """Undo transient left/right label swaps: bodies move continuously, labels that jump across are wrong.

    Upper body and legs are judged separately (MediaPipe often swaps only the legs). A group is swapped back
    when exchanging its labels makes the key points match the previous frame's far better (cost ratio) and
    by a margin that is large compared with the shoulder width, so slow turns and side views never trigger.
    """

    def __init__(self, ratio: float = 0.5, min_gain: float = 0.25):
        self.ratio = ratio
        self.min_gain = min_gain
        self._prev: np.ndarray | None = None
        self.swaps = 0  # how many group swaps were undone (diagnostics)

    def reset(self) -> None:
        """Forget the previous frame."""
        self._prev = None

    def _swapped_groups(self, cur: np.ndarray, scale: float) -> tuple[bool, bool]:
        """Whether the upper and the lower group look swapped against the previous frame (float32, as measured)."""
        prev = self._prev
        assert prev is not None
        cur_l, cur_r, prev_l, prev_r = cur[_KEY_LEFT], cur[_KEY_RIGHT], prev[_KEY_LEFT], prev[_KEY_RIGHT]
        lowest = np.minimum(np.minimum(cur_l[:, 2], cur_r[:, 2]), np.minimum(prev_l[:, 2], prev_r[:, 2]))
        weight = np.minimum(np.maximum(lowest, 0.05), 1.0)
        # Distances of the four pairings at once: (left, left), (right, right), (right, left), (left, right).
        gaps = np.stack([cur_l, cur_r, cur_r, cur_l])[..., :2] - np.stack([prev_l, prev_r, prev_l, prev_r])[..., :2]
        squares = gaps * gaps
        dists = np.sqrt(squares[..., 0] + squares[..., 1])
        weighted_direct = weight * (dists[0] + dists[1])
        weighted_crossed = weight * (dists[2] + dists[3])
        groups = len(UPPER_KEY_PAIRS)
        swapped = []
        for part in (slice(0, groups), slice(groups, None)):
            total = weight[part].sum()
            c_direct = float(weighted_direct[part].sum() / total)
            c_crossed = float(weighted_crossed[part].sum() / total)
            swapped.append(c_crossed < self.ratio * c_direct and (c_direct - c_crossed) > self.min_gain * scale)
        return swapped[0], swapped[1]

    def __call__(self, landmarks_px: np.ndarray, world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (pixel, world) landmarks with swapped groups put back; inputs are not modified."""
        px, wd = landmarks_px, world
        if self._prev is not None:
            prev = self._prev
            scale = max(
                float(np.linalg.norm(prev[11, :2] - prev[12, :2])),
                float(np.linalg.norm((prev[11, :2] + prev[12, :2] - prev[23, :2] - prev[24, :2]) / 2)),
                1.0,
            )
            # Both judged on the labels as given: undoing an upper swap leaves the lower key points where they are.
            for pairs, swapped in zip((UPPER_PAIRS, LOWER_PAIRS), self._swapped_groups(px, scale), strict=True):
                if swapped:
                    px = swap_pairs(px, pairs)
                    wd = swap_pairs(wd, pairs)
                    self.swaps += 1
                    log.debug("left/right label swap undone (%s)", "upper" if pairs is UPPER_PAIRS else "lower")
        self._prev = px.copy()
        return px, wd


class LandmarkSmoother:
    """Swap guard, then One Euro filter on pixel (x, y) and world (x, y, z) landmarks of one person."""

    def __init__(
        self,
        min_cutoff: float = PX_MIN_CUTOFF_HZ,
        beta: float = PX_BETA,
        d_cutoff: float = D_CUTOFF_HZ,
        speed_floor: float = PX_SPEED_FLOOR,
        px_per_metre: float = PX_PER_METRE,
        swap_guard: bool = True,
    ):
        self.px_filter = OneEuroFilter(min_cutoff, beta, d_cutoff, speed_floor)
        # Same behaviour in metres: the speed terms are scaled so 1 m/s counts like px_per_metre px/s.
        self.world_filter = OneEuroFilter(min_cutoff, beta * px_per_metre, d_cutoff, speed_floor / px_per_metre)
        self.guard = SwapGuard() if swap_guard else None
        self.last_motion: np.ndarray | None = None  # the motion used for the last frame, per landmark

    def reset(self) -> None:
        """Start afresh (new person or track lost)."""
        self.px_filter.reset()
        self.world_filter.reset()
        if self.guard is not None:
            self.guard.reset()

    def __call__(
        self,
        landmarks_px: np.ndarray,
        world: np.ndarray,
        t: float,
        motion_at: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Filter one frame's (33, 3) pixel landmarks (x, y, visibility) and (33, 3) world ones at t (s).

        `motion_at` gives, for (K, 2) pixel points, whether the picture moved near each (tracking/motion.py);
        it is asked after the swap guard, so each landmark is judged where it really is.
        """
        px, wd = landmarks_px, world
        if self.guard is not None:
            px, wd = self.guard(px, wd)
        # Visibility as confidence: MediaPipe's guesses for hidden joints jump tens of px on a still person.
        conf = np.minimum(np.maximum(px[:, 2:3], MIN_CONFIDENCE), 1.0)
        out_px = np.empty(px.shape, np.float32)
        self.last_motion = None if motion_at is None else motion_at(px[:, :2])
        near = None if self.last_motion is None else self.last_motion.reshape(-1, 1)
        out_px[:, :2] = self.px_filter(px[:, :2], t, conf, near)
        out_px[:, 2] = px[:, 2]  # visibility passes through: consumers threshold it, lag would hide limbs late
        out_wd = self.world_filter(wd, t, conf, near).astype(np.float32)
        return out_px, out_wd


class MaskSmoother:
    """Light exponential moving average of the person mask: calms edge flicker at about 0.5 ms for 720p."""

    def __init__(self, keep: float = 0.3):
        if not 0.0 <= keep < 1.0:
            raise ValueError("keep must be in [0, 1)")
        self.keep = keep
        self._prev: np.ndarray | None = None

    def reset(self) -> None:
        """Forget the previous mask."""
        self._prev = None

    def __call__(self, mask: np.ndarray) -> np.ndarray:
        """Blend `mask` with the previous output (weight `keep`); returns a new float32 array."""
        mask = np.asarray(mask, dtype=np.float32)
        if self.keep == 0.0 or self._prev is None or self._prev.shape != mask.shape:
            self._prev = mask.copy()
        else:
            self._prev = cv2.addWeighted(mask, 1.0 - self.keep, self._prev, self.keep, 0.0)
        return self._prev
