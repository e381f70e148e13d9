"""Qt's Python binding must keep Python's own objects alive: the window emits a signal on every frame."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

EMITS = 500


class _Emitter(QObject):
    ready = Signal()
    carried = Signal(object)


def test_emitting_signals_keeps_the_references_to_true_and_false() -> None:
    # PySide6 6.12.0's Signal.emit() dropped a reference to Py_True on every call: the window's frame_ready
    # signal took Python to "Fatal Python error: bool_dealloc" after ~11,000 frames (~6 minutes at 30 FPS).
    emitter = _Emitter()
    seen: list[object] = []
    emitter.carried.connect(seen.append)
    true_before, false_before = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(EMITS):
        emitter.ready.emit()  # nothing connected, as after the window closed
        emitter.carried.emit(None)
    # Other threads of the test session may hold or drop a few references meanwhile; a leak is one per emit.
    assert abs(sys.getrefcount(True) - true_before) < EMITS // 10, "Signal.emit() leaks references to True"
    assert abs(sys.getrefcount(False) - false_before) < EMITS // 10, "Signal.emit() leaks references to False"
    assert len(seen) == EMITS
