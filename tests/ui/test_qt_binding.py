"""Qt's Python binding must keep Python's own objects alive: the window emits a signal on every frame."""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

from mirror_app.ui.qt_binding import emit_leak_notice

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
    assert emit_leak_notice() is None  # so the window's start-up check stays quiet


def test_a_binding_that_eats_true_gets_a_notice_naming_it_and_the_fix() -> None:
    decref = ctypes.pythonapi.Py_DecRef
    decref.argtypes = [ctypes.py_object]
    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]
    eaten = 0

    def leaky_emit() -> bool:  # what 6.12.0's emit did: return True, one reference short
        nonlocal eaten
        decref(True)
        eaten += 1
        return True

    before = sys.getrefcount(True)
    try:
        notice = emit_leak_notice(leaky_emit, emits=64)
        given_back = sys.getrefcount(True) - before + eaten  # the check restores what its probe took
    finally:
        for _ in range(eaten - max(0, given_back)):
            incref(True)
    assert notice is not None
    assert abs(given_back - eaten) < 16, f"the check gave back {given_back} of {eaten} references"
    assert "PySide6" in notice and "True" in notice and "packaging/install.sh" in notice and "6.11.3" in notice
