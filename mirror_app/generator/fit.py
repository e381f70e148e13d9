"""Where the garment goes in one frame: the generator's output handed to the compositor."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class GarmentMesh:
    """A garment's rest mesh: constant per garment, uploaded to the GPU once."""

    garment_id: str
    uv: np.ndarray  # (N, 2) float32 texture coordinates in [0, 1], v down (image rows)
    triangles: np.ndarray  # (T, 3) int32 indices into the vertices


@dataclass(frozen=True, slots=True)
class Fit:
    """The deformed garment for one frame, in unmirrored camera-frame pixels."""

    mesh: GarmentMesh
    vertices_px: np.ndarray  # (N, 2) float32
    depth: np.ndarray  # (N,) float32 metres relative to the torso; negative is toward the camera
    opacity: float  # 0..1, fades the garment out as the body turns away
    back_view: bool  # draw the garment's back image instead of its front
    anchors_px: dict[str, tuple[float, float]]
    shading: np.ndarray | None = None  # (N,) float32 brightness factor per vertex (a learned generator's); None: 1
