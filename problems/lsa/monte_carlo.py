"""A seeded, vectorised Monte Carlo estimator of the enlarged-model moments H, r, E[y²] (cross-checks X*)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from problems.lsa.markov import unique_pairs


@dataclass(frozen=True)
class PromptSample:
    """Per-prompt features f = g ⊗ x (N × md, row-major over (a, j)) and labels y (N) of N independent prompts."""

    features: np.ndarray
    labels: np.ndarray


def sample_chains(
    rng: np.random.Generator, p01: np.ndarray, p10: np.ndarray, chains: int, length: int, p: float
) -> np.ndarray:
    """States (N × chains × length, 0/1) of independent chains; prompt k uses kernel (p01[k], p10[k])."""
    prompts = len(p01)
    states = np.empty((prompts, chains, length), dtype=np.int8)
    states[:, :, 0] = rng.random((prompts, chains)) < p
    for t in range(1, length):
        u = rng.random((prompts, chains))
        prev = states[:, :, t - 1]
        to_one = np.where(prev == 1, u >= p10[:, None], u < p01[:, None])  # 1→1 w.p. 1-p10, 0→1 w.p. p01
        states[:, :, t] = to_one
    return states


def sample_prompts(d: int, n: int, p: float, prompts: int, seed: int, batch: int = 20_000) -> PromptSample:
    """Draw `prompts` prompts (kernel ~ U(0,1)², n context chains and one query chain of length d+1)."""
    rng = np.random.default_rng(seed)
    pairs = unique_pairs(d)
    rows_u = np.array([u for u, _ in pairs])
    rows_v = np.array([v for _, v in pairs])
    feats, labels = [], []
    for start in range(0, prompts, batch):
        size = min(batch, prompts - start)
        p01, p10 = rng.random(size), rng.random(size)
        states = sample_chains(rng, p01, p10, n + 1, d + 1, p).astype(np.float64)
        context, query = states[:, :n, :], states[:, n, :]
        g = np.einsum("kiu,kiv->kuv", context, context)[:, rows_u, rows_v] / n  # N × m
        x = query[:, :d]
        feats.append((g[:, :, None] * x[:, None, :]).reshape(size, -1))
        labels.append(query[:, d])
    return PromptSample(np.concatenate(feats), np.concatenate(labels))


def mean_and_se(values: np.ndarray) -> tuple[float, float]:
    """Sample mean and its standard error (values are i.i.d. per prompt)."""
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(len(values)))
