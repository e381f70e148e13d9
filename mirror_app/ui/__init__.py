"""The Qt window: the only room that imports Qt."""
