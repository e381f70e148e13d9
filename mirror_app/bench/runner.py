"""`mirror-app bench`: the real pipeline headless over a recorded video, measured after a warm-up.

Every frame is decoded, tracked, fitted and composited (no pacing, no drops, no pre-decoding: decode is
a measured stage). The first `warmup` frames run through the same path but are left out of every figure,
so model start-up and first-use costs (shader compiles, allocator growth) do not pollute steady state.
With `compare`, the same frames are decoded again and run through the naive baseline (baseline.py).
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mirror_app.bench.baseline import BASELINE_STAGES, LIMITS, NaivePaste, naive_tracker, run_baseline
from mirror_app.bench.columns import ColumnStats
from mirror_app.bench.resources import Snapshot, peak_rss_mb, reset_peak_rss, rss_mb, usable_cores, usage_between
from mirror_app.capture.errors import SourceError
from mirror_app.capture.open import open_source
from mirror_app.capture.prepend import Prepended
from mirror_app.capture.source import Source
from mirror_app.config import DEFAULT_POSE_MODEL, MAX_POSE_THREADS, POSE_THREADS, PoseModelName
from mirror_app.native_logs import silenced
from mirror_app.stats import StatsRecorder, percentiles

log = logging.getLogger(__name__)

OUR_STAGES = ("decode", "pose", "smooth", "generator", "render", "readback", "encode")
NON_GARMENT_STAGES = ("decode", "pose", "smooth", "encode")
EXIT_OK, EXIT_SETUP, EXIT_BAD_INPUT = 0, 1, 2


class BenchError(Exception):
    """The bench cannot produce figures for this input (too few frames, no garments); the message says why."""


@dataclass
class RunMeter:
    """Snapshots CPU, wall clock and RSS at the end of warm-up and after each counted frame of one run."""

    warmup: int
    done: int = 0
    start: Snapshot | None = None
    end: Snapshot | None = None
    rss_end_mb: float = 0.0
    peak_mb: float = 0.0
    rss_samples: list[tuple[float, float]] = field(default_factory=list)  # (seconds after warm-up, MiB)

    def arm(self) -> None:
        """Call just before the first frame: with no warm-up, the measured window starts here."""
        if self.warmup == 0:
            self.start = Snapshot.take()

    def frame_done(self, _index: int = 0) -> None:
        """Call once a frame is fully done (composited); the last warm-up frame opens the window."""
        self.done += 1
        if self.done == self.warmup:
            self.start = Snapshot.take()
            self.rss_samples.append((0.0, self.start.rss_mb))
        elif self.done > self.warmup:
            self.end = Snapshot.take(with_rss=False)
            if self.start is not None and self.done % RSS_EVERY == 0:
                self.rss_samples.append(((self.end.wall_ns - self.start.wall_ns) / 1e9, rss_mb()))

    def finish(self) -> None:
        """Call when the run is over, before anything is released, to read memory at the end."""
        self.rss_end_mb = rss_mb()
        self.peak_mb = peak_rss_mb()
        if self.start is not None and self.end is not None:
            self.rss_samples.append(((self.end.wall_ns - self.start.wall_ns) / 1e9, self.rss_end_mb))


RSS_EVERY = 60
"""Frames between samples of resident memory (about two seconds; reading /proc costs ~30 us)."""


def rss_trend_mb_per_10min(samples: Sequence[tuple[float, float]]) -> float | None:
    """Least-squares slope of RSS over the run's later 80 % (start-up growth left out), as MiB per 10 minutes.

    A leak shows as a steady slope; memory that settles after warm-up gives ~0. None for runs under a minute,
    too short for a slope to mean anything.
    """
    if len(samples) < 3 or samples[-1][0] < 60.0:
        return None
    t = np.array([s[0] for s in samples])
    mb = np.array([s[1] for s in samples])
    later = t >= 0.2 * t[-1]
    slope = np.polyfit(t[later], mb[later], 1)[0] if later.sum() >= 3 else 0.0
    return round(float(slope) * 600.0, 1)


def summarise_run(
    stats: StatsRecorder,
    meter: RunMeter,
    stage_order: Sequence[str],
    peak_scope: str = "run",
    cores: int | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One run's figures over the counted frames only (the first `meter.warmup` records are dropped), and its series."""
    records = stats.rows()
    measured = records[meter.warmup :]
    if not measured or meter.start is None or meter.end is None:
        raise BenchError(
            f"source {stats.source} gave {len(records)} frames: need more than the {meter.warmup} warm-up frames"
        )
    cores = cores or usable_cores()
    usage = usage_between(meter.start, meter.end, cores)
    n = len(measured)
    seen = {s for r in measured for s in r["stage_ms"]}
    stages = [s for s in stage_order if s in seen] + sorted(seen.difference(stage_order))
    stage_series = {s: [float(r["stage_ms"].get(s, 0.0)) for r in measured] for s in stages}
    work = [sum(r["stage_ms"].values()) for r in measured]
    garment = [sum(v for k, v in r["stage_ms"].items() if k not in NON_GARMENT_STAGES) for r in measured]
    summary = {
        "frames": n,
        "warmup_frames": meter.warmup,
        "first_index": measured[0]["index"],
        "frames_with_person": sum(1 for r in measured if r["person"]),
        # From the exact window, not the rounded wall_s (a sub-millisecond window would round to zero).
        "fps": round(n * 1e9 / max(meter.end.wall_ns - meter.start.wall_ns, 1), 2),
        "wall_s": usage["wall_s"],
        "latency_ms": percentiles([r["latency_ms"] for r in measured]),
        "stage_ms": {s: percentiles(v, (50, 95)) for s, v in stage_series.items()},
        "work_ms": percentiles(work, (50, 95)),
        "garment_ms": percentiles(garment, (50, 95)),
        "cpu": {**usage, "ms_per_frame": round(1000.0 * usage["cpu_s"] / n, 2)},
        "memory": {
            "peak_rss_mb": round(meter.peak_mb, 1),
            "peak_scope": peak_scope,
            "rss_after_warmup_mb": round(meter.start.rss_mb, 1),
            "rss_end_mb": round(meter.rss_end_mb, 1),
            "growth_mb": round(meter.rss_end_mb - meter.start.rss_mb, 1),
            "trend_mb_per_10min": rss_trend_mb_per_10min(meter.rss_samples),
        },
        "provider": stats.provider,
        "resolution": list(stats.resolution),
    }
    series = {
        "index": [r["index"] for r in measured],
        "latency_ms": [float(r["latency_ms"]) for r in measured],
        "stage_ms": stage_series,
        "rss_mb": [[round(t, 2), round(mb, 1)] for t, mb in meter.rss_samples],
    }
    return summary, series


