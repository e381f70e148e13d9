#version 330
// The inside of the garment's back, seen through the neck opening in the product image, lies behind the
// wearer: where the person mask says they are, the camera frame (their neck, chest, own collar) is drawn back
// over it. Drawn with the garment's vertices, only over the triangles that hold some of that inside.
uniform sampler2D u_camera;
uniform sampler2D u_mask;    // person mask, frame uv
uniform sampler2D u_inside;  // R: where the garment image shows the inside of its back (garment uv)
uniform vec2 u_frame_size;   // camera frame (width, height) in pixels
in vec2 v_uv;
in vec2 v_px;
in float v_depth;
in float v_shade;
out vec4 f_color;

void main() {
    float inside = texture(u_inside, v_uv).r;
    if (inside < 0.004) {
        discard;
    }
    vec2 frame_uv = v_px / u_frame_size;
    float a = inside * smoothstep(0.3, 0.7, texture(u_mask, frame_uv).r);
    f_color = vec4(texture(u_camera, frame_uv).rgb * a, a);
}
