"""PoseTracker on real pictures (the bundled model), and its error on a missing or broken model."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

import mirror_app
from mirror_app.capture.frame import Frame
from mirror_app.tracking.body import LEFT_HIP, LEFT_SHOULDER, NOSE, RIGHT_HIP, RIGHT_SHOULDER
from mirror_app.tracking.landmarker import (
    DEFAULT_MODEL,
    POSE_MODELS,
    PoseModelError,
    PoseTracker,
    pose_model_path,
)
from mirror_app.tracking.silhouette import torso_extents

MEDIA = mirror_app.PROJECT_ROOT.parent / "shared" / "media"
TAIJI = MEDIA / "videos" / "hybrik_taiji.mp4"

needs_model = pytest.mark.skipif(
    not DEFAULT_MODEL.is_file(),
    reason=f"{DEFAULT_MODEL} missing: run `python3.11 packaging/build_pose_model.py` to rebuild it",
)


@pytest.mark.parametrize("content", [None, b"not a zip at all", "zip-without-members"])
def test_missing_or_broken_model_names_file_and_fix(tmp_path: Path, content: bytes | str | None) -> None:
    path = tmp_path / "pose.task"
    if content == "zip-without-members":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("readme.txt", "empty")
    elif isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(PoseModelError) as err:
        PoseTracker(path)
    assert str(path) in str(err.value)
    assert "build_pose_model.py" in str(err.value)


def test_truncated_model_members_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "pose.task"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("pose_detector.tflite", b"\0" * 64)
        zf.writestr("pose_landmarks_detector.tflite", b"\0" * 64)
    with pytest.raises(PoseModelError, match="build_pose_model.py"):
        PoseTracker(path)


def test_each_model_name_has_its_bundle_and_full_is_the_default() -> None:
    assert pose_model_path("lite").name == "pose_landmarker_lite.task"
    assert DEFAULT_MODEL == pose_model_path() == pose_model_path("full")


@pytest.mark.parametrize("model", sorted(POSE_MODELS))
def test_astronaut_shoulders_and_torso_mask(model: str) -> None:
    skimage_data = pytest.importorskip("skimage.data")
    if not POSE_MODELS[model].is_file():
        pytest.skip(f"{POSE_MODELS[model]} missing: run `python3.11 packaging/build_pose_model.py`")
    image = skimage_data.astronaut()  # 512x512 RGB, public-domain NASA portrait
    with PoseTracker(POSE_MODELS[model]) as tracker:
        bodies = [tracker.track(Frame(image, i, 1_000_000_000 + i * 33_333_333)) for i in range(3)]
    body = bodies[-1]
    assert body is not None and all(b is not None for b in bodies)
    assert body.frame_size == (512, 512)
    assert len({b.person_id for b in bodies}) == 1
    lm = body.landmarks_px
    assert lm.shape == (33, 3) and lm.dtype == np.float32
    ls, rs, nose = lm[LEFT_SHOULDER], lm[RIGHT_SHOULDER], lm[NOSE]
    # In this picture the suit's shoulders are at y ~230-260, the face above, the body a bit left of centre.
    for sh in (ls, rs):
        assert 200 < sh[1] < 320 and sh[2] > 0.8
    assert rs[0] < nose[0] < ls[0]  # facing the camera: her left shoulder is on the image right
    assert 150 < ls[0] - rs[0] < 280
    assert nose[1] < min(ls[1], rs[1]) - 60

    mask = body.mask
    assert mask is not None and mask.dtype == np.float32 and mask.ndim == 2
    assert float(mask.min()) >= 0.0 and float(mask.max()) <= 1.0
    k = body.mask_at_frame_scale()
    # Torso box between the shoulders, from just under the shoulder line down 150 px.
    x0, x1 = sorted((rs[0], ls[0]))
    y0 = max(ls[1], rs[1]) + 20
    torso = mask[int(y0 * k) : int((y0 + 150) * k), int((x0 + 20) * k) : int((x1 - 20) * k)]
    assert torso.size > 0 and float((torso > 0.5).mean()) > 0.9
    wall = mask[int(20 * k) : int(60 * k), int(330 * k) : int(370 * k)]  # grey wall right of the head
    assert float(wall.mean()) < 0.2

    ext = torso_extents(body)
    assert ext.shape == (3, 2)
    assert (ext[0] > 60).all()  # the silhouette reaches well beyond the torso axis on both sides at the chest


@needs_model
def test_equal_and_backward_timestamps_are_accepted() -> None:
    image = np.zeros((240, 320, 3), np.uint8)
    with PoseTracker(num_poses=1) as tracker:
        for ns in (5_000_000, 5_000_000, 4_000_000, 5_000_001):
            assert tracker.track(Frame(image, 0, ns)) is None  # nobody in a black picture, and no error
    with pytest.raises(RuntimeError):
        tracker.track(Frame(image, 0, 6_000_000))


@needs_model
@pytest.mark.media
@pytest.mark.skipif(not TAIJI.is_file(), reason=f"{TAIJI} not present (shared media is optional)")
def test_taiji_video_frames() -> None:
    cv2 = pytest.importorskip("cv2")
    cap = cv2.VideoCapture(str(TAIJI))
    bodies = []
    try:
        with PoseTracker() as tracker:
            for i in range(24):
                ok, bgr = cap.read()
                assert ok, f"could not decode frame {i}"
                frame = Frame(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), i, int(i * 1e9 / 23.976))
                bodies.append(tracker.track(frame))
    finally:
        cap.release()
    found = [b for b in bodies if b is not None]
    assert len(found) >= 20
    assert len({b.person_id for b in found}) == 1  # one man, one id
    for b in found:
        assert b.frame_size == (1280, 720)
        ls, rs = b.landmarks_px[LEFT_SHOULDER], b.landmarks_px[RIGHT_SHOULDER]
        hips_y = (b.landmarks_px[LEFT_HIP, 1] + b.landmarks_px[RIGHT_HIP, 1]) / 2
        assert ls[1] < hips_y and rs[1] < hips_y  # upright
        assert 0 <= ls[0] < 1280 and 0 <= rs[1] < 720
        assert b.mask is not None
        cx, cy = ((ls[:2] + rs[:2]) / 2 * b.mask_at_frame_scale()).astype(int)
        assert b.mask[cy + 10, cx] > 0.5  # just under mid-shoulders is on the person
    # The filtered shoulders of a slow tai-chi move never jump.
    shoulders = np.array([b.landmarks_px[[LEFT_SHOULDER, RIGHT_SHOULDER], :2] for b in found])
    assert float(np.abs(np.diff(shoulders, axis=0)).max()) < 40.0


@needs_model
def test_pose_thread_only_detects_and_the_drawing_side_follows_to_the_same_bodies() -> None:
    from mirror_app.capture.demo import DemoSource
    from mirror_app.pipeline import FrameProcessor, Wardrobe
    from mirror_app.stats import StageClock

    source = DemoSource(size=(480, 480), frames=12, live=False)
    frames = [f for f in iter(source.read, None)]
    with PoseTracker() as whole, PoseTracker() as split:
        expected = [whole.track(f) for f in frames]
        processor = FrameProcessor(split, None, Wardrobe())  # type: ignore[arg-type]
        tracked = [
            processor.track(f, StageClock()) for f in frames
        ]  # all detected first, as the pose thread runs ahead
        assert all(t.body is None and t.detection is not None for t in tracked), "the pose thread does not follow"
        followed = [processor.follow(t) for t in tracked]
    for want, got in zip(expected, followed, strict=True):
        assert want is not None and got.body is not None and got.detection is None
        np.testing.assert_array_equal(got.body.landmarks_px, want.landmarks_px)
        np.testing.assert_array_equal(got.body.mask, want.mask)
        np.testing.assert_array_equal(got.body.extents, want.extents)
        np.testing.assert_array_equal(got.body.tops, want.tops)


@needs_model
def test_the_naive_baseline_tracker_skips_the_still_check() -> None:
    from mirror_app.bench.baseline import naive_tracker
    from mirror_app.capture.demo import DemoSource

    frames = [f for f in iter(DemoSource(size=(480, 480), frames=3, live=False).read, None)]
    with PoseTracker() as ours, naive_tracker() as naive:
        mine = [ours.track(f) for f in frames]
        plain = [naive.track(f) for f in frames]
    assert all(b is not None and b.motion is not None and b.extents is not None and b.tops is not None for b in mine)
    assert all(b is not None and b.mask is not None for b in mine)
    # As the scripts run it: no still check, no widths, and no person mask (MediaPipe's costliest output).
    assert all(b is not None and b.motion is None and b.mask is None for b in plain)
    assert all(b is not None and b.extents is None and b.tops is None for b in plain)


@needs_model
def test_a_720p_mask_is_kept_at_half_size_and_still_covers_the_torso() -> None:
    skimage_data = pytest.importorskip("skimage.data")
    import cv2

    portrait = cv2.resize(skimage_data.astronaut(), (720, 720), interpolation=cv2.INTER_LINEAR)
    image = np.full((720, 1280, 3), 90, np.uint8)
    image[:, 280:1000] = portrait
    with PoseTracker(num_poses=1) as tracker:
        body = [tracker.track(Frame(image, i, 1_000_000_000 + i * 33_333_333)) for i in range(3)][-1]
    assert body is not None and body.frame_size == (1280, 720)
    rs, nose, ls = (float(body.landmarks_px[i, 0]) for i in (RIGHT_SHOULDER, NOSE, LEFT_SHOULDER))
    assert 280 < rs < nose < ls < 1000 and ls - rs > 120  # on the portrait, facing the camera
    assert body.mask is not None and body.mask.shape == (360, 640) and body.mask.dtype == np.float32
    k = body.mask_at_frame_scale()
    assert k == 0.5
    sx = int((ls + rs) / 2 * k)
    sy = int((body.landmarks_px[LEFT_SHOULDER, 1] + 60) * k)
    assert float(body.mask[sy - 10 : sy + 10, sx - 20 : sx + 20].mean()) > 0.8
    assert float(body.mask[10:60, 10:100].mean()) < 0.1  # the plain border beside the portrait


@needs_model
def test_landmarks_that_are_not_numbers_give_no_person_and_spoil_nothing(caplog) -> None:
    """MediaPipe values that are not numbers: that frame has no person (the generator and compositor would stop
    on them), logged once, and the smoothers never see them: the next good frame is where the last one was."""
    from types import SimpleNamespace

    from mirror_app.tracking.landmarker import Detection

    rng = np.random.default_rng(3)
    xy = rng.uniform(0.3, 0.7, (33, 2))
    xyz = rng.normal(0.0, 0.3, (33, 3))
    image = np.zeros((720, 1280, 3), np.uint8)

    def detection(i: int, bad: str = "") -> Detection:
        pose = [SimpleNamespace(x=x, y=y, visibility=0.9) for x, y in xy]
        world = [SimpleNamespace(x=x, y=y, z=z) for x, y, z in xyz]
        if bad == "pose":
            pose[15] = SimpleNamespace(x=float("nan"), y=0.5, visibility=0.9)
        if bad == "world":
            world[15] = SimpleNamespace(x=0.1, y=float("inf"), z=0.0)
        result = SimpleNamespace(pose_landmarks=[pose], pose_world_landmarks=[world], segmentation_masks=None)
        return Detection(Frame(image, i, i * 33_333_333), result, i / 30.0)

    with PoseTracker(num_poses=1, measure_widths=False, hold_still=False) as tracker:
        first = tracker.follow(detection(0))
        with caplog.at_level("WARNING"):
            assert tracker.follow(detection(1, "pose")) is None
            assert tracker.follow(detection(2, "world")) is None
        after = tracker.follow(detection(3))
    assert first is not None and after is not None
    assert np.isfinite(after.landmarks_px).all() and np.isfinite(after.world).all()
    np.testing.assert_allclose(after.landmarks_px, first.landmarks_px, atol=1.0)
    assert sum("not numbers" in r.getMessage() for r in caplog.records) == 1