# (figure path in a run summary, the better direction); stage figures are added for the stages both runs have.
FIGURES: tuple[tuple[str, str], ...] = (
    ("fps", "higher"),
    ("latency_ms.p50", "lower"),
    ("latency_ms.p95", "lower"),
    ("latency_ms.p99", "lower"),
    ("work_ms.p50", "lower"),
    ("work_ms.p95", "lower"),
    ("garment_ms.p50", "lower"),
    ("garment_ms.p95", "lower"),
    ("cpu.ms_per_frame", "lower"),
    ("cpu.percent_of_one_core", "lower"),
    ("cpu.percent_of_all_cores", "lower"),
    ("memory.peak_rss_mb", "lower"),
    ("memory.growth_mb", "lower"),
)


def figure(summary: dict[str, Any], path: str) -> float:
    """A number in a run summary by its dotted path (`latency_ms.p95`)."""
    value: Any = summary
    for key in path.split("."):
        value = value[key]
    return float(value)


def compare_runs(ours: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """Every figure side by side with its ratio ours / baseline and which direction is better."""
    paths = list(FIGURES)
    for stage in ours["stage_ms"]:
        if stage in baseline["stage_ms"]:
            paths += [(f"stage_ms.{stage}.p50", "lower"), (f"stage_ms.{stage}.p95", "lower")]
    figures: dict[str, Any] = {}
    for path, better in paths:
        a, b = figure(ours, path), figure(baseline, path)
        ratio = a / b if b else None
        # From the values, not the ratio: a ratio over a negative figure (RSS growth can be) points the wrong way.
        ours_better = None if a == b else (a > b) == (better == "higher")
        figures[path] = {
            "ours": a,
            "baseline": b,
            "ratio": round(ratio, 4) if ratio is not None else None,
            "better": better,
            "ours_better": ours_better,
        }
    return {
        "ratio": "ours / baseline",
        "better": "'higher' or 'lower': which way the figure is better (for positive figures, the ratio too)",
        "figures": figures,
        "baseline_limits": LIMITS,
        "notes": [
            "work_ms: sum of a frame's stage times (the compute it costs, whichever thread ran it); "
            "our pose and generator run on a worker thread beside the compositor, so our fps is not 1000/work_ms",
            "garment_ms: our generator + render + readback against the baseline's resize-and-paste + flip",
            "cpu.percent_*: lower leaves more headroom, but read it with fps: a pipeline that keeps both cores "
            "busy uses more CPU per second to deliver more frames; cpu.ms_per_frame is the like-for-like figure",
            "the two runs are sequential in one process (ours first); peak RSS is reset between them, but the "
            "baseline's RSS still includes libraries and allocator pools our run left loaded",
        ],
    }


def _round(number: int, ours: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """One round's frame rates, latency and load, ours beside the baseline's."""
    fps, base_fps = float(ours["fps"]), float(baseline["fps"])
    return {
        "round": number,
        "fps": {"ours": fps, "baseline": base_fps},
        "fps_ratio": round(fps / base_fps, 4) if base_fps else None,
        "latency_p95_ms": {"ours": ours["latency_ms"]["p95"], "baseline": baseline["latency_ms"]["p95"]},
        "load_average": round(os.getloadavg()[0], 2),
    }


def _spread(values: list[float]) -> dict[str, float | None]:
    """Median, lowest and highest of some ratios (None each when there are none)."""
    if not values:
        return {"median": None, "min": None, "max": None}
    return {"median": round(float(np.median(values)), 4), "min": min(values), "max": max(values)}


def _open(spec: str, total: int | None) -> Source:
    """A recorded (non-live) source: a camera would pace the bench at its own frame rate."""
    src, _notices = open_source(spec, live=False, frames=total)
    if src.live:
        src.close()
        raise SourceError(f"cannot bench {spec}: it is a camera; record a video and bench that file")
    return src


def _host() -> dict[str, Any]:
    """What the figures were measured on: they only compare with figures from the same kind of machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": usable_cores(), "python": platform.python_version(), "system": platform.system()}


def _tryon_renderer(tryon: str, wardrobe: Any, mirror: bool) -> tuple[Any, str]:
    """The full-image try-on network in the compositor's place (as `mirror-app tryon` runs it), and its name."""
    from mirror_app.learn.fullimage import FullImageModelError, TryOnRenderer, open_tryon

    try:
        net = open_tryon(tryon)
    except FullImageModelError as exc:
        raise BenchError(str(exc)) from None
    w, h = net.size
    return TryOnRenderer(net, wardrobe.current, mirror), f"full-image try-on network {tryon} ({w}x{h}, no GL)"


def _run_ours(
    spec: str,
    total: int | None,
    warmup: int,
    wardrobe: Any,
    mirror: bool,
    video_out: Path | None,
    tryon: str | None = None,
    pose_threads: int = POSE_THREADS,
    pose_model: PoseModelName = DEFAULT_POSE_MODEL,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Our pipeline exactly as `mirror-app run --headless` builds it (or `mirror-app tryon`, with `tryon`)."""
    from mirror_app.generator.runtime import GarmentGenerator
    from mirror_app.pipeline import FrameProcessor, run_headless
    from mirror_app.render.offscreen import OffscreenRenderer
    from mirror_app.render.settings import CompositorSettings
    from mirror_app.tracking.landmarker import PoseTracker, pose_model_path

    gc.collect()
    scope = "run" if reset_peak_rss() else "process"
    src = _open(spec, total)
    tracker = renderer = None
    try:
        first = src.read()
        if first is None:
            raise BenchError(f"source {src.name} gave no frames")
        h, w = first.image.shape[:2]
        with silenced():
            tracker = PoseTracker(pose_model_path(pose_model), num_poses=1, detectors=pose_threads)
        generator = GarmentGenerator()
        if tryon is not None:
            renderer, drawn_by = _tryon_renderer(tryon, wardrobe, mirror)
        else:
            renderer = OffscreenRenderer(w, h, CompositorSettings(mirror=mirror))
            for garment, binding in wardrobe.items():
                renderer.compositor.preload(garment, binding.mesh)
            drawn_by = str(renderer.ctx.info.get("GL_RENDERER", "?"))
        processor = FrameProcessor(tracker, generator, wardrobe)
        stats = ColumnStats(source=src.name, provider=generator.provider)
        meter = RunMeter(warmup)
        meter.arm()
        run_headless(
            Prepended(first, src),
            processor,
            renderer,
            mirror=mirror,
            out=video_out,
            stats=stats,
            max_frames=total,
            on_frame=meter.frame_done,
        )
        meter.finish()
        stats.provider = generator.provider  # it may have fallen back to CPU during the run
        extra = {
            "source": src.name,
            "source_resolution": [w, h],
            "source_fps": src.fps,
            "gl_renderer": drawn_by,
            "notices": list(generator.notices),
        }
    finally:
        if tracker is not None:
            tracker.close()
        if renderer is not None and hasattr(renderer, "release"):
            renderer.release()
        src.close()
    summary, series = summarise_run(stats, meter, OUR_STAGES, scope)
    summary["gl_renderer"] = extra["gl_renderer"]
    return summary, series, extra


def _run_naive(
    spec: str, total: int | None, warmup: int, garment: Any, mirror: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The naive baseline over the same frames, decoded again from the source."""
    gc.collect()
    scope = "run" if reset_peak_rss() else "process"
    src = _open(spec, total)
    tracker = None
    try:
        with silenced():
            # It only pastes by the shoulders: no widths, no picture-motion check, no person mask (webcam scripts
            # have none of them).
            tracker = naive_tracker()
        stats = ColumnStats(source=src.name, provider="none (no generator)")
        meter = RunMeter(warmup)
        meter.arm()
        run_baseline(src, tracker, NaivePaste(garment, mirror), stats, max_frames=total, on_frame=meter.frame_done)
        meter.finish()
    finally:
        if tracker is not None:
            tracker.close()
        src.close()
    return summarise_run(stats, meter, BASELINE_STAGES, scope)


def run_bench(
    source: str,
    frames: int | None,
    out_dir: Path | None,
    compare: bool,
    warmup: int = 10,
    encode: bool = False,
    mirror: bool = True,
    catalog: Path | None = None,
    garment_id: str | None = None,
    tryon: str | None = None,
    rounds: int = 1,
    pose_threads: int = POSE_THREADS,
    pose_model: PoseModelName = DEFAULT_POSE_MODEL,
) -> dict[str, Any]:
    """Bench the pipeline (and, with `compare`, the naive baseline) over `warmup` + `frames` frames of a source.

    `rounds` (with `compare`): run ours and the baseline that many times, alternating, so a load from outside
    that comes and goes falls on both; the main figures are the first round's, `comparison.rounds` holds
    every round's frame rates and `comparison.fps_ratio` their median and range.

    `frames` counts measured frames (None: all the source has after the warm-up). Writes bench.json and
    bench.png into `out_dir` when given (and bench.mp4 with `encode`), and returns the same dict. `tryon`
    (an ONNX file of the full-image contract, or "tiny"): a full-image try-on network draws the garment
    instead of the compositor, and its cost is the `render` stage. `pose_threads`: MediaPipe graphs tracking
    side by side in our pipeline (the baseline has one, as the scripts do). `pose_model`: our landmark
    model, "full" or "lite" (the baseline keeps full, the scripts' default).
    """
    from mirror_app.bench.report import write_json, write_plot
    from mirror_app.catalog.loader import load_catalog_or_default
    from mirror_app.pipeline import Wardrobe

    if warmup < 0:
        raise ValueError("warmup must be >= 0")
    if frames is not None and frames < 1:
        raise ValueError("frames must be >= 1")
    if encode and out_dir is None:
        raise ValueError("encode needs out_dir, where bench.mp4 is written")
    if rounds < 1:
        raise ValueError("rounds must be >= 1")
    if not 1 <= pose_threads <= MAX_POSE_THREADS:
        raise BenchError(f"--pose-threads must be 1 to {MAX_POSE_THREADS}")
    if rounds > 1 and not compare:
        raise BenchError("--rounds alternates ours with the baseline: add --compare")
    total = warmup + frames if frames is not None else None
    loaded = load_catalog_or_default(catalog)
    wardrobe = Wardrobe(loaded.garments, garment_id)
    worn = wardrobe.worn()
    if worn is None:
        raise BenchError(f"catalog {loaded.name} has no garment that can be worn")
    load_before = os.getloadavg()
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    video_out = out_dir / "bench.mp4" if encode and out_dir is not None else None

    ours, ours_series, extra = _run_ours(
        source, total, warmup, wardrobe, mirror, video_out, tryon, pose_threads, pose_model
    )
    baseline = baseline_series = comparison = None
    if compare:
        baseline, baseline_series = _run_naive(source, total, warmup, worn[0], mirror)
        if baseline["frames"] != ours["frames"]:
            log.warning("baseline counted %d frames, ours %d", baseline["frames"], ours["frames"])
        comparison = compare_runs(ours, baseline)
        played = [_round(1, ours, baseline)]
        for number in range(2, rounds + 1):
            again, _series, _extra = _run_ours(
                source, total, warmup, wardrobe, mirror, None, tryon, pose_threads, pose_model
            )
            base_again, _base_series = _run_naive(source, total, warmup, worn[0], mirror)
            played.append(_round(number, again, base_again))
        comparison["rounds"] = played
        comparison["fps_ratio"] = _spread([r["fps_ratio"] for r in played if r["fps_ratio"] is not None])

    result: dict[str, Any] = {
        "bench": {
            "source": extra["source"],
            "source_resolution": extra["source_resolution"],
            "source_fps": extra["source_fps"],
            "frames_requested": frames,
            "warmup": warmup,
            "mirror": mirror,
            "encode": encode,
            "garment": worn[0].id,
            "tryon": tryon,
            "pose_threads": pose_threads,
            "pose_model": pose_model,
            "provider": ours["provider"],
            "gl_renderer": extra["gl_renderer"],
            "started_utc": started,
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "host": _host(),
            "notices": extra["notices"],
            "latency": "from the moment a frame is decoded (its capture time) to the composited image in memory",
        },
        "ours": ours,
        "baseline": baseline,
        "comparison": comparison,
        "series": {"ours": ours_series, "baseline": baseline_series},
    }
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_json(result, out_dir / "bench.json")
        write_plot(result, out_dir / "bench.png")
        result["files"] = [str(out_dir / "bench.json"), str(out_dir / "bench.png")]
        if video_out is not None:
            result["files"].append(str(video_out))
    return result


def bench_command(
    source: str,
    frames: int | None = None,
    out: Path | None = None,
    compare: bool = False,
    warmup: int = 10,
    encode: bool = False,
    catalog: Path | None = None,
    garment_id: str | None = None,
    tryon: str | None = None,
    rounds: int = 1,
    pose_threads: int = POSE_THREADS,
    pose_model: PoseModelName = DEFAULT_POSE_MODEL,
) -> int:
    """`mirror-app bench`: run the bench, print a table, and return the exit code (2: unusable input)."""
    from rich.console import Console

    from mirror_app.bench.report import print_table
    from mirror_app.render.offscreen import RenderBackendError
    from mirror_app.render.shaders import ShaderError
    from mirror_app.tracking.landmarker import PoseModelError

    try:
        result = run_bench(
            source,
            frames,
            out,
            compare,
            warmup=warmup,
            encode=encode,
            catalog=catalog,
            garment_id=garment_id,
            tryon=tryon,
            rounds=rounds,
            pose_threads=pose_threads,
            pose_model=pose_model,
        )
    except (SourceError, BenchError) as exc:
        sys.stderr.write(f"mirror-app: {exc}\n")
        return EXIT_BAD_INPUT
    except (PoseModelError, RenderBackendError, ShaderError) as exc:
        sys.stderr.write(f"mirror-app: {exc}\n")
        return EXIT_SETUP
    print_table(result, Console())
    return EXIT_OK
