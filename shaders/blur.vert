#version 330
// Full-target quad for the low-res separable blur.
in vec2 in_ndc;
out vec2 v_uv;

void main() {
    v_uv = in_ndc * 0.5 + 0.5;
    gl_Position = vec4(in_ndc, 0.0, 1.0);
}
