#version 330
// The garment: albedo x scene light x transferred folds x edge darkening, feathered, with arms/head on top.
// Effects are compiled in or out with FOLDS, AO and OCCLUSION (0/1): llvmpipe pays for dead branches.
#ifndef FOLDS
#define FOLDS 1
#endif
#ifndef AO
#define AO 1
#endif
#ifndef OCCLUSION
#define OCCLUSION 1
#endif
uniform sampler2D u_garment;     // premultiplied RGBA with mipmaps (no background fringe in the mips)
uniform sampler2D u_camera;      // camera frame, frame uv (occluders' colour test)
uniform sampler2D u_folds;       // R: camera luma at 1/4 size, G: person mask, frame uv
uniform sampler2D u_folds_coarse;// R: camera luma blurred at 1/8 size, frame uv
uniform sampler2D u_mask;        // person mask, frame uv
uniform sampler2D u_alpha_blur;  // low-res blurred garment alpha, frame uv
uniform vec2 u_frame_size;
uniform float u_opacity;
uniform vec3 u_light;            // scene light multiplier; (1, 1, 1) leaves the albedo unchanged
uniform float u_folds_strength;  // exponent on the luma ratio
uniform float u_ao;              // darkening toward the garment's own edges
uniform float u_feather_px;      // edge width in screen pixels
uniform float u_alpha_cut;       // alpha contour that counts as the garment's edge (erodes the halo)
uniform int u_occluders;         // number of capsules in use
uniform vec4 u_cap_seg[6];       // capsule segment a.xy, b.xy in frame pixels
uniform vec4 u_cap_param[6];     // radius px, depth at a, depth at b (m, torso-relative), weight
uniform float u_depth_margin;    // metres the garment must lie behind the arm to be hidden by it
in vec2 v_uv;
in vec2 v_px;
in float v_depth;
out vec4 f_color;

void main() {
    vec4 g = texture(u_garment, v_uv);
    float a = g.a;
    float fw = fwidth(a);  // before any discard: derivatives need uniform control flow
    vec3 albedo = g.rgb / max(a, 1e-3);

    // Edge: remap the alpha contour to a ramp u_feather_px wide on screen, only where alpha varies (flat
    // translucent fabric keeps its alpha); min() trims the faint outer halo of the mips.
    float ramp = clamp((a - u_alpha_cut) / max(fw * u_feather_px, 1e-4) + 0.5, 0.0, 1.0);
    a = mix(a, min(a, ramp), clamp(fw * 8.0, 0.0, 1.0));

    vec2 fuv = v_px / u_frame_size;
    float shade = 1.0;
#if FOLDS
    vec2 fine = texture(u_folds, fuv).rg;
    float coarse = texture(u_folds_coarse, fuv).r;
    float ratio = log2((fine.r + 0.04) / (coarse + 0.04)) * fine.g;
    shade = clamp(exp2(u_folds_strength * ratio), 0.6, 1.35);
#endif
#if AO
    float inner = clamp(texture(u_alpha_blur, fuv).r / max(u_opacity, 1e-3), 0.0, 1.0);
    shade *= 1.0 - u_ao * (1.0 - inner);
#endif
    vec3 rgb = clamp(albedo * u_light * shade, 0.0, 1.0);

#if OCCLUSION
    // Inside a capsule around a forearm/hand/head lying in front of this garment point, the camera wins
    // where the pixel looks like the capsule's axis or middle (colour test: no band of the wearer's own
    // shirt around a bare arm) or is near the axis; the person mask bounds it all.
    float occ = 0.0;
    for (int i = 0; i < u_occluders; ++i) {
        vec2 pa = v_px - u_cap_seg[i].xy;
        vec2 ba = u_cap_seg[i].zw - u_cap_seg[i].xy;
        float t = clamp(dot(pa, ba) / max(dot(ba, ba), 1e-6), 0.0, 1.0);
        float d = length(pa - ba * t);
        float r = u_cap_param[i].x;
        float gate = 1.0 - smoothstep(r - max(2.0, 0.1 * r), r, d);
        float arm_depth = mix(u_cap_param[i].y, u_cap_param[i].z, t);
        float front = smoothstep(0.5 * u_depth_margin, 1.5 * u_depth_margin, v_depth - arm_depth);
        float o = gate * front * u_cap_param[i].w;
        if (o > 0.0) {
            vec3 here = texture(u_camera, fuv).rgb;
            vec3 axis = texture(u_camera, (u_cap_seg[i].xy + ba * min(t, 0.7)) / u_frame_size).rgb;
            vec3 mid = texture(u_camera, (u_cap_seg[i].xy + ba * 0.4) / u_frame_size).rgb;
            float like = 1.0 - smoothstep(0.10, 0.22, min(length(here - axis), length(here - mid)));
            float core = 1.0 - smoothstep(0.2 * r, 0.35 * r, d);
            o *= max(like, core);
        }
        occ = max(occ, o);
    }
    if (occ > 0.0) {
        occ *= smoothstep(0.3, 0.7, texture(u_mask, fuv).r);
    }
    a *= 1.0 - occ;
#endif

    a *= u_opacity;
    f_color = vec4(rgb * a, a);
}
