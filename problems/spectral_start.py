"""A spectral warm start: cluster each group's tokens by the top singular vectors of their context counts.

For group i, M_i[t, (j, u, v)] counts the samples with token t in group i, token u in group j ≠ i and label v.
Tokens of one class have the same expected row (the label law depends only on the classes), so after Dhillon's
normalisation D_r^{-1/2} M D_c^{-1/2} the top singular vectors separate the classes, and k-means on them gives a
start that the best-response descent then repairs (Dhillon, "Co-clustering documents and words using bipartite
spectral graph partitioning", KDD 2001, §4). It is what spectral co-clustering does on a documents × words matrix,
generalised to I groups and V labels. A heuristic: the classes it returns are only a start.
"""

from __future__ import annotations

import numpy as np

from problems.partition import PartitionInstance

MAX_MATRIX_ENTRIES = 40_000_000  # a dense context matrix beyond this (320 MB of floats) is not built


def spectral_classes(instance: PartitionInstance, seed: int = 0) -> list[np.ndarray] | None:
    """One class map per group from spectral clustering of its context counts, or None when a matrix is too large.

    >>> from problems.topics import topic_instance
    >>> instance, truth = topic_instance(vocabulary=60, documents=40, topics=2, words_per_document=40, seed=0)
    >>> classes = spectral_classes(instance)
    >>> [len(c) for c in classes]
    [40, 60]
    """
    out = []
    for group in range(instance.n_groups):
        matrix = _context_counts(instance, group)
        if matrix is None:
            return None
        out.append(_cluster_rows(matrix, instance.budgets[group], seed))
    return out


def _context_counts(instance: PartitionInstance, group: int) -> np.ndarray | None:
    """M_i as a dense (N_i, Σ_{j≠i} N_j · V) float matrix, or None above MAX_MATRIX_ENTRIES."""
    others = [j for j in range(instance.n_groups) if j != group]
    widths = [instance.sizes[j] * instance.n_labels for j in others]
    if instance.sizes[group] * max(sum(widths), 1) > MAX_MATRIX_ENTRIES:
        return None
    rows = instance.tokens[:, group]
    blocks = []
    for j in others:
        columns = instance.tokens[:, j] * instance.n_labels + instance.label_ids
        width = instance.sizes[j] * instance.n_labels
        flat = np.bincount(rows * width + columns, minlength=instance.sizes[group] * width)
        blocks.append(flat.reshape(instance.sizes[group], width))
    if not blocks:  # one group: the label alone is the context
        size, labels = instance.sizes[group], instance.n_labels
        blocks.append(np.bincount(rows * labels + instance.label_ids, minlength=size * labels).reshape(size, labels))
    return np.concatenate(blocks, axis=1).astype(np.float64)


def _cluster_rows(matrix: np.ndarray, k: int, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans
    from sklearn.utils.extmath import randomized_svd

    if k <= 1 or matrix.shape[0] <= k or min(matrix.shape) <= 2:  # too small for a spectrum: any start will do
        return np.minimum(np.arange(matrix.shape[0]), k - 1)
    row_sums, column_sums = matrix.sum(axis=1), matrix.sum(axis=0)
    scaled = matrix / np.sqrt(np.maximum(row_sums, 1.0))[:, None] / np.sqrt(np.maximum(column_sums, 1.0))[None, :]
    rank = min(k + 1, min(scaled.shape) - 1)
    left, values, _ = randomized_svd(scaled, n_components=rank, random_state=seed)
    embedding = left[:, 1:] * values[1:]  # the first vector only carries the degrees
    embedding = embedding / np.sqrt(np.maximum(row_sums, 1.0))[:, None]
    return KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(embedding).astype(np.int64)
