"""A capture turned into training data: garment crops of frames and masks, poses, and the analytic fit.

torch-free: the arrays here feed training (`train.py`), evaluation and tests alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from mirror_app.catalog.garment import Garment
from mirror_app.generator.binding import GarmentBinding, bind_garment
from mirror_app.generator.ops import NumpyOps
from mirror_app.generator.warp import generate
from mirror_app.learn.session import Capture
from mirror_app.tracking.body import Body
from mirror_app.tracking.silhouette import torso_widths
from mirror_app.tracking.steady import FitInputSmoother

HELD_OUT = 0.2
"""The last fifth of a capture is never trained on: evaluation measures the generators there."""


@dataclass(frozen=True, slots=True)
class MeshGrid:
    """Where each mesh vertex sits on the regular grid the binding built it from (garment-space images)."""

    shape: tuple[int, int]  # (rows, cols)
    cell: np.ndarray  # (N_mesh,) int64 flat index into rows * cols
    valid: np.ndarray  # (rows, cols) bool: a mesh vertex sits there


def mesh_grid(binding: GarmentBinding) -> MeshGrid:
    """Recover the grid layout of the binding's mesh (its vertices are a regular grid, clipped to the image)."""
    verts = binding.rest_vertices[: binding.mesh_size].astype(np.float64)
    tris = binding.mesh.triangles
    edges = np.concatenate([verts[tris[:, 1]] - verts[tris[:, 0]], verts[tris[:, 2]] - verts[tris[:, 0]]])
    steps = np.abs(edges[np.abs(edges[:, 1]) < 1e-6, 0])
    step = float(np.median(steps[steps > 1e-6]))
    ij = np.round((verts - verts.min(axis=0)) / step).astype(np.int64)
    rows, cols = int(ij[:, 1].max()) + 1, int(ij[:, 0].max()) + 1
    cell = ij[:, 1] * cols + ij[:, 0]
    valid = np.zeros(rows * cols, bool)
    valid[cell] = True
    return MeshGrid((rows, cols), cell, valid.reshape(rows, cols))


@dataclass(frozen=True, slots=True)
class CaptureData:
    """Everything training and evaluation read from one capture, for one garment's binding."""

    binding: GarmentBinding
    grid: MeshGrid
    frame_size: tuple[int, int]  # (width, height) of the recorded frames
    frames: np.ndarray  # (T, S, S, 3) uint8 RGB: a square crop around the analytic garment, resized to S
    masks: np.ndarray  # (T, S, S) uint8 person mask, same crop
    boxes: np.ndarray  # (T, 3) float32: each crop's left, top and side in full-frame px
    landmarks: np.ndarray  # (T, 33, 3) float32, full-frame px, visibility steadied as the pipeline does
    world: np.ndarray  # (T, 33, 3) float32
    silhouette: np.ndarray  # (T, 3, 2) float32, as the pipeline feeds the generator
    analytic: np.ndarray  # (T, N, 2) float32: the analytic generator's vertices (and anchors), full-frame px
    visible: np.ndarray  # (T,) bool: the analytic garment faces the camera (opacity > 0.5)

    def __len__(self) -> int:
        return len(self.frames)

    def split(self) -> tuple[np.ndarray, np.ndarray]:
        """Frame indices to train on (the first 80%) and held out (the rest), among visible frames."""
        cut = int(round(len(self) * (1.0 - HELD_OUT)))
        idx = np.arange(len(self))
        return idx[:cut][self.visible[:cut]], idx[cut:][self.visible[cut:]]


def analytic_fit(
    binding: GarmentBinding, landmarks: np.ndarray, world: np.ndarray, silhouette: np.ndarray
) -> tuple[Any, Any, Any, Any]:
    """The analytic generator's outputs for one frame (numpy reference: same numbers as the ONNX model)."""
    return generate(
        NumpyOps(),
        landmarks.astype(np.float32),
        world.astype(np.float32),
        silhouette.astype(np.float32),
        binding.rest_vertices,
        binding.skin_weights,
        binding.rest_bones,
        binding.params,
    )


CROP = 160
MARGIN = 0.3
"""The crop reaches this share of the garment's size beyond it: room for the learned offsets."""


def crop_box(vertices: np.ndarray) -> np.ndarray:
    """A square (left, top, side) around the posed garment, with a margin."""
    lo, hi = vertices.min(axis=0), vertices.max(axis=0)
    side = float((hi - lo).max()) * (1.0 + 2.0 * MARGIN) + 1.0
    centre = (lo + hi) / 2.0
    return np.array([centre[0] - side / 2.0, centre[1] - side / 2.0, side], np.float32)


def cut(image: np.ndarray, box: np.ndarray, size: int, interpolation: int = cv2.INTER_AREA) -> np.ndarray:
    """The box of the image resized to size x size (outside the image: black)."""
    k = size / float(box[2])
    m = np.array([[k, 0.0, -box[0] * k], [0.0, k, -box[1] * k]], np.float32)
    # Shrinking by a lot aliases with bilinear: pre-blur by resizing the whole frame first.
    if k < 0.5:
        small = cv2.resize(image, None, fx=k * 2.0, fy=k * 2.0, interpolation=interpolation)
        m = np.array([[0.5, 0.0, -box[0] * k], [0.0, 0.5, -box[1] * k]], np.float32)
        image = small
    return cv2.warpAffine(image, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def prepare(
    capture: Capture,
    garment: Garment,
    crop: int = CROP,
    progress: Callable[[int, int], None] | None = None,
) -> CaptureData:
    """Measure each silhouette as the pipeline does, run the analytic fit, cut the garment's crop of each frame."""
    if not 32 <= crop <= 1024:
        raise ValueError(f"crop size {crop} is out of range: use 32 to 1024")
    binding = bind_garment(garment)
    fw, fh = capture.frame_size
    steady = FitInputSmoother()
    frames, masks, sil, verts, visible, marks, boxes = [], [], [], [], [], [], []
    for i in range(len(capture)):
        image = capture.frame(i)
        mask = capture.mask(i)
        body = Body(capture.landmarks[i], capture.world[i], mask, (fw, fh), 0, int(i * 33_333_333))
        steady_body, extents = steady(body, torso_widths(body, image))
        vertices, _depth, opacity, _back = analytic_fit(binding, steady_body.landmarks_px, body.world, extents)
        box = crop_box(vertices[: binding.mesh_size])
        full_mask = cv2.resize(mask, (fw, fh), interpolation=cv2.INTER_LINEAR) if mask.shape != (fh, fw) else mask
        frames.append(cut(image, box, crop))
        masks.append(cut(np.round(full_mask * 255).astype(np.uint8), box, crop))
        boxes.append(box)
        sil.append(extents)
        marks.append(steady_body.landmarks_px)
        verts.append(vertices.astype(np.float32))
        visible.append(float(np.asarray(opacity).reshape(-1)[0]) > 0.5)
        if progress is not None:
            progress(i + 1, len(capture))
    return CaptureData(
        binding=binding,
        grid=mesh_grid(binding),
        frame_size=(fw, fh),
        frames=np.stack(frames),
        masks=np.stack(masks),
        boxes=np.stack(boxes),
        landmarks=np.stack(marks).astype(np.float32),
        world=capture.world.astype(np.float32),
        silhouette=np.stack(sil).astype(np.float32),
        analytic=np.stack(verts),
        visible=np.asarray(visible, bool),
    )
