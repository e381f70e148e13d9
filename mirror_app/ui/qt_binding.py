"""A start-up check of the installed Qt binding: PySide6 6.12.0 loses a reference to True on every emit."""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable

import PySide6
from PySide6.QtCore import QObject, Signal

PROBE_EMITS = 64


class _Probe(QObject):
    pinged = Signal()


def emit_leak_notice(emit: Callable[[], object] | None = None, emits: int = PROBE_EMITS) -> str | None:
    """What to tell the user when emitting a signal eats references to Python's True, else None.

    The window emits a signal every frame; with such a binding Python aborts ("bool_dealloc") after
    ~11,000 frames, a few minutes in. `emit`: the call to probe (a fresh, unconnected signal by default).
    """
    probe = _Probe()  # kept alive while its signal is emitted
    if emit is None:
        emit = probe.pinged.emit
    before = sys.getrefcount(True)
    for _ in range(emits):
        emit()
    lost = before - sys.getrefcount(True)
    if lost < emits * 3 // 4:  # other threads may take or drop a few meanwhile; the bug loses one per emit
        return None
    for _ in range(lost):  # give back what the probe itself took, so the check brings no abort closer
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return (
        f"PySide6 {PySide6.__version__} loses a reference to Python's True on every Qt signal "
        f"({lost} in {emits} emits): the mirror will stop after a few minutes. Re-run packaging/install.sh, "
        "which installs the pinned PySide6-Essentials 6.11.3."
    )
