"""Shader loading: errors name the file and line, #defines keep line numbers right."""

from __future__ import annotations

import pytest

from mirror_app.render.shaders import ShaderError, load_program, parse_error_line

VERT = "#version 330\nin vec2 p;\nvoid main() {\n    gl_Position = vec4(p, 0.0, 1.0);\n}\n"
FRAG = "#version 330\nout vec4 o;\nvoid main() {\n    o = vec4(1.0);\n}\n"


def test_parse_error_line_formats() -> None:
    assert parse_error_line("0:12(5): error: syntax error") == 12
    assert parse_error_line("0(7) : error C0000: syntax error") == 7
    assert parse_error_line("ERROR: 0:3: 'x' : undeclared identifier") == 3
    assert parse_error_line("no line here") is None


def test_loads_from_injected_dir(gl, tmp_path) -> None:
    (tmp_path / "ok.vert").write_text(VERT)
    (tmp_path / "ok.frag").write_text(FRAG)
    prog = load_program(gl, "ok", shader_dir=tmp_path)
    assert "p" in prog
    prog.release()


def test_compile_error_names_file_and_line(gl, tmp_path) -> None:
    (tmp_path / "bad.vert").write_text(VERT)
    (tmp_path / "bad.frag").write_text("#version 330\nout vec4 o;\nvoid main() {\n    o = vec4(1.0) +;\n}\n")
    with pytest.raises(ShaderError) as info:
        load_program(gl, "bad", shader_dir=tmp_path)
    assert str(tmp_path / "bad.frag") in str(info.value)
    assert info.value.line == 4
    assert f"bad.frag:{info.value.line}" in str(info.value)


def test_defines_keep_line_numbers(gl, tmp_path) -> None:
    (tmp_path / "d.vert").write_text(VERT)
    lines = [
        "#version 330",
        "out vec4 o;",
        "void main() {",
        "#if BROKEN",
        "    o = ;",
        "#endif",
        "    o = vec4(1.0);",
        "}",
    ]
    (tmp_path / "d.frag").write_text("\n".join(lines) + "\n")
    load_program(gl, "d", shader_dir=tmp_path, defines={"BROKEN": 0}).release()
    with pytest.raises(ShaderError) as info:
        load_program(gl, "d", shader_dir=tmp_path, defines={"BROKEN": 1})
    assert info.value.line == 5


def test_missing_file_is_shader_error(gl, tmp_path) -> None:
    with pytest.raises(ShaderError, match="nope.vert"):
        load_program(gl, "nope", shader_dir=tmp_path)


def test_project_shaders_compile(comp) -> None:
    assert comp is not None  # the compositor compiled every program of shaders/ when it was built
