"""The `mirror-app` command: the window, headless runs, cameras, catalogs and models."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from mirror_app.config import MAX_POSE_THREADS, POSE_THREADS, PoseModelName

PoseModelOption = Annotated[
    PoseModelName | None,
    typer.Option(help="MediaPipe's landmark model: full (default), or lite (less pose time, worse close up)."),
]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=False,
    help="mirror: a real-time AR try-on mirror. With no command, opens the mirror window.",
)
models_app = typer.Typer(help="The generator and pose models.")
catalog_app = typer.Typer(help="Garment catalogs.")
app.add_typer(models_app, name="models")
app.add_typer(catalog_app, name="catalog")
log = logging.getLogger("mirror_app")

EXIT_BAD_INPUT = 2


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    """Print one clear line (no traceback) and leave with the given code."""
    typer.secho(f"mirror-app: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def _notice(message: str) -> None:
    typer.secho(f"notice: {message}", err=True, fg=typer.colors.YELLOW)


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    # MediaPipe/TFLite, glog and FFmpeg chatter are not the user's business unless asked for: a corrupt
    # file gets our one clear line, not FFmpeg's.
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if not verbose:
        os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    else:
        os.environ["MIRROR_NATIVE_LOGS"] = "1"


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log details.")] = False,
) -> None:
    """Open the mirror window when no command is given."""
    _setup_logging(verbose)
    if ctx.invoked_subcommand is None:
        ctx.invoke(run)


def _load_wardrobe(catalog: Path | None, garment: str | None) -> tuple[Any, Any]:
    from mirror_app.catalog.loader import load_catalog_or_default
    from mirror_app.pipeline import Wardrobe

    loaded = load_catalog_or_default(catalog)
    for problem in loaded.problems:
        _notice(f"catalog: {problem}")
    wardrobe = Wardrobe(loaded.garments, garment)
    for line in wardrobe.skipped:
        _notice(line)
    if garment and (wardrobe.current is None or wardrobe.current.id != garment):
        ids = ", ".join(g.id for g in wardrobe.garments) or "none"
        _notice(f"no garment '{garment}' in catalog {loaded.name}; wearing the first (ids: {ids})")
    return loaded, wardrobe


@app.command()
def run(
    source: Annotated[
        str | None,
        typer.Option(help="Webcam index or name, video file, image file, folder of images, or 'demo'."),
    ] = None,
    catalog: Annotated[Path | None, typer.Option(help="Catalog folder (default: the built-in catalog).")] = None,
    garment: Annotated[str | None, typer.Option(help="Garment id to wear first.")] = None,
    headless: Annotated[bool, typer.Option(help="No window: process every frame and write files.")] = False,
    out: Annotated[Path | None, typer.Option(help="Headless: composited video to write (.mp4).")] = None,
    stats: Annotated[
        Path | None, typer.Option(help="Stats JSON to write (the window writes it on closing: every frame shown).")
    ] = None,
    frames: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many frames (the window: shown frames).")
    ] = None,
    mirror: Annotated[bool, typer.Option("--mirror/--no-mirror", help="Flip the picture like a mirror.")] = True,
    fullscreen: Annotated[bool, typer.Option(help="Start full screen (kiosk).")] = False,
    people: Annotated[
        int,
        typer.Option(
            min=1, max=3, help="People to track; the garment goes on the most central/largest (2+ costs ~11 ms)."
        ),
    ] = 1,
    pose_model: PoseModelOption = None,
) -> None:
    """Run the mirror: the window by default, or headless over a recorded source."""
    from mirror_app.capture.errors import SourceError
    from mirror_app.capture.open import open_source

    if not headless and out:
        raise _fail("--out goes with --headless (the window records nothing to disk)")
    if not headless and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise _fail(
            "no display to open the mirror window on: run it from a desktop session, "
            "under a virtual display (xvfb-run -a mirror-app), or headless "
            "(mirror-app run --headless --source demo --out out.mp4)"
        )
    try:
        src, notices = open_source(source, live=not headless, frames=frames if headless else None)
    except SourceError as exc:
        raise _fail(str(exc)) from None
    for notice in notices:
        _notice(notice)
    if headless:
        _run_headless(src, catalog, garment, out, stats, frames, mirror, people, pose_model)
    else:
        from mirror_app.ui.app import run_window

        loaded, wardrobe = _load_wardrobe(catalog, garment)
        code = run_window(
            src,
            wardrobe,
            loaded,
            notices,
            mirror=mirror,
            fullscreen=fullscreen,
            people=people,
            chosen_catalog=catalog is not None,
            chosen_source=source is not None,
            stats_path=stats,
            frames=frames,
            pose_model=pose_model,
        )
        if stats is not None and stats.is_file():
            _echo_summary(json.loads(stats.read_text())["summary"], stats)
        raise typer.Exit(code)


def _recorded_source(source: str | None, frames: int | None) -> Any:
    """A source read frame by frame (no pacing), its notices said, or one clear line on why it won't open."""
    from mirror_app.capture.errors import SourceError
    from mirror_app.capture.open import open_source

    try:
        src, notices = open_source(source, live=False, frames=frames)
    except SourceError as exc:
        raise _fail(str(exc)) from None
    for notice in notices:
        _notice(notice)
    return src


