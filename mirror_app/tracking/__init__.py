"""Pose and person mask: the MediaPipe landmarker, landmark filtering, choice of the person."""
