"""Which of several detected people to dress: keep following the same one, so the garment never hops."""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mirror_app.tracking.body import TORSO

log = logging.getLogger(__name__)


_TORSO_ROWS = list(TORSO)
Point = tuple[float, float]


def _torso_points(landmarks_px: np.ndarray) -> list[list[float]]:
    """The torso joints' (x, y) px as floats, in TORSO's order: four points cost less in floats than in numpy."""
    points: list[list[float]] = landmarks_px[_TORSO_ROWS, :2].tolist()
    return points


def _centre(points: list[list[float]]) -> Point:
    """torso_centre of _torso_points, kept as floats: the selector compares it with others every frame."""
    (lsx, lsy), (rsx, rsy), (lhx, lhy), (rhx, rhy) = points
    return (lsx + rsx + lhx + rhx) / 4.0, (lsy + rsy + lhy + rhy) / 4.0


def _scale(points: list[list[float]]) -> float:
    """Size of the torso in px (larger of shoulder width and shoulder-to-hip length, at least 1) of
    _torso_points: the selector's gate and prominence scale with it."""
    (lsx, lsy), (rsx, rsy), (lhx, lhy), (rhx, rhy) = points
    width = math.hypot(lsx - rsx, lsy - rsy)
    length = math.hypot((lsx + rsx - lhx - rhx) / 2.0, (lsy + rsy - lhy - rhy) / 2.0)
    return max(width, length, 1.0)


def torso_centre(landmarks_px: np.ndarray) -> np.ndarray:
    """Mean of shoulders and hips (x, y px): steadier than any single joint for telling people apart."""
    return np.array(_centre(_torso_points(landmarks_px)))


@dataclass(frozen=True, slots=True)
class Choice:
    """The candidate picked this frame and the stable id of the person it belongs to."""

    index: int  # position in the candidate list given to PersonSelector.choose
    person_id: int
    new_person: bool  # True when this id starts here (filters must reset)


class PersonSelector:
    """Follow one person across frames; pick a new one only after the followed one is gone for `grace_s`.

    Following: the candidate whose torso centre is nearest the followed person's last centre, if it lies
    within `gate` torso sizes (plus `gate_growth` torso sizes per second since last seen). Anyone else,
    however large or central, is ignored while the followed person is visible or only briefly lost: that is
    the hysteresis. New choice: the largest, most central person.
    """

    def __init__(self, gate: float = 0.75, gate_growth: float = 2.0, grace_s: float = 0.5):
        self.gate = gate
        self.gate_growth = gate_growth
        self.grace_s = grace_s
        self._ids = itertools.count(1)
        self._id: int | None = None
        self._centre: Point | None = None
        self._scale = 1.0
        self._seen_t = 0.0

    @property
    def person_id(self) -> int | None:
        """Id of the followed person, None when nobody is followed."""
        return self._id

    def reset(self) -> None:
        """Stop following anyone (ids keep counting up, so an id is never reused)."""
        self._id = None
        self._centre = None

    def choose(self, candidates: Sequence[np.ndarray], frame_size: tuple[int, int], t: float) -> Choice | None:
        """Pick among (33, 3) pixel-landmark arrays seen at t (s); None while the followed one is missing."""
        points = [_torso_points(c) for c in candidates]
        centres = [_centre(p) for p in points]
        if self._id is not None and self._centre is not None:
            since = max(t - self._seen_t, 0.0)
            radius = self._scale * (self.gate + self.gate_growth * since)
            if centres:
                x, y = self._centre
                dists = [math.hypot(cx - x, cy - y) for cx, cy in centres]
                best = min(range(len(dists)), key=dists.__getitem__)  # the first nearest, as np.argmin
                if dists[best] <= radius:
                    self._update(points[best], centres[best], t)
                    return Choice(best, self._id, False)
            if since < self.grace_s:
                return None  # briefly lost (occlusion, missed detection): do not dress someone else meanwhile
            log.info("person %d lost for %.2f s", self._id, since)
            self.reset()
        if not candidates:
            return None
        prominence = [self._prominence(p, ce, frame_size) for p, ce in zip(points, centres, strict=True)]
        best = max(range(len(prominence)), key=prominence.__getitem__)  # the first most prominent, as np.argmax
        self._id = next(self._ids)
        self._update(points[best], centres[best], t)
        log.info("following person %d", self._id)
        return Choice(best, self._id, True)

    def _update(self, points: list[list[float]], centre: Point, t: float) -> None:
        self._centre = centre
        self._scale = _scale(points)
        self._seen_t = t

    @staticmethod
    def _prominence(points: list[list[float]], centre: Point, frame_size: tuple[int, int]) -> float:
        """Torso size relative to the frame, discounted by up to half for distance from the image centre."""
        w, h = frame_size
        half_diag = 0.5 * math.hypot(w, h)
        off_centre = min(math.hypot(centre[0] - w / 2.0, centre[1] - h / 2.0) / half_diag, 1.0)
        return _scale(points) / half_diag * (1.0 - 0.5 * off_centre)
