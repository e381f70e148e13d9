"""A catalog entry naming a learned model: the loader resolves it, the runtime and the pipeline use it."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from mirror_app.catalog.loader import default_catalog_dir, load_catalog
from mirror_app.generator.binding import bind_garment
from mirror_app.generator.runtime import GarmentGenerator
from mirror_app.learn.export import learned_model
from mirror_app.learn.model import Refiner
from mirror_app.pipeline import FrameProcessor, Tracked, Wardrobe
from mirror_app.stats import StageClock
from tests.generator.synthetic import body

ENTRY = """schema_version = 1
name = "Learned"

[[garments]]
id = "breton-stripe-tee"
name = "Breton stripe tee"
category = "t-shirt"
front = "images/breton-stripe-tee.png"
{model}
[garments.anchors]
neck = [300.0, 62.0]
left_shoulder = [470.0, 78.0]
right_shoulder = [130.0, 78.0]
left_armpit = [458.0, 228.0]
right_armpit = [142.0, 228.0]
left_hem = [458.0, 530.0]
right_hem = [142.0, 530.0]
left_waist = [452.0, 330.0]
right_waist = [148.0, 330.0]
left_cuff = [533.01, 233.99]
right_cuff = [66.99, 233.99]
"""


def _catalog(root: Path, model_line: str) -> Path:
    (root / "images").mkdir(parents=True)
    shutil.copy(default_catalog_dir() / "images" / "breton-stripe-tee.png", root / "images")
    (root / "catalog.toml").write_text(ENTRY.format(model=model_line))
    return root


def _moving_model(path: Path) -> None:
    """A learned model whose refiner really moves the garment (random last layer instead of zeros)."""
    torch.manual_seed(3)
    refiner = Refiner()
    last = refiner.vertex[-1]
    assert isinstance(last, torch.nn.Linear)
    torch.nn.init.normal_(last.weight, std=0.5)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(learned_model(refiner), path)


def test_loader_resolves_the_model_and_the_pipeline_uses_it(tmp_path: Path) -> None:
    root = _catalog(tmp_path / "cat", 'model = "models/breton.onnx"')
    _moving_model(root / "models" / "breton.onnx")
    loaded = load_catalog(root)
    assert loaded.problems == []
    (garment,) = loaded.garments
    assert Path(garment.extras["model"]) == (root / "models" / "breton.onnx").resolve()

    generator = GarmentGenerator(providers=("CPUExecutionProvider",))
    person = body()
    sil = np.full((3, 2), 90.0, np.float32)
    binding = bind_garment(garment)
    analytic = generator.fit(person, binding, sil)
    learned = generator.fit(person, binding, sil, garment.extras["model"])
    feeds = {
        "landmarks": person.landmarks_px,
        "world": person.world,
        "silhouette": sil,
        "rest_vertices": binding.rest_vertices,
        "skin_weights": binding.skin_weights,
        "rest_bones": binding.rest_bones,
        "garment_params": binding.params,
        "shoulder_tops": np.zeros(2, np.float32),  # learned models are fed "unknown", as in training
        "arm_reach": np.zeros(2, np.float32),
        "sleeve_halves": binding.sleeve_halves,
        "forearm_widths": np.zeros(2, np.float32),
        "cuff_widths": binding.cuff_widths,
    }
    session = ort.InferenceSession(garment.extras["model"], providers=["CPUExecutionProvider"])
    direct, direct_shading = session.run(["vertices", "shading"], feeds)
    np.testing.assert_allclose(learned.vertices_px, direct[: binding.mesh_size], atol=1e-4)
    assert analytic.shading is None, "the analytic generator leaves the garment's brightness alone"
    assert learned.shading is not None and learned.shading.shape == (binding.mesh_size,)
    np.testing.assert_allclose(learned.shading, direct_shading[: binding.mesh_size], atol=1e-5)
    assert np.abs(learned.vertices_px - analytic.vertices_px).max() > 1.0
    assert learned.opacity == analytic.opacity and learned.mesh is analytic.mesh

    # The pipeline dresses with the worn garment's learned model.
    processor = FrameProcessor(None, generator, Wardrobe([garment]))
    frame_image = np.zeros((720, 1280, 3), np.uint8)
    from mirror_app.capture.frame import Frame

    done = processor.dress(Tracked(Frame(frame_image, 0, 0), person), StageClock())
    assert done.fit is not None
    assert np.abs(done.fit.vertices_px - analytic.vertices_px).max() > 1.0


def test_learned_models_are_opened_with_the_wardrobe_not_on_the_drawing_thread(tmp_path: Path) -> None:
    root = _catalog(tmp_path / "cat", 'model = "models/breton.onnx"')
    _moving_model(root / "models" / "breton.onnx")
    (garment,) = load_catalog(root).garments
    generator = GarmentGenerator(providers=("CPUExecutionProvider",))
    opened: list[str] = []
    real_open = generator._open_learned

    def spy(key: str):  # noqa: ANN202
        opened.append(key)
        return real_open(key)

    generator._open_learned = spy  # type: ignore[method-assign]
    processor = FrameProcessor(None, generator, Wardrobe([garment]))
    assert opened == [garment.extras["model"]], "opened when the processor takes the wardrobe"
    from mirror_app.capture.frame import Frame

    done = processor.dress(Tracked(Frame(np.zeros((720, 1280, 3), np.uint8), 0, 0), body()), StageClock())
    assert done.fit is not None and opened == [garment.extras["model"]], "drawing opens nothing more"


def test_missing_model_is_a_problem_and_the_garment_stays_analytic(tmp_path: Path) -> None:
    root = _catalog(tmp_path / "cat", 'model = "models/nowhere.onnx"')
    loaded = load_catalog(root)
    assert len(loaded.garments) == 1 and "model" not in loaded.garments[0].extras
    assert any("learned model not found" in p.message and p.field.endswith(".model") for p in loaded.problems)


@pytest.mark.parametrize("line", ['model = "../outside.onnx"', 'model = "/abs/path.onnx"'])
def test_model_outside_the_catalog_is_refused(tmp_path: Path, line: str) -> None:
    loaded = load_catalog(_catalog(tmp_path / "cat", line))
    assert "model" not in loaded.garments[0].extras
    assert any("model ignored" in p.message for p in loaded.problems)


def test_unusable_model_falls_back_to_analytic_with_a_notice(tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    generator = GarmentGenerator(providers=("CPUExecutionProvider",))
    (garment,) = load_catalog(_catalog(tmp_path / "cat", "")).garments
    binding = bind_garment(garment)
    sil = np.zeros((3, 2), np.float32)
    fit = generator.fit(body(), binding, sil, bad)
    np.testing.assert_allclose(fit.vertices_px, generator.fit(body(), binding, sil).vertices_px)
    (notice,) = [n for n in generator.notices if str(bad) in n]
    assert "analytic" in notice and "not an ONNX model" in notice and "mirror-app export" in notice
