#version 330
// The camera frame, nothing else: the one full-screen pass, kept as cheap as llvmpipe allows.
// SHADE (drawn over the garment's box only): the frame times the shade map's G (the contact shadow), so it
// needs no separate modulate pass; the garment pass applies the map's R to itself.
#ifndef SHADE
#define SHADE 0
#endif
uniform sampler2D u_camera;
#if SHADE
uniform sampler2D u_shade;  // low-res shade map, G: frame multiplier (1 = unchanged)
#endif
in vec2 v_uv;
out vec4 f_color;

void main() {
#if SHADE
    f_color = vec4(texture(u_camera, v_uv).rgb * texture(u_shade, v_uv).g, 1.0);
#else
    f_color = vec4(texture(u_camera, v_uv).rgb, 1.0);
#endif
}
