"""Which poses a capture has seen (arms up, arms out, turned left/right), measured from the landmarks."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mirror_app.tracking import body as lm

POSES = ("arms_up", "arms_out", "turn_left", "turn_right")
GUIDE = {
    "arms_up": "raise both arms above the head",
    "arms_out": "hold both arms out to the sides",
    "turn_left": "turn a quarter to your left",
    "turn_right": "turn a quarter to your right",
}
FRAMES_PER_POSE = 5
"""A pose counts as covered after this many frames of it: one frame may be a tracking glitch."""
TURN_SIN = 0.35  # about 20 degrees of turn, from the world shoulder line


def poses_in(landmarks: np.ndarray, world: np.ndarray) -> set[str]:
    """The guide poses one frame shows (landmarks (33, 3) px + visibility, world (33, 3) metres)."""
    found: set[str] = set()
    ls, rs = landmarks[lm.LEFT_SHOULDER, :2], landmarks[lm.RIGHT_SHOULDER, :2]
    width = float(np.linalg.norm(ls - rs))
    if width < 1e-3:
        return found
    seen = landmarks[[lm.LEFT_WRIST, lm.RIGHT_WRIST, lm.LEFT_ELBOW, lm.RIGHT_ELBOW], 2] > 0.5
    lw, rw = landmarks[lm.LEFT_WRIST, :2], landmarks[lm.RIGHT_WRIST, :2]
    shoulder_y = (ls[1] + rs[1]) / 2.0
    if seen[:2].all() and lw[1] < shoulder_y - 0.5 * width and rw[1] < shoulder_y - 0.5 * width:
        found.add("arms_up")
    centre_x = (ls[0] + rs[0]) / 2.0
    reach = min(abs(lw[0] - centre_x), abs(rw[0] - centre_x))
    level = max(abs(lw[1] - shoulder_y), abs(rw[1] - shoulder_y))
    if seen[:2].all() and reach > 1.6 * width and level < 0.8 * width:
        found.add("arms_out")
    line = world[lm.LEFT_SHOULDER] - world[lm.RIGHT_SHOULDER]
    norm = float(np.hypot(line[0], line[2]))
    if norm > 1e-6:
        # z grows away from the camera: turning to the wearer's left takes the left shoulder away.
        turn = float(line[2]) / norm
        if turn > TURN_SIN:
            found.add("turn_left")
        elif turn < -TURN_SIN:
            found.add("turn_right")
    return found


@dataclass
class Coverage:
    """Frame counts per guide pose over a capture, and what is still missing."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(POSES, 0))

    def add(self, landmarks: np.ndarray, world: np.ndarray) -> set[str]:
        """Count one frame's poses; returns them."""
        found = poses_in(landmarks, world)
        for pose in found:
            self.counts[pose] += 1
        return found

    @property
    def missing(self) -> list[str]:
        """Guide poses not yet seen often enough."""
        return [p for p in POSES if self.counts[p] < FRAMES_PER_POSE]

    def line(self) -> str:
        """One line for a progress display: a tick or a cross per pose."""
        return "  ".join(f"{'✓' if self.counts[p] >= FRAMES_PER_POSE else '·'} {p.replace('_', ' ')}" for p in POSES)

    def hint(self) -> str:
        """What to ask the wearer next."""
        missing = self.missing
        return f"next: {GUIDE[missing[0]]}" if missing else "all poses covered"
