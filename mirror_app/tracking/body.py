"""The tracked person handed from tracking to the generator and compositor."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# MediaPipe pose landmark indices the rest of the app names.
NOSE = 0
LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
LEFT_ELBOW, RIGHT_ELBOW = 13, 14
LEFT_WRIST, RIGHT_WRIST = 15, 16
LEFT_HIP, RIGHT_HIP = 23, 24
LEFT_KNEE, RIGHT_KNEE = 25, 26
NUM_LANDMARKS = 33
TORSO = (LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP)  # the four joints the torso is measured by


@dataclass(frozen=True, slots=True)
class Body:
    """One person: pixel landmarks, world landmarks and the person mask, in camera-frame coordinates."""

    landmarks_px: np.ndarray  # (33, 3) float32: x px, y px, visibility in [0, 1]
    world: np.ndarray  # (33, 3) float32: metres, hip-centred, x right, y down, z away from camera
    mask: np.ndarray | None  # (h, w) float32 in [0, 1]; may be smaller than the frame
    frame_size: tuple[int, int]  # (width, height) of the camera frame the landmarks refer to
    person_id: int
    capture_ns: int
    motion: np.ndarray | None = None  # (33,) in [0, 1]: whether the picture moved near each landmark; None: unknown
    extents: np.ndarray | None = None  # torso widths from the mask (silhouette.torso_extents, arms cut out)
    tops: np.ndarray | None = None  # how far the mask reaches above each shoulder joint (silhouette.shoulder_tops)
    arms: np.ndarray | None = None  # how far the mask reaches outward from each arm's axis (silhouette.arm_reach)
    forearms: np.ndarray | None = None  # the mask's width across each forearm (silhouette.forearm_widths)

    def mask_at_frame_scale(self) -> float:
        """Factor from frame pixels to mask pixels (1.0 when the mask is full size)."""
        if self.mask is None:
            return 1.0
        return self.mask.shape[1] / self.frame_size[0]
