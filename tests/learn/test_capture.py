"""Capture sessions: what gets written (and nothing else), reading back, and the pose coverage guide."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mirror_app.capture.frame import Frame
from mirror_app.learn.capture import record
from mirror_app.learn.coverage import FRAMES_PER_POSE, Coverage, poses_in
from mirror_app.learn.session import CaptureError, load_capture
from mirror_app.tracking import body as lm
from mirror_app.tracking.body import Body
from tests.generator.synthetic import body as make_body
from tests.learn.synthetic import FRAME, draw, person


class _Frames:
    """A finite source of synthetic frames; frames listed in `empty` show nobody."""

    name, live, fps = "synthetic", False, 30.0

    def __init__(self, count: int, empty: set[int]) -> None:
        self.count, self.empty, self.i = count, empty, 0
        self.paced = 0

    def pace(self) -> None:
        self.paced += 1

    def read(self) -> Frame | None:
        if self.i >= self.count:
            return None
        angle = 10.0 + 5.0 * self.i
        image = (
            np.full((FRAME[1], FRAME[0], 3), 80, np.uint8) if self.i in self.empty else draw(person(angle), angle)[0]
        )
        frame = Frame(image, self.i, self.i * 33_000_000)
        self.i += 1
        return frame

    def close(self) -> None:
        pass


class _Tracker:
    """Stands in for MediaPipe: finds the synthetic person by its pose, nobody in an empty frame."""

    def __init__(self, empty: set[int]) -> None:
        self.empty = empty
        self.seen: list[int] = []

    def track(self, frame: Frame) -> Body | None:
        self.seen.append(frame.index)
        if frame.index in self.empty:
            return None
        angle = 10.0 + 5.0 * frame.index
        b = person(angle)
        return Body(b.landmarks_px, b.world, draw(b, angle)[1], FRAME, 0, frame.capture_ns)


def test_capture_writes_frames_masks_poses_and_manifest_only(tmp_path: Path) -> None:
    src, tracker = _Frames(12, empty={3, 4}), _Tracker({3, 4})
    out = tmp_path / "cap"
    result = record(src, tracker, out, "synthetic-tee", every=2)  # type: ignore[arg-type]
    assert tracker.seen == list(range(12))  # the tracker follows every frame
    assert src.paced == 0  # a file headless is never paced (frames would be skipped)
    kept = [i for i in range(0, 12, 2) if i not in {3, 4}]
    assert result.frames_read == 12 and result.frames_kept == len(kept)
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    expected = ["capture.json", "poses.npz"]
    expected += [f"frames/{i:06d}.png" for i in range(len(kept))] + [f"masks/{i:06d}.png" for i in range(len(kept))]
    assert files == sorted(expected)
    cap = load_capture(out)
    assert cap.garment_id == "synthetic-tee" and cap.frame_size == FRAME and len(cap) == len(kept)
    assert list(cap.index) == kept
    first = person(10.0)
    np.testing.assert_allclose(cap.landmarks[0], first.landmarks_px)
    np.testing.assert_array_equal(cap.frame(0), draw(first, 10.0)[0])  # lossless
    assert abs(cap.mask(0) - draw(first, 10.0)[1]).max() < 1 / 255 + 1e-6
    assert set(cap.manifest["coverage"]) == {"arms_up", "arms_out", "turn_left", "turn_right"}


def test_capture_refuses_a_folder_in_use(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("keep me")
    with pytest.raises(CaptureError, match="not empty"):
        record(_Frames(2, set()), _Tracker(set()), tmp_path, "x")  # type: ignore[arg-type]
    assert (tmp_path / "old.txt").read_text() == "keep me"


def test_load_capture_names_the_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="capture.json not found"):
        load_capture(tmp_path)


@pytest.mark.parametrize(
    ("kwargs", "pose"),
    [
        ({"left_arm_deg": 170.0, "right_arm_deg": 170.0}, "arms_up"),
        ({"left_arm_deg": 90.0, "right_arm_deg": 90.0}, "arms_out"),
        ({"yaw_deg": 45.0}, "turn_right"),
        ({"yaw_deg": -45.0}, "turn_left"),
    ],
)
def test_coverage_recognises_each_guide_pose(kwargs: dict[str, float], pose: str) -> None:
    b = make_body(**kwargs)
    assert poses_in(b.landmarks_px, b.world) == {pose}
    coverage = Coverage()
    for _ in range(FRAMES_PER_POSE):
        coverage.add(b.landmarks_px, b.world)
    assert pose not in coverage.missing and len(coverage.missing) == 3


def test_relaxed_front_pose_covers_nothing() -> None:
    b = make_body()
    assert poses_in(b.landmarks_px, b.world) == set()
    raised = make_body(left_arm_deg=170.0, right_arm_deg=170.0)
    lms = raised.landmarks_px.copy()
    lms[[lm.LEFT_WRIST, lm.RIGHT_WRIST], 2] = 0.1
    assert "arms_up" not in poses_in(lms, raised.world)  # unseen wrists prove nothing
