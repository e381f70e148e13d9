#version 330
// Contact shadow: multiplies the camera frame just outside the garment's edge (drawn over the garment's
// bounding box only, with blend DST_COLOR x SRC, before the garment).
uniform sampler2D u_mask;        // person mask, frame uv
uniform sampler2D u_alpha;       // low-res garment alpha, frame uv
uniform sampler2D u_alpha_blur;  // the same, blurred
uniform float u_shadow;          // darkening strength
uniform vec2 u_shadow_offset;    // uv shift of the cast shadow (light from above: the shadow falls down)
in vec2 v_uv;
out vec4 f_color;

void main() {
    float dropped = texture(u_alpha_blur, v_uv - u_shadow_offset).r;
    float inside = texture(u_alpha, v_uv).r;
    float person = texture(u_mask, v_uv).r;
    float k = 1.0 - u_shadow * dropped * (1.0 - inside) * mix(0.3, 1.0, person);
    f_color = vec4(k, k, k, 1.0);
}
