#version 330
// The garment mesh: premultiplied albedo x scene light with a feathered, fringe-free edge. Folds and
// shadows are applied afterwards at low resolution (shade pass): per-pixel work here is what costs most.
uniform sampler2D u_garment;  // premultiplied RGBA with mipmaps (no background fringe in the mips)
uniform float u_opacity;
uniform vec3 u_light;         // scene light multiplier; (1, 1, 1) leaves the albedo unchanged
uniform float u_feather_px;   // edge width in screen pixels
uniform float u_alpha_cut;    // alpha contour that counts as the garment's edge (erodes the halo)
in vec2 v_uv;
in vec2 v_px;
in float v_depth;
out vec4 f_color;

void main() {
    vec4 g = texture(u_garment, v_uv);
    float a = g.a;
    float fw = fwidth(a);
    // Remap the alpha contour to a ramp u_feather_px wide on screen, only where alpha varies (flat
    // translucent fabric keeps its alpha); min() trims the faint outer halo of the mips.
    float ramp = clamp((a - u_alpha_cut) / max(fw * u_feather_px, 1e-4) + 0.5, 0.0, 1.0);
    float edge = mix(a, min(a, ramp), clamp(fw * 8.0, 0.0, 1.0)) * u_opacity;
    // Premultiplied in, premultiplied out: rgb / a * edge without dividing by a tiny alpha.
    vec3 rgb = min(g.rgb * u_light, vec3(a)) * (edge / max(a, 1e-3));
    f_color = vec4(rgb, edge);
}
