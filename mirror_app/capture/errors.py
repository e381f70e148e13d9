"""The one error a source raises: it names the input and the fix, for a one-line message."""


class SourceError(Exception):
    """An input (camera, video, image, folder) that cannot be opened or read."""
