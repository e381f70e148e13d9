"""MediaPipe pose landmarker behind one call: camera Frame in, the followed person's smoothed Body out."""

from __future__ import annotations

import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, get_args

import cv2
import mediapipe as mp
import numpy as np
from mediapipe.tasks.python.core.base_options import BaseOptions
from mediapipe.tasks.python.vision import pose_landmarker as mp_pose
from mediapipe.tasks.python.vision.core.vision_task_running_mode import VisionTaskRunningMode

import mirror_app
from mirror_app.capture.frame import Frame
from mirror_app.config import DEFAULT_POSE_MODEL, MAX_POSE_THREADS, PoseModelName
from mirror_app.tracking.body import NUM_LANDMARKS, Body
from mirror_app.tracking.motion import ImageMotion
from mirror_app.tracking.person import PersonSelector
from mirror_app.tracking.silhouette import fit_measures
from mirror_app.tracking.smoothing import LandmarkSmoother, MaskSmoother

log = logging.getLogger(__name__)

POSE_MODELS: dict[PoseModelName, Path] = {
    name: mirror_app.PROJECT_ROOT / "models" / f"pose_landmarker_{name}.task" for name in get_args(PoseModelName)
}
BUNDLE_MEMBERS = ("pose_detector.tflite", "pose_landmarks_detector.tflite")


class PoseModelError(RuntimeError):
    """The pose model bundle is missing or unusable; the message names the file and how to restore it."""


def _model_error(path: Path, problem: str) -> PoseModelError:
    return PoseModelError(
        f"Pose model {path} {problem}. Restore it from the repository (git checkout -- models/), or rebuild "
        "it with `python3.11 packaging/build_pose_model.py` (needs PyPI, and npm for lite, once), or re-run the "
        "install script."
    )


def pose_model_path(name: PoseModelName = DEFAULT_POSE_MODEL) -> Path:
    """The bundle file of a landmark model ("full", or "lite": ~15 % less pose time, worse close up)."""
    return POSE_MODELS[name]


DEFAULT_MODEL = pose_model_path()


def check_model(path: Path) -> None:
    """Fail early, with a clear message, on a bundle MediaPipe would reject obscurely (or crash on)."""
    if not path.is_file():
        raise _model_error(path, "is missing")
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            bad = zf.testzip()
    except (zipfile.BadZipFile, OSError) as exc:
        raise _model_error(path, f"is not a valid .task bundle ({exc})") from exc
    missing = [m for m in BUNDLE_MEMBERS if m not in names]
    if missing:
        raise _model_error(path, f"lacks {', '.join(missing)}")
    if bad is not None:
        raise _model_error(path, f"is corrupt ({bad} fails its checksum)")


@dataclass(frozen=True, slots=True)
class Detection:
    """MediaPipe's answer for one frame, before the followed person is chosen and smoothed (PoseTracker.follow)."""

    frame: Frame
    result: Any  # mediapipe PoseLandmarkerResult: landmarks, world landmarks and masks of everyone found
    t: float  # seconds: the timestamp MediaPipe was given (increasing per graph)


DETECT_WIDTH = 640
"""Frames wider than this reach MediaPipe scaled down to it. Its models see a 256x256 crop around the person
(224x224 for the detector) whatever the frame's size, so the landmarks stay within a pixel of full size at
720p, while the work that scales with the frame (the input's conversion, the person mask's warp and
smoothing back to frame size) shrinks: pose 20.2 -> 17.6 ms per 720p frame here, measured interleaved.
The person mask comes at that size too, so whatever reads it every frame (smoothing, widths, occlusion,
hair) reads a quarter of a 720p frame's pixels: MediaPipe makes it at 256x256, so nothing is lost."""


