"""Rebuild models/pose_landmarker_{full,lite}.task from the last packages that still ship pose models.

Why: mediapipe 1.x only runs `.task` bundles, which Google's docs download at run time; the app must never
need the network. mediapipe==0.10.21 still ships the BlazePose GHUM detector and full landmark models as plain
.tflite files; the lite landmark model is not in any wheel, but the npm package @mediapipe/pose (its web
build) ships it, and its full model is byte-identical to the wheel's. The Tasks API refuses these files
until their float input carries NormalizationOptions metadata, which 0.10.21's metadata writer can add (the
writer inside mediapipe 1.2.2 is broken). 0.10.21 pins numpy<2 and pulls jax, so it is installed into a
throwaway venv, never into the app's environment. The zip entries carry a fixed date, so a rebuild gives
byte-identical output.

Usage (needs PyPI, and npm for lite, once, at build time only):

    python3.11 packaging/build_pose_model.py                  # writes both bundles into models/
    python3.11 packaging/build_pose_model.py --variant lite --venv /tmp/mp01021 --out other.task

The models are Apache-2.0 (see models/NOTICE-mediapipe-pose.txt); the only change made is the added metadata.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import zipfile
from pathlib import Path

log = logging.getLogger("build_pose_model")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = PROJECT_ROOT / "models"
MEDIAPIPE_PIN = "mediapipe==0.10.21"
NPM_PIN = "@mediapipe/pose@0.5.1675469404"
NPM_LITE = "package/pose_landmark_lite.tflite"
NPM_LITE_SHA256 = "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61"
DETECTOR = "modules/pose_detection/pose_detection.tflite"

# Per variant: source (inside the 0.10.21 wheel, or "npm:" inside the npm package) -> bundle member name
# the Tasks PoseLandmarker expects. Both variants share the detector, which only runs when a person is lost.
VARIANTS = {
    "full": {
        DETECTOR: "pose_detector.tflite",
        "modules/pose_landmark/pose_landmark_full.tflite": "pose_landmarks_detector.tflite",
    },
    "lite": {
        DETECTOR: "pose_detector.tflite",
        f"npm:{NPM_LITE}": "pose_landmarks_detector.tflite",
    },
}

# Runs inside the throwaway venv: adds image-input metadata (mean 0, std 255: pixels scaled to [0, 1]).
_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import mediapipe
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    root = Path(mediapipe.__file__).resolve().parent
    src, dst, name = root / sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    buf = src.read_bytes()
    writer = metadata_writer.MetadataWriter.create(buf)
    writer.add_general_info(name, "BlazePose GHUM (Apache-2.0, Google); metadata added for the Tasks API")
    writer.add_image_input(norm_mean=[0.0], norm_std=[255.0])
    model, _ = writer.populate()
    dst.write_bytes(model)
    print(src, "->", dst, len(model))
    """
)


def ensure_venv(venv: Path) -> Path:
    """Create the throwaway venv with the pinned mediapipe if it is not there yet; return its python."""
    python = venv / "bin" / "python"
    if not python.exists():
        log.info("creating %s", venv)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = subprocess.run(
        [str(python), "-c", "import mediapipe, sys; sys.exit(mediapipe.__version__ != '0.10.21')"],
        capture_output=True,
    )
    if probe.returncode != 0:
        log.info("installing %s into %s (pulls jax and numpy<2; throwaway only)", MEDIAPIPE_PIN, venv)
        subprocess.run([str(python), "-m", "pip", "install", "-q", MEDIAPIPE_PIN], check=True)
    return python


def npm_lite_model(tmp: Path) -> Path:
    """The lite landmark model out of the pinned npm package (checked against its known digest)."""
    log.info("fetching %s with npm (build time only)", NPM_PIN)
    packed = subprocess.run(
        ["npm", "pack", NPM_PIN, "--pack-destination", str(tmp)], check=True, capture_output=True, text=True
    ).stdout.split()[-1]
    with tarfile.open(tmp / packed) as tar:
        tar.extract(NPM_LITE, tmp, filter="data")
    model = tmp / NPM_LITE
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    if digest != NPM_LITE_SHA256:
        raise SystemExit(f"{NPM_PIN}: {NPM_LITE} has sha256 {digest}, expected {NPM_LITE_SHA256}")
    return model


def build(variant: str, out: Path, venv: Path) -> Path:
    """Write one .task bundle: both models with metadata, zipped uncompressed as the Tasks API requires."""
    python = ensure_venv(venv)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "write_metadata.py"
        script.write_text(_WRITER)
        parts: dict[str, Path] = {}
        for src, member in VARIANTS[variant].items():
            if src.startswith("npm:"):
                src = str(npm_lite_model(Path(tmp)))  # absolute: the writer's mediapipe root drops away
            dst = Path(tmp) / member
            subprocess.run([str(python), str(script), src, str(dst), Path(member).stem], check=True)
            parts[member] = dst
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_suffix(".task.partial")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as zf:
            for member, path in parts.items():
                info = zipfile.ZipInfo(member, date_time=(2025, 1, 1, 0, 0, 0))  # fixed date: same bytes each build
                info.compress_type = zipfile.ZIP_STORED
                zf.writestr(info, path.read_bytes())
        partial.replace(out)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    log.info("wrote %s (%d bytes, sha256 %s)", out, out.stat().st_size, digest)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=[*VARIANTS, "both"], default="both", help="landmark model(s)")
    parser.add_argument(
        "--out", type=Path, help="bundle to write (one variant; default models/pose_landmarker_VARIANT.task)"
    )
    parser.add_argument(
        "--venv",
        type=Path,
        default=Path(tempfile.gettempdir()) / "mediapipe-0.10.21-venv",
        help="throwaway venv holding mediapipe 0.10.21 (created if missing)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    variants = list(VARIANTS) if args.variant == "both" else [args.variant]
    if args.out is not None and len(variants) > 1:
        parser.error("--out names one bundle: add --variant full or --variant lite")
    for variant in variants:
        build(variant, args.out or MODELS_DIR / f"pose_landmarker_{variant}.task", args.venv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
