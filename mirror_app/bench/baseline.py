"""The naive baseline the bench compares against: what common webcam try-on scripts do, sequentially.

MediaPipe pose, then the garment's front picture resized by the shoulder distance, centred between the
shoulders, alpha-blended onto the frame with numpy, then the whole picture flipped for the mirror. No
fitting to the body, no sleeves following the arms, no occlusion by arms or hair: it is the cheap end of
the quality scale, here only to put our timings in context.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import cv2
import numpy as np

from mirror_app.capture.source import Source
from mirror_app.catalog.garment import Garment
from mirror_app.stats import StageClock, StatsRecorder
from mirror_app.tracking.body import LEFT_SHOULDER, RIGHT_SHOULDER, Body
from mirror_app.tracking.landmarker import POSE_MODELS, PoseTracker

BASELINE_STAGES = ("decode", "pose", "paste")
LIMITS = (
    "no fitting to the body (one rigid picture scaled by shoulder distance), no sleeves following the arms, "
    "no occlusion (arms and hair are always covered), no person mask (MediaPipe is not asked for one), single thread, "
    "MediaPipe's full landmark model (the scripts' default, model_complexity=1)"
)
# Without shoulder anchors, the picture is made this many shoulder distances wide (a typical script constant).
WIDTH_PER_SHOULDER = 1.6


def naive_tracker() -> PoseTracker:
    """MediaPipe as the scripts run it: the full model on the whole frame, one person, no mask, nothing measured."""
    return PoseTracker(
        POSE_MODELS["full"], num_poses=1, measure_widths=False, hold_still=False, masks=False, detect_width=None
    )


class NaivePaste:
    """Resize-and-paste of one RGBA garment picture, placed from the two shoulder landmarks."""

    def __init__(self, garment: Garment, mirror: bool = True) -> None:
        self.mirror = mirror
        rgba = garment.rgba
        self._rgb = np.ascontiguousarray(rgba[..., :3])
        self._alpha = np.ascontiguousarray(rgba[..., 3])
        h, w = rgba.shape[:2]
        left = garment.anchors.get("left_shoulder")
        right = garment.anchors.get("right_shoulder")
        if left is not None and right is not None and abs(left[0] - right[0]) > 1.0:
            # Texture shoulder distance and midpoint: the picture is scaled so its seams span the shoulders.
            self._tex_span = float(np.hypot(left[0] - right[0], left[1] - right[1]))
            self._tex_mid = ((left[0] + right[0]) / 2, (left[1] + right[1]) / 2)
        else:
            self._tex_span = w / WIDTH_PER_SHOULDER
            self._tex_mid = (w / 2, h * 0.1)

    def apply(self, image: np.ndarray, body: Body | None) -> np.ndarray:
        """The frame with the garment pasted on (when there is a body), flipped if mirroring."""
        out = image.copy()
        if body is not None:
            self._paste(out, body)
        return cv2.flip(out, 1) if self.mirror else out

    def _paste(self, out: np.ndarray, body: Body) -> None:
        ls = body.landmarks_px[LEFT_SHOULDER, :2]
        rs = body.landmarks_px[RIGHT_SHOULDER, :2]
        span = float(np.hypot(*(ls - rs)))
        if span < 4.0:
            return
        scale = span / self._tex_span
        h, w = self._rgb.shape[:2]
        new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
        rgb = cv2.resize(self._rgb, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
        alpha = cv2.resize(self._alpha, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
        mid_x, mid_y = (ls + rs) / 2
        x0 = round(mid_x - self._tex_mid[0] * scale)
        y0 = round(mid_y - self._tex_mid[1] * scale)
        # Clip the pasted rectangle to the frame.
        fh, fw = out.shape[:2]
        ax0, ay0, ax1, ay1 = max(x0, 0), max(y0, 0), min(x0 + new_w, fw), min(y0 + new_h, fh)
        if ax0 >= ax1 or ay0 >= ay1:
            return
        src = (slice(ay0 - y0, ay1 - y0), slice(ax0 - x0, ax1 - x0))
        a = alpha[src].astype(np.float32)[..., None] / 255.0
        roi = out[ay0:ay1, ax0:ax1]
        blended = a * rgb[src].astype(np.float32) + (1.0 - a) * roi.astype(np.float32)
        roi[:] = blended.astype(np.uint8)


def run_baseline(
    source: Source,
    tracker: PoseTracker,
    paste: NaivePaste,
    stats: StatsRecorder,
    max_frames: int | None = None,
    on_frame: Callable[[int], None] | None = None,
) -> StatsRecorder:
    """Every frame through decode -> pose -> paste, one after the other on this thread, as the scripts do."""
    stats.start()
    count = 0
    while max_frames is None or count < max_frames:
        clock = StageClock()
        frame = source.read()
        if frame is None:
            break
        clock.lap("decode")
        body = tracker.track(frame)
        clock.lap("pose")
        image = paste.apply(frame.image, body)
        clock.lap("paste")
        latency_ms = (time.monotonic_ns() - frame.capture_ns) / 1e6
        h, w = image.shape[:2]
        stats.resolution = (w, h)
        stats.add(
            {
                "index": frame.index,
                "person": body is not None,
                "latency_ms": round(latency_ms, 3),
                "stage_ms": {k: round(v, 3) for k, v in clock.ms.items()},
                "anchors_px": None,
            }
        )
        count += 1
        if on_frame is not None:
            on_frame(frame.index)
    return stats
