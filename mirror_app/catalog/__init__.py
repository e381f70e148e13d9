"""Garment catalogs: on-disk format, loading, validation, import from product photos."""
