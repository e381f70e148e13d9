"""Steadying what the generator reads besides the landmarks: silhouette widths and joint visibility.

Landmark positions are filtered by the tracker; but the person mask's widths flicker with the mask's edge
(and go unknown for a frame when a ray leaves the picture), and MediaPipe's visibility scores jump. Both
drive the garment, so both are calmed here, with the same One Euro filter.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from mirror_app.tracking.body import TORSO, Body
from mirror_app.tracking.silhouette import torso_length
from mirror_app.tracking.smoothing import OneEuroFilter, StillHold

HOLD_S = float("inf")  # a width that went unknown keeps its last value while the same person is followed
VISIBILITY_KEEP = 0.8  # EMA weight of the previous visibility (about a third of a second at 30 fps)


class FitInputSmoother:
    """Per-person filter for the silhouette extents (px) and landmark visibility."""

    def __init__(self) -> None:
        # Widths change slowly (breathing, turning); the speed floor ignores the mask edge's flicker.
        self._extents = OneEuroFilter(min_cutoff=0.3, beta=0.02, speed_floor=60.0)
        self._last_known: np.ndarray | None = None
        self._known_at: np.ndarray | None = None
        self._visibility: np.ndarray | None = None
        self._visibility_hold = StillHold()
        self._person: int | None = None

    def reset(self) -> None:
        """Forget the previous person."""
        self._extents.reset()
        self._last_known = self._known_at = self._visibility = None
        self._visibility_hold.reset()

    def __call__(self, body: Body, extents: np.ndarray) -> tuple[Body, np.ndarray]:
        """The body with steadied visibility, and steadied extents (0 stays 0 only when never measured)."""
        if body.person_id != self._person:
            self.reset()
            self._person = body.person_id
        t = body.capture_ns / 1e9
        ext = extents.astype(np.float64)
        if self._last_known is None or self._known_at is None:
            self._last_known = np.zeros_like(ext)
            self._known_at = np.full(ext.shape, -np.inf)
        known = ext > 0
        # A measure seen for the first time starts the filter there: fed zeros until now, it would ramp up from 0
        # over a few frames (asl_book's one forearm reading came out 26 px of 38, and narrowed the sleeve).
        first = known & np.isneginf(self._known_at)
        self._last_known[known] = ext[known]
        self._known_at[known] = t
        if first.any():
            self._extents.seed(first, ext)
        held = ~known & (t - self._known_at <= HOLD_S)
        ext[held] = self._last_known[held]
        usable = ext > 0
        steady = np.zeros_like(ext)
        # The mask's edge flickers on a still person too: hold the widths while the torso's picture is still.
        torso_moving = None if body.motion is None else np.asarray(body.motion[list(TORSO)].max())
        if usable.all():
            steady = self._extents(ext, t, moving=torso_moving)
        elif usable.any():
            # Filter with the missing ones filled in, then report them unknown again.
            steady = self._extents(np.where(usable, ext, self._last_known), t, moving=torso_moving) * usable
        vis = body.landmarks_px[:, 2].astype(np.float64)
        if self._visibility is None:
            self._visibility = vis
        else:
            if body.motion is not None:  # the scores jump on a still person too, and move the garment
                vis = np.clip(self._visibility_hold(vis, body.motion), 0.0, 1.0)  # a carried drift may overshoot
            self._visibility = VISIBILITY_KEEP * self._visibility + (1.0 - VISIBILITY_KEEP) * vis
        landmarks = body.landmarks_px.copy()
        landmarks[:, 2] = self._visibility
        return dataclasses.replace(body, landmarks_px=landmarks), steady.astype(np.float32)


class ConstantWidth:
    """Drops readings of a width the person keeps (both forearms', in torso lengths) that stray from their others.

    A forearm's width on the mask reads 0.13-0.18 torso lengths on a bare arm, frame after frame, but now and
    then the ray crosses the bent elbow where MediaPipe put the wrist near it (squats 6 and 31: 0.23 and 0.25),
    and the steadying held that reading until the next one, seconds later. A reading outside [LOW, HIGH] times
    the median of the person's earlier readings (the last HISTORY, either arm) counts as unseen; every reading
    joins the history, so a person whose first readings were the wrong ones is judged by their own after a few.
    """

    LOW, HIGH = 0.75, 1.3
    HISTORY = 32
    JUDGED_FROM = 3  # readings in the history before any is judged

    def __init__(self) -> None:
        self._person: int | None = None
        self._history: list[float] = []

    def __call__(self, body: Body, widths: np.ndarray) -> np.ndarray:
        """`widths` (px; 0 unknown) with the stray readings set to 0."""
        if body.person_id != self._person:
            self._person, self._history = body.person_id, []
        length = torso_length(body)
        out = np.asarray(widths, np.float32).copy()
        if length <= 0.0:
            return out
        median = float(np.median(self._history)) if len(self._history) >= self.JUDGED_FROM else None
        for i, px in enumerate(out.tolist()):
            if px <= 0.0:
                continue
            if median is not None and not self.LOW * median <= px / length <= self.HIGH * median:
                out[i] = 0.0
            self._history.append(px / length)
        del self._history[: -self.HISTORY]
        return out
