"""Which of several detected people to dress: keep following the same one, so the garment never hops."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mirror_app.tracking.body import LEFT_HIP, LEFT_SHOULDER, RIGHT_HIP, RIGHT_SHOULDER, TORSO

log = logging.getLogger(__name__)


def torso_centre(landmarks_px: np.ndarray) -> np.ndarray:
    """Mean of shoulders and hips (x, y px): steadier than any single joint for telling people apart."""
    return landmarks_px[list(TORSO), :2].astype(np.float64).mean(axis=0)


def torso_scale(landmarks_px: np.ndarray) -> float:
    """Size of the torso in px (larger of shoulder width and shoulder-to-hip length), at least 1."""
    lm = landmarks_px[:, :2].astype(np.float64)
    width = float(np.linalg.norm(lm[LEFT_SHOULDER] - lm[RIGHT_SHOULDER]))
    length = float(np.linalg.norm((lm[LEFT_SHOULDER] + lm[RIGHT_SHOULDER] - lm[LEFT_HIP] - lm[RIGHT_HIP]) / 2.0))
    return max(width, length, 1.0)


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
        self._centre: np.ndarray | None = None
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
        centres = [torso_centre(c) for c in candidates]
        if self._id is not None and self._centre is not None:
            since = max(t - self._seen_t, 0.0)
            radius = self._scale * (self.gate + self.gate_growth * since)
            if centres:
                dists = [float(np.linalg.norm(c - self._centre)) for c in centres]
                best = int(np.argmin(dists))
                if dists[best] <= radius:
                    self._update(candidates[best], centres[best], t)
                    return Choice(best, self._id, False)
            if since < self.grace_s:
                return None  # briefly lost (occlusion, missed detection): do not dress someone else meanwhile
            log.info("person %d lost for %.2f s", self._id, since)
            self.reset()
        if not candidates:
            return None
        best = int(np.argmax([self._prominence(c, ce, frame_size) for c, ce in zip(candidates, centres, strict=True)]))
        self._id = next(self._ids)
        self._update(candidates[best], centres[best], t)
        log.info("following person %d", self._id)
        return Choice(best, self._id, True)

    def _update(self, landmarks_px: np.ndarray, centre: np.ndarray, t: float) -> None:
        self._centre = centre
        self._scale = torso_scale(landmarks_px)
        self._seen_t = t

    @staticmethod
    def _prominence(landmarks_px: np.ndarray, centre: np.ndarray, frame_size: tuple[int, int]) -> float:
        """Torso size relative to the frame, discounted by up to half for distance from the image centre."""
        w, h = frame_size
        half_diag = 0.5 * float(np.hypot(w, h))
        off_centre = min(float(np.linalg.norm(centre - (w / 2.0, h / 2.0))) / half_diag, 1.0)
        return torso_scale(landmarks_px) / half_diag * (1.0 - 0.5 * off_centre)
