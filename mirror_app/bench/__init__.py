"""The benchmark: the real pipeline headless over a recorded video, optionally beside a naive baseline."""

from mirror_app.bench.runner import bench_command, run_bench

__all__ = ["bench_command", "run_bench"]
