"""The bench's parts on their own: warm-up exclusion, ratio directions, the naive paste, encode, short inputs."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from mirror_app.bench.baseline import NaivePaste
from mirror_app.bench.resources import Snapshot, peak_rss_mb, rss_mb, usage_between
from mirror_app.bench.runner import RunMeter, bench_command, compare_runs, run_bench, summarise_run
from mirror_app.capture.demo import DemoSource
from mirror_app.catalog.garment import Garment
from mirror_app.stats import StatsRecorder
from mirror_app.tracking.body import LEFT_SHOULDER, NUM_LANDMARKS, RIGHT_SHOULDER, Body


def _write_demo_video(path: Path, frames: int, size: tuple[int, int] = (480, 480)) -> Path:
    """A real person (the demo's astronaut) as an mp4, so the bench decodes a genuine video file."""
    src = DemoSource(size=size, frames=frames, live=False)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 30.0, size)
    assert writer.isOpened()
    while (frame := src.read()) is not None:
        writer.write(cv2.cvtColor(frame.image, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def _record(index: int, latency: float) -> dict:
    return {
        "index": index,
        "person": True,
        "latency_ms": latency,
        "stage_ms": {"pose": latency / 2},
        "anchors_px": None,
    }


def test_summary_ignores_warm_up_records() -> None:
    stats = StatsRecorder(source="synthetic")
    meter = RunMeter(warmup=2)
    meter.arm()
    for i, latency in enumerate([900.0, 800.0, 10.0, 20.0, 30.0]):
        stats.add(_record(i, latency))
        meter.frame_done(i)
    meter.finish()
    summary, series = summarise_run(stats, meter, ("pose",))
    assert summary["frames"] == 3 and series["index"] == [2, 3, 4] and summary["first_index"] == 2
    assert summary["latency_ms"]["p99"] <= 30.0, "the slow warm-up frames are not in the percentiles"
    assert summary["stage_ms"]["pose"]["p95"] <= 15.0


def test_column_stats_give_back_the_records_they_were_given_in_less_memory() -> None:
    import random

    from mirror_app.bench.columns import ColumnStats

    rng = random.Random(1)
    plain, columns = StatsRecorder(source="s", keep_anchors=False), ColumnStats(source="s")
    for i in range(3000):
        stages = {"decode": rng.random(), "pose": 20 + rng.random()}
        if i % 7 == 0:
            stages["encode"] = rng.random()  # a stage only some frames have
        record = {"index": i, "person": i % 3 != 0, "latency_ms": 40 + rng.random(), "stage_ms": stages}
        plain.add(dict(record))
        columns.add(dict(record))
    rows = columns.rows()

    def strip(records: list[dict]) -> list[dict]:
        return [{k: v for k, v in r.items() if k != "done_ns"} for r in records]  # each add stamps its own time

    assert strip(rows) == strip(plain.frames) and columns.frames == [], "every field and stage back, no dicts kept"
    assert all(isinstance(r["done_ns"], int) for r in rows)
    assert columns.summary(rows)["stage_ms"] == plain.summary()["stage_ms"]
    assert len(columns.recent) == len(plain.recent), "the live overlay's recent window still works"
    assert columns._latency.itemsize * len(columns._latency) == 8 * 3000


def test_rss_trend_tells_a_leak_from_memory_that_settles() -> None:
    from mirror_app.bench.runner import rss_trend_mb_per_10min

    seconds = [2.0 * i for i in range(300)]  # ten minutes
    leak = [(t, 500 + 0.05 * t) for t in seconds]  # 3 MiB a minute
    settles = [(t, 500 + 20 * (1 - np.exp(-t / 20))) for t in seconds]  # +20 MiB in the first minute, then flat
    assert rss_trend_mb_per_10min(leak) == pytest.approx(30.0, abs=0.5)
    assert abs(rss_trend_mb_per_10min(settles)) < 1.0
    assert rss_trend_mb_per_10min(leak[:20]) is None, "under a minute: no trend"


def test_warm_up_window_opens_on_the_last_warm_up_frame() -> None:
    meter = RunMeter(warmup=3)
    meter.arm()
    assert meter.start is None
    for i in range(3):
        meter.frame_done(i)
    assert meter.start is not None and meter.end is None
    meter.frame_done(3)
    assert isinstance(meter.end, Snapshot) and meter.end.wall_ns >= meter.start.wall_ns
    no_warmup = RunMeter(warmup=0)
    no_warmup.arm()
    assert no_warmup.start is not None, "without warm-up the window opens before the first frame"


def test_resources_read_the_process() -> None:
    assert peak_rss_mb() >= rss_mb() > 10
    start = Snapshot(cpu_s=1.0, wall_ns=0, rss_mb=0.0)
    end = Snapshot(cpu_s=2.5, wall_ns=1_000_000_000, rss_mb=0.0)
    usage = usage_between(start, end, cores=2)
    assert usage["percent_of_one_core"] == 150.0 and usage["percent_of_all_cores"] == 75.0


def _summary(fps: float, p50: float) -> dict:
    return {
        "fps": fps,
        "latency_ms": {"p50": p50, "p95": p50, "p99": p50},
        "stage_ms": {"pose": {"p50": 1.0, "p95": 2.0}, "render": {"p50": 5.0, "p95": 6.0}},
        "work_ms": {"p50": 1.0, "p95": 1.0},
        "garment_ms": {"p50": 1.0, "p95": 1.0},
        "cpu": {"ms_per_frame": 1.0, "percent_of_one_core": 50.0, "percent_of_all_cores": 25.0},
        "memory": {"peak_rss_mb": 100.0, "growth_mb": 0.0},
    }


def test_comparison_direction_and_shared_stages_only() -> None:
    base = _summary(20.0, 40.0)
    del base["stage_ms"]["render"]
    figures = compare_runs(_summary(30.0, 20.0), base)["figures"]
    assert figures["fps"]["ratio"] == 1.5 and figures["fps"]["ours_better"] is True
    assert figures["latency_ms.p50"]["ratio"] == 0.5 and figures["latency_ms.p50"]["ours_better"] is True
    assert figures["memory.growth_mb"]["ratio"] is None, "no ratio against a zero"
    assert "stage_ms.pose.p50" in figures and "stage_ms.render.p50" not in figures


def test_naive_paste_centres_between_the_shoulders_and_mirrors() -> None:
    rgba = np.zeros((100, 200, 4), np.uint8)
    rgba[:, :] = (255, 0, 0, 255)
    garment = Garment(
        "block", "Block", "t-shirt", rgba, {"left_shoulder": (150.0, 10.0), "right_shoulder": (50.0, 10.0)}
    )
    lms = np.zeros((NUM_LANDMARKS, 3), np.float32)
    lms[LEFT_SHOULDER] = (250.0, 100.0, 1.0)  # the person's left is on the camera image's right
    lms[RIGHT_SHOULDER] = (150.0, 100.0, 1.0)
    body = Body(lms, np.zeros((NUM_LANDMARKS, 3), np.float32), None, (400, 300), 0, 0)
    frame = np.zeros((300, 400, 3), np.uint8)
    plain = NaivePaste(garment, mirror=False).apply(frame, body)
    ys, xs = np.nonzero(plain[..., 0])
    # Shoulder span 100 px over a texture span of 100 px: scale 1, so the 200x100 picture sits at (100, 90).
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (100, 299, 90, 189)
    mirrored = NaivePaste(garment, mirror=True).apply(frame, body)
    assert np.array_equal(mirrored, plain[:, ::-1])
    assert np.array_equal(NaivePaste(garment, mirror=False).apply(frame, None), frame), "nobody: the frame as is"


def test_encode_adds_the_stage_and_the_video(tmp_path: Path) -> None:
    video = _write_demo_video(tmp_path / "clip.mp4", 6)
    result = run_bench(str(video), 4, tmp_path / "out", compare=False, warmup=2, encode=True)
    assert result["baseline"] is None and result["comparison"] is None
    assert result["ours"]["frames"] == 4 and result["series"]["ours"]["index"] == [2, 3, 4, 5]
    assert "encode" in result["ours"]["stage_ms"]
    assert (tmp_path / "out" / "bench.mp4").stat().st_size > 0


def test_full_image_network_is_benched_in_the_compositors_place(tmp_path: Path) -> None:
    pytest.importorskip("torch")  # the tiny network is made with torch (the train extra)
    video = _write_demo_video(tmp_path / "clip.mp4", 8)
    result = run_bench(str(video), 5, tmp_path / "out", compare=True, warmup=3, tryon="tiny", encode=True)
    ours = result["ours"]
    assert result["bench"]["tryon"] == "tiny" and "full-image try-on network tiny" in result["bench"]["gl_renderer"]
    assert ours["frames"] == 5 and ours["frames_with_person"] == 5
    assert "render" in ours["stage_ms"] and "readback" not in ours["stage_ms"], "the network, not the compositor"
    assert ours["stage_ms"]["render"]["p50"] > 0 and result["comparison"] is not None
    assert (tmp_path / "out" / "bench.mp4").stat().st_size > 0


def test_unusable_try_on_network_exits_2_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    video = _write_demo_video(tmp_path / "clip.mp4", 4)
    bad = tmp_path / "net.onnx"
    bad.write_bytes(b"not an onnx model")
    assert bench_command(str(video), 1, None, False, warmup=1, tryon=str(bad)) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and err.count("\n") == 1


def test_missing_source_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_command(str(tmp_path / "missing.mp4"), None, None, True) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "missing.mp4" in err


def test_source_shorter_than_warm_up_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    short = _write_demo_video(tmp_path / "short.mp4", 5)
    assert bench_command(str(short), None, None, False) == 2, "5 frames do not outlast the 10 warm-up frames"
    assert "warm-up" in capsys.readouterr().err


def test_rounds_alternate_ours_and_the_baseline_and_give_the_ratios_spread(tmp_path: Path) -> None:
    video = _write_demo_video(tmp_path / "clip.mp4", 6)
    result = run_bench(str(video), 3, None, compare=True, warmup=2, rounds=2)
    played = result["comparison"]["rounds"]
    assert [r["round"] for r in played] == [1, 2]
    assert played[0]["fps"] == {"ours": result["ours"]["fps"], "baseline": result["baseline"]["fps"]}
    for r in played:
        assert r["fps"]["ours"] > 0 and r["fps"]["baseline"] > 0
        assert r["fps_ratio"] == pytest.approx(r["fps"]["ours"] / r["fps"]["baseline"], rel=1e-3)
    spread = result["comparison"]["fps_ratio"]
    ratios = sorted(r["fps_ratio"] for r in played)
    assert spread["min"] == ratios[0] and spread["max"] == ratios[-1]
    assert spread["median"] == pytest.approx(sum(ratios) / 2, rel=1e-3)


def test_rounds_without_the_baseline_exit_2_saying_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    video = _write_demo_video(tmp_path / "clip.mp4", 4)
    assert bench_command(str(video), 1, None, False, warmup=1, rounds=3) == 2
    err = capsys.readouterr().err
    assert "--compare" in err and err.count("\n") == 1


def test_render_cost_times_the_compositor_on_a_clips_dressed_frames(capsys: pytest.CaptureFixture[str]) -> None:
    from mirror_app.bench import render_cost
    from mirror_app.render.timing import EFFECTS

    kept, wardrobe = render_cost.dressed_frames("demo", 3, skip=2)
    assert len(kept) == 3 and all(fit is not None and body is not None for _image, body, fit in kept)
    render_cost.main(["--source", "demo", "--frames", "2", "--rounds", "1"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("demo: 2 dressed frames")
    rows = {line[:20].strip(): [float(v) for v in line[20:].split()] for line in lines[2:]}
    assert set(rows) == {"all effects on", "all effects off"} | {f"{e} off" for e in EFFECTS}
    for p50, p95, cpu50, cpu95 in rows.values():
        assert 0 < p50 <= p95 and 0 < cpu50 <= cpu95 and cpu50 <= p95


def test_render_cost_on_a_missing_clip_says_so_in_one_line(tmp_path: Path) -> None:
    from mirror_app.bench import render_cost

    with pytest.raises(SystemExit) as info:
        render_cost.main(["--source", str(tmp_path / "missing.mp4")])
    message = str(info.value.code)
    assert "missing.mp4" in message and "\n" not in message


def test_occlusion_spill_counts_only_top_coloured_pixels_occlusion_adds() -> None:
    from mirror_app.bench.occlusion_spill import top_spill

    top = np.array([225, 20, 100], np.float32) / 255.0
    without = np.full((40, 60, 3), 200, np.uint8)
    without[0:5, 0:5] = (225, 20, 100)  # the top beside the garment, there either way: not occlusion's
    with_occlusion = without.copy()
    with_occlusion[10:20, 10:20] = (220, 30, 95)  # a patch of the top drawn over the garment
    with_occlusion[30:35, 30:40] = (205, 160, 130)  # a hand drawn over it: skin, not the top
    assert top_spill(with_occlusion, without, top, 0.2) == 100
    assert top_spill(without, without, top, 0.2) == 0


def test_occlusion_spill_reports_each_dressed_frame(capsys: pytest.CaptureFixture[str]) -> None:
    from mirror_app.bench import occlusion_spill

    counts = occlusion_spill.main(["--source", "demo", "--frames", "2", "--top", "230,110,60"])
    assert len(counts) == 2 and all(c >= 0 for c in counts)
    assert capsys.readouterr().out.startswith("demo: 2 dressed frames; top-coloured px occlusion adds per frame")


@pytest.mark.parametrize("top", ["225,20", "300,0,0", "red"])
def test_occlusion_spill_names_a_malformed_top_colour(top: str, capsys: pytest.CaptureFixture[str]) -> None:
    from mirror_app.bench import occlusion_spill

    with pytest.raises(SystemExit):
        occlusion_spill.main(["--source", "demo", "--top", top])
    assert "--top wants three numbers 0-255" in capsys.readouterr().err