class PoseTracker:
    """Pose landmarks and person mask of the one person being dressed, per camera frame (VIDEO mode)."""

    def __init__(
        self,
        model_path: Path | str = DEFAULT_MODEL,
        num_poses: int = 3,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        smoother: LandmarkSmoother | None = None,
        mask_keep: float = 0.3,
        selector: PersonSelector | None = None,
        measure_widths: bool = True,
        hold_still: bool = True,
        masks: bool = True,
        detect_width: int | None = DETECT_WIDTH,
        detectors: int = 1,
    ):
        if not 1 <= num_poses <= 3:
            raise ValueError("num_poses must be 1, 2 or 3")
        if not 1 <= detectors <= MAX_POSE_THREADS:
            raise ValueError(f"detectors must be 1 to {MAX_POSE_THREADS}")
        self.model_path = Path(model_path)
        check_model(self.model_path)
        options = mp_pose.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=VisionTaskRunningMode.VIDEO,
            num_poses=num_poses,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_presence_confidence,
            min_tracking_confidence=min_tracking_confidence,
            output_segmentation_masks=masks,
        )
        # One MediaPipe graph per pose thread: a graph runs its frames one at a time on about one core, so
        # a second one, fed every other frame, lets pose use the second core too (ProcessingThread).
        self._landmarkers: list[mp_pose.PoseLandmarker] = []
        try:
            for _ in range(detectors):
                self._landmarkers.append(mp_pose.PoseLandmarker.create_from_options(options))
        except Exception as exc:  # MediaPipe raises RuntimeError/ValueError with C++ status text
            self.close()
            raise _model_error(self.model_path, f"could not be loaded by MediaPipe ({exc})") from exc
        self._last_ms = [-1] * detectors  # per graph: VIDEO mode needs strictly increasing timestamps
        self._last_t = -1.0  # the last followed frame's time (s)
        self.smoother = smoother if smoother is not None else LandmarkSmoother()
        self.mask_smoother = MaskSmoother(mask_keep)
        self.motion = ImageMotion()
        self.selector = selector if selector is not None else PersonSelector()
        self._warned_not_numbers = False
        # The silhouette's widths, shoulder tops, arm reach and forearm widths, which the generator fits to.
        self.measure_widths = measure_widths
        self.hold_still = hold_still  # judge the picture's motion so a still person's landmarks hold still
        self.detect_width = detect_width  # None: MediaPipe sees the frame at its own size
        log.info("pose tracker ready: %s, up to %d people, %d graph(s)", self.model_path.name, num_poses, detectors)

    @property
    def model(self) -> str:
        """The landmark model's name ("full", "lite"), for the stats and the overlay."""
        return self.model_path.stem.removeprefix("pose_landmarker_")

    @property
    def detectors(self) -> int:
        """How many frames can be detected at once (one per pose thread)."""
        return len(self._landmarkers)

    def track(self, frame: Frame) -> Body | None:
        """Landmarks and mask of the followed person in this frame, or None when nobody is to be dressed."""
        return self.follow(self.detect(frame))

    def detect(self, frame: Frame, slot: int = 0) -> Detection:
        """MediaPipe alone (the slow part, for the pose thread); `follow` does the rest, in frame order.

        The two touch different state, so `follow` may run on another thread while the next frame is
        detected: in the busy pipeline the Python between native calls costs the pose thread GIL waits.
        `slot` picks the graph: each pose thread has its own, and gives it its frames in order.
        """
        if not self._landmarkers:
            raise RuntimeError("PoseTracker is closed")
        landmarker = self._landmarkers[slot]
        ts_ms = frame.capture_ns // 1_000_000
        if ts_ms <= self._last_ms[slot]:  # MediaPipe VIDEO mode needs strictly increasing timestamps
            ts_ms = self._last_ms[slot] + 1
        self._last_ms[slot] = ts_ms
        picture = frame.image
        h, w = picture.shape[:2]
        if self.detect_width is not None and w > self.detect_width:
            size = (self.detect_width, max(1, round(h * self.detect_width / w)))
            picture = cv2.resize(picture, size, interpolation=cv2.INTER_AREA)  # landmarks come back normalised
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(picture))
        return Detection(frame, landmarker.detect_for_video(image, ts_ms), ts_ms / 1000.0)

    def follow(self, detection: Detection) -> Body | None:
        """The followed person of a detection: chosen, smoothed, masked and measured (frames in order)."""
        frame, result = detection.frame, detection.result
        # Strictly increasing in frame order, across the graphs (each only keeps its own timestamps apart).
        t = max(detection.t, self._last_t + 0.001)
        self._last_t = t
        if self.hold_still and frame.motion is not None:
            self.motion.use(frame.motion)
        elif self.hold_still:
            self.motion.update(frame.image)
        w, h = frame.size
        candidates = [
            np.array([(lm.x * w, lm.y * h, lm.visibility or 0.0) for lm in pose], np.float32)
            for pose in result.pose_landmarks
        ]
        if not all(np.isfinite(c).all() for c in candidates):  # before the selector and smoothers keep any of it
            self._not_numbers("pose landmarks")
            return None
        choice = self.selector.choose(candidates, (w, h), t)
        if choice is None:
            return None
        if choice.new_person:
            self.smoother.reset()
            self.mask_smoother.reset()
        world_lms = result.pose_world_landmarks[choice.index]
        world = np.array([(lm.x, lm.y, lm.z) for lm in world_lms], np.float32)
        px = candidates[choice.index]
        if px.shape != (NUM_LANDMARKS, 3) or world.shape != (NUM_LANDMARKS, 3):
            log.warning("unexpected landmark count %d / %d", len(px), len(world))
            return None
        if not np.isfinite(world).all():
            self._not_numbers("world landmarks")
            return None
        px, world = self.smoother(px, world, t, self.motion.at if self.hold_still else None)

        mask = None
        masks = result.segmentation_masks
        if masks is not None and choice.index < len(masks):
            raw = masks[choice.index].numpy_view()  # valid while the result lives (checked on MediaPipe 1.2.2)
            mask = self.mask_smoother(raw.reshape(raw.shape[0], raw.shape[1]))  # copies out of MediaPipe's buffer
        body = Body(
            landmarks_px=px,
            world=world,
            mask=mask,
            frame_size=(w, h),
            person_id=choice.person_id,
            capture_ns=frame.capture_ns,
            motion=self.smoother.last_motion,
        )
        if self.measure_widths:
            body, _ = fit_measures(body, frame.image)
        return body

    def _not_numbers(self, what: str) -> None:
        """No person this frame: MediaPipe gave values that are not numbers (logged once; it may recur)."""
        if not self._warned_not_numbers:
            log.warning("%s that are not numbers: frames shown without a person while they last", what)
            self._warned_not_numbers = True

    def close(self) -> None:
        """Release MediaPipe's graphs and threads."""
        while self._landmarkers:
            self._landmarkers.pop().close()

    def __enter__(self) -> PoseTracker:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
