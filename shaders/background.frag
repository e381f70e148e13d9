#version 330
// The camera frame, nothing else: the one full-screen pass, kept as cheap as llvmpipe allows.
uniform sampler2D u_camera;
in vec2 v_uv;
out vec4 f_color;

void main() {
    f_color = vec4(texture(u_camera, v_uv).rgb, 1.0);
}
