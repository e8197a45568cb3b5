"""Benchmarks that print tables: quality and speed against classical baselines, measured in the same run."""
