#version 330
// Garment mesh vertices in camera-frame pixels with per-vertex depth and texture coordinates.
in vec2 in_px;              // camera-frame pixels, origin top-left, y down
in float in_depth;          // metres relative to the torso, negative toward the camera
in vec2 in_uv;              // garment texture uv, v down
in float in_shade;          // brightness factor from the generator (a learned one's creases); 1: none
uniform vec4 u_xform;       // clip = in_px * xy + zw
out vec2 v_uv;
out vec2 v_px;
out float v_depth;
out float v_shade;

void main() {
    v_uv = in_uv;
    v_px = in_px;
    v_depth = in_depth;
    v_shade = in_shade;
    gl_Position = vec4(in_px * u_xform.xy + u_xform.zw, 0.0, 1.0);
}
