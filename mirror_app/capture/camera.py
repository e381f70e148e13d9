"""Webcams, by index or by name, read on their own thread so only the newest frame is ever kept."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from mirror_app.capture.errors import SourceError
from mirror_app.capture.frame import Frame

log = logging.getLogger(__name__)
SYSFS = Path("/sys/class/video4linux")


@dataclass(frozen=True, slots=True)
class CameraInfo:
    """A video device the system lists."""

    index: int
    name: str
    path: str


def list_cameras() -> list[CameraInfo]:
    """Video capture devices with their human names (Linux V4L2), without opening them."""
    found = []
    if SYSFS.is_dir():
        for dev in sorted(SYSFS.glob("video*"), key=lambda p: int(p.name[5:]) if p.name[5:].isdigit() else 0):
            if not dev.name[5:].isdigit():
                continue
            try:
                name = (dev / "name").read_text().strip()
            except OSError:
                name = dev.name
            found.append(CameraInfo(int(dev.name[5:]), name, f"/dev/{dev.name}"))
    return found


def resolve_camera(spec: str) -> CameraInfo:
    """Find a camera by index ("0"), device path ("/dev/video0") or part of its name ("Logitech")."""
    cams = list_cameras()
    if spec.isdigit():
        index = int(spec)
        return next((c for c in cams if c.index == index), CameraInfo(index, f"camera {index}", f"/dev/video{index}"))
    if spec.startswith("/dev/video") and spec[10:].isdigit():
        return resolve_camera(spec[10:])
    for cam in cams:
        if spec.lower() in cam.name.lower():
            return cam
    listed = ", ".join(f"{c.index}: {c.name}" for c in cams) or "none found"
    raise SourceError(f"no camera named '{spec}' (cameras: {listed}); pass --source with an index or a name")


class CameraSource:
    """A webcam; a reader thread drops stale frames so the mirror never shows the past."""

    live = True

    def __init__(self, spec: str, size: tuple[int, int] | None = (1280, 720), fps: float = 30.0) -> None:
        info = resolve_camera(spec)
        self.name = f"{info.name} ({info.path})"
        self._cap = cv2.VideoCapture(info.index, cv2.CAP_V4L2)
        if not self._cap.isOpened():
            self._cap.release()
            raise SourceError(f"cannot open camera {self.name}: not connected or in use by another program")
        if size:
            self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, size[0])
            self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, size[1])
        self._cap.set(cv2.CAP_PROP_FPS, fps)
        self._cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        ok, first = self._cap.read()
        if not ok or first is None:
            self._cap.release()
            raise SourceError(f"camera {self.name} opened but gives no frames: check the cable or permissions")
        self.fps = float(self._cap.get(cv2.CAP_PROP_FPS) or fps)
        self._latest: tuple[np.ndarray, int] | None = (first, time.monotonic_ns())
        self._cond = threading.Condition()
        self._running = True
        self.lost = False
        self.dropped = 0
        self._index = 0
        self._thread = threading.Thread(target=self._reader, name="camera-reader", daemon=True)
        self._thread.start()

    def _reader(self) -> None:
        failures = 0
        while self._running:
            ok, image = self._cap.read()
            stamp = time.monotonic_ns()
            if not ok or image is None:
                failures += 1
                if failures > 30:
                    with self._cond:
                        self.lost = True
                        self._cond.notify_all()
                    log.warning("camera %s stopped delivering frames (unplugged?)", self.name)
                    return
                time.sleep(0.01)
                continue
            failures = 0
            with self._cond:
                if self._latest is not None:
                    self.dropped += 1
                self._latest = (image, stamp)
                self._cond.notify_all()

    def pace(self) -> None:
        """Wait until the camera has delivered a frame we have not shown yet (or is lost)."""
        with self._cond:
            while self._latest is None and not self.lost and self._running:
                self._cond.wait(0.5)

    def read(self) -> Frame | None:
        """The newest frame (waits for one); None once the camera is lost."""
        self.pace()
        with self._cond:
            if self._latest is None:
                return None
            image, stamp = self._latest
            self._latest = None
        frame = Frame(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), self._index, stamp)
        self._index += 1
        return frame

    def close(self) -> None:
        self._running = False
        self._thread.join(timeout=2.0)
        self._cap.release()
