#version 330
// Low-res garment coverage (R) and coverage-weighted depth (G): feeds shadows, edge darkening, occlusion.
uniform sampler2D u_garment;  // premultiplied RGBA
uniform float u_opacity;
in vec2 v_uv;
in vec2 v_px;
in float v_depth;
out vec4 f_color;

void main() {
    float a = texture(u_garment, v_uv).a * u_opacity;
    f_color = vec4(a, a * v_depth, 0.0, a);
}
