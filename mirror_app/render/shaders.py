"""Shader programs loaded by name from shaders/, so a GLSL error points at the file and line to fix."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import moderngl

from mirror_app import PROJECT_ROOT

log = logging.getLogger(__name__)

SHADER_DIR = PROJECT_ROOT / "shaders"

# Info-log line numbers: Mesa "0:12(5): error", NVIDIA "0(12) : error", AMD/Intel "ERROR: 0:12: ...".
_LINE_PATTERNS = (
    re.compile(r"^\s*\d+:(\d+)\(\d+\)"),
    re.compile(r"^\s*\d+\((\d+)\)\s*:"),
    re.compile(r"^\s*(?:ERROR|WARNING):\s*\d+:(\d+):", re.IGNORECASE),
)
_STAGE_HEADERS = {"vertex_shader": "vert", "fragment_shader": "frag", "geometry_shader": "geom"}


class ShaderError(RuntimeError):
    """A shader failed to compile or link; the message names the file and line."""

    def __init__(self, message: str, path: Path | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line


def parse_error_line(info_log: str) -> int | None:
    """First source line number mentioned by a GLSL compiler info log, across driver formats."""
    for text in info_log.splitlines():
        for pattern in _LINE_PATTERNS:
            match = pattern.match(text)
            if match:
                return int(match.group(1))
    return None


def _with_defines(source: str, defines: dict[str, str | int | float] | None) -> str:
    """Insert #defines after #version and reset #line, so reported lines still match the file."""
    if not defines:
        return source
    lines = source.splitlines()
    head = 0
    for i, text in enumerate(lines):
        if text.strip().startswith("#version"):
            head = i + 1
            break
    extra = [f"#define {key} {value}" for key, value in defines.items()]
    extra.append(f"#line {head + 1}")
    return "\n".join(lines[:head] + extra + lines[head:]) + "\n"


def _failed_stage(message: str) -> str | None:
    """Which stage the moderngl error message reports (its section header), if any."""
    for header, ext in _STAGE_HEADERS.items():
        if re.search(rf"^{header}\s*$", message, re.MULTILINE):
            return ext
    return None


def load_program(
    ctx: moderngl.Context,
    name: str,
    *,
    vertex: str | None = None,
    shader_dir: Path | None = None,
    defines: dict[str, str | int | float] | None = None,
) -> moderngl.Program:
    """Compile shaders/NAME.vert + NAME.frag (or VERTEX.vert) into a program, raising ShaderError."""
    folder = Path(shader_dir) if shader_dir is not None else SHADER_DIR
    paths = {"vert": folder / f"{vertex or name}.vert", "frag": folder / f"{name}.frag"}
    sources: dict[str, str] = {}
    for stage, path in paths.items():
        try:
            sources[stage] = _with_defines(path.read_text(encoding="utf-8"), defines)
        except OSError as exc:
            raise ShaderError(f"{path}: cannot read shader ({exc})", path=path) from exc
    try:
        return ctx.program(vertex_shader=sources["vert"], fragment_shader=sources["frag"])
    except moderngl.Error as exc:
        message = str(exc)
        failed = _failed_stage(message)
        line = parse_error_line(message.split("=\n", 1)[-1])
        if failed is not None:
            where = f"{paths[failed]}:{line}" if line is not None else str(paths[failed])
            detail = "compile error"
        else:
            where = f"{paths['vert']} + {paths['frag']}" + (f" (line {line})" if line is not None else "")
            detail = "link error"
        log_text = "\n".join(t for t in message.splitlines() if t.strip() and not set(t.strip()) <= {"="})
        raise ShaderError(f"{where}: {detail}: {log_text}", path=paths.get(failed or ""), line=line) from exc
