"""Rebuild models/pose_landmarker_full.task from the last mediapipe wheel that still bundles pose models.

Why: mediapipe 1.x only runs `.task` bundles, which Google's docs download at run time; the app must never
need the network. mediapipe==0.10.21 still ships the BlazePose GHUM detector and full landmark models as plain
.tflite files. The Tasks API refuses them until their float input carries NormalizationOptions metadata,
which 0.10.21's metadata writer can add (the writer inside mediapipe 1.2.2 is broken). 0.10.21 pins numpy<2
and pulls jax, so it is installed into a throwaway venv, never into the app's environment. The zip entries
carry a fixed date, so a rebuild gives byte-identical output.

Usage (needs PyPI once, at build time only):

    python3.11 packaging/build_pose_model.py            # writes models/pose_landmarker_full.task
    python3.11 packaging/build_pose_model.py --venv /tmp/mp01021 --out other.task

The models are Apache-2.0 (see models/NOTICE-mediapipe-pose.txt); the only change made is the added metadata.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from pathlib import Path

log = logging.getLogger("build_pose_model")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = PROJECT_ROOT / "models" / "pose_landmarker_full.task"
MEDIAPIPE_PIN = "mediapipe==0.10.21"

# Source file inside the 0.10.21 wheel -> member name the Tasks PoseLandmarker expects in the bundle.
MEMBERS = {
    "modules/pose_detection/pose_detection.tflite": "pose_detector.tflite",
    "modules/pose_landmark/pose_landmark_full.tflite": "pose_landmarks_detector.tflite",
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


def build(out: Path, venv: Path) -> Path:
    """Write the .task bundle: both models with metadata, zipped uncompressed as the Tasks API requires."""
    python = ensure_venv(venv)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "write_metadata.py"
        script.write_text(_WRITER)
        parts: dict[str, Path] = {}
        for src, member in MEMBERS.items():
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
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="bundle to write")
    parser.add_argument(
        "--venv",
        type=Path,
        default=Path(tempfile.gettempdir()) / "mediapipe-0.10.21-venv",
        help="throwaway venv holding mediapipe 0.10.21 (created if missing)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    build(args.out, args.venv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
