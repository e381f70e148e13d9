"""Export a trained refiner as one ONNX model under the generator contract (analytic warp + learned refinement).

The analytic graph (`generator.build.build_model`) and the refiner traced by torch are joined into one
graph: the analytic `vertices` become the refiner's input, the refined ones the model's `vertices`. Inputs
and the four contract outputs keep their names, so the app runs it unchanged; two extra outputs follow:
`shading` (N,) and `alpha` (N,).
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from onnx import compose, helper

from mirror_app.generator import contract
from mirror_app.generator.build import build_model
from mirror_app.learn.model import Refiner

EXTRA_OUTPUTS: tuple[tuple[str, tuple[int | str, ...]], ...] = (("shading", ("N",)), ("alpha", ("N",)))
_REFINER_INPUTS = ("landmarks", "world", "rest_vertices", "skin_weights", "rest_bones", "base_vertices")
_ANALYTIC = "analytic_vertices"


class _Single(torch.nn.Module):
    """The refiner on one frame with the contract's unbatched shapes."""

    def __init__(self, refiner: Refiner) -> None:
        super().__init__()
        self.refiner = refiner

    def forward(
        self,
        landmarks: torch.Tensor,
        world: torch.Tensor,
        rest_vertices: torch.Tensor,
        skin_weights: torch.Tensor,
        rest_bones: torch.Tensor,
        base_vertices: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        v, s, a = self.refiner(
            landmarks[None], world[None], rest_vertices, skin_weights, rest_bones, base_vertices[None]
        )
        return v[0], s[0], a[0]


def refiner_from_checkpoint(path: Path) -> tuple[Refiner, dict[str, Any]]:
    """The trained refiner and the checkpoint's hyper-parameters (garment id, settings...)."""
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
    except (OSError, RuntimeError) as exc:
        raise ValueError(f"checkpoint {path} cannot be read ({exc}): train first (mirror-app train)") from None
    hp = ckpt.get("hyper_parameters", {})
    settings = hp.get("settings", {})
    refiner = Refiner(settings.get("code", 16), settings.get("hidden", 32))
    state = {k[len("refiner.") :]: v for k, v in ckpt["state_dict"].items() if k.startswith("refiner.")}
    refiner.load_state_dict(state)
    refiner.eval()
    return refiner, hp


def refiner_onnx(refiner: Refiner) -> onnx.ModelProto:
    """The refiner alone as ONNX (opset 17, dynamic vertex count)."""
    n = 12
    args = (
        torch.zeros(33, 3),
        torch.zeros(33, 3),
        torch.rand(n, 2) * 100,
        torch.full((n, 9), 1 / 9),
        torch.rand(9, 3, 2) * 100 + 1,
        torch.rand(n, 2) * 100,
    )
    buf = io.BytesIO()
    with warnings.catch_warnings():  # the TorchScript exporter is deprecated but is the one ORT-ready here
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            _Single(refiner.eval()),
            args,
            buf,  # type: ignore[arg-type]  # a BytesIO works; the stub names only paths
            opset_version=17,
            dynamo=False,
            input_names=list(_REFINER_INPUTS),
            output_names=["vertices", "shading", "alpha"],
            dynamic_axes={
                "rest_vertices": {0: "N"},
                "skin_weights": {0: "N"},
                "base_vertices": {0: "N"},
                "vertices": {0: "N"},
                "shading": {0: "N"},
                "alpha": {0: "N"},
            },
        )
    return onnx.load_from_string(buf.getvalue())


def learned_model(refiner: Refiner, doc: str = "") -> onnx.ModelProto:
    """Analytic warp + refiner as one contract model (plus the `shading` and `alpha` outputs)."""
    analytic = build_model()
    g1 = analytic.graph
    for node in g1.node:
        node.output[:] = [_ANALYTIC if o == "vertices" else o for o in node.output]
    kept = [o for o in g1.output if o.name != "vertices"]
    del g1.output[:]
    g1.output.extend(kept)

    learned = compose.add_prefix(refiner_onnx(refiner), "learned/", rename_inputs=False, rename_outputs=False)
    g2 = learned.graph
    for node in g2.node:
        node.input[:] = [_ANALYTIC if i == "base_vertices" else i for i in node.input]
    graph = helper.make_graph(
        list(g1.node) + list(g2.node),
        "mirror_learned_generator",
        list(g1.input),
        [],
        initializer=list(g1.initializer) + list(g2.initializer),
    )
    outputs = {o.name: o for o in list(g2.output) + list(g1.output)}
    graph.output.extend(outputs[name] for name, _ in contract.OUTPUTS + EXTRA_OUTPUTS)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="mirror-learn")
    model.ir_version = 8
    model.doc_string = doc or "mirror learned garment generator: analytic LBS warp + pose-conditioned refiner"
    onnx.checker.check_model(model)
    return model


def export_checkpoint(checkpoint: Path, out: Path) -> dict[str, Any]:
    """Write the ONNX model for a checkpoint; returns the checkpoint's hyper-parameters."""
    refiner, hp = refiner_from_checkpoint(checkpoint)
    model = learned_model(refiner, f"mirror learned generator for garment {hp.get('garment_id', '?')}")
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, out)
    return hp


def torch_reference(refiner: Refiner, feeds: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the exported model must output for these contract feeds: numpy analytic warp, then torch refiner."""
    from mirror_app.generator.ops import NumpyOps
    from mirror_app.generator.warp import generate

    base, _depth, _opacity, _back = generate(NumpyOps(), *(feeds[name] for name, _ in contract.INPUTS))
    t = {k: torch.from_numpy(np.asarray(v, np.float32)) for k, v in feeds.items()}
    with torch.no_grad():
        v, s, a = _Single(refiner)(
            t["landmarks"], t["world"], t["rest_vertices"], t["skin_weights"], t["rest_bones"], torch.from_numpy(base)
        )
    return v.numpy(), s.numpy(), a.numpy()
