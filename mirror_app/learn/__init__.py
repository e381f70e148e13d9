"""Learned garment generators: capture sessions, self-supervised training, ONNX export, evaluation.

Only `session`, `coverage`, `capture` and `fullimage` are used at run time; everything that needs torch
imports it inside (training, export, evaluation), so the mirror itself never loads torch.
"""
