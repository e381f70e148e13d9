"""Wires the stages: source -> tracking -> generator -> compositor, with stage timing and stats.

Tracking and the generator run on a worker thread; compositing runs where the GL context lives (the
Qt GUI thread, or the headless loop). Frames travel through a queue of two: headless runs wait (never
drop), live runs keep only the newest result.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import queue
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from mirror_app.capture.frame import Frame
from mirror_app.capture.source import Source
from mirror_app.catalog.garment import Garment
from mirror_app.config import DEFAULT_POSE_MODEL, POSE_THREADS, PoseModelName
from mirror_app.generator.binding import GarmentBinding, bind_garment
from mirror_app.generator.fit import Fit
from mirror_app.generator.runtime import GarmentGenerator
from mirror_app.native_logs import silenced
from mirror_app.priority import yield_to_drawing
from mirror_app.stats import StageClock, StatsRecorder
from mirror_app.tracking.body import Body
from mirror_app.tracking.landmarker import POSE_MODELS, Detection, PoseModelError, PoseTracker, pose_model_path
from mirror_app.tracking.motion import ImageMotion
from mirror_app.tracking.silhouette import fit_measures
from mirror_app.tracking.steady import ConstantWidth, FitInputSmoother

log = logging.getLogger(__name__)


@dataclass
class Processed:
    """One frame after tracking and the generator: everything the compositor needs."""

    frame: Frame
    body: Body | None
    fit: Fit | None
    garment: Garment | None
    stage_ms: dict[str, float] = field(default_factory=dict)


@dataclass
class Tracked:
    """One frame after the pose model (the pose thread's output); followed and dressed where it is drawn."""

    frame: Frame
    body: Body | None  # filled in by FrameProcessor.follow when the frame came with a detection
    stage_ms: dict[str, float] = field(default_factory=dict)
    detection: Detection | None = None  # MediaPipe's answer, not yet followed (None: followed, or no tracker)


class Wardrobe:
    """The garments on offer, their generator bindings, and which one is worn; safe to switch from any thread."""

    def __init__(self, garments: Sequence[Garment] = (), garment_id: str | None = None) -> None:
        self._lock = threading.Lock()
        self.garments: list[Garment] = []
        self._bindings: dict[str, GarmentBinding] = {}
        self.skipped: list[str] = []
        self._current = 0
        self.set_garments(garments, garment_id)

    def set_garments(self, garments: Sequence[Garment], garment_id: str | None = None) -> None:
        """Bind every garment up front so a switch costs nothing; garments that cannot be bound are skipped."""
        bindings: dict[str, GarmentBinding] = {}
        kept: list[Garment] = []
        skipped: list[str] = []

        def bind(garment: Garment) -> GarmentBinding | str:
            try:
                return bind_garment(garment)
            except (ValueError, KeyError, IndexError, ZeroDivisionError) as exc:
                return f"garment {garment.id}: cannot be fitted ({exc}); check its anchors"

        # OpenCV does most of the binding with the GIL released: two cores halve a catalog switch.
        with ThreadPoolExecutor(max_workers=2) as pool:
            for garment, bound in zip(garments, pool.map(bind, garments), strict=True):
                if isinstance(bound, str):
                    skipped.append(bound)
                else:
                    bindings[garment.id] = bound
                    kept.append(garment)
        with self._lock:
            previous = self.garments[self._current].id if self.garments else None
            self.garments, self._bindings, self.skipped = kept, bindings, skipped
            wanted = garment_id or previous
            ids = [g.id for g in kept]
            self._current = ids.index(wanted) if wanted in ids else 0
        for line in skipped:
            log.warning(line)

    def adopt(self, other: Wardrobe) -> None:
        """Take over another wardrobe's garments and bindings (bound elsewhere), keeping the worn one if it can."""
        with other._lock:
            garments, bindings, skipped = list(other.garments), dict(other._bindings), list(other.skipped)
        with self._lock:
            previous = self.garments[self._current].id if self.garments else None
            self.garments, self._bindings, self.skipped = garments, bindings, skipped
            ids = [g.id for g in garments]
            self._current = ids.index(previous) if previous in ids else 0

    @property
    def current(self) -> Garment | None:
        """The garment being worn (None with an empty wardrobe)."""
        return self.garments[self._current] if self.garments else None

    def select(self, garment_id: str) -> bool:
        """Wear the garment with this id; False if there is none."""
        with self._lock:
            ids = [g.id for g in self.garments]
            if garment_id not in ids:
                return False
            self._current = ids.index(garment_id)
            return True

    def step(self, delta: int) -> None:
        """Wear the next (+1) or previous (-1) garment, wrapping around."""
        with self._lock:
            if self.garments:
                self._current = (self._current + delta) % len(self.garments)

    def learned_models(self) -> list[str]:
        """The learned generator models the garments name (catalog `model` key), to open before they are worn."""
        with self._lock:
            return [str(g.extras["model"]) for g in self.garments if g.extras.get("model")]

    def items(self) -> list[tuple[Garment, GarmentBinding]]:
        """Every garment with its binding (for preloading textures and meshes)."""
        with self._lock:
            return [(g, self._bindings[g.id]) for g in self.garments]

    def worn(self) -> tuple[Garment, GarmentBinding] | None:
        """The current garment with its binding, read together."""
        with self._lock:
            if not self.garments:
                return None
            garment = self.garments[self._current]
            return garment, self._bindings[garment.id]


class FrameProcessor:
    """Tracking and the generator for one frame: the part of the path that needs no GL context."""

    def __init__(self, tracker: PoseTracker | None, generator: GarmentGenerator, wardrobe: Wardrobe) -> None:
        self.tracker = tracker  # None: no pose model, the plain mirror
        self.generator = generator
        self.wardrobe = wardrobe
        self.steady = FitInputSmoother()
        self.forearms = ConstantWidth()  # a forearm's stray width reading (the ray across a bent elbow) is dropped
        self._warm: set[int] = set()  # graphs that ran once (the first run prints TFLite's chatter)
        self._warned_unplaceable = False  # a non-finite fit was logged (once: it may recur every frame)
        if generator is not None:  # opening an ONNX session on the drawing thread would stall the first frame
            generator.open_learned(wardrobe.learned_models())

    @property
    def pose_model(self) -> str:
        """The landmark model tracking ("" without a tracker: the plain mirror)."""
        return self.tracker.model if self.tracker is not None else ""

    @property
    def pose_threads(self) -> int:
        """How many pose threads can track at once (one per MediaPipe graph)."""
        return self.tracker.detectors if self.tracker is not None else 1

    def track(self, frame: Frame, clock: StageClock, slot: int = 0) -> Tracked:
        """Run the pose model (the slow, CPU-bound stage: it runs on its own thread and does nothing else);
        `slot`: the pose thread's own graph."""
        detection = None
        if self.tracker is not None:
            if slot not in self._warm:
                with silenced():  # the first inference prints TFLite's delegate chatter
                    detection = self.tracker.detect(frame, slot)
                self._warm.add(slot)
            else:
                detection = self.tracker.detect(frame, slot)
        clock.lap("pose")  # stage_ms is this clock's own dict
        return Tracked(frame, None, clock.ms, detection=detection)

    def follow(self, tracked: Tracked) -> Tracked:
        """Choose, smooth, mask and measure the person of a detection (frames in order; once per frame).

        Off the pose thread, which limits frames per second: this ~1.5-2 ms of Python there made it wait
        for the GIL held by the drawing thread.
        """
        if tracked.detection is not None and self.tracker is not None:
            detection, tracked.detection = tracked.detection, None
            tracked.body = self.tracker.follow(detection)
        return tracked

    def dress(self, tracked: Tracked, clock: StageClock) -> Processed:
        """Follow the tracked person and pose the garment worn right now on them (a switch shows on the next frame)."""
        clock.restart()
        self.follow(tracked)
        clock.lap("smooth")
        fit = None
        worn = self.wardrobe.worn()
        garment = worn[0] if worn else None
        body = tracked.body
        if body is not None and worn is not None:
            # The tracker measures the widths, shoulder tops, arm reach and forearm widths (PoseTracker.follow, the
            # `smooth` stage); a body made elsewhere (tests) is measured here.
            # The compositor gets the steadied body too: its occluders read the same calmed visibility as
            # the sleeves, so an arm does not flicker in front of the garment when MediaPipe's score wavers.
            # The measures are steadied together: all follow the mask's flickering edge.
            body, measured = fit_measures(body, tracked.frame.image)
            measured[5] = self.forearms(body, measured[5])
            body, steady = self.steady(body, measured)
            fit = self.generator.fit(
                body,
                worn[1],
                steady[:3],
                worn[0].extras.get("model"),
                shoulder_tops=steady[3],
                arm_reach=steady[4],
                forearm_widths=steady[5],
            )
            if not (math.isfinite(fit.opacity) and np.isfinite(fit.vertices_px).all()):
                # A learned model's non-finite output (a badly trained one) gives the garment no place: this frame
                # shows the camera alone rather than stopping the compositor on it.
                if not self._warned_unplaceable:
                    log.warning("the generator gave the garment no place (non-finite output): frames shown without it")
                    self._warned_unplaceable = True
                fit = None
            elif fit.opacity <= 0.01:
                fit = None
        clock.lap("generator")
        return Processed(tracked.frame, body, fit, garment, tracked.stage_ms | clock.ms)

    def process(self, frame: Frame, clock: StageClock) -> Processed:
        """Track and dress one frame in one go (tests, simple callers)."""
        return self.dress(self.track(frame, clock), StageClock())


def build_stages(
    people: int = 1,
    require_pose: bool = True,
    fp16: bool = False,
    pose_threads: int = POSE_THREADS,
    pose_model: PoseModelName = DEFAULT_POSE_MODEL,
) -> tuple[PoseTracker | None, GarmentGenerator, list[str]]:
    """The pose tracker and the generator, with what the user must be told (`fp16`: TensorRT in fp16;
    `pose_threads`: MediaPipe graphs, one per pose thread; `pose_model`: "full" or "lite").

    Without a usable pose model: raises PoseModelError when `require_pose`, else returns no tracker (the
    window then runs as a plain mirror and says why).
    """
    notices: list[str] = []
    tracker: PoseTracker | None
    try:
        tracker = open_tracker(people, pose_threads, pose_model, notices)
    except PoseModelError as exc:
        if require_pose:
            raise
        notices.append(f"{exc}; showing the plain mirror without garments")
        tracker = None
    generator = GarmentGenerator(fp16=fp16)
    return tracker, generator, notices + generator.notices


def open_tracker(people: int, pose_threads: int, pose_model: PoseModelName, notices: list[str]) -> PoseTracker:
    """The tracker on the chosen landmark model, else on the other one with a notice: a lost bundle of one
    model keeps the mirror dressing people. Raises the chosen model's PoseModelError when neither loads."""
    first_error: PoseModelError | None = None
    for name in (pose_model, *(other for other in POSE_MODELS if other != pose_model)):
        try:
            # One person by default: following several costs ~11 ms more per frame here (the detector then
            # runs every frame); with one, MediaPipe tracks the person it found and never hops.
            with silenced():
                tracker = PoseTracker(model_path=pose_model_path(name), num_poses=people, detectors=pose_threads)
        except PoseModelError as exc:
            first_error = first_error or exc
            continue
        if first_error is not None:
            notices.append(f"{first_error}; tracking with the {name} pose model meanwhile")
        return tracker
    assert first_error is not None
    raise first_error


def output_anchors(fit: Fit | None, width: int, mirror: bool) -> dict[str, list[float]] | None:
    """Anchors in the output image's pixels: mirrored like the picture when the mirror is on."""
    if fit is None:
        return None
    return {
        name: [round(width - x if mirror else x, 2), round(y, 2)] for name, (x, y) in sorted(fit.anchors_px.items())
    }


def frame_record(done: Processed, latency_ms: float, width: int, mirror: bool) -> dict[str, Any]:
    """The stats entry of one frame."""
    return {
        "index": done.frame.index,
        "person": done.body is not None,
        "latency_ms": round(latency_ms, 3),
        "stage_ms": {k: round(v, 3) for k, v in done.stage_ms.items()},
        "anchors_px": output_anchors(done.fit, width, mirror),
    }


_END = object()


def _put_blocking(q: queue.Queue[Any], item: Any, stop: threading.Event) -> None:
    """Put, waiting for room, unless asked to stop (headless never drops a frame)."""
    while not stop.is_set():
        try:
            q.put(item, timeout=0.1)
            return
        except queue.Full:
            continue


def _put_newest(q: queue.Queue[Any], item: Any) -> None:
    """Put, dropping the oldest item when full (live: never wait, never show the past)."""
    while True:
        try:
            q.put_nowait(item)
            return
        except queue.Full:
            with contextlib.suppress(queue.Empty):
                q.get_nowait()


GIL_SWITCH_S = 0.0005
"""The pose thread spends its time in short stretches of Python between long native calls; with Python's
default 5 ms switch interval it waits that long for the GIL each time the render thread holds it, which
more than doubled the pose time here (22 -> 54 ms). Half a millisecond keeps the two threads overlapping."""


IN_FLIGHT = 2
"""Headless: frames a pose thread may have taken that the drawing side has not yet taken on. With two
graphs and no limit, frames queued behind each other while the cores were full: taiji 43-46 fps at
latency p50 70-74 / p95 88-95 ms; with 2, 44 fps at 64-66 / 78-82 ms (same machine, alternating runs)."""


RENICE_EVERY = 150
"""Frames between looks for new worker threads to lower (a camera reopened, a new decoder)."""


class ProcessingThread:
    """Runs pose tracking on worker threads and hands `Tracked` frames on, in order, through a queue of two.

    A reader thread takes frames from the source and measures the picture's motion, so the pose threads,
    which limit frames per second, only track. There is one pose thread per MediaPipe graph the tracker
    has (FrameProcessor.pose_threads): a graph works on about one core, so with two, frames are tracked two
    at a time and handed on in the order they were taken. `live=False` (headless, bench): the reader decodes
    ahead (queue of two), the queues block, so every frame is processed and none dropped; a frame counts as
    captured when a pose thread takes it (minus its decode time), as a camera would deliver it then.
    `live=True`: the reader keeps only the newest frame and the results only the newest result, so frames
    the mirror cannot take are dropped where they come in; a frame's capture time is the source's own. The
    consumer dresses and draws (see FrameProcessor.dress).
    """

    def __init__(
        self,
        source: Source,
        processor: FrameProcessor,
        live: bool,
        max_frames: int | None = None,
        on_result: Callable[[], None] | None = None,
    ) -> None:
        self.source = source
        self.processor = processor
        self.live = live
        self.max_frames = max_frames
        self.on_result = on_result
        self.results: queue.Queue[Any] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(slot,), name=f"mirror-pose-{slot}", daemon=True)
            for slot in range(processor.pose_threads)
        ]
        self._take = threading.Lock()  # frames are taken, and numbered, one thread at a time
        self._taken = 0
        self._end_at: int | None = None  # the number of the end marker: nothing after it is handed on
        self._turn = threading.Condition()  # results leave in the order their frames were taken
        self._next_out = 0
        self._room = threading.Condition()  # headless: frames taken but not yet drawn stay <= IN_FLIGHT
        self._got = 0
        # Headless decodes two frames ahead: on 2 cores it bought ~15% more frames per second (taiji 30 -> 35
        # fps, 640x480 42 -> 46 fps) for ~10 ms more p95 latency, measured side by side with `mirror-app bench`.
        # Live keeps one, the newest: decoding and the motion check then overlap pose without adding latency.
        self._decoded: queue.Queue[Any] = queue.Queue(maxsize=1 if live else 2)
        self._reader = threading.Thread(target=self._read_ahead, name="mirror-reader", daemon=True)

    def start(self) -> None:
        sys.setswitchinterval(GIL_SWITCH_S)
        self._reader.start()
        for thread in self._threads:
            thread.start()

    @property
    def stopping(self) -> bool:
        """Whether the worker was asked to stop (its end is then not the source ending)."""
        return self._stop.is_set()

    @property
    def running(self) -> bool:
        """Whether any of its threads (the reader, the pose threads) still runs."""
        return self._reader.is_alive() or any(t.is_alive() for t in self._threads)

    def stop(self) -> None:
        """Ask the workers to finish and wait for them."""
        self._stop.set()
        while self.running:
            for q in (self.results, self._decoded):
                with contextlib.suppress(queue.Empty):
                    q.get_nowait()
            for thread in (*self._threads, self._reader):
                thread.join(timeout=0.05)

    def _hand_on(self, q: queue.Queue[Any], item: Any) -> None:
        """Live: keep only the newest item; headless: wait for room (nothing is dropped)."""
        if self.live:
            _put_newest(q, item)
        else:
            _put_blocking(q, item, self._stop)

    def _put_in_order(self, number: int, item: Any) -> None:
        """Hand a result on once every earlier frame's has gone (or drop it: past the end, or stopping)."""
        with self._turn:
            while self._next_out != number:
                if self._stop.is_set() or (self._end_at is not None and number > self._end_at):
                    return
                self._turn.wait(0.05)
            self._hand_on(self.results, item)
            self._next_out += 1
            self._turn.notify_all()
        if self.on_result is not None:
            self.on_result()

    def _wait_for_room(self) -> None:
        """Headless: take a frame only while fewer than IN_FLIGHT wait for, or are in, pose (latency)."""
        with self._room:
            while self._taken - self._got >= IN_FLIGHT and not self._stop.is_set():
                self._room.wait(0.05)

    def _read_ahead(self) -> None:
        """Decode the next frame and measure its motion while the tracker works on this one."""
        count = 0
        motion = ImageMotion()
        try:
            while not self._stop.is_set() and (self.max_frames is None or count < self.max_frames):
                if self.live:
                    self.source.pace()  # waiting for the next frame is not a stage
                start = time.perf_counter_ns()
                frame = self.source.read()
                if frame is None:
                    break
                decode_ns = time.perf_counter_ns() - start
                # The picture's motion is measured here, off the pose thread (which limits frames per second).
                frame = dataclasses.replace(frame, motion=motion.update(frame.image))
                self._hand_on(self._decoded, (frame, decode_ns))
                count += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the consumer
            self.error = exc
            log.exception("reading stopped")
        finally:
            _put_blocking(self._decoded, _END, self._stop)

    def _next_frame(self, clock: StageClock) -> Frame | None:
        """The reader's next frame (None at its end, or when stopping), timed as captured now when headless."""
        while True:
            try:
                item = self._decoded.get(timeout=0.1)
                break
            except queue.Empty:
                if self._stop.is_set():
                    return None
        if item is _END:
            return None
        frame, decode_ns = item
        clock.ms["decode"] = decode_ns / 1e6
        clock.restart()
        if self.live:
            return frame  # captured when the source delivered it: time in the slot is latency too
        return dataclasses.replace(frame, capture_ns=time.monotonic_ns() - decode_ns)

    def _run(self, slot: int) -> None:
        number = -1
        try:
            while not self._stop.is_set():
                clock = StageClock()
                with self._take:
                    if self._end_at is not None:  # another pose thread met the end
                        return
                    if not self.live:
                        self._wait_for_room()
                    number, self._taken = self._taken, self._taken + 1
                    frame = self._next_frame(clock)
                    if frame is None:
                        self._end_at = number
                        break
                self._put_in_order(number, self.processor.track(frame, clock, slot))
                if number % RENICE_EVERY == 0:  # the model's and decoder's threads exist once a frame went through
                    yield_to_drawing()
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which reports it
            self.error = exc
            log.exception("processing stopped")
            with self._take:
                if self._end_at is None or number < self._end_at:
                    self._end_at = number
        self._put_in_order(number, _END)

    def get(self, timeout: float | None = None) -> Tracked | None:
        """The next result; None at the end of the source (or when nothing came within timeout, if live)."""
        try:
            item = self.results.get(timeout=timeout)
        except queue.Empty:
            return None
        if item is _END:
            self._finished = True
            return None
        if not self.live:
            with self._room:
                self._got += 1
                self._room.notify_all()
        return item