def _pose_tracker() -> Any:
    """The pose tracker alone (a capture needs no generator), or one clear line naming what is missing."""
    from mirror_app.native_logs import silenced
    from mirror_app.tracking.landmarker import PoseModelError, PoseTracker

    try:
        with silenced():
            return PoseTracker(num_poses=1)
    except PoseModelError as exc:
        raise _fail(str(exc)) from None


def _build_stages(people: int = 1, pose_model: PoseModelName | None = None) -> tuple[Any, Any]:
    """Tracker and generator (`pose_model` None: the default one), or one clear line naming what is missing."""
    from mirror_app.config import DEFAULT_POSE_MODEL
    from mirror_app.pipeline import build_stages
    from mirror_app.tracking.landmarker import PoseModelError

    try:
        tracker, generator, notices = build_stages(people, pose_model=pose_model or DEFAULT_POSE_MODEL)
    except PoseModelError as exc:
        raise _fail(str(exc)) from None
    for notice in notices:
        _notice(notice)
    return tracker, generator


def _run_headless(
    src: Any,
    catalog: Path | None,
    garment: str | None,
    out: Path | None,
    stats_path: Path | None,
    frames: int | None,
    mirror: bool,
    people: int = 1,
    pose_model: PoseModelName | None = None,
) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from mirror_app.capture.prepend import Prepended
    from mirror_app.pipeline import FrameProcessor, run_headless
    from mirror_app.render.offscreen import OffscreenRenderer, RenderBackendError
    from mirror_app.render.settings import CompositorSettings
    from mirror_app.render.shaders import ShaderError

    loaded, wardrobe = _load_wardrobe(catalog, garment)
    first = src.read()
    if first is None:
        src.close()
        raise _fail(f"source {src.name} gave no frames")
    h, w = first.image.shape[:2]
    tracker, generator = _build_stages(people, pose_model)
    renderer = None
    try:
        try:
            renderer = OffscreenRenderer(w, h, CompositorSettings(mirror=mirror))
        except (RenderBackendError, ShaderError) as exc:
            raise _fail(str(exc)) from None
        for g, binding in wardrobe.items():
            renderer.compositor.preload(g, binding.mesh)
        total = frames or getattr(src, "frame_count", 0) or None
        processor = FrameProcessor(tracker, generator, wardrobe)
        with Progress(
            TextColumn("[bold]mirror[/] {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            transient=True,
            disable=not sys.stderr.isatty(),
        ) as progress:
            task = progress.add_task(Path(src.name).name, total=total)
            try:
                recorder = run_headless(
                    Prepended(first, src),
                    processor,
                    renderer,
                    mirror=mirror,
                    out=out,
                    max_frames=frames,
                    on_frame=lambda _i: progress.advance(task),
                )
            except OSError as exc:
                raise _fail(str(exc)) from None
    finally:
        tracker.close()
        if renderer is not None:
            renderer.release()
        src.close()
    if stats_path is not None:
        recorder.write(stats_path)
    people = sum(1 for r in recorder.frames if r["person"])
    _echo_summary(recorder.summary(), out, f" ({people} with a person)")


def _echo_summary(summary: dict[str, Any], written: Path | None, detail: str = "") -> None:
    """One line: frames, frames per second, latency and the generator's provider."""
    lat = summary["latency_ms"]
    typer.echo(
        f"{summary['frames']} frames{detail} at {summary['fps']:.1f} fps, "
        f"latency p50 {lat['p50']:.1f} ms p95 {lat['p95']:.1f} ms, generator on {summary['provider']}"
        + (f" -> {written}" if written else "")
    )


@app.command()
def bench(
    source: Annotated[str, typer.Option(help="A recorded video (or 'demo', images).")],
    frames: Annotated[int | None, typer.Option(min=1, help="Measured frames (default: all after the warm-up).")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for bench.json and bench.png.")] = None,
    compare: Annotated[
        bool, typer.Option(help="Also run the naive resize-and-paste baseline on the same frames.")
    ] = False,
    warmup: Annotated[int, typer.Option(min=0, help="Frames run first and left out of the figures.")] = 10,
    encode: Annotated[bool, typer.Option(help="Also encode the composited video (bench.mp4 in --out).")] = False,
    catalog: Annotated[Path | None, typer.Option(help="Catalog folder (default: the built-in catalog).")] = None,
    garment: Annotated[str | None, typer.Option(help="Garment id to wear.")] = None,
    tryon: Annotated[
        str | None,
        typer.Option(help="A full-image try-on network (.onnx, or 'tiny') draws the garment instead (cost: render)."),
    ] = None,
    rounds: Annotated[
        int,
        typer.Option(min=1, help="With --compare: run ours and the baseline this many times, alternating."),
    ] = 1,
    pose_threads: Annotated[
        int,
        typer.Option(
            min=1,
            max=MAX_POSE_THREADS,
            help="MediaPipe graphs tracking side by side (1: lowest latency when saturated).",
        ),
    ] = POSE_THREADS,
    pose_model: PoseModelOption = None,
) -> None:
    """Measure the real pipeline headless over a recording: FPS, latency, stages, CPU and memory."""
    from mirror_app.bench.runner import bench_command
    from mirror_app.config import DEFAULT_POSE_MODEL

    raise typer.Exit(
        bench_command(
            source,
            frames,
            out,
            compare,
            warmup,
            encode,
            catalog,
            garment,
            tryon,
            rounds,
            pose_threads,
            pose_model or DEFAULT_POSE_MODEL,
        )
    )


@app.command()
def cameras() -> None:
    """List the cameras this machine has, by index and name."""
    from mirror_app.capture.camera import list_cameras

    found = list_cameras()
    if not found:
        typer.echo("no cameras found")
    for cam in found:
        typer.echo(f"{cam.index}\t{cam.name}\t{cam.path}")


@models_app.command("build")
def models_build(
    out: Annotated[Path | None, typer.Option(help="Where to write the generator model.")] = None,
) -> None:
    """Rebuild the analytic generator's ONNX model from source."""
    import onnx

    from mirror_app.generator.build import DEFAULT_MODEL, build_model

    target = out or DEFAULT_MODEL
    target.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(build_model(), target)
    typer.echo(f"wrote {target}")


@models_app.command("check")
def models_check() -> None:
    """Load both pose models and the generator, and say where the generator runs. A broken pose bundle
    fails the check even when the other one would stand in."""
    from mirror_app.generator.runtime import GarmentGenerator
    from mirror_app.native_logs import silenced
    from mirror_app.tracking.landmarker import POSE_MODELS, PoseModelError, PoseTracker

    for path in POSE_MODELS.values():  # each loaded once; no tracker is kept
        try:
            with silenced():
                PoseTracker(path, num_poses=1).close()
        except PoseModelError as exc:
            raise _fail(str(exc)) from None
    generator = GarmentGenerator()
    for notice in generator.notices:
        _notice(notice)
    typer.echo(f"pose models OK ({', '.join(POSE_MODELS)}); generator OK on {generator.provider}")


@catalog_app.command("check")
def catalog_check(directory: Annotated[Path, typer.Argument(help="Catalog folder.")]) -> None:
    """Validate a catalog: one line per problem; exit code 1 when anything is wrong."""
    from mirror_app.catalog.loader import load_catalog

    loaded = load_catalog(directory)
    for problem in loaded.problems:
        typer.echo(str(problem))
    typer.echo(f"{len(loaded.garments)} garments OK, {len(loaded.problems)} problems")
    raise typer.Exit(1 if loaded.problems else 0)


@catalog_app.command("import")
def catalog_import(
    photos: Annotated[list[Path], typer.Argument(help="Product photos (garment on a white or light background).")],
    catalog: Annotated[Path, typer.Option(help="Catalog folder to add the garments to (created if missing).")],
    category: Annotated[
        str | None, typer.Option(help="t-shirt, long-sleeve, tank, dress, outerwear (default: guess).")
    ] = None,
) -> None:
    """Turn product photos into catalog entries: background removed, anchors found, one line per photo."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from mirror_app.catalog.garment import CATEGORIES
    from mirror_app.catalog.importer import import_photos
    from mirror_app.catalog.loader import default_catalog_dir

    if category is not None and category not in CATEGORIES:
        raise _fail(f"unknown category '{category}': use one of {', '.join(CATEGORIES)}")
    if catalog.resolve() == default_catalog_dir().resolve():
        raise _fail("the built-in catalog is not for editing: import into a folder of your own")
    with Progress(TextColumn("importing {task.description}"), BarColumn(), MofNCompleteColumn(), transient=True) as bar:
        task = bar.add_task("", total=len(photos))

        def step(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, description=name)

        results = import_photos(list(photos), catalog, category, progress=step)
    for result in results:
        typer.echo(str(result))
    good = sum(r.ok for r in results)
    typer.echo(f"{good} of {len(results)} photos imported into {catalog}")
    raise typer.Exit(0 if good == len(results) else 1)


def _find_garment(catalog: Path | None, garment_id: str) -> Any:
    """The catalog garment with this id, or one clear line listing the ids there are."""
    from mirror_app.catalog.loader import load_catalog_or_default

    loaded = load_catalog_or_default(catalog)
    for g in loaded.garments:
        if g.id == garment_id:
            return g
    ids = ", ".join(g.id for g in loaded.garments) or "none"
    raise _fail(f"no garment '{garment_id}' in catalog {loaded.name} (ids: {ids}); pick one with --garment")


@app.command()
def capture(
    garment: Annotated[str, typer.Option(help="Id of the catalog garment the person is wearing.")],
    out: Annotated[Path, typer.Option(help="New folder for the capture (frames, masks, poses, capture.json).")],
    source: Annotated[str | None, typer.Option(help="Webcam index or name, or a video file.")] = None,
    catalog: Annotated[Path | None, typer.Option(help="Catalog holding the garment (default: built-in).")] = None,
    frames: Annotated[int | None, typer.Option(min=1, help="Stop after this many source frames.")] = None,
    every: Annotated[int, typer.Option(min=1, help="Keep every N-th tracked frame.")] = 1,
) -> None:
    """Record a capture session of someone wearing the real garment (for mirror-app train)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from mirror_app.learn.capture import record
    from mirror_app.learn.session import CaptureError

    _find_garment(catalog, garment)
    src = _recorded_source(source, frames)
    tracker = _pose_tracker()
    total = frames or getattr(src, "frame_count", 0) or None
    try:
        with Progress(
            TextColumn("[bold]capture[/] {task.description}"), BarColumn(), MofNCompleteColumn(), transient=True
        ) as bar:
            task = bar.add_task("", total=total)

            def step(read: int, kept: int, coverage: Any) -> None:
                bar.update(task, completed=read, description=f"{kept} kept  {coverage.line()}  {coverage.hint()}")

            result = record(src, tracker, out, garment, max_frames=frames, every=every, progress=step)
    except CaptureError as exc:
        raise _fail(str(exc)) from None
    finally:
        tracker.close()
        src.close()
    typer.echo(f"{result.frames_kept} of {result.frames_read} frames kept -> {out}")
    typer.echo(f"coverage: {result.coverage.line()}")
    if result.coverage.missing:
        _notice(f"poses not covered: {', '.join(result.coverage.missing)} ({result.coverage.hint()})")


def _prepare(capture_dir: Path, catalog: Path | None, garment: str, crop: int) -> Any:
    from rich.progress import Progress

    from mirror_app.learn.dataset import prepare
    from mirror_app.learn.session import CaptureError, load_capture

    try:
        cap = load_capture(capture_dir)
    except CaptureError as exc:
        raise _fail(str(exc)) from None
    if cap.garment_id != garment:
        _notice(f"capture {capture_dir} was recorded for garment '{cap.garment_id}', training for '{garment}'")
    chosen = _find_garment(catalog, garment)
    with Progress(transient=True) as bar:
        task = bar.add_task("loading capture", total=len(cap))
        return prepare(cap, chosen, crop, progress=lambda done, _n: bar.update(task, completed=done))


@app.command()
def train(
    capture: Annotated[Path, typer.Option(help="Capture folder (from mirror-app capture).")],
    garment: Annotated[str, typer.Option(help="Catalog garment id to learn.")],
    out: Annotated[Path | None, typer.Option(help="Training folder (default: CAPTURE/training).")] = None,
    catalog: Annotated[Path | None, typer.Option(help="Catalog holding the garment (default: built-in).")] = None,
    steps: Annotated[int, typer.Option(min=1, help="Optimisation steps in all (a resumed run continues).")] = 1500,
    batch: Annotated[int, typer.Option(min=1, help="Frames per step (per device).")] = 8,
    crop: Annotated[int, typer.Option(help="Side in px of the garment crop trained on.")] = 160,
    fresh: Annotated[bool, typer.Option(help="Start over instead of resuming from last.ckpt.")] = False,
    devices: Annotated[str, typer.Option(help="Lightning devices: 'auto', a count, or a list.")] = "auto",
) -> None:
    """Train the learned refinement for one garment on a capture (self-supervised, PyTorch Lightning)."""
    from mirror_app.learn.train import TrainSettings, fit

    data = _prepare(capture, catalog, garment, crop)
    target = out or capture / "training"
    try:
        _module, last = fit(
            data, garment, target, TrainSettings(steps=steps, batch=batch), resume=not fresh, devices=devices
        )
    except ValueError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"checkpoint {last}; losses {target / 'losses.png'}; logs {target / 'logs'}")


@app.command("export")
def export_model(
    checkpoint: Annotated[
        Path, typer.Option(help="Training checkpoint (e.g. CAPTURE/training/checkpoints/last.ckpt).")
    ],
    out: Annotated[Path, typer.Option(help="ONNX file to write (name it in the catalog entry's model field).")],
) -> None:
    """Export a trained generator to ONNX under the generator contract, and check it against torch."""
    from mirror_app.learn.export import export_checkpoint
    from mirror_app.learn.parity import parity

    try:
        hp = export_checkpoint(checkpoint, out)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    worst = parity(checkpoint, out)
    typer.echo(f"wrote {out} (garment {hp.get('garment_id', '?')}); torch vs onnxruntime max |diff| {worst:.2e}")


@app.command("evaluate")
def evaluate_model(
    capture: Annotated[Path, typer.Option(help="Capture folder; its last 20% were never trained on.")],
    garment: Annotated[str, typer.Option(help="Catalog garment id.")],
    model: Annotated[Path, typer.Option(help="The exported learned generator (.onnx).")],
    catalog: Annotated[Path | None, typer.Option(help="Catalog holding the garment (default: built-in).")] = None,
    crop: Annotated[int, typer.Option(help="Side in px of the garment crop (as trained).")] = 160,
) -> None:
    """Masked L1, SSIM and shake of the learned and the analytic generator on the capture's held-out frames."""
    from mirror_app.learn.evaluate import evaluate

    data = _prepare(capture, catalog, garment, crop)
    try:
        result = evaluate(data, model)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    typer.echo(result.table())


@app.command()
def tryon(
    model: Annotated[
        str, typer.Option(help="Full-image try-on network (.onnx, docs/learned.md), or 'tiny' for a random test one.")
    ],
    source: Annotated[str, typer.Option(help="A recorded video, image or folder (or 'demo').")],
    catalog: Annotated[Path | None, typer.Option(help="Catalog folder (default: the built-in catalog).")] = None,
    garment: Annotated[str | None, typer.Option(help="Garment id to wear.")] = None,
    frames: Annotated[int | None, typer.Option(min=1, help="Stop after this many frames.")] = None,
    out: Annotated[Path | None, typer.Option(help="Composited video to write (.mp4).")] = None,
    stats: Annotated[Path | None, typer.Option(help="Stats JSON to write.")] = None,
    mirror: Annotated[bool, typer.Option("--mirror/--no-mirror", help="Flip the picture like a mirror.")] = True,
) -> None:
    """Run a full-image try-on network headless over a recording: per-frame cost, optional video."""
    from mirror_app.learn.fullimage import FullImageModelError, TryOnRenderer, open_tryon
    from mirror_app.pipeline import FrameProcessor, run_headless

    try:
        tryon_net = open_tryon(model)
    except FullImageModelError as exc:
        raise _fail(str(exc)) from None
    _loaded, wardrobe = _load_wardrobe(catalog, garment)
    if wardrobe.current is None:
        raise _fail("the catalog has no usable garment")
    src = _recorded_source(source, frames)
    tracker, generator = _build_stages()
    try:
        processor = FrameProcessor(tracker, generator, wardrobe)
        renderer = TryOnRenderer(tryon_net, wardrobe.current, mirror)
        recorder = run_headless(src, processor, renderer, mirror=mirror, out=out, max_frames=frames)
    finally:
        tracker.close()
        src.close()
    summary = recorder.summary()
    if stats is not None:
        recorder.write(stats)
    cost, pose = summary["stage_ms"]["render"], summary["stage_ms"]["pose"]
    w, h = tryon_net.size
    typer.echo(
        f"{summary['frames']} frames at {summary['fps']:.1f} fps; full-image try-on ({w}x{h}) per frame "
        f"p50 {cost['p50']:.1f} ms p95 {cost['p95']:.1f} ms; pose p50 {pose['p50']:.1f} ms"
        + (f" -> {out}" if out else "")
    )


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
