"""`restore scan`: look at a whole archive before restoring it. Per-photo measurements
(features.py, damage.py, codes.py), cached by file content (cache.py), then what the
collection says about each photo: duplicates (duplicates.py) and outliers (outliers.py),
what each needs (needs.py), and the report (report.py, html.py). The walk itself is in
folder.py."""
