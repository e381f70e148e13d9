"""Synthetic people for tracking tests: landmark arrays built from a simple front-facing skeleton."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

# (dx, dy) per MediaPipe landmark in torso units, person facing the camera: their left is image right (+x).
_OFFSETS = np.array(
    [
        (0.0, -1.1),  # 0 nose
        (0.05, -1.2),
        (0.1, -1.2),
        (0.15, -1.2),  # 1-3 left eye inner, eye, outer
        (-0.05, -1.2),
        (-0.1, -1.2),
        (-0.15, -1.2),  # 4-6 right eye
        (0.25, -1.15),
        (-0.25, -1.15),  # 7, 8 ears
        (0.07, -0.95),
        (-0.07, -0.95),  # 9, 10 mouth
        (0.5, -0.6),
        (-0.5, -0.6),  # 11, 12 shoulders
        (0.6, 0.0),
        (-0.6, 0.0),  # 13, 14 elbows
        (0.65, 0.5),
        (-0.65, 0.5),  # 15, 16 wrists
        (0.7, 0.6),
        (-0.7, 0.6),
        (0.66, 0.62),
        (-0.66, 0.62),
        (0.6, 0.55),
        (-0.6, 0.55),  # 17-22 hands
        (0.3, 0.4),
        (-0.3, 0.4),  # 23, 24 hips
        (0.3, 1.2),
        (-0.3, 1.2),  # 25, 26 knees
        (0.3, 2.0),
        (-0.3, 2.0),  # 27, 28 ankles
        (0.3, 2.1),
        (-0.3, 2.1),
        (0.35, 2.15),
        (-0.35, 2.15),  # 29-32 heels, feet
    ]
)

SkeletonFactory = Callable[..., tuple[np.ndarray, np.ndarray]]


def skeleton(cx: float, cy: float, unit: float, visibility: float = 0.99) -> tuple[np.ndarray, np.ndarray]:
    """(33, 3) pixel landmarks (x, y, visibility) with torso centre (cx, cy), and (33, 3) world metres."""
    px = np.empty((33, 3), np.float32)
    px[:, 0] = cx + unit * _OFFSETS[:, 0]
    px[:, 1] = cy + unit * _OFFSETS[:, 1]
    px[:, 2] = visibility
    world = np.zeros((33, 3), np.float32)
    world[:, 0] = 0.5 * _OFFSETS[:, 0]
    world[:, 1] = 0.5 * (_OFFSETS[:, 1] - 0.4)
    world[:, 2] = 0.05 * np.arange(33) / 33.0  # distinct per landmark, so swaps are visible in z too
    return px, world


@pytest.fixture
def make_skeleton() -> SkeletonFactory:
    """Factory for synthetic skeletons (see `skeleton`)."""
    return skeleton
