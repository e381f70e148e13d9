#version 330
// Full-frame quad in camera-frame pixels; the same transform as the garment, so the mirror flip is shared.
in vec2 in_px;              // camera-frame pixels, origin top-left, y down
uniform vec4 u_xform;       // clip = in_px * xy + zw (mirror and y flip live here)
uniform vec2 u_frame_size;  // camera frame (width, height) in pixels
out vec2 v_uv;              // camera-frame uv, v down (matches the row order of uploaded images)

void main() {
    v_uv = in_px / u_frame_size;
    gl_Position = vec4(in_px * u_xform.xy + u_xform.zw, 0.0, 1.0);
}
