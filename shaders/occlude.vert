#version 330
// One quad per occluder capsule (forearm, hand, head), with the capsule's data as flat attributes.
in vec2 in_px;        // quad corner, camera-frame pixels
in vec4 in_seg;       // capsule segment a.xy, b.xy in pixels
in vec4 in_param;     // radius px, depth at a, depth at b (m, torso-relative), weight
in vec3 in_ref0;      // colour of the limb sampled on its axis (0..1)
in vec3 in_ref1;      // a second sample
in vec3 in_near0;     // colour beside the limb (the wearer's clothes it hides), one side
in vec3 in_near1;     // the other side
in float in_core;     // share of the axis (from a) where pixels near the axis count whatever their colour
uniform vec4 u_xform; // clip = in_px * xy + zw
uniform vec2 u_frame_size;
out vec2 v_uv;
out vec2 v_px;
flat out vec4 v_seg;
flat out vec4 v_param;
flat out vec3 v_ref0;
flat out vec3 v_ref1;
flat out vec3 v_near0;
flat out vec3 v_near1;
flat out float v_core;

void main() {
    v_px = in_px;
    v_uv = in_px / u_frame_size;
    v_seg = in_seg;
    v_param = in_param;
    v_ref0 = in_ref0;
    v_ref1 = in_ref1;
    v_near0 = in_near0;
    v_near1 = in_near1;
    v_core = in_core;
    gl_Position = vec4(in_px * u_xform.xy + u_xform.zw, 0.0, 1.0);
}
