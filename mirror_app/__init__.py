"""mirror: a real-time AR try-on mirror for clothing stores."""

from pathlib import Path

__version__ = "0.1.0"

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""Top of the source tree; shaders/, assets/ and models/ live here (installed editable)."""
