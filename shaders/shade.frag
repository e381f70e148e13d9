#version 330
// Low-res multiplier for everything around and under the garment, applied after the garment is drawn:
// inside it, folds x edge darkening; outside it, the contact shadow. Stored halved (2x-modulate blend).
#ifndef FOLDS
#define FOLDS 1
#endif
#ifndef SHADOWS
#define SHADOWS 1
#endif
uniform sampler2D u_cover;       // R coverage, G coverage x depth (low res, frame uv)
uniform sampler2D u_cover_blur;  // blurred coverage
uniform sampler2D u_folds;       // R camera luma at 1/4 size, G person mask
uniform sampler2D u_folds_coarse;// R camera luma blurred at 1/8 size
uniform float u_folds_strength;  // exponent on the luma ratio
uniform float u_shadow;          // contact shadow strength
uniform float u_ao;              // darkening toward the garment's own edges
uniform float u_opacity;
uniform vec2 u_shadow_offset;    // uv shift of the cast shadow (light from above: the shadow falls down)
in vec2 v_uv;
out vec4 f_color;

void main() {
    float inside = clamp(texture(u_cover, v_uv).r / max(u_opacity, 1e-3), 0.0, 1.0);
    vec2 fine = texture(u_folds, v_uv).rg;
    float k_in = 1.0;
    float k_out = 1.0;
#if FOLDS
    float coarse = texture(u_folds_coarse, v_uv).r;
    float ratio = log2((fine.r + 0.04) / (coarse + 0.04)) * fine.g;
    k_in = clamp(exp2(u_folds_strength * ratio), 0.6, 1.35);
#endif
#if SHADOWS
    float own = clamp(texture(u_cover_blur, v_uv).r / max(u_opacity, 1e-3), 0.0, 1.0);
    k_in *= 1.0 - u_ao * (1.0 - own);
    float dropped = texture(u_cover_blur, v_uv - u_shadow_offset).r;
    k_out = 1.0 - u_shadow * dropped * mix(0.3, 1.0, fine.g);
#endif
    float k = mix(k_out, k_in, inside);
    f_color = vec4(vec3(0.5 * k), 1.0);
}
