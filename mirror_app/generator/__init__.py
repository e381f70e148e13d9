"""The garment generator: body + garment binding -> deformed garment mesh, as one ONNX model."""
