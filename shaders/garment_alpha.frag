#version 330
// Garment coverage only, into the low-res shadow buffer.
uniform sampler2D u_garment;  // premultiplied RGBA
uniform float u_opacity;
in vec2 v_uv;
out vec4 f_color;

void main() {
    float a = texture(u_garment, v_uv).a * u_opacity;
    f_color = vec4(a);
}
