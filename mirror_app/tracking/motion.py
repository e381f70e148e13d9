"""Whether the picture moved near each landmark: the camera, not the landmarks, tells a still person apart.

MediaPipe's landmarks on a still person jump by up to 10-15 px from one frame to the next with nothing but
sensor noise changing (seen on the astronaut portrait with 2 grey levels of noise), which is as fast as a
real arm swing, so no filter on the landmarks alone can both hold them still and follow the swing. The
frame itself can: where the picture did not change beyond its own noise, the person did not move there.
"""

from __future__ import annotations

import cv2
import numpy as np

SCALE = 8  # the difference is taken on an 8x smaller grey picture: cheap, and the noise averages down
NOISE_KEEP = 0.9  # EMA weight of the previous noise estimate
REACH_PX = 48  # a landmark counts as moving when the picture moved within about this distance of it
# Of |noise| (a half-normal), the mean is 0.80 sigma and the spread 0.60 sigma, 0.20 after a 3x3 average.
HALF_NORMAL_MEAN, AVERAGED_SPREAD = 0.80, 0.20
# Local change in standard scores of the averaged noise: below MOVING_FROM still, above MOVING_AT moving. The
# largest of ~170 neighbours of pure noise scores about 3.5 (5 now and then); an edge of 50 grey levels moving
# 1 px, about 25.
MOVING_FROM, MOVING_AT = 6.0, 9.0
_REACH_SQUARE = np.ones((2 * (REACH_PX // SCALE) + 1,) * 2, np.uint8)


def small_grey(frame_rgb: np.ndarray) -> np.ndarray:
    """The 8x smaller float grey picture motion is measured on (~0.3 ms at 720p)."""
    h, w = frame_rgb.shape[:2]
    # Halve in uint8 (OpenCV's fast 2x area path; grey taken on the half-size picture), then average the rest
    # in float: a uint8 result at 1/8 would round away differences smaller than the noise being measured.
    half = cv2.cvtColor(cv2.resize(frame_rgb, (w // 2, h // 2), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
    quarter = cv2.resize(half.astype(np.float32), (w // 4, h // 4), interpolation=cv2.INTER_AREA)
    return cv2.resize(quarter, (max(1, w // SCALE), max(1, h // SCALE)), interpolation=cv2.INTER_AREA)


class ImageMotion:
    """Per-landmark motion in [0, 1] (0: the picture around it is still; 1: it clearly moved) for each frame."""

    def __init__(self) -> None:
        self._reference: np.ndarray | None = None  # the small picture as last seen moving, per pixel
        self._noise: float | None = None
        self._local: np.ndarray | None = None  # per small-picture pixel: the largest change within reach

    def update(self, frame_rgb: np.ndarray) -> np.ndarray | None:
        """Take the next frame (every frame, person or not); returns its motion map (None: first frame).

        Headless runs do this on the thread that decodes ahead and hand the map on with the frame (see
        `use`): on the pose thread, which limits frames per second, it cost ~2 ms a frame in a busy pipeline
        (0.3 ms alone) by waiting for the GIL.
        """
        small = small_grey(frame_rgb)
        reference = self._reference
        if reference is None or reference.shape != small.shape:
            self._reference, self._local = small, None
            return None
        # Against the picture as it was when it last moved there, not the previous frame: a slow lean adds
        # up until it shows, instead of staying under the noise frame after frame.
        diff = np.abs(small - reference)
        # Sensor noise sigma from the quieter half of the picture: a half-normal's median is 0.674 sigma. The
        # estimate only falls fast, so a frame where most of the picture moves can't pass for noise.
        sample = diff[::2, ::2].ravel()  # a quarter of the pixels is plenty for a median
        estimate = max(float(np.partition(sample, sample.size // 2)[sample.size // 2]) / 0.674, 0.05)
        if self._noise is None:
            self._noise = estimate
        else:
            self._noise = min(estimate, NOISE_KEEP * self._noise + (1.0 - NOISE_KEEP) * estimate)
        # Average 3x3, as standard scores of averaged noise, then the largest within reach of each point.
        averaged = cv2.blur(diff, (3, 3), borderType=cv2.BORDER_REPLICATE)
        local = (averaged / self._noise - HALF_NORMAL_MEAN) / AVERAGED_SPREAD
        self._local = cv2.dilate(local, _REACH_SQUARE, borderType=cv2.BORDER_REPLICATE)  # the largest within reach
        self._reference = np.where(self._local > MOVING_FROM, small, reference)
        return self._local

    def use(self, local: np.ndarray | None) -> None:
        """Take a motion map another ImageMotion made for this frame (see `update`)."""
        self._local = local

    def at(self, points_px: np.ndarray) -> np.ndarray:
        """Motion at each (x, y) point, shape (K,); all 1 for the first frame or one of a new size."""
        if self._local is None:
            return np.ones(len(points_px), np.float32)
        h, w = self._local.shape
        # minimum/maximum rather than np.clip: the same values, a few µs less on these 33 points.
        xs = np.minimum(np.maximum((points_px[:, 0] / SCALE).astype(int), 0), w - 1)
        ys = np.minimum(np.maximum((points_px[:, 1] / SCALE).astype(int), 0), h - 1)
        moving = np.minimum(np.maximum((self._local[ys, xs] - MOVING_FROM) / (MOVING_AT - MOVING_FROM), 0.0), 1.0)
        # A point off the picture is a guess: it moves when the person does.
        outside = (points_px[:, 0] < 0) | (points_px[:, 0] >= w * SCALE) | (points_px[:, 1] < 0)
        outside |= points_px[:, 1] >= h * SCALE
        if outside.any():
            moving[outside] = moving[~outside].max() if (~outside).any() else 1.0
        return moving.astype(np.float32)
