#version 330
// Applies the low-res shade map to the target with blend (DST_COLOR, SRC_COLOR): dst * 2 * src.
uniform sampler2D u_shade;
in vec2 v_uv;
out vec4 f_color;

void main() {
    f_color = texture(u_shade, v_uv);
}
