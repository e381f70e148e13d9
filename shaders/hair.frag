#version 330
// Long hair falling over the shoulders drawn back over the garment: the camera frame where the low-res hair
// map (render/hair.py: hair-coloured and connected to the hair on the head) says hair, and where this pixel
// itself looks like the hair rather than the skin, the wearer's top or the room (a strand's own edge, not the map's).
uniform sampler2D u_camera;
uniform sampler2D u_hair;      // soft hair map over u_rect (R, 1 = hair in front)
uniform sampler2D u_mask;      // person mask, frame uv
uniform vec4 u_rect;           // frame pixels (x0, y0, x1, y1) the map covers
uniform vec2 u_frame_size;     // camera frame (width, height) in pixels
uniform vec3 u_hair_colour;    // sampled on the head top (0..1)
uniform vec3 u_other0;         // the face's skin
uniform vec3 u_other1;         // the wearer's own top
uniform vec3 u_other2;         // the room beside the head
uniform float u_tolerance;     // colour distance within which a pixel may be hair
in vec2 v_uv;
out vec4 f_color;

// Distance from the nearest shade of ref (ref x k, k in 0.55..1.3), for skin and cloth: analysis.py's shade_distance.
float shade_distance(vec3 c, vec3 ref) {
    float k = clamp(dot(c, ref) / max(dot(ref, ref), 1e-4), 0.55, 1.3);
    return length(c - k * ref);
}

void main() {
    vec2 px = v_uv * u_frame_size;
    float gate = texture(u_hair, (px - u_rect.xy) / (u_rect.zw - u_rect.xy)).r;
    vec3 here = texture(u_camera, v_uv).rgb;
    float d = length(here - u_hair_colour);
    float other = min(min(shade_distance(here, u_other0), shade_distance(here, u_other1)),
                      length(here - u_other2));
    float like = (1.0 - smoothstep(u_tolerance, u_tolerance + 0.06, d)) * smoothstep(0.01, 0.05, other - d);
    float person = smoothstep(0.3, 0.7, texture(u_mask, v_uv).r);
    float a = gate * like * person;
    f_color = vec4(here * a, a);
}
