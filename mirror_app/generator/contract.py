"""The generator's I/O contract: names, shapes and meanings every generator model must honour.

A learned generator is a drop-in replacement when it reads these inputs and writes these outputs;
docs/generator.md explains each in words.
"""

from __future__ import annotations

# Bones the garment mesh is bound to. Torso "slices" sit at fixed fractions of the way from the shoulder
# line (0) to the hip line (1); sleeve A is the garment's image-right sleeve (the wearer's left in a front
# photo), sleeve B its image-left one.
SHOULDER, CHEST, WAIST, HIP, SKIRT = 0, 1, 2, 3, 4
SLEEVE_A_UPPER, SLEEVE_A_LOWER, SLEEVE_B_UPPER, SLEEVE_B_LOWER = 5, 6, 7, 8
NUM_BONES = 9
TORSO_SLICES = (SHOULDER, CHEST, WAIST, HIP)
SLICE_FRACTIONS = (0.0, 0.3, 0.65, 1.0)
SILHOUETTE_FRACTIONS = SLICE_FRACTIONS[1:]
"""Heights (shoulder line 0, hip line 1) where tracking measures the silhouette: chest, waist, hip."""

# garment_params layout.
PARAM_SHOULDER_EASE, PARAM_WIDTH_EASE, PARAM_HAS_BACK, PARAM_LONG_SLEEVES = 0, 1, 2, 3
NUM_PARAMS = 4

INPUTS: tuple[tuple[str, tuple[int | str, ...]], ...] = (
    ("landmarks", (33, 3)),  # x px, y px, visibility; unmirrored camera frame, origin top-left, y down
    ("world", (33, 3)),  # metres, hip-centred, x right, y down, z away from the camera
    (
        "silhouette",
        (3, 2),
    ),  # person-mask extents in px along +across/-across at SILHOUETTE_FRACTIONS; 0 unknown
    ("rest_vertices", ("N", 2)),  # garment mesh in front-texture px
    ("skin_weights", ("N", NUM_BONES)),  # binding of each vertex to the bones, rows sum to 1
    ("rest_bones", (NUM_BONES, 3, 2)),  # per bone: origin, x axis, y axis, in texture px
    ("garment_params", (NUM_PARAMS,)),
    ("shoulder_tops", (2,)),  # px from each shoulder joint up to the person mask's top edge, +across/-across; 0 unknown
    ("arm_reach", (2,)),  # px from each upper arm's axis out to the mask's edge, +across arm / other; 0 unknown
    ("sleeve_halves", (2,)),  # each upper sleeve's half width at its middle in texture px, sleeve A / B; 0 unknown
    ("forearm_widths", (2,)),  # px across each forearm at its middle on the person mask, +across arm / other; 0 unknown
    ("cuff_widths", (2,)),  # each lower sleeve's width near its cuff in texture px, sleeve A / B; 0 none
)
UNMEASURED_TOPS = (0.0, 0.0)
"""`shoulder_tops` where they were not measured: the seams sit SHOULDER_LIFT above the joints. Learned models
get it always, as their training captures hold no shoulder tops."""
UNMEASURED_ARMS = (0.0, 0.0)
"""`arm_reach` where it was not measured: the sleeves keep the garment's own width. Learned models get it always,
as their training captures hold no arm reach."""
UNMEASURED_FOREARMS = (0.0, 0.0)
"""`forearm_widths` where they were not measured: the lower sleeves keep their width. Learned models get it always,
as their training captures hold no forearm widths."""
OPTIONAL_INPUTS = ("shoulder_tops", "arm_reach", "sleeve_halves", "forearm_widths", "cuff_widths")
"""Inputs a learned generator exported before they existed may lack: it is fed the others (the analytic part
of such a model then sits its seams SHOULDER_LIFT above the joints and keeps its sleeves' own width, as before)."""
OUTPUTS: tuple[tuple[str, tuple[int | str, ...]], ...] = (
    ("vertices", ("N", 2)),  # deformed mesh in camera-frame px
    ("depth", ("N",)),  # metres relative to the torso plane, negative toward the camera
    ("opacity", (1,)),  # 1 facing the camera, fading to 0 when turned away (or to the back view)
    ("back_view", (1,)),  # 1 when the garment's back image should be drawn
)
