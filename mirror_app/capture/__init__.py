"""Frame sources: webcam, video file, still images, the built-in demo."""
