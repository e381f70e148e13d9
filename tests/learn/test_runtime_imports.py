"""The mirror at run time never loads torch: only training, export and evaluation do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_app_modules_do_not_import_torch() -> None:
    code = (
        "import sys\n"
        "import mirror_app.cli, mirror_app.pipeline, mirror_app.ui.app, mirror_app.ui.capture_dialog\n"
        "import mirror_app.learn.capture, mirror_app.learn.fullimage, mirror_app.generator.runtime\n"
        "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith(('torch.', 'lightning'))))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, timeout=120)
    assert out.stdout.strip() == "[]"
