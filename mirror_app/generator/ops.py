"""Two backends for the generator's math: numpy (the reference) and an ONNX graph builder.

The generator is written once against the small `Ops` interface below. Run with `NumpyOps` it is the
reference implementation; run with `OnnxOps` it emits the ONNX graph. The parity test checks that ONNX
Runtime's result equals the numpy one, which catches every difference in how the two backends read an
operation (broadcasting, axes, dtypes).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


class Ops(Protocol):
    """The operations the generator may use; each backend implements them with the same semantics."""

    def const(self, value: Any) -> Any: ...
    def add(self, a: Any, b: Any) -> Any: ...
    def sub(self, a: Any, b: Any) -> Any: ...
    def mul(self, a: Any, b: Any) -> Any: ...
    def div(self, a: Any, b: Any) -> Any: ...
    def sqrt(self, a: Any) -> Any: ...
    def abs(self, a: Any) -> Any: ...
    def atan(self, a: Any) -> Any: ...
    def cos(self, a: Any) -> Any: ...
    def sin(self, a: Any) -> Any: ...
    def maximum(self, a: Any, b: Any) -> Any: ...
    def minimum(self, a: Any, b: Any) -> Any: ...
    def greater(self, a: Any, b: Any) -> Any: ...
    def where(self, cond: Any, a: Any, b: Any) -> Any: ...
    def take(self, a: Any, indices: Sequence[int] | int, axis: int) -> Any: ...
    def concat(self, parts: Sequence[Any], axis: int) -> Any: ...
    def split(self, a: Any, sizes: Sequence[int], axis: int) -> list[Any]: ...
    def stack(self, parts: Sequence[Any], axis: int) -> Any: ...
    def unsqueeze(self, a: Any, axis: int) -> Any: ...
    def sum(self, a: Any, axis: int, keepdims: bool = False) -> Any: ...
    def matmul(self, a: Any, b: Any) -> Any: ...
    def reshape(self, a: Any, shape: Sequence[int]) -> Any: ...


class NumpyOps:
    """Eager float32 numpy backend: the reference implementation."""

    def const(self, value: Any) -> np.ndarray:
        return np.asarray(value, dtype=np.float32)

    def add(self, a: Any, b: Any) -> np.ndarray:
        return np.add(a, b, dtype=np.float32)

    def sub(self, a: Any, b: Any) -> np.ndarray:
        return np.subtract(a, b, dtype=np.float32)

    def mul(self, a: Any, b: Any) -> np.ndarray:
        return np.multiply(a, b, dtype=np.float32)

    def div(self, a: Any, b: Any) -> np.ndarray:
        return np.divide(a, b, dtype=np.float32)

    def sqrt(self, a: Any) -> np.ndarray:
        return np.sqrt(a, dtype=np.float32)

    def abs(self, a: Any) -> np.ndarray:
        return np.abs(a).astype(np.float32)

    def atan(self, a: Any) -> np.ndarray:
        return np.arctan(a).astype(np.float32)

    def cos(self, a: Any) -> np.ndarray:
        return np.cos(a).astype(np.float32)

    def sin(self, a: Any) -> np.ndarray:
        return np.sin(a).astype(np.float32)

    def maximum(self, a: Any, b: Any) -> np.ndarray:
        return np.maximum(a, b).astype(np.float32)

    def minimum(self, a: Any, b: Any) -> np.ndarray:
        return np.minimum(a, b).astype(np.float32)

    def greater(self, a: Any, b: Any) -> np.ndarray:
        return np.greater(a, b)

    def where(self, cond: Any, a: Any, b: Any) -> np.ndarray:
        return np.where(cond, a, b).astype(np.float32)

    def take(self, a: Any, indices: Sequence[int] | int, axis: int) -> np.ndarray:
        return np.take(a, indices, axis=axis)

    def concat(self, parts: Sequence[Any], axis: int) -> np.ndarray:
        return np.concatenate(parts, axis=axis)

    def split(self, a: Any, sizes: Sequence[int], axis: int) -> list[np.ndarray]:
        a = np.asarray(a)
        if sum(sizes) != a.shape[axis]:  # ONNX's Split refuses sizes that do not add up; so does this
            raise ValueError(f"split sizes {list(sizes)} do not add up to {a.shape[axis]}")
        return np.split(a, list(itertools.accumulate(sizes))[:-1], axis=axis)

    def stack(self, parts: Sequence[Any], axis: int) -> np.ndarray:
        return np.stack(parts, axis=axis)

    def unsqueeze(self, a: Any, axis: int) -> np.ndarray:
        return np.expand_dims(a, axis)

    def sum(self, a: Any, axis: int, keepdims: bool = False) -> np.ndarray:
        return np.asarray(np.sum(a, axis=axis, keepdims=keepdims, dtype=np.float32))

    def matmul(self, a: Any, b: Any) -> np.ndarray:
        return np.matmul(a, b).astype(np.float32)

    def reshape(self, a: Any, shape: Sequence[int]) -> np.ndarray:
        return np.reshape(a, shape)


class OnnxOps:
    """Symbolic backend: each call appends nodes to an ONNX graph and returns the output's name."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._ids = itertools.count()

    def _name(self, stem: str) -> str:
        return f"{stem}_{next(self._ids)}"

    def _node(self, op: str, inputs: Sequence[str], **attrs: Any) -> str:
        out = self._name(op.lower())
        self.nodes.append(helper.make_node(op, list(inputs), [out], name=out, **attrs))
        return out

    def _as_name(self, value: Any) -> str:
        return value if isinstance(value, str) else self.const(value)

    def const(self, value: Any) -> str:
        name = self._name("const")
        array = np.asarray(value)
        array = array.astype(np.int64 if array.dtype.kind in "iu" else np.float32)
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def _binary(self, op: str, a: Any, b: Any) -> str:
        return self._node(op, [self._as_name(a), self._as_name(b)])

    def add(self, a: Any, b: Any) -> str:
        return self._binary("Add", a, b)

    def sub(self, a: Any, b: Any) -> str:
        return self._binary("Sub", a, b)

    def mul(self, a: Any, b: Any) -> str:
        return self._binary("Mul", a, b)

    def div(self, a: Any, b: Any) -> str:
        return self._binary("Div", a, b)

    def sqrt(self, a: Any) -> str:
        return self._node("Sqrt", [self._as_name(a)])

    def abs(self, a: Any) -> str:
        return self._node("Abs", [self._as_name(a)])

    def atan(self, a: Any) -> str:
        return self._node("Atan", [self._as_name(a)])

    def cos(self, a: Any) -> str:
        return self._node("Cos", [self._as_name(a)])

    def sin(self, a: Any) -> str:
        return self._node("Sin", [self._as_name(a)])

    def maximum(self, a: Any, b: Any) -> str:
        return self._binary("Max", a, b)

    def minimum(self, a: Any, b: Any) -> str:
        return self._binary("Min", a, b)

    def greater(self, a: Any, b: Any) -> str:
        return self._binary("Greater", a, b)

    def where(self, cond: Any, a: Any, b: Any) -> str:
        return self._node("Where", [cond, self._as_name(a), self._as_name(b)])

    def take(self, a: Any, indices: Sequence[int] | int, axis: int) -> str:
        idx = self.const(np.asarray(indices, dtype=np.int64))
        return self._node("Gather", [self._as_name(a), idx], axis=axis)

    def concat(self, parts: Sequence[Any], axis: int) -> str:
        return self._node("Concat", [self._as_name(p) for p in parts], axis=axis)

    def split(self, a: Any, sizes: Sequence[int], axis: int) -> list[str]:
        """Cut into consecutive pieces of these sizes along an axis: one node for what would be a gather each."""
        outs = [self._name("split") for _ in sizes]
        sizes_name = self.const(np.asarray(sizes, dtype=np.int64))
        self.nodes.append(helper.make_node("Split", [self._as_name(a), sizes_name], outs, name=outs[0], axis=axis))
        return outs

    def stack(self, parts: Sequence[Any], axis: int) -> str:
        return self.concat([self.unsqueeze(p, axis) for p in parts], axis=axis)

    def unsqueeze(self, a: Any, axis: int) -> str:
        return self._node("Unsqueeze", [self._as_name(a), self.const(np.asarray([axis], dtype=np.int64))])

    def sum(self, a: Any, axis: int, keepdims: bool = False) -> str:
        axes = self.const(np.asarray([axis], dtype=np.int64))
        return self._node("ReduceSum", [self._as_name(a), axes], keepdims=int(keepdims))

    def matmul(self, a: Any, b: Any) -> str:
        return self._binary("MatMul", a, b)

    def reshape(self, a: Any, shape: Sequence[int]) -> str:
        return self._node("Reshape", [self._as_name(a), self.const(np.asarray(shape, dtype=np.int64))])

    def identity(self, a: Any, name: str) -> str:
        """Give a value its public output name."""
        self.nodes.append(helper.make_node("Identity", [self._as_name(a)], [name], name=f"out_{name}"))
        return name

    def model(
        self,
        inputs: Sequence[tuple[str, Sequence[int | str]]],
        outputs: Sequence[tuple[str, Sequence[int | str]]],
        doc: str,
    ) -> onnx.ModelProto:
        """Wrap the recorded nodes into a checked float32 ONNX model (opset 17)."""
        graph = helper.make_graph(
            self.nodes,
            "mirror_garment_generator",
            [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(s)) for n, s in inputs],
            [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(s)) for n, s in outputs],
            initializer=self.initializers,
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="mirror")
        model.ir_version = 8
        model.doc_string = doc
        onnx.checker.check_model(model)
        return model
