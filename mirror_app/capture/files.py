"""Sources read from disk: a video file, one image, or a folder of images."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from mirror_app.capture.errors import SourceError
from mirror_app.capture.frame import Frame
from mirror_app.capture.pacing import Pacer

VIDEO_EXTS = {".mp4", ".mkv", ".avi", ".mov", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv"}
IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}
MAX_IMAGE_BYTES = 100 * 1024 * 1024


def read_image(path: Path) -> np.ndarray:
    """Decode an image file to RGB uint8, or raise SourceError saying why."""
    try:
        data = path.read_bytes() if path.stat().st_size <= MAX_IMAGE_BYTES else None
    except OSError as exc:
        raise SourceError(f"cannot read image {path}: {exc.strerror or exc}") from None
    if data is None:
        raise SourceError(f"cannot read image {path}: larger than {MAX_IMAGE_BYTES >> 20} MB")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise SourceError(f"cannot read image {path}: not a decodable image (corrupt or wrong format)")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


class VideoFileSource:
    """A recorded video: every frame as fast as possible (headless), or paced to its fps (live)."""

    def __init__(self, path: Path, paced: bool = False, loop: bool = False) -> None:
        self.name = str(path)
        self.path = path
        if not path.is_file():
            raise SourceError(f"cannot open video {path}: no such file")
        self._cap = cv2.VideoCapture(str(path))
        if not self._cap.isOpened():
            raise SourceError(f"cannot open video {path}: not a video OpenCV can decode (corrupt or unsupported)")
        ok, first = self._cap.read()
        if not ok or first is None:
            self._cap.release()
            raise SourceError(f"cannot read video {path}: no decodable frames (corrupt or truncated file)")
        self._pending: np.ndarray | None = first
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and 1.0 <= fps <= 240.0 else 30.0
        self.live = paced
        self._loop = loop
        self._index = 0
        self._pacer = Pacer(self.fps)
        h, w = first.shape[:2]
        self.size = (w, h)
        self.frame_count = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)

    def pace(self) -> None:
        """Live playback: wait for the next frame's time, skipping (without decoding) frames already late."""
        due = self._pacer.wait(self._index)
        for _ in range(due - self._index):
            if self._pending is not None:
                self._pending = None
            elif not self._cap.grab() and self._loop:
                self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            self._index += 1

    def read(self) -> Frame | None:
        """Next frame (no waiting: `pace` does that for live playback)."""
        if self._pending is not None:
            image, self._pending = self._pending, None
        else:
            ok, image = self._cap.read()
            if not ok or image is None:
                if not self._loop:
                    return None
                self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, image = self._cap.read()
                if not ok or image is None:
                    return None
        frame = Frame(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), self._index, time.monotonic_ns())
        self._index += 1
        return frame

    def close(self) -> None:
        self._cap.release()


class ImageSource:
    """Still images (one file or a folder): each once headless, or shown repeatedly in the live window."""

    def __init__(self, paths: list[Path], name: str, repeat: bool = False, fps: float = 30.0) -> None:
        self.name = name
        self.live = repeat
        self.fps = fps
        self._images: list[np.ndarray] = []
        problems = []
        for path in paths:
            try:
                self._images.append(read_image(path))
            except SourceError as exc:
                problems.append(str(exc))
        if not self._images:
            reason = problems[0] if problems else f"no images ({', '.join(sorted(IMAGE_EXTS))}) in {name}"
            raise SourceError(reason)
        self.skipped = problems
        self._index = 0
        self._pacer = Pacer(fps)

    @classmethod
    def from_path(cls, path: Path, repeat: bool = False) -> ImageSource:
        """One image file, or every image in a folder (sorted by name)."""
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_EXTS and p.is_file())
            if not files:
                raise SourceError(f"cannot use folder {path}: it holds no images ({', '.join(sorted(IMAGE_EXTS))})")
            return cls(files, str(path), repeat)
        return cls([path], str(path), repeat)

    def pace(self) -> None:
        """Live: show the images at `fps`."""
        self._index = self._pacer.wait(self._index)

    def read(self) -> Frame | None:
        """The next image (each once headless; repeating when live)."""
        if not self.live and self._index >= len(self._images):
            return None
        image = self._images[self._index % len(self._images)]
        frame = Frame(image, self._index, time.monotonic_ns())
        self._index += 1
        return frame

    def close(self) -> None:
        self._images.clear()
