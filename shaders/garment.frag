#version 330
// The garment mesh: premultiplied albedo x scene light with a feathered, fringe-free edge.
// SHADE: x the low-res shade map's R (folds x edge darkening, computed at 1/8 size in the shade pass).
// Per-pixel work here is what costs most: everything else is read from small textures.
#ifndef SHADE_BASE
#define SHADE_BASE 0.35  // the compositor passes its SHADE_BASE; this is for compiling the file alone
#endif
#ifndef SHADE
#define SHADE 0
#endif
uniform sampler2D u_garment;  // premultiplied RGBA with mipmaps (no background fringe in the mips)
uniform float u_opacity;
uniform vec3 u_light;         // scene light multiplier; (1, 1, 1) leaves the albedo unchanged
uniform float u_feather_px;   // edge width in screen pixels
uniform float u_alpha_cut;    // alpha contour that counts as the garment's edge (erodes the halo)
uniform vec2 u_frame_size;    // camera frame (width, height) in pixels
#if SHADE
uniform sampler2D u_shade;    // R: garment multiplier less SHADE_BASE (defined by the compositor), frame uv
#endif
in vec2 v_uv;
in vec2 v_px;
in float v_depth;
in float v_shade;             // the generator's per-vertex brightness (1 for the analytic generator)
out vec4 f_color;

void main() {
    vec4 g = texture(u_garment, v_uv);
    float a = g.a;
    float fw = fwidth(a);
    // Remap the alpha contour to a ramp u_feather_px wide on screen, only where alpha varies (flat
    // translucent fabric keeps its alpha); min() trims the faint outer halo of the mips.
    float ramp = clamp((a - u_alpha_cut) / max(fw * u_feather_px, 1e-4) + 0.5, 0.0, 1.0);
    float edge = mix(a, min(a, ramp), clamp(fw * 8.0, 0.0, 1.0)) * u_opacity;
    vec2 frame_uv = v_px / u_frame_size;
    // Premultiplied in, premultiplied out: rgb / a * edge without dividing by a tiny alpha.
    vec3 rgb = min(g.rgb * (u_light * v_shade), vec3(a)) * (edge / max(a, 1e-3));
#if SHADE
    rgb *= texture(u_shade, frame_uv).r + SHADE_BASE;
#endif
    f_color = vec4(rgb, edge);
}
