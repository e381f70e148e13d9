"""The bench's outputs: bench.json, bench.png (latency over time, per-stage breakdown) and the console table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

STAGE_COLOURS = {
    "decode": "#8c8c8c",
    "pose": "#1f77b4",
    "smooth": "#aec7e8",
    "generator": "#ff7f0e",
    "render": "#2ca02c",
    "readback": "#17becf",
    "encode": "#9467bd",
    "paste": "#d62728",
}
RUN_COLOURS = {"ours": "#1f77b4", "baseline": "#d62728"}
RUN_LABELS = {"ours": "ours (pipeline)", "baseline": "naive baseline"}


def write_json(result: dict[str, Any], path: Path) -> None:
    """The whole result, figures and per-frame series, as indented JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1))


def _runs(result: dict[str, Any]) -> list[str]:
    return [name for name in ("ours", "baseline") if result.get(name)]


def write_plot(result: dict[str, Any], path: Path) -> None:
    """Latency over the counted frames for each run, and each run's per-stage p50 time stacked, as a PNG."""
    # The Agg canvas directly, not pyplot: no global backend switch, safe next to a Qt application.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    runs = _runs(result)
    fig = Figure(figsize=(16, 5.2), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    left, right, memory = fig.subplots(1, 3, width_ratios=[2.2, 1, 1.1])
    for name in runs:
        series = result["series"][name]
        summary = result[name]
        lat = summary["latency_ms"]
        left.plot(
            series["index"],
            series["latency_ms"],
            lw=1,
            color=RUN_COLOURS[name],
            label=f"{RUN_LABELS[name]}: {summary['fps']:.1f} fps, p50 {lat['p50']:.0f} / p95 {lat['p95']:.0f} ms",
        )
        left.axhline(lat["p50"], color=RUN_COLOURS[name], lw=0.8, ls="--")
    left.set_xlabel("frame index (warm-up frames excluded)")
    left.set_ylabel("capture → composited image (ms)")
    left.set_title("latency per frame")
    left.set_ylim(bottom=0)
    left.grid(alpha=0.3)
    left.legend(loc="upper right", fontsize=9)

    x = list(range(len(runs)))
    seen: set[str] = set()
    for i, name in enumerate(runs):
        bottom = 0.0
        for stage, pct in result[name]["stage_ms"].items():
            height = pct["p50"]
            label = stage if stage not in seen else None
            seen.add(stage)
            right.bar(i, height, bottom=bottom, color=STAGE_COLOURS.get(stage, "#17becf"), label=label, width=0.6)
            if height >= 2.0:
                right.text(i, bottom + height / 2, f"{stage} {height:.1f}", ha="center", va="center", fontsize=8)
            bottom += height
        right.text(i, bottom, f"{result[name]['fps']:.1f} fps", ha="center", va="bottom", fontsize=9, weight="bold")
    right.set_xticks(x, [RUN_LABELS[n] for n in runs])
    right.set_ylabel("ms per frame (p50 of each stage, stacked)")
    right.set_title("per-frame work by stage")
    right.margins(y=0.12)
    right.legend(loc="upper right", fontsize=8)
    for name in runs:
        samples = result["series"][name].get("rss_mb") or []
        if samples:
            mem = result[name]["memory"]
            trend = mem.get("trend_mb_per_10min")
            label = f"{RUN_LABELS[name]}: {mem['growth_mb']:+.1f} MiB" + (
                f", trend {trend:+.1f} MiB/10 min" if trend is not None else ""
            )
            memory.plot([t for t, _ in samples], [mb for _, mb in samples], color=RUN_COLOURS[name], label=label)
    memory.set_xlabel("seconds after warm-up")
    memory.set_ylabel("resident memory (MiB)")
    memory.set_title("memory over the run")
    memory.grid(alpha=0.3)
    memory.legend(loc="lower right", fontsize=8)
    bench = result["bench"]
    w, h = bench["source_resolution"]
    fig.suptitle(
        f"{Path(bench['source']).name}  {w}x{h}  ·  {result['ours']['frames']} frames after {bench['warmup']} warm-up"
        f"  ·  generator on {bench['provider']}  ·  drawn by: {bench['gl_renderer']}",
        fontsize=10,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _rows(result: dict[str, Any]) -> list[tuple[str, str, float | None, float | None, str]]:
    """(label, dotted path, ours, baseline, better) for every figure the table shows."""
    ours, base = result["ours"], result.get("baseline")

    def get(summary: dict[str, Any] | None, path: str) -> float | None:
        value: Any = summary
        for key in path.split("."):
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
        return None if value is None else float(value)

    paths: list[tuple[str, str, str]] = [
        ("FPS", "fps", "higher"),
        ("latency p50 ms", "latency_ms.p50", "lower"),
        ("latency p95 ms", "latency_ms.p95", "lower"),
        ("latency p99 ms", "latency_ms.p99", "lower"),
    ]
    stages = list(ours["stage_ms"]) + [s for s in (base or {}).get("stage_ms", {}) if s not in ours["stage_ms"]]
    for stage in stages:
        paths += [(f"{stage} p{q} ms", f"stage_ms.{stage}.p{q}", "lower") for q in (50, 95)]
    paths += [
        ("all stages p50 ms", "work_ms.p50", "lower"),
        ("garment stages p50 ms", "garment_ms.p50", "lower"),
        ("CPU ms per frame", "cpu.ms_per_frame", "lower"),
        ("CPU % of one core", "cpu.percent_of_one_core", "lower"),
        ("CPU % of all cores", "cpu.percent_of_all_cores", "lower"),
        ("peak RSS MiB", "memory.peak_rss_mb", "lower"),
        ("RSS growth MiB", "memory.growth_mb", "lower"),
        ("RSS trend MiB / 10 min", "memory.trend_mb_per_10min", "lower"),
    ]
    return [(label, path, get(ours, path), get(base, path), better) for label, path, better in paths]


def print_table(result: dict[str, Any], console: Console) -> None:
    """The figures as a readable table, with the baseline and ratios when there is one."""
    bench = result["bench"]
    has_base = bool(result.get("baseline"))
    w, h = bench["source_resolution"]
    table = Table(
        title=f"mirror bench: {bench['source']} ({w}x{h}), {result['ours']['frames']} frames "
        f"after {bench['warmup']} warm-up",
        caption=f"pose: {bench['pose_model']} model x {bench['pose_threads']}, generator on {bench['provider']}, "
        f"drawn by {bench['gl_renderer']}, {bench['host']['cores']} cores, "
        f"load average before {bench['load_average_before'][0]}",
    )
    table.add_column("figure (↑/↓ better)")
    table.add_column("ours", justify="right")
    if has_base:
        table.add_column("baseline", justify="right")
        table.add_column("ours/base", justify="right")
        table.add_column("better")
    for label, _path, ours, base, better in _rows(result):
        arrow = "↑" if better == "higher" else "↓"
        if not has_base:
            table.add_row(f"{label} {arrow}", _fmt(ours))
            continue
        ratio = ours / base if ours is not None and base else None
        verdict = ""
        if ours is not None and base is not None and ours != base:
            good = (ours > base) == (better == "higher")
            verdict = "[green]ours[/]" if good else "[red]baseline[/]"
        table.add_row(f"{label} {arrow}", _fmt(ours), _fmt(base), _fmt(ratio, 2), verdict)
    console.print(table)
    if has_base:
        console.print(f"baseline: {result['comparison']['baseline_limits']}")
        played = result["comparison"].get("rounds", [])
        if len(played) > 1:
            pairs = ", ".join(f"{r['fps']['ours']:.1f} / {r['fps']['baseline']:.1f}" for r in played)
            spread = result["comparison"]["fps_ratio"]
            console.print(
                f"FPS ours / baseline in {len(played)} alternating rounds: {pairs}; "
                f"ratio median {_fmt(spread['median'], 2)} (range {_fmt(spread['min'], 2)}-{_fmt(spread['max'], 2)})"
            )
    for path in result.get("files", []):
        console.print(f"wrote {path}")
