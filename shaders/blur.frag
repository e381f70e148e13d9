#version 330
// One direction of a 9-tap Gaussian (sigma ~2 texels) done as 5 bilinear fetches.
uniform sampler2D u_source;
uniform vec2 u_step;  // one texel along the blur direction, in uv
in vec2 v_uv;
out vec4 f_color;

void main() {
    // Linear-sampling weights/offsets of the discrete kernel [1 8 28 56 70 56 28 8 1] / 256.
    float r = texture(u_source, v_uv).r * 0.2734375;
    r += texture(u_source, v_uv + u_step * 1.3333333).r * 0.328125;
    r += texture(u_source, v_uv - u_step * 1.3333333).r * 0.328125;
    r += texture(u_source, v_uv + u_step * 3.1111111).r * 0.0351562;
    r += texture(u_source, v_uv - u_step * 3.1111111).r * 0.0351562;
    f_color = vec4(r);
}
