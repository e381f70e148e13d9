"""The on-disk capture session: frames, person masks, pose landmarks and a small JSON manifest, nothing more.

Layout of a capture folder:
    capture.json        manifest (format version, garment id, source, frame size, frame count, coverage)
    frames/000000.png   the camera frames, RGB as PNG (lossless)
    masks/000000.png    the person mask, 8-bit, at the tracker's mask resolution
    poses.npz           landmarks (T, 33, 3) px + visibility, world (T, 33, 3) metres, index (T,) source frame
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

FORMAT_VERSION = 1
MANIFEST = "capture.json"
POSES_FILE = "poses.npz"


class CaptureError(ValueError):
    """A capture folder that cannot be written or read; the message names the file and the fix."""


@dataclass(frozen=True, slots=True)
class Capture:
    """A capture loaded back: per frame the image (lazily), its mask, landmarks and world landmarks."""

    root: Path
    garment_id: str
    frame_size: tuple[int, int]  # (width, height)
    landmarks: np.ndarray  # (T, 33, 3) float32
    world: np.ndarray  # (T, 33, 3) float32
    index: np.ndarray  # (T,) int64: the frame's index in its source
    manifest: dict[str, Any]

    def __len__(self) -> int:
        return len(self.landmarks)

    def frame(self, i: int) -> np.ndarray:
        """Frame i as RGB uint8."""
        path = self.root / "frames" / f"{i:06d}.png"
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise CaptureError(f"capture frame {path} cannot be read: record the capture again")
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)

    def mask(self, i: int) -> np.ndarray:
        """The person mask of frame i as float32 in [0, 1], at its recorded resolution."""
        path = self.root / "masks" / f"{i:06d}.png"
        mask = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if mask is None:
            raise CaptureError(f"capture mask {path} cannot be read: record the capture again")
        return mask.astype(np.float32) / 255.0


class CaptureWriter:
    """Writes one capture session into an empty (or new) folder."""

    def __init__(self, root: Path, garment_id: str, source: str) -> None:
        if root.exists() and any(root.iterdir()):
            raise CaptureError(f"capture folder {root} is not empty: choose a new folder")
        (root / "frames").mkdir(parents=True, exist_ok=True)
        (root / "masks").mkdir(exist_ok=True)
        self.root = root
        self.garment_id = garment_id
        self.source = source
        self.frame_size: tuple[int, int] | None = None
        self._landmarks: list[np.ndarray] = []
        self._world: list[np.ndarray] = []
        self._index: list[int] = []

    def __len__(self) -> int:
        return len(self._landmarks)

    def add(
        self, image_rgb: np.ndarray, mask: np.ndarray, landmarks: np.ndarray, world: np.ndarray, index: int
    ) -> None:
        """Store one tracked frame."""
        i = len(self._landmarks)
        h, w = image_rgb.shape[:2]
        self.frame_size = (w, h)
        cv2.imwrite(str(self.root / "frames" / f"{i:06d}.png"), cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR))
        cv2.imwrite(str(self.root / "masks" / f"{i:06d}.png"), np.clip(mask * 255.0 + 0.5, 0, 255).astype(np.uint8))
        self._landmarks.append(np.asarray(landmarks, np.float32))
        self._world.append(np.asarray(world, np.float32))
        self._index.append(index)

    def close(self, coverage: dict[str, int]) -> dict[str, Any]:
        """Write the poses and the manifest; returns the manifest."""
        empty = np.zeros((0, 33, 3), np.float32)
        np.savez_compressed(
            self.root / POSES_FILE,
            landmarks=np.stack(self._landmarks) if self._landmarks else empty,
            world=np.stack(self._world) if self._world else empty,
            index=np.asarray(self._index, np.int64),
        )
        manifest = {
            "format_version": FORMAT_VERSION,
            "garment_id": self.garment_id,
            "source": self.source,
            "frame_size": list(self.frame_size or (0, 0)),
            "frames": len(self._landmarks),
            "coverage": coverage,
        }
        (self.root / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        return manifest


def load_capture(root: Path) -> Capture:
    """Read a capture folder's manifest and poses (frames and masks are read on demand)."""
    path = root / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise CaptureError(f"{path} not found: record a capture first (mirror-app capture --out {root})") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise CaptureError(f"{path} cannot be read ({exc}): record the capture again") from None
    if manifest.get("format_version") != FORMAT_VERSION:
        raise CaptureError(f"{path}: format_version {manifest.get('format_version')} is not {FORMAT_VERSION}")
    try:
        poses = np.load(root / POSES_FILE)
        landmarks, world, index = poses["landmarks"], poses["world"], poses["index"]
    except (OSError, KeyError, ValueError) as exc:
        raise CaptureError(f"{root / POSES_FILE} cannot be read ({exc}): record the capture again") from None
    if len(landmarks) == 0:
        raise CaptureError(f"capture {root} holds no frames with a person: record it again with someone in view")
    w, h = manifest["frame_size"]
    return Capture(root, str(manifest["garment_id"]), (int(w), int(h)), landmarks, world, index, manifest)
