"""One short training run on the synthetic capture, shared by the training, export and evaluation tests."""

from __future__ import annotations

import signal
from dataclasses import dataclass
from pathlib import Path

import pytest

# After a Qt window test and a torch training run in the same process, a native library starts per-thread
# CPU timers that raise SIGPROF with no handler installed, which kills pytest later (seen in the tracking
# tests: "Profiling timer expired", exit 155). Nothing here profiles, so the signal is ignored.
signal.signal(signal.SIGPROF, signal.SIG_IGN)

pytest.importorskip("torch")
pytest.importorskip("lightning")

from mirror_app.learn.dataset import CaptureData, prepare  # noqa: E402
from mirror_app.learn.session import load_capture  # noqa: E402
from tests.generator.synthetic import tee  # noqa: E402
from tests.learn.synthetic import write_capture  # noqa: E402

STEPS = 80


@dataclass(frozen=True)
class Trained:
    """A capture, its data and a finished training folder."""

    capture: Path
    data: CaptureData
    out: Path
    checkpoint: Path


@pytest.fixture(scope="package")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    from mirror_app.learn.train import TrainSettings, fit

    root = tmp_path_factory.mktemp("learn")
    capture = write_capture(root / "capture", frames=40)
    data = prepare(load_capture(capture), tee(), crop=64)
    _module, last = fit(
        data, "synthetic-tee", root / "training", TrainSettings(steps=STEPS, batch=4), progress_bar=False
    )
    return Trained(capture, data, root / "training", last)
