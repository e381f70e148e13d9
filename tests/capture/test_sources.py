"""Frame sources on synthetic files: videos, images, folders, the demo, and the errors users see."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from mirror_app.capture.camera import resolve_camera
from mirror_app.capture.demo import DemoSource
from mirror_app.capture.errors import SourceError
from mirror_app.capture.files import ImageSource, VideoFileSource
from mirror_app.capture.open import open_source


def _video(path: Path, frames: int = 12, size: tuple[int, int] = (160, 120), fps: float = 25.0) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, size)
    for i in range(frames):
        image = np.zeros((size[1], size[0], 3), np.uint8)
        image[:, :, 2] = 200  # BGR red
        cv2.putText(image, str(i), (10, 80), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3)
        writer.write(image)
    writer.release()
    return path


def test_video_gives_every_frame_in_rgb_in_order(tmp_path: Path) -> None:
    src = VideoFileSource(_video(tmp_path / "clip.mp4"))
    frames = []
    while (f := src.read()) is not None:
        frames.append(f)
    src.close()
    assert [f.index for f in frames] == list(range(12))
    assert frames[0].size == (160, 120)
    r, g, b = frames[0].image[5, 5]
    assert r > 150 and b < 60, "frames are RGB (OpenCV's BGR converted)"
    assert all(b.capture_ns >= a.capture_ns for a, b in zip(frames, frames[1:], strict=False))
    assert src.fps == pytest.approx(25.0)


def test_paced_video_keeps_its_clock(tmp_path: Path) -> None:
    src = VideoFileSource(_video(tmp_path / "clip.mp4", frames=6, fps=50.0), paced=True)
    start = time.monotonic()
    for i in range(6):
        src.pace()
        frame = src.read()
        assert frame is not None and frame.index == i
    assert time.monotonic() - start >= 5 / 50.0 * 0.9


def test_paced_video_drops_frames_when_the_mirror_falls_behind(tmp_path: Path) -> None:
    src = VideoFileSource(_video(tmp_path / "clip.mp4", frames=30, fps=50.0), paced=True)
    src.pace()
    assert src.read().index == 0
    time.sleep(0.2)  # a slow consumer: about 10 frames' worth
    src.pace()
    late = src.read()
    assert late is not None and late.index >= 8, "stale frames are skipped at the source, like a camera"


def test_looping_video_restarts(tmp_path: Path) -> None:
    src = VideoFileSource(_video(tmp_path / "clip.mp4", frames=3), loop=True)
    assert all(src.read() is not None for _ in range(8))


def test_corrupt_and_missing_videos_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all" * 50)
    with pytest.raises(SourceError, match="bad.mp4"):
        VideoFileSource(bad)
    with pytest.raises(SourceError, match="no such file"):
        VideoFileSource(tmp_path / "gone.mp4")


def test_images_and_folders(tmp_path: Path) -> None:
    for i in range(3):
        cv2.imwrite(str(tmp_path / f"{i}.png"), np.full((40, 60, 3), i * 50, np.uint8))
    (tmp_path / "notes.txt").write_text("ignored")
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8garbage")
    src = ImageSource.from_path(tmp_path)
    frames = [src.read() for _ in range(3)]
    assert src.read() is None, "headless: each image once"
    assert [int(f.image[0, 0, 0]) for f in frames if f] == [0, 50, 100]
    assert any("broken.jpg" in s for s in src.skipped)
    repeat = ImageSource.from_path(tmp_path / "1.png", repeat=True)
    assert all(repeat.read() is not None for _ in range(4)), "live: a still image keeps showing"


def test_empty_folder_and_bad_image_are_clear(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="holds no images"):
        ImageSource.from_path(tmp_path / "empty")
    (tmp_path / "fake.png").write_text("hello")
    with pytest.raises(SourceError, match="fake.png"):
        ImageSource.from_path(tmp_path / "fake.png")


def test_demo_is_a_moving_real_photo() -> None:
    src = DemoSource(live=False, frames=40)
    frames = [src.read() for _ in range(40)]
    assert src.read() is None
    first, last = frames[0].image, frames[-1].image
    assert first.shape == (720, 720, 3)
    assert first.std() > 40, "a real picture, not a flat frame"
    assert np.abs(first.astype(int) - last.astype(int)).mean() > 3, "the camera moves"


def test_open_source_dispatch(tmp_path: Path) -> None:
    src, notices = open_source("demo", live=False, frames=2)
    assert isinstance(src, DemoSource) and not notices
    video, _ = open_source(str(_video(tmp_path / "c.mkv")), live=False)
    assert isinstance(video, VideoFileSource)
    with pytest.raises(SourceError, match="no such file"):
        open_source(str(tmp_path / "missing.mp4"), live=False)


def test_no_camera_falls_back_to_demo_with_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mirror_app.capture.open.list_cameras", lambda: [])
    src, notices = open_source(None, live=False, frames=1)
    assert isinstance(src, DemoSource)
    assert notices and "no camera" in notices[0]


def test_unknown_camera_name_lists_cameras(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mirror_app.capture.camera.list_cameras", lambda: [])
    with pytest.raises(SourceError, match="no camera named 'Logitech'"):
        resolve_camera("Logitech")
