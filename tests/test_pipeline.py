"""Pipeline pieces without models: wardrobe switching, anchor mirroring, stats summaries, the worker queue."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from mirror_app.capture.demo import DemoSource
from mirror_app.generator.fit import Fit, GarmentMesh
from mirror_app.pipeline import FrameProcessor, ProcessingThread, Tracked, Wardrobe, output_anchors
from mirror_app.stats import StageClock, StatsRecorder

from .generator import synthetic


def test_wardrobe_switches_and_skips_unbindable_garments() -> None:
    good = synthetic.tee()
    other = dataclasses.replace(synthetic.tee(long_sleeves=True), id="long")
    broken = dataclasses.replace(synthetic.tee(), id="broken", anchors={"neck": (1.0, 1.0)})
    wardrobe = Wardrobe([good, broken, other], garment_id="long")
    assert [g.id for g in wardrobe.garments] == [good.id, "long"]
    assert wardrobe.skipped and "broken" in wardrobe.skipped[0]
    assert wardrobe.current.id == "long"
    wardrobe.step(1)
    assert wardrobe.current.id == good.id
    wardrobe.step(-1)
    assert wardrobe.current.id == "long"
    assert not wardrobe.select("nope") and wardrobe.current.id == "long"
    garment, binding = wardrobe.worn()
    assert binding.mesh.garment_id == garment.id


def test_output_anchors_are_mirrored_like_the_picture() -> None:
    mesh = GarmentMesh("g", np.zeros((1, 2), np.float32), np.zeros((0, 3), np.int32))
    fit = Fit(mesh, np.zeros((1, 2), np.float32), np.zeros(1, np.float32), 1.0, False, {"neck": (100.0, 50.0)})
    assert output_anchors(fit, 640, mirror=True) == {"neck": [540.0, 50.0]}
    assert output_anchors(fit, 640, mirror=False) == {"neck": [100.0, 50.0]}
    assert output_anchors(None, 640, mirror=True) is None


def test_stats_summary_percentiles_and_stages() -> None:
    stats = StatsRecorder(source="s", resolution=(4, 3))
    stats.start()
    for i in range(100):
        stats.add(
            {"index": i, "person": True, "latency_ms": float(i), "stage_ms": {"pose": 2.0 * i}, "anchors_px": None}
        )
    summary = stats.summary()
    assert summary["frames"] == 100 and summary["fps"] > 0
    assert summary["latency_ms"]["p50"] == pytest.approx(49.5)
    assert summary["latency_ms"]["p95"] == pytest.approx(94.05)
    assert summary["stage_ms"]["pose"]["p50"] == pytest.approx(99.0)


def test_stage_clock_accumulates_named_laps() -> None:
    clock = StageClock()
    sum(range(10000))
    clock.lap("a")
    clock.lap("b")
    clock.lap("a")
    assert set(clock.ms) == {"a", "b"} and clock.ms["a"] > 0


class _NoBody:
    """A tracker whose model never answers (the plain mirror)."""

    detectors = 1

    def detect(self, frame, slot=0):  # noqa: ANN001, ANN201
        return None


class _UnevenPool:
    """A tracker with two graphs taking 2-30 ms a frame at random, so frames finish out of order."""

    detectors = 2

    def __init__(self) -> None:
        self.rng = np.random.default_rng(3)
        self.by_slot: dict[int, list[int]] = {0: [], 1: []}

    def detect(self, frame, slot=0):  # noqa: ANN001, ANN201
        time.sleep(float(self.rng.uniform(0.002, 0.03)))
        self.by_slot[slot].append(frame.index)
        return None


def test_two_pose_threads_hand_every_frame_on_in_order() -> None:
    tracker = _UnevenPool()
    worker, got = _run_to_end(tracker, 60)
    assert got == list(range(60)), "every frame, once, in order"
    assert not worker.running
    for slot, frames in tracker.by_slot.items():
        assert len(frames) >= 10, f"graph {slot} tracked only {len(frames)} frames"
        assert frames == sorted(frames), "each graph sees its frames in order (MediaPipe's timestamps)"
    assert sorted(tracker.by_slot[0] + tracker.by_slot[1]) == list(range(60))


def test_a_failing_pose_thread_ends_the_stream_after_the_frames_before_it() -> None:
    class Failing(_UnevenPool):
        def detect(self, frame, slot=0):  # noqa: ANN001, ANN201
            if frame.index == 20:
                raise RuntimeError("graph broke")
            return super().detect(frame, slot)

    worker, got = _run_to_end(Failing(), 60)
    assert got == list(range(20)) and isinstance(worker.error, RuntimeError)
    assert not worker.running


def _run_to_end(
    tracker: object, frames: int, size: tuple[int, int] = (160, 120), each: Callable[[Tracked], None] | None = None
) -> tuple[ProcessingThread, list[int]]:
    """A headless worker over `frames` demo frames, drained to its end and stopped: the frame indices it gave."""
    processor = FrameProcessor(tracker, None, Wardrobe([synthetic.tee()]))  # type: ignore[arg-type]
    worker = ProcessingThread(DemoSource(size=size, live=False, frames=frames), processor, live=False)
    worker.start()
    got = []
    while (item := worker.get(timeout=10)) is not None:
        got.append(item.frame.index)
        if each is not None:
            each(item)
    worker.stop()
    return worker, got


def test_headless_worker_never_drops_frames() -> None:
    def check(item: Tracked) -> None:
        assert isinstance(item, Tracked) and item.body is None and "decode" in item.stage_ms

    _, got = _run_to_end(_NoBody(), 15, size=(720, 720), each=check)
    assert got == list(range(15))


class _SlowTracker:
    """A tracker that takes 60 ms a frame (twice a 30 FPS camera's period) and keeps what it was given."""

    def __init__(self) -> None:
        self.frames: list = []

    detectors = 1

    def detect(self, frame, slot=0):  # noqa: ANN001, ANN201
        self.frames.append(frame)
        time.sleep(0.06)
        return None


class _StampedDemo(DemoSource):
    """The demo, remembering when it delivered each frame."""

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.stamps: dict[int, int] = {}

    def read(self):  # noqa: ANN201
        frame = super().read()
        if frame is not None:
            self.stamps[frame.index] = frame.capture_ns
        return frame


def test_live_worker_drops_at_the_source_and_tracks_the_newest_frame() -> None:
    tracker = _SlowTracker()
    processor = FrameProcessor(tracker, None, Wardrobe([synthetic.tee()]))  # type: ignore[arg-type]
    source = _StampedDemo(size=(160, 120), live=True, fps=30.0)
    worker = ProcessingThread(source, processor, live=True)
    worker.start()
    start = time.monotonic()
    got = []
    while time.monotonic() - start < 1.5:
        item = worker.get(timeout=1.0)
        assert item is not None
        got.append(item)
    worker.stop()
    indices = [t.frame.index for t in got]
    assert indices == sorted(indices) and len(set(indices)) == len(indices)
    # 1.5 s of a 30 FPS source is ~45 frames; a 60 ms tracker takes ~25 of them: the rest were dropped...
    assert max(indices) >= 35 and len(tracker.frames) <= 30
    assert max(b - a for a, b in zip(indices, indices[1:], strict=False)) >= 2
    # ...before tracking, not after: every tracked frame is shown, and each was newest when taken.
    assert len(tracker.frames) - len(got) <= 2
    # The reader measured the picture's motion, off the tracking thread.
    assert all(f.motion is not None for f in tracker.frames[1:])
    # Capture time is the source's own: time waiting for the tracker counts as latency.
    assert all(t.frame.capture_ns == source.stamps[t.frame.index] for t in got)


def test_missing_pose_model_gives_plain_mirror_with_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    from mirror_app import pipeline
    from mirror_app.tracking.landmarker import PoseModelError

    def broken(**_kwargs):  # noqa: ANN202
        raise PoseModelError("pose model models/pose_landmarker_full.task is missing: run packaging/install.sh")

    monkeypatch.setattr(pipeline, "PoseTracker", broken)
    with pytest.raises(PoseModelError):
        pipeline.build_stages(require_pose=True)
    tracker, generator, notices = pipeline.build_stages(require_pose=False)
    assert tracker is None and generator is not None
    assert any("pose_landmarker_full.task" in n and "plain mirror" in n for n in notices)


@pytest.mark.parametrize("lost", ["full", "lite"])
def test_a_lost_pose_bundle_tracks_on_the_other_with_a_notice(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, lost: str
) -> None:
    from mirror_app import pipeline
    from mirror_app.tracking.landmarker import POSE_MODELS

    kept = "lite" if lost == "full" else "full"
    if not POSE_MODELS[kept].is_file():
        pytest.skip(f"{POSE_MODELS[kept]} missing")
    gone = tmp_path / f"pose_landmarker_{lost}.task"
    monkeypatch.setattr(pipeline, "pose_model_path", lambda name: gone if name == lost else POSE_MODELS[name])
    tracker, _generator, notices = pipeline.build_stages(pose_threads=1, pose_model=lost)
    assert tracker is not None
    try:
        assert tracker.model_path == POSE_MODELS[kept]
        assert any(str(gone) in n and "is missing" in n and f"the {kept} pose model" in n for n in notices), notices
    finally:
        tracker.close()


def test_wardrobe_adopts_a_wardrobe_bound_elsewhere_keeping_the_worn_garment() -> None:
    long = dataclasses.replace(synthetic.tee(long_sleeves=True), id="long")
    shown = Wardrobe([synthetic.tee(), long], garment_id="long")
    incoming = Wardrobe([dataclasses.replace(synthetic.tee(), id="other"), long])
    shown.adopt(incoming)
    assert [g.id for g in shown.garments] == ["other", "long"]
    assert shown.current.id == "long"
    garment, binding = shown.worn()
    assert garment.id == "long" and binding.mesh.garment_id == "long"


def test_the_compositor_gets_the_steadied_visibility_the_sleeves_use() -> None:
    """A wavering wrist score is calmed once, for the generator and the occluders alike (no arm flicker)."""
    from mirror_app.capture.frame import Frame
    from mirror_app.generator.runtime import GarmentGenerator
    from mirror_app.tracking import body as pose

    processor = FrameProcessor(None, GarmentGenerator(providers=("CPUExecutionProvider",)), Wardrobe([synthetic.tee()]))
    image = np.zeros((720, 1280, 3), np.uint8)
    seen = []
    for i in range(12):
        person = synthetic.body()
        lm = person.landmarks_px.copy()
        lm[pose.RIGHT_WRIST, 2] = 0.9 if i % 2 else 0.1  # MediaPipe's score jumping frame to frame
        person = dataclasses.replace(person, landmarks_px=lm, capture_ns=i * 33_333_333)
        done = processor.dress(Tracked(Frame(image, i, i * 33_333_333), person), StageClock())
        assert done.body is not None and done.fit is not None
        seen.append(float(done.body.landmarks_px[pose.RIGHT_WRIST, 2]))
    swing = np.abs(np.diff(seen[4:]))
    assert swing.max() < 0.3, f"visibility reaching the compositor still jumps: {np.round(seen, 2)}"
    assert 0.3 < np.mean(seen[4:]) < 0.7


def test_headless_pose_threads_run_at_most_in_flight_frames_ahead_of_drawing() -> None:
    """Frames queued behind a busy drawing side only add latency: the pose threads wait instead."""
    from mirror_app.pipeline import IN_FLIGHT

    drawn = [0]
    ahead: list[int] = []

    class Fast(_UnevenPool):
        def detect(self, frame, slot=0):  # noqa: ANN001, ANN201
            ahead.append(frame.index - drawn[0])  # frames taken (this one included) beyond those being drawn
            return None

    def draw_slowly(item: Tracked) -> None:
        drawn[0] += 1
        time.sleep(0.02)

    _, got = _run_to_end(Fast(), 40, each=draw_slowly)
    assert got == list(range(40))
    assert max(ahead) <= IN_FLIGHT, f"pose ran {max(ahead)} frames ahead of drawing"
    assert max(ahead) >= IN_FLIGHT - 1, "the pose threads did work ahead"


def test_a_fit_that_is_not_a_number_shows_the_camera(caplog) -> None:
    """A generator output that is not a number (a badly trained learned model) has no place for the garment:
    that frame shows the camera alone (the compositor would stop on it), logged once."""
    from mirror_app.capture.frame import Frame
    from mirror_app.generator.runtime import GarmentGenerator

    generator = GarmentGenerator(providers=("CPUExecutionProvider",))
    processor = FrameProcessor(None, generator, Wardrobe([synthetic.tee()]))
    image = np.zeros((720, 1280, 3), np.uint8)

    def dress(i: int):  # noqa: ANN202
        person = dataclasses.replace(synthetic.body(), capture_ns=i * 33_333_333)
        return processor.dress(Tracked(Frame(image, i, i * 33_333_333), person), StageClock())

    assert dress(0).fit is not None
    real_fit = generator.fit

    def not_a_number(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        fit = real_fit(*args, **kwargs)
        return dataclasses.replace(fit, vertices_px=np.full_like(fit.vertices_px, np.nan), opacity=float("nan"))

    generator.fit = not_a_number  # type: ignore[method-assign]
    with caplog.at_level("WARNING"):
        assert dress(1).fit is None
        assert dress(2).fit is None
    assert sum("non-finite" in r.getMessage() for r in caplog.records) == 1


def test_the_tracker_s_forearm_widths_narrow_a_long_sleeve_and_are_held_while_unseen() -> None:
    """The forearm widths the tracker measured (Body.forearms) reach the generator: a slim forearm narrows the long
    sleeve's lower part, and when the forearm goes unmeasured (in front of the torso) the last width holds instead
    of the sleeve flaring back out."""
    from mirror_app.capture.frame import Frame
    from mirror_app.generator.runtime import GarmentGenerator

    generator = GarmentGenerator(providers=("CPUExecutionProvider",))
    garment = synthetic.tee(long_sleeves=True)
    image = np.zeros((720, 1280, 3), np.uint8)

    def run(widths: list[tuple[float, float]]) -> list[np.ndarray]:
        processor = FrameProcessor(None, generator, Wardrobe([garment]))
        out = []
        for i, fore in enumerate(widths):
            person = dataclasses.replace(
                synthetic.body(), forearms=np.array(fore, np.float32), capture_ns=i * 33_333_333
            )
            done = processor.dress(Tracked(Frame(image, i, i * 33_333_333), person), StageClock())
            assert done.fit is not None
            out.append(done.fit.vertices_px)
        return out

    plain = run([(0.0, 0.0)] * 6)
    narrowed = run([(12.0, 0.0)] * 3 + [(0.0, 0.0)] * 3)
    assert np.abs(narrowed[2] - plain[2]).max() > 2.0
    for later in narrowed[3:]:
        np.testing.assert_allclose(later, narrowed[2], atol=0.05)
    # A stray reading (twice the others: a ray across a bent elbow) is dropped, so the sleeve holds its narrowing.
    stray = run([(30.0, 30.0)] * 3 + [(60.0, 0.0)])
    held = run([(30.0, 30.0)] * 3 + [(0.0, 0.0)])
    np.testing.assert_allclose(stray[3], held[3], atol=1e-4)
    assert np.abs(stray[3] - run([(30.0, 30.0)] * 3 + [(36.0, 0.0)])[3]).max() > 0.05  # a near one is taken
