"""The bench runs end to end on a short synthetic recording and reports complete, consistent figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from mirror_app.capture.demo import DemoSource

FRAMES, WARMUP = 12, 3


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short video of the built-in demo (a real person), written like a camera recording."""
    path = tmp_path_factory.mktemp("clip") / "demo.mp4"
    src = DemoSource(live=False, frames=FRAMES + WARMUP)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 30.0, (720, 720))
    while (frame := src.read()) is not None:
        writer.write(cv2.cvtColor(frame.image, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


@pytest.fixture(scope="module")
def result(clip: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("bench")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mirror_app.cli",
            "bench",
            "--source",
            str(clip),
            "--out",
            str(out),
            "--compare",
            "--warmup",
            str(WARMUP),
        ],
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads((out / "bench.json").read_text()), out, run


def _ordered(p: dict) -> bool:
    return p["p50"] <= p["p95"] <= p.get("p99", p["p95"])


def test_both_runs_count_the_same_frames_after_warmup(result) -> None:
    data, _, _ = result
    for run in ("ours", "baseline"):
        assert data[run]["frames"] == FRAMES
        assert data[run]["warmup_frames"] == WARMUP
        assert data[run]["first_index"] == WARMUP, "warm-up frames are left out of every figure"
        assert len(data["series"][run]["latency_ms"]) == FRAMES


def test_figures_are_complete_and_consistent(result) -> None:
    data, _, _ = result
    ours = data["ours"]
    assert ours["fps"] > 0 and ours["provider"] in {"CPU", "CUDA", "TensorRT"}
    assert _ordered(ours["latency_ms"])
    assert {"decode", "pose", "generator", "render", "readback"} <= set(ours["stage_ms"])
    for stage in ours["stage_ms"].values():
        assert _ordered(stage)
    assert ours["cpu"]["percent_of_one_core"] > 0
    assert ours["memory"]["peak_rss_mb"] > 50
    assert "growth_mb" in ours["memory"] and "rss_after_warmup_mb" in ours["memory"]
    samples = data["series"]["ours"]["rss_mb"]
    assert samples[0] == [0.0, ours["memory"]["rss_after_warmup_mb"]] and samples[-1][1] == ours["memory"]["rss_end_mb"]
    assert [t for t, _ in samples] == sorted(t for t, _ in samples)
    assert data["bench"]["source_resolution"] == [720, 720]
    # The pose model is named, and in the table's caption.
    assert data["bench"]["pose_model"] == "full"


def test_every_compared_figure_has_its_ratio(result) -> None:
    data, _, _ = result
    figures = data["comparison"]["figures"]
    assert {"fps", "latency_ms.p50", "latency_ms.p95"} <= set(figures)
    for name, f in figures.items():
        if f["ours"] is None or not f["baseline"]:
            continue
        assert f["ratio"] == pytest.approx(f["ours"] / f["baseline"], rel=1e-3), name
        better_is_higher = f["better"] == "higher"
        assert f["ours_better"] == ((f["ours"] > f["baseline"]) if better_is_higher else (f["ours"] < f["baseline"]))


def test_plot_and_table(result) -> None:
    _, out, run = result
    png = (out / "bench.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    image = cv2.imread(str(out / "bench.png"))
    assert image is not None and image.shape[1] > 600
    table = run.stdout.lower()
    assert "fps" in table and "latency" in table and "baseline" in table
    assert "pose: full model x 2" in table


def test_unreadable_source_is_one_clear_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"junk" * 100)
    run = subprocess.run(
        [sys.executable, "-m", "mirror_app.cli", "bench", "--source", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert "bad.mp4" in run.stderr and "Traceback" not in run.stderr
