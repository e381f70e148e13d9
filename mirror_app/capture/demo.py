"""The built-in demo: a real person (scikit-image's astronaut photo) seen by a slowly moving camera."""

from __future__ import annotations

import math
import time

import cv2
import numpy as np

from mirror_app.capture.frame import Frame
from mirror_app.capture.pacing import Pacer

DEMO_NAME = "demo"


def _portrait() -> np.ndarray:
    """NASA's public-domain astronaut portrait, shipped inside scikit-image's wheel."""
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


class DemoSource:
    """Endless (live) or finite (headless) frames of the astronaut with a gentle pan, zoom and sensor noise."""

    name = DEMO_NAME

    def __init__(
        self, size: tuple[int, int] = (720, 720), frames: int | None = None, live: bool = True, fps: float = 30.0
    ) -> None:
        self.size = size
        self.live = live
        self.fps = fps
        self._limit = frames
        photo = _portrait()
        # Scale so the frame shows the whole portrait with room for the camera to move.
        scale = max(size) * 1.1 / photo.shape[1]
        self._photo = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        # A few frames of sensor noise, cycled: drawing fresh noise each frame costs more than the pose model.
        rng = np.random.default_rng(7)
        self._noise = [rng.normal(0.0, 1.5, (size[1], size[0], 3)).astype(np.int16) for _ in range(7)]
        self._index = 0
        self._pacer = Pacer(fps)

    def _view(self, t: float) -> np.ndarray:
        w, h = self.size
        ph, pw = self._photo.shape[:2]
        zoom = 1.0 + 0.04 * math.sin(t * 0.35)
        cx = pw / 2 + 0.03 * pw * math.sin(t * 0.21)
        cy = ph / 2 + 0.02 * ph * math.sin(t * 0.27)
        # Affine from frame pixels to photo pixels: a crop window that pans and breathes.
        m = np.array([[zoom, 0, w / 2 - zoom * cx], [0, zoom, h / 2 - zoom * cy]], np.float32)
        view = cv2.warpAffine(self._photo, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        noise = self._noise[int(t * self.fps) % len(self._noise)]
        return np.clip(view + noise, 0, 255).astype(np.uint8)

    def pace(self) -> None:
        """Live: wait for the next frame's time; when late, jump to the frame due now."""
        self._index = self._pacer.wait(self._index)

    def read(self) -> Frame | None:
        """The next demo frame."""
        if self._limit is not None and self._index >= self._limit:
            return None
        t = self._index / self.fps
        frame = Frame(self._view(t), self._index, time.monotonic_ns())
        self._index += 1
        return frame

    def close(self) -> None:
        """Nothing to release."""
