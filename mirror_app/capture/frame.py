"""The camera image as it travels through the pipeline."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Frame:
    """One camera image, unmirrored, in RGB order so every stage agrees on channels."""

    image: np.ndarray  # (H, W, 3) uint8, RGB
    index: int
    capture_ns: int  # time.monotonic_ns() when the source produced it
    motion: np.ndarray | None = None  # the picture's motion map (tracking/motion.py), when the reader made one

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        h, w = self.image.shape[:2]
        return w, h
