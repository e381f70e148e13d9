"""Turning the user's --source text into a frame source."""

from __future__ import annotations

from pathlib import Path

from mirror_app.capture.camera import CameraSource, list_cameras
from mirror_app.capture.demo import DEMO_NAME, DemoSource
from mirror_app.capture.errors import SourceError
from mirror_app.capture.files import IMAGE_EXTS, VIDEO_EXTS, ImageSource, VideoFileSource
from mirror_app.capture.source import Source


def open_source(spec: str | None, live: bool, frames: int | None = None) -> tuple[Source, list[str]]:
    """Open a camera, video, image, folder or the demo; returns the source and notices for the user.

    With no spec, the first camera is used if one works, else the demo (with a notice).
    """
    notices: list[str] = []
    if spec is None or spec == "":
        if list_cameras():
            try:
                return CameraSource("0"), notices
            except SourceError as exc:
                notices.append(f"{exc}; showing the built-in demo instead")
        else:
            notices.append("no camera found: showing the built-in demo (connect a webcam, or pass --source)")
        return DemoSource(live=live, frames=frames), notices
    if spec == DEMO_NAME:
        return DemoSource(live=live, frames=frames), notices
    path = Path(spec).expanduser()
    if path.is_dir():
        return ImageSource.from_path(path, repeat=live), notices
    suffix = path.suffix.lower()
    if suffix in VIDEO_EXTS:
        return VideoFileSource(path, paced=live, loop=live), notices
    if suffix in IMAGE_EXTS:
        if not path.exists():
            raise SourceError(f"cannot read image {path}: no such file")
        return ImageSource.from_path(path, repeat=live), notices
    if path.exists():
        # Unknown extension: try it as a video, the most common case for camera recordings.
        return VideoFileSource(path, paced=live, loop=live), notices
    if spec.isdigit() or spec.startswith("/dev/video") or not any(ch in spec for ch in "/."):
        return CameraSource(spec), notices
    raise SourceError(f"cannot open source {spec}: no such file, folder or camera")
