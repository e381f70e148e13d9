#version 330
// Draws the camera frame back over the garment where a forearm, hand or the head is in front of it:
// inside the capsule, on the person mask, looking like the limb rather than the clothes beside it (two-class
// colour test: no band of the wearer's own shirt around a bare arm, fingers kept) or near its axis, and only
// where the garment lies behind the limb.
uniform sampler2D u_camera;
uniform sampler2D u_mask;     // person mask, frame uv
uniform sampler2D u_cover;    // low-res garment coverage (R) and coverage x stored depth (G, cover.frag)
uniform float u_depth_range;  // metres: stored depth 0..1 spans +-this
uniform float u_depth_margin; // metres the garment must lie behind the limb to be hidden by it
uniform vec2 u_frame_size;    // camera frame (width, height) in pixels
in vec2 v_uv;
in vec2 v_px;
flat in vec4 v_seg;
flat in vec4 v_param;
flat in vec3 v_ref0;
flat in vec3 v_ref1;
flat in vec3 v_near0;
flat in vec3 v_near1;
flat in float v_core;
out vec4 f_color;

void main() {
    vec2 pa = v_px - v_seg.xy;
    vec2 ba = v_seg.zw - v_seg.xy;
    float t = clamp(dot(pa, ba) / max(dot(ba, ba), 1e-6), 0.0, 1.0);
    float d = length(pa - ba * t);
    float r = v_param.x;
    float gate = 1.0 - smoothstep(r - max(2.0, 0.1 * r), r, d);
    vec2 cover = texture(u_cover, v_uv).rg;
    float garment_depth = cover.r > 0.02 ? (2.0 * cover.g / cover.r - 1.0) * u_depth_range : 1.0;
    float limb_depth = mix(v_param.y, v_param.z, t);
    float front = smoothstep(0.5 * u_depth_margin, 1.5 * u_depth_margin, garment_depth - limb_depth);
    vec3 here = texture(u_camera, v_uv).rgb;
    // Compare limb vs surroundings on a small average (4 taps) rather than the pixel: compression blocks,
    // noise and motion blur would otherwise make a ragged, blocky cut.
    vec2 o = 1.0 / u_frame_size;
    vec3 soft = 0.25 * (texture(u_camera, v_uv + vec2(-o.x, -o.y)).rgb + texture(u_camera, v_uv + vec2(o.x, -o.y)).rgb
                      + texture(u_camera, v_uv + vec2(-o.x, o.y)).rgb + texture(u_camera, v_uv + vec2(o.x, o.y)).rgb);
    float to_limb = min(length(soft - v_ref0), length(soft - v_ref1));
    float to_near = min(length(soft - v_near0), length(soft - v_near1));
    float limb_like = 1.0 - smoothstep(0.10, 0.22, min(length(here - v_ref0), length(here - v_ref1)));
    // Limb-coloured (this pixel), and not clearly nearer the colour beside the limb (around it; ties, e.g. a
    // half-limb edge, go to the limb: a cut finger shows more than a sub-pixel fringe).
    float like = limb_like * smoothstep(-0.07, -0.01, to_near - to_limb);
    float core = (1.0 - smoothstep(0.2 * r, 0.35 * r, d)) * (1.0 - smoothstep(v_core, v_core + 0.1, t));
    // The core counts whatever the colour, but not where the pixel is clearly the clothes beside the limb
    // rather than the limb (an end the pose put on the wearer's top), when those colours differ at all
    // (limb colours out of range: a sleeve the colour of the shirt, where only the core can tell).
    // Per pixel (not the 4-tap average): a pixel of the top beside the limb's edge is the top.
    float separable = step(-1.0, v_ref0.r);
    float here_near = min(length(here - v_near0), length(here - v_near1));
    float here_limb = min(length(here - v_ref0), length(here - v_ref1));
    core *= 1.0 - separable * (1.0 - smoothstep(-0.3, -0.2, here_near - here_limb));
    float person = smoothstep(0.3, 0.7, texture(u_mask, v_uv).r);
    float occ = gate * front * v_param.w * max(like, core) * person;
    f_color = vec4(here * occ, occ);
}
