"""Export under the generator contract, parity torch vs ONNX Runtime, and the held-out evaluation."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort

from mirror_app.generator import contract
from mirror_app.learn.evaluate import evaluate
from mirror_app.learn.export import EXTRA_OUTPUTS, export_checkpoint, refiner_from_checkpoint, torch_reference
from mirror_app.learn.parity import parity, random_feeds
from tests.learn.conftest import Trained


def test_export_keeps_the_contract_and_matches_torch(trained: Trained, tmp_path) -> None:
    model = tmp_path / "learned.onnx"
    hp = export_checkpoint(trained.checkpoint, model)
    assert hp["garment_id"] == "synthetic-tee"
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == [n for n, _ in contract.INPUTS]
    assert [o.name for o in session.get_outputs()] == [n for n, _ in contract.OUTPUTS + EXTRA_OUTPUTS]
    assert parity(trained.checkpoint, model) < 1e-3
    # The trained model really moves the garment (parity of a do-nothing model would prove little).
    refiner, _ = refiner_from_checkpoint(trained.checkpoint)
    feeds = random_feeds(np.random.default_rng(1))
    refined, shading, _alpha = torch_reference(refiner, feeds)
    analytic = session.run(["vertices"], feeds)[0]
    np.testing.assert_allclose(analytic, refined, atol=1e-3)
    from mirror_app.generator.build import build_model

    plain = ort.InferenceSession(build_model().SerializeToString(), providers=["CPUExecutionProvider"])
    base = plain.run(["vertices"], feeds)[0]
    assert np.abs(refined - base).max() > 0.5
    assert np.abs(shading - 1.0).max() > 0.01


def test_learned_beats_analytic_on_held_out_frames(trained: Trained, tmp_path) -> None:
    model = tmp_path / "learned.onnx"
    export_checkpoint(trained.checkpoint, model)
    result = evaluate(trained.data, model)
    _train, held = trained.data.split()
    assert result.frames == len(held) == 8
    assert result.learned.l1 < 0.85 * result.analytic.l1, result.table()
    assert result.learned.ssim > result.analytic.ssim, result.table()