class VideoSink:
    """Writes composited frames to a video file at the source's resolution, on its own thread.

    Encoding (~8 ms a 720p frame here) would otherwise sit on the compositing thread and make it, not pose,
    the slowest stage; OpenCV encodes with the GIL released, so a writer thread overlaps it. Every frame is
    written, in order (the queue blocks when full).
    """

    def __init__(self, path: Path, size: tuple[int, int], fps: float) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps or 30.0, size)
        if not self._writer.isOpened():
            raise OSError(f"cannot write video {path}: OpenCV has no encoder for it (use an .mp4 or .avi name)")
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=4)
        self._thread = threading.Thread(target=self._drain, name="mirror-encoder", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while (image := self._queue.get()) is not None:
            self._writer.write(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))

    def write(self, image_rgb: np.ndarray) -> None:
        """Queue a frame for encoding (the caller must not change the array afterwards)."""
        self._queue.put(image_rgb)

    def close(self) -> None:
        """Finish writing every queued frame, then close the file."""
        self._queue.put(None)
        self._thread.join()
        self._writer.release()


def split_readback(clock: StageClock, split: dict[str, float] | None) -> None:
    """Report reading the picture back (and pasting it into the frame) apart from the GL work."""
    if not split or "render" not in clock.ms:
        return
    back = min(split.get("readback", 0.0) + split.get("copy", 0.0), clock.ms["render"])
    clock.ms["render"] -= back
    clock.ms["readback"] = back


