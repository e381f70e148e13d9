"""Execution-provider probing: really create a session on each provider, keep the first that works.

onnxruntime-gpu lists TensorRT and CUDA even where they cannot load and then silently runs on CPU, so
the only honest test is to create a session and read back what it is using.
"""

from __future__ import annotations

import ctypes
import logging
from dataclasses import dataclass, field
from pathlib import Path

import onnxruntime as ort
from onnxruntime.capi.onnxruntime_pybind11_state import InvalidProtobuf, NoSuchFile

log = logging.getLogger(__name__)

PREFERENCE = ("TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider")
SHORT_NAMES = {
    "TensorrtExecutionProvider": "TensorRT",
    "CUDAExecutionProvider": "CUDA",
    "CPUExecutionProvider": "CPU",
}


def trt_cache_dir() -> Path:
    """Per-ORT-version engine cache, so an upgrade never loads a stale engine."""
    return Path.home() / ".cache" / "mirror" / f"trt-ort{ort.__version__}"


def provider_options(name: str, fp16: bool = False) -> dict[str, str]:
    """Options for a provider: TensorRT keeps its engines on disk, and builds fp16 ones when asked.

    fp16 is off by default: the outputs are pixel coordinates, and fp16's 11-bit mantissa puts x at
    1024-2048 px on 1 px steps (2 px past 2048), which shows as jitter; the model is so small that
    fp16 saves nothing worth that. It is there for a learned generator with heavier layers.
    """
    if name == "TensorrtExecutionProvider":
        cache = trt_cache_dir()
        return {
            "trt_engine_cache_enable": "True",
            "trt_engine_cache_path": str(cache),
            "trt_timing_cache_enable": "True",
            "trt_timing_cache_path": str(cache),
            "trt_fp16_enable": str(fp16),
        }
    return {}


def library_problem(name: str) -> str | None:
    """Why a GPU provider's shared library cannot load (e.g. a missing libcublas), or None if it loads."""
    stem = {"TensorrtExecutionProvider": "tensorrt", "CUDAExecutionProvider": "cuda"}.get(name)
    if stem is None:
        return None
    path = Path(ort.__file__).parent / "capi" / f"libonnxruntime_providers_{stem}.so"
    try:
        ctypes.CDLL(str(path))
    except OSError as exc:
        return str(exc).replace(f"{path}: ", "")
    return None


_NVIDIA_GPUS = Path("/proc/driver/nvidia/gpus")  # one folder per GPU while NVIDIA's driver is loaded


def nvidia_gpu_present() -> bool:
    """Whether NVIDIA's driver sees a GPU here (Linux): without one, CPU is the expected provider, not a failure."""
    try:
        return any(_NVIDIA_GPUS.iterdir())
    except OSError:
        return False


GPU_FIX = "install CUDA 13 and cuDNN 9 for onnxruntime-gpu (docs/generator.md, Execution providers)"


@dataclass
class ProbeResult:
    """The session that works, the provider really active, and what the user must be told."""

    session: ort.InferenceSession
    provider: str
    notices: list[str] = field(default_factory=list)


def _options() -> ort.SessionOptions:
    opts = ort.SessionOptions()
    # The model is tiny: one thread avoids waking a pool that would fight the pose model for the cores.
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    return opts


def open_session(model: bytes | str, wanted: tuple[str, ...] = PREFERENCE, fp16: bool = False) -> ProbeResult:
    """Create a session on the best provider that really loads; notices say what fell back and why.

    `fp16` lets TensorRT build half-precision engines (see provider_options); other providers run fp32.
    """
    available = set(ort.get_available_providers())
    failures: list[str] = []  # why each better provider was passed over
    for name in wanted:
        if name not in available:
            continue
        short = SHORT_NAMES.get(name, name)
        problem = library_problem(name)
        if problem:
            failures.append(f"{short}: {problem}")
            continue
        if name == "TensorrtExecutionProvider":
            trt_cache_dir().mkdir(parents=True, exist_ok=True)
        chain: list = [(name, provider_options(name, fp16))]
        if name != "CPUExecutionProvider":
            chain.append("CPUExecutionProvider")
        try:
            session = ort.InferenceSession(model, sess_options=_options(), providers=chain)
        except Exception as exc:  # noqa: BLE001 - any provider failure means: try the next one
            if isinstance(exc, (InvalidProtobuf, NoSuchFile)):
                # No provider can read it: say so, not "no provider could run it" after trying each.
                raise ModelFileError(_unreadable(model, exc)) from exc
            failures.append(f"{short} failed to start: {exc}")
            continue
        active = session.get_providers()[0]
        if active != name:
            if name != "CPUExecutionProvider":
                failures.append(f"{short} installed but could not load (no GPU, or CUDA/cuDNN missing)")
            continue
        # One line for the user: where the generator runs and, if not on the best provider, why (the libraries'
        # own words only where a GPU is there to use: on a machine without one they only alarm).
        short_active = SHORT_NAMES.get(active, active)
        if failures and not nvidia_gpu_present():
            log.info("GPU providers passed over: %s", "; ".join(failures))
            notices = [f"garment generator running on {short_active}: no NVIDIA GPU found"]
        else:
            notices = [
                f"garment generator running on {short_active} ({'; '.join(failures)}; to use the GPU: {GPU_FIX})"
            ]
        return ProbeResult(session, short_active, notices if failures else [])
    reasons = f" ({'; '.join(failures)})" if failures else ""
    raise RuntimeError(f"no ONNX Runtime execution provider could run the generator model{reasons}")


class ModelFileError(RuntimeError):
    """The model file itself is unusable (missing, or not an ONNX model), whatever the provider."""


def _unreadable(model: bytes | str, exc: Exception) -> str:
    """What is wrong with a model ONNX Runtime cannot load, in the user's words (callers name the file)."""
    if isinstance(exc, NoSuchFile):
        return f"no such file: {model!r}"
    return "not an ONNX model: ONNX Runtime cannot parse it"
