"""Builds the analytic generator's ONNX model from `warp.generate` (run: python -m mirror_app.generator.build)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import onnx

from mirror_app import PROJECT_ROOT
from mirror_app.generator import contract
from mirror_app.generator.ops import OnnxOps
from mirror_app.generator.warp import generate

DEFAULT_MODEL = PROJECT_ROOT / "models" / "garment_generator.onnx"
log = logging.getLogger(__name__)


def build_model() -> onnx.ModelProto:
    """Trace the warp into an ONNX graph honouring the generator contract."""
    ops = OnnxOps()
    names = [name for name, _ in contract.INPUTS]
    outputs = generate(ops, *names)
    for (name, _), value in zip(contract.OUTPUTS, outputs, strict=True):
        ops.identity(value, name)
    return ops.model(contract.INPUTS, contract.OUTPUTS, doc="mirror analytic garment generator (LBS, 9 bones)")


def main() -> None:
    """Write the model file."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(build_model(), args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
