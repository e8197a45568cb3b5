"""Corruption pipelines: pure functions in functional.py, per-task pipelines beside them."""
