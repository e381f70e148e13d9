#version 330
// Draws the camera frame back over the garment where a forearm, hand or the head is in front of it:
// inside the capsule, on the person mask, looking like the limb (colour test: no band of the wearer's own
// shirt around a bare arm) or near its axis, and only where the garment lies behind the limb.
uniform sampler2D u_camera;
uniform sampler2D u_mask;     // person mask, frame uv
uniform sampler2D u_cover;    // low-res garment coverage (R) and coverage x depth (G)
uniform float u_depth_margin; // metres the garment must lie behind the limb to be hidden by it
in vec2 v_uv;
in vec2 v_px;
flat in vec4 v_seg;
flat in vec4 v_param;
flat in vec3 v_ref0;
flat in vec3 v_ref1;
out vec4 f_color;

void main() {
    vec2 pa = v_px - v_seg.xy;
    vec2 ba = v_seg.zw - v_seg.xy;
    float t = clamp(dot(pa, ba) / max(dot(ba, ba), 1e-6), 0.0, 1.0);
    float d = length(pa - ba * t);
    float r = v_param.x;
    float gate = 1.0 - smoothstep(r - max(2.0, 0.1 * r), r, d);
    vec2 cover = texture(u_cover, v_uv).rg;
    float garment_depth = cover.r > 0.02 ? cover.g / cover.r : 1.0;
    float limb_depth = mix(v_param.y, v_param.z, t);
    float front = smoothstep(0.5 * u_depth_margin, 1.5 * u_depth_margin, garment_depth - limb_depth);
    vec3 here = texture(u_camera, v_uv).rgb;
    float like = 1.0 - smoothstep(0.10, 0.22, min(length(here - v_ref0), length(here - v_ref1)));
    float core = 1.0 - smoothstep(0.2 * r, 0.35 * r, d);
    float person = smoothstep(0.3, 0.7, texture(u_mask, v_uv).r);
    float occ = gate * front * v_param.w * max(like, core) * person;
    f_color = vec4(here * occ, occ);
}
