"""Near-duplicates: photos whose embeddings (codes.py) are close by cosine similarity,
grouped by linking every pair above the threshold (a rescan of a rescan joins the group)."""
from __future__ import annotations

import numpy as np

# Chosen on rescans of bsds432 (training photos; `restore bench scan --part duplicates --sweep`, see
# docs/scan_results.md): the lowest similarity (0.01 steps) keeping precision >= 0.99 over all pairs of
# 432 photos and their rescans (373,000 pairs): precision 0.9928, recall 0.9583 there.
DUPLICATE_SIMILARITY = 0.53
BLOCK = 1024  # rows of the similarity matrix held at once: memory stays bounded for any archive


def similar_pairs(embeddings: np.ndarray, threshold: float = DUPLICATE_SIMILARITY) -> list[tuple[int, int, float]]:
    """(i, j, similarity) for i < j with cosine similarity >= threshold; rows of `embeddings` are unit length."""
    pairs = []
    n = len(embeddings)
    for start in range(0, n, BLOCK):
        sims = embeddings[start : start + BLOCK] @ embeddings.T
        for r, c in zip(*np.nonzero(sims >= threshold)):
            i = start + int(r)
            if i < c:
                pairs.append((i, int(c), float(sims[r, c])))
    return pairs


def duplicate_groups(embeddings: np.ndarray, threshold: float = DUPLICATE_SIMILARITY) -> list[list[int]]:
    """Groups of two or more photo indices, each sorted, in order of their first photo."""
    parent = list(range(len(embeddings)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j, _ in similar_pairs(embeddings, threshold):
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(len(embeddings)):
        groups.setdefault(root(i), []).append(i)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])
