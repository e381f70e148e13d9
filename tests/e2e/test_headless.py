"""End to end, headless, through the real CLI: the built-in demo in, a composited video and stats out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from mirror_app.capture.demo import DemoSource
from mirror_app.tracking.landmarker import PoseTracker

FRAMES = 20


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mirror_app.cli", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, subprocess.CompletedProcess[str]]:
    out_dir = tmp_path_factory.mktemp("demo")
    result = _cli(
        "run",
        "--headless",
        "--source",
        "demo",
        "--frames",
        str(FRAMES),
        "--out",
        str(out_dir / "out.mp4"),
        "--stats",
        str(out_dir / "stats.json"),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return out_dir, json.loads((out_dir / "stats.json").read_text()), result


def _read_video(path: Path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, image = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    return frames


def test_every_frame_is_written_at_source_resolution(demo_run) -> None:
    out_dir, stats, _ = demo_run
    frames = _read_video(out_dir / "out.mp4")
    assert len(frames) == FRAMES
    assert frames[0].shape[:2] == (720, 720)
    assert stats["summary"]["resolution"] == [720, 720]


def test_stats_are_complete_and_consistent(demo_run) -> None:
    _, stats, _ = demo_run
    summary = stats["summary"]
    assert summary["frames"] == FRAMES == len(stats["frames"])
    assert summary["fps"] > 0
    assert summary["provider"] in {"TensorRT", "CUDA", "CPU"}
    assert summary["pose_model"] == "full"  # the default
    assert summary["source"] == "demo"
    lat = summary["latency_ms"]
    assert 0 < lat["p50"] <= lat["p95"] <= lat["p99"]
    assert {"decode", "pose", "generator", "render", "readback", "encode"} <= set(summary["stage_ms"])
    assert [f["index"] for f in stats["frames"]] == list(range(FRAMES))
    for f in stats["frames"]:  # the read-back is split off the GL work, never double counted
        assert f["stage_ms"]["render"] >= 0 and f["stage_ms"]["readback"] >= 0
        assert f["stage_ms"]["render"] + f["stage_ms"]["readback"] <= f["latency_ms"]
    with_person = [f for f in stats["frames"] if f["person"]]
    assert len(with_person) >= FRAMES - 2, "the astronaut is found in (nearly) every frame"
    for f in with_person:
        anchors = f["anchors_px"]
        assert anchors is not None and {"neck", "left_shoulder", "right_shoulder"} <= set(anchors)
        for x, y in anchors.values():
            assert -200 < x < 920 and -200 < y < 1000


def test_garment_pixels_sit_on_the_person(demo_run) -> None:
    out_dir, stats, _ = demo_run
    written = _read_video(out_dir / "out.mp4")
    source = DemoSource(live=False, frames=FRAMES)
    tracker = PoseTracker(num_poses=1)
    checked = 0
    try:
        for index in range(FRAMES):
            frame = source.read()
            assert frame is not None
            body = tracker.track(frame)
            if index < FRAMES - 5 or body is None or body.mask is None:
                continue
            mirrored_in = frame.image[:, ::-1]
            person = cv2.resize(body.mask, frame.size)[:, ::-1] > 0.5
            person = cv2.dilate(person.astype(np.uint8), np.ones((15, 15), np.uint8)) > 0
            changed = np.abs(written[index].astype(int) - mirrored_in.astype(int)).max(axis=2) > 60
            assert changed.mean() > 0.05, "a garment is drawn over a good part of the frame"
            assert changed[person].sum() / changed.sum() > 0.9, "garment pixels lie on the person"
            # Mirrored: the stats anchors are in output coordinates, on the person as seen in the output.
            x, y = stats["frames"][index]["anchors_px"]["neck"]
            assert person[int(np.clip(y, 0, 719)), int(np.clip(x, 0, 719))]
            checked += 1
    finally:
        tracker.close()
    assert checked >= 3


def test_unreadable_video_is_one_clear_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    result = _cli("run", "--headless", "--source", str(broken), "--out", str(tmp_path / "o.mp4"))
    assert result.returncode == 2
    assert "broken.mp4" in result.stderr and "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1


def test_missing_image_is_one_clear_line(tmp_path: Path) -> None:
    result = _cli("run", "--headless", "--source", str(tmp_path / "nobody.jpg"))
    assert result.returncode == 2
    assert "nobody.jpg" in result.stderr and "no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_image_without_person_gives_plain_mirror(tmp_path: Path) -> None:
    wall = np.full((240, 320, 3), 128, np.uint8)
    cv2.putText(wall, "no one here", (20, 120), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
    cv2.imwrite(str(tmp_path / "wall.png"), wall)
    result = _cli(
        "run",
        "--headless",
        "--source",
        str(tmp_path / "wall.png"),
        "--out",
        str(tmp_path / "o.mp4"),
        "--stats",
        str(tmp_path / "s.json"),
        "--no-mirror",
        "--pose-model",
        "lite",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    stats = json.loads((tmp_path / "s.json").read_text())
    assert stats["frames"][0]["person"] is False and stats["frames"][0]["anchors_px"] is None
    assert stats["summary"]["pose_model"] == "lite"  # the option reached the tracker
    out = _read_video(tmp_path / "o.mp4")[0]
    assert np.abs(out.astype(int) - cv2.cvtColor(wall, cv2.COLOR_BGR2RGB).astype(int)).mean() < 4
