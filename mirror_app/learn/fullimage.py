"""Bring your own network: full-image learned try-on (person crop + garment + garment mask -> try-on image).

Parser-free try-on networks (DM-VTON, PF-AFN, FS-VTON) redraw the whole person crop. This is their second
contract, beside the mesh generator's: the mirror does everything around the network, so a network trained
elsewhere only has to read and write these tensors (ONNX, float32, NCHW, RGB, values in -1..1):

| name | shape | meaning |
| --- | --- | --- |
| `person` (in) | (1, 3, H, W) | the person crop, aspect W:H, background whitened outside the person mask |
| `garment` (in) | (1, 3, H, W) | the catalog garment's front image, letterboxed on white |
| `garment_mask` (in) | (1, 1, H, W) | its alpha, 0..1 (the "edge" input of DM-VTON) |
| `tryon` (out) | (1, 3, H, W) | the person wearing the garment, same crop |

H and W are read from the model (256 x 192 in DM-VTON). The mirror crops around the tracked person (steadied
over time), whitens the background, runs the network, and pastes the result back inside the person mask,
blended over time so the crop does not flicker. Runs on ONNX Runtime only: no torch at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from mirror_app.catalog.garment import Garment
from mirror_app.tracking.body import Body

INPUTS = ("person", "garment", "garment_mask")
OUTPUT = "tryon"
MARGIN = 0.15
BOX_KEEP = 0.7  # EMA weight of the previous crop box: a steady crop
PIXEL_KEEP = 0.5  # EMA weight of the previous try-on image: temporal blending


class FullImageModelError(ValueError):
    """A model that does not honour the full-image contract; the message names the model and the fix."""


@dataclass(frozen=True, slots=True)
class Crop:
    """A crop box in frame px: left, top, width, height (aspect of the network's input)."""

    x: float
    y: float
    w: float
    h: float

    def affine(self, size: tuple[int, int]) -> np.ndarray:
        """Frame px -> crop px (size = (W, H))."""
        sx, sy = size[0] / self.w, size[1] / self.h
        return np.array([[sx, 0.0, -self.x * sx], [0.0, sy, -self.y * sy]], np.float32)


def person_box(body: Body, aspect: float) -> Crop | None:
    """A box of the given width/height aspect around the visible landmarks, with a margin; None if too few."""
    pts = body.landmarks_px[body.landmarks_px[:, 2] > 0.5, :2]
    if len(pts) < 4:
        return None
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    w, h = (hi - lo) * (1.0 + 2.0 * MARGIN) + 1.0
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    cx, cy = (lo + hi) / 2.0
    return Crop(float(cx - w / 2.0), float(cy - h / 2.0), float(w), float(h))


def to_net(image_rgb: np.ndarray) -> np.ndarray:
    """uint8 HWC -> float32 1x3xHxW in -1..1."""
    return (image_rgb.astype(np.float32).transpose(2, 0, 1)[None] / 127.5) - 1.0


def garment_inputs(garment: Garment, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The garment letterboxed on white at the network's size, and its mask."""
    w, h = size
    rgba = garment.rgba
    k = min(w / rgba.shape[1], h / rgba.shape[0])
    fit = cv2.resize(
        rgba, (max(1, round(rgba.shape[1] * k)), max(1, round(rgba.shape[0] * k))), interpolation=cv2.INTER_AREA
    )
    canvas = np.zeros((h, w, 4), np.uint8)
    y0, x0 = (h - fit.shape[0]) // 2, (w - fit.shape[1]) // 2
    canvas[y0 : y0 + fit.shape[0], x0 : x0 + fit.shape[1]] = fit
    alpha = canvas[:, :, 3:].astype(np.float32) / 255.0
    rgb = canvas[:, :, :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
    return to_net(rgb.astype(np.uint8)), alpha.transpose(2, 0, 1)[None].astype(np.float32)


class FullImageTryOn:
    """Runs a full-image try-on network on a frame: crop, whiten, infer, paste back, blend over time."""

    def __init__(self, model: Path | bytes, providers: tuple[str, ...] = ("CPUExecutionProvider",)) -> None:
        name = "model" if isinstance(model, bytes) else str(model)
        try:
            self.session = ort.InferenceSession(
                model if isinstance(model, bytes) else str(model), providers=list(providers)
            )
        except Exception as exc:  # noqa: BLE001 - ORT raises several types for a bad file
            raise FullImageModelError(f"full-image try-on {name} cannot be loaded ({exc}): export it as ONNX") from None
        inputs = {i.name: i.shape for i in self.session.get_inputs()}
        outputs = [o.name for o in self.session.get_outputs()]
        if sorted(inputs) != sorted(INPUTS) or OUTPUT not in outputs:
            raise FullImageModelError(
                f"full-image try-on {name} has inputs {sorted(inputs)} and outputs {outputs}: it must read "
                f"{', '.join(INPUTS)} and write {OUTPUT} (see docs/learned.md)"
            )
        shape = inputs["person"]
        if not (isinstance(shape[2], int) and isinstance(shape[3], int)):
            raise FullImageModelError(f"full-image try-on {name}: the person input needs a fixed H and W")
        self.size = (int(shape[3]), int(shape[2]))  # (W, H)
        self._box: Crop | None = None
        self._previous: np.ndarray | None = None
        self._garment_id: str | None = None
        self._garment: tuple[np.ndarray, np.ndarray] | None = None

    def reset(self) -> None:
        """Forget the previous frames (a new person)."""
        self._box = self._previous = None

    def _steady_box(self, box: Crop) -> Crop:
        if self._box is not None:
            k = BOX_KEEP
            box = Crop(
                *(
                    k * a + (1 - k) * b
                    for a, b in zip(
                        (self._box.x, self._box.y, self._box.w, self._box.h), (box.x, box.y, box.w, box.h), strict=True
                    )
                )
            )
        self._box = box
        return box

    def __call__(self, frame_rgb: np.ndarray, body: Body, garment: Garment) -> np.ndarray:
        """The frame with the person wearing the garment (unchanged when nobody is tracked)."""
        aspect = self.size[0] / self.size[1]
        found = person_box(body, aspect)
        if found is None or body.mask is None:
            self.reset()
            return frame_rgb
        box = self._steady_box(found)
        fh, fw = frame_rgb.shape[:2]
        mask = (
            body.mask
            if body.mask.shape == (fh, fw)
            else cv2.resize(body.mask, (fw, fh), interpolation=cv2.INTER_LINEAR)
        )
        m = box.affine(self.size)
        crop = cv2.warpAffine(frame_rgb, m, self.size, flags=cv2.INTER_AREA, borderValue=(255, 255, 255))
        crop_mask = cv2.warpAffine(mask, m, self.size, flags=cv2.INTER_LINEAR, borderValue=0.0)[..., None]
        whitened = (crop.astype(np.float32) * crop_mask + 255.0 * (1.0 - crop_mask)).astype(np.uint8)
        if self._garment_id != garment.id or self._garment is None:
            self._garment, self._garment_id = garment_inputs(garment, self.size), garment.id
        cloth, cloth_mask = self._garment
        (out,) = self.session.run([OUTPUT], {"person": to_net(whitened), "garment": cloth, "garment_mask": cloth_mask})
        image = np.clip((out[0].transpose(1, 2, 0) + 1.0) * 127.5, 0, 255)
        if self._previous is not None:
            image = PIXEL_KEEP * self._previous + (1.0 - PIXEL_KEEP) * image
        self._previous = image
        # Paste back, only over the crop's rectangle of the frame and only inside the person mask.
        x0, y0 = max(0, int(np.floor(box.x))), max(0, int(np.floor(box.y)))
        x1, y1 = min(fw, int(np.ceil(box.x + box.w))), min(fh, int(np.ceil(box.y + box.h)))
        result = frame_rgb.copy()
        if x1 <= x0 or y1 <= y0:
            return result
        back = cv2.invertAffineTransform(m)
        back[:, 2] -= (x0, y0)
        roi = (x1 - x0, y1 - y0)
        pasted = cv2.warpAffine(image.astype(np.float32), back, roi, flags=cv2.INTER_LINEAR)
        inside = cv2.warpAffine(np.ones(self.size[::-1], np.float32), back, roi, flags=cv2.INTER_LINEAR)
        weight = (mask[y0:y1, x0:x1] * inside)[..., None]
        part = frame_rgb[y0:y1, x0:x1].astype(np.float32)
        result[y0:y1, x0:x1] = (part * (1.0 - weight) + pasted * weight).astype(np.uint8)
        return result


def open_tryon(model: str) -> FullImageTryOn:
    """A full-image network by file name, or "tiny": the project's small random one (needs torch to make it)."""
    if model == "tiny":
        from mirror_app.learn.tiny_tryon import tiny_tryon_onnx

        return FullImageTryOn(tiny_tryon_onnx())
    return FullImageTryOn(Path(model))


class TryOnRenderer:
    """Stands where the compositor stands in a headless run: the full-image network draws the garment instead."""

    def __init__(self, tryon: FullImageTryOn, garment: Garment, mirror: bool) -> None:
        self.tryon = tryon
        self.garment = garment
        self.mirror = mirror

    def render(self, image: np.ndarray, body: Body | None, _fit: object = None) -> np.ndarray:
        """The try-on frame (the plain frame when nobody is tracked), flipped like a mirror when asked."""
        out = image if body is None else self.tryon(image, body, self.garment)
        return cv2.flip(out, 1) if self.mirror else out