def run_headless(
    source: Source,
    processor: FrameProcessor,
    renderer: Any,
    mirror: bool,
    out: Path | None = None,
    stats: StatsRecorder | None = None,
    max_frames: int | None = None,
    on_frame: Callable[[int], None] | None = None,
) -> StatsRecorder:
    """Process every frame of the source (no pacing, no drops), compositing and optionally encoding each."""
    stats = stats or StatsRecorder(source=source.name, provider=processor.generator.provider)
    stats.pose_model = processor.pose_model
    worker = ProcessingThread(source, processor, live=False, max_frames=max_frames)
    sink: VideoSink | None = None
    stats.start()
    worker.start()
    try:
        while True:
            tracked = worker.get()
            if tracked is None:
                break
            clock = StageClock()
            done = processor.dress(tracked, clock)
            image = renderer.render(done.frame.image, done.body, done.fit)
            clock.lap("render")
            split_readback(clock, getattr(renderer, "last_stage_ms", None))
            latency_ms = (time.monotonic_ns() - done.frame.capture_ns) / 1e6
            h, w = image.shape[:2]
            if out is not None:
                if sink is None:
                    sink = VideoSink(out, (w, h), source.fps)
                sink.write(image)
                clock.lap("encode")
            stats.resolution = (w, h)
            done.stage_ms.update(clock.ms)
            stats.add(frame_record(done, latency_ms, w, mirror))
            if on_frame is not None:
                on_frame(done.frame.index)
    finally:
        worker.stop()
        if sink is not None:
            sink.close()
    if worker.error is not None:
        raise worker.error
    return stats
