#version 330
// Low-res garment coverage (R) and coverage-weighted depth (G): feeds shadows, edge darkening, occlusion.
// RGBA8 target: depth is stored as 0.5 + 0.5 * depth / u_depth_range (0..1), which blends linearly like depth.
uniform sampler2D u_garment;  // premultiplied RGBA
uniform float u_opacity;
uniform float u_depth_range;  // metres: depths beyond +-this are clamped
in vec2 v_uv;
in vec2 v_px;
in float v_depth;
out vec4 f_color;

void main() {
    float a = texture(u_garment, v_uv).a * u_opacity;
    float stored = 0.5 + 0.5 * clamp(v_depth / u_depth_range, -1.0, 1.0);
    f_color = vec4(a, a * stored, 0.0, a);
}
