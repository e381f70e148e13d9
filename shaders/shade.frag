#version 330
// Low-res multipliers for the garment's box, computed at 1/8 size (the fold inputs' own) where pixels are cheap
// (RGBA8): R for the garment (folds x darkening toward its own edges, less SHADE_BASE), G for the camera frame
// (the contact shadow cast by the garment; hands and hair drawn back over the garment take the frame unshaded).
#ifndef SHADE_BASE
#define SHADE_BASE 0.35  // the compositor passes its SHADE_BASE; this is for compiling the file alone
#endif
#ifndef FOLD_LIMIT
#define FOLD_LIMIT 0.4  // the compositor passes its FOLD_LIMIT; this is for compiling the file alone
#endif
#ifndef FOLDS
#define FOLDS 1
#endif
#ifndef SHADOWS
#define SHADOWS 1
#endif
uniform sampler2D u_cover;       // R coverage (low res, frame uv)
uniform sampler2D u_folds;       // R camera luma at 1/8 size, G person mask
uniform sampler2D u_folds_coarse;// R camera luma blurred at 1/8 size
uniform float u_folds_strength;  // exponent on the luma ratio
uniform float u_shadow;          // contact shadow strength
uniform float u_ao;              // darkening toward the garment's own edges
uniform float u_opacity;
uniform vec2 u_shadow_offset;    // uv shift of the cast shadow (light from above: the shadow falls down)
uniform vec2 u_blur_step;        // blur tap spacing in uv (x, y)
in vec2 v_uv;
out vec4 f_color;

#if SHADOWS
// Gaussian-like blur of the coverage (sigma ~2 tap units): 4x4 bilinear taps, weights [1 3 3 1] / 8.
float blurred(vec2 uv) {
    const float off[4] = float[4](-2.5, -0.5, 0.5, 2.5);
    const float wt[4] = float[4](0.125, 0.375, 0.375, 0.125);
    float sum = 0.0;
    for (int j = 0; j < 4; j++) {
        for (int i = 0; i < 4; i++) {
            sum += wt[i] * wt[j] * texture(u_cover, uv + vec2(off[i], off[j]) * u_blur_step).r;
        }
    }
    return sum;
}
#endif

void main() {
    float k_in = 1.0;
    float k_bg = 1.0;
    vec2 fine = texture(u_folds, v_uv).rg;
#if FOLDS
    float coarse = texture(u_folds_coarse, v_uv).r;
    float ratio = log2((fine.r + 0.04) / (coarse + 0.04)) * fine.g;
    // Soft limit (stops): a fold's +-25 % passes nearly whole; a deep pocket of shadow in the wearer's own
    // puffy or creased clothes (2x darker and more) would print as a dark blotch on a smooth new garment.
    ratio = FOLD_LIMIT * tanh(ratio * (1.0 / FOLD_LIMIT));
    k_in = clamp(exp2(u_folds_strength * ratio), 0.6, 1.35);
#endif
#if SHADOWS
    float inv = 1.0 / max(u_opacity, 1e-3);
    float inside = clamp(texture(u_cover, v_uv).r * inv, 0.0, 1.0);
    float own = clamp(blurred(v_uv) * inv, 0.0, 1.0);
    k_in *= 1.0 - u_ao * (1.0 - own);
    float dropped = blurred(v_uv - u_shadow_offset);
    // Under an opaque garment the frame's multiplier is hidden, so the shadow runs on beneath it: at 1/8 size
    // the sharp coverage would otherwise lift the shadow's darkest band, just outside the edge. A fading
    // garment (opacity below 0.9) lets the frame show through: there the frame under it stays unshaded.
    float fading = clamp(10.0 * (1.0 - u_opacity), 0.0, 1.0);
    k_bg = mix(1.0 - u_shadow * dropped * mix(0.3, 1.0, fine.g), 1.0, inside * fading);
#endif
    f_color = vec4(k_in - SHADE_BASE, k_bg, 0.0, 1.0);
}
