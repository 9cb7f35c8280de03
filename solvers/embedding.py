"""Gradient baseline of the seed paper: learn token embeddings by gradient descent, then cluster them per group.

Model. Token t of group i has an embedding e_i[t] ∈ R^D. A one-hidden-layer MLP reads the concatenation
(e_1[x_1], ..., e_I[x_I]) ∈ R^{I·D} and outputs logits over the V labels:
    h = tanh(W1ᵀ e + b1) ∈ R^H,   p = softmax(W2ᵀ h + b2) ∈ Δ^V,
trained on the mean cross-entropy −log p[y] (plus a small L2 on the embeddings, which pulls the tokens of one class
together) with Adam on shuffled minibatches, seeded. Then each group's embeddings are clustered into K_i classes
by k-means (k-means++ seeding, several restarts), and each reached cell of g takes the majority label of its
samples. It is the `mlp` sub-solver of the `gradient` backend (solvers/gradient.py), an incomplete heuristic: it
reports SATISFIABLE only when that partition explains every sample, and UNKNOWN (with its best partition) otherwise.
It never claims infeasibility or uniqueness.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from problems.cells import cell_count, sample_cells
from problems.errors import InvalidOptions
from reductions.partition_to_samples import SampleArrays
from solvers.base import Limits, SolveResult, Status

CLUSTER_RESERVE_S = 0.5  # wall seconds kept back from training for clustering and the table
PREDICT_ROWS = 4096  # probe rows predicted between two looks at the deadline


# The range of each hyperparameter (inclusive), checked when the option is read (exit 2 / HTTP 422, before work).
RANGES: dict[str, tuple[float, float]] = {
    "dim": (1, 256),
    "hidden": (1, 4096),
    "steps": (1, 10_000_000),
    "batch": (1, 1_000_000),
    "lr": (1e-8, 10.0),
    "weight_decay": (0.0, 10.0),
    "restarts": (1, 1000),
    "probes": (0, 4096),
}


@dataclass(frozen=True)
class GradientConfig:
    """Hyperparameters; the `solver` option sets them as `mlp` or `mlp:dim=2,steps=2000,...`, each within
    `RANGES` (floats finite). The memory they need on an instance is `memory_bytes`, checked before training."""

    dim: int = 2
    hidden: int = 64
    steps: int = 2000  # Adam steps on minibatches (whole epochs are run until at least this many)
    batch: int = 2048
    lr: float = 0.01
    weight_decay: float = 1e-4
    restarts: int = 10
    probes: int = 64  # 0: cluster the raw embeddings (the paper); > 0: cluster predictions on that many contexts

    @classmethod
    def parse(cls, text: str) -> GradientConfig:
        name, _, rest = text.partition(":")
        if name != "mlp":
            raise InvalidOptions(f"the gradient backend's model is 'mlp', not {name!r}", "options.solver")
        types = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {}
        for item in filter(None, rest.split(",")):
            key, _, raw = item.partition("=")
            if key not in types:
                raise InvalidOptions(f"unknown gradient parameter {key!r}; known: {', '.join(types)}", "options.solver")
            try:
                values[key] = float(raw) if types[key] == "float" else int(raw)
            except ValueError as exc:
                raise InvalidOptions(f"gradient parameter {key}={raw!r} is not a number", "options.solver") from exc
            low, high = RANGES[key]
            if not low <= values[key] <= high:  # NaN fails both comparisons; ±inf the range
                raise InvalidOptions(f"gradient parameter {key} must lie in [{low:g}, {high:g}], got {raw}",
                                     "options.solver")  # fmt: skip
        return cls(**values)

    def memory_bytes(self, n_samples: int, sizes: tuple[int, ...], budgets: tuple[int, ...], n_labels: int) -> int:
        """An upper estimate of the float64 working memory (bytes): parameters with their gradient and two Adam
        moments, one batch's activations, the probe rows and predictions of the largest group, k-means' distance
        matrix, and the majority table's counts."""
        labels, groups, width = max(n_labels, 2), len(sizes), len(sizes) * self.dim
        parameters = sum(sizes) * self.dim + width * self.hidden + self.hidden + self.hidden * labels + labels
        batch = min(self.batch, n_samples)
        activations = batch * (2 * width + 3 * self.hidden + 3 * labels + groups)
        probes = min(self.probes, n_samples)
        rows = max(sizes) * max(probes, 1)
        features = max(probes, 1) * labels if probes else self.dim
        predictions = rows * (groups + labels) + min(rows, PREDICT_ROWS) * (width + self.hidden + 2 * labels)
        clustering = max(n * min(k, n) * features for n, k in zip(sizes, budgets, strict=True))
        table = math.prod(budgets) * labels
        return 8 * (4 * parameters + activations + predictions + clustering + table)

    def check_memory(self, n_samples: int, sizes: tuple[int, ...], budgets: tuple[int, ...], n_labels: int) -> None:
        """Refuse, naming `options.solver`, a configuration whose `memory_bytes` exceed `max_gradient_bytes`."""
        from problems.limits import active_limits

        need, bound = self.memory_bytes(n_samples, sizes, budgets, n_labels), active_limits().max_gradient_bytes
        if need > bound:
            raise InvalidOptions(
                f"the gradient model needs about {need / 2**20:.0f} MiB on this instance, above the limit of "
                f"{bound / 2**20:.0f} MiB (lower dim, hidden, batch or probes, or set LATENTSAT_MAX_GRADIENT_BYTES)",
                "options.solver",
            )


def learn_partition(target: SampleArrays, config: GradientConfig, limits: Limits) -> SolveResult:
    """Train, cluster, tabulate: SATISFIABLE when the partition explains every sample, else UNKNOWN (never more).

    `assignment`: a class per token (group by group), then a label id per cell (-1 unset), as `PartitionToSamples`
    decodes it.
    """
    config.check_memory(len(target.labels), target.sizes, target.budgets, target.n_labels)
    start = time.perf_counter()
    deadline = start + max(limits.seconds - CLUSTER_RESERVE_S, 0.0)
    rng = np.random.default_rng(limits.seed)
    params, train_stats = train(target, config, rng, deadline)
    end = start + limits.seconds
    features = cluster_features(params, target, config, rng, end - CLUSTER_RESERVE_S / 2)
    classes = [kmeans(f, k, rng, config.restarts, end) for f, k in zip(features, target.budgets, strict=True)]
    table, explained = majority_table(target, classes)
    status = Status.SATISFIABLE if explained == len(target.labels) else Status.UNKNOWN
    assignment = [int(k) for group in classes for k in group] + [int(v) for v in table]
    stats = {**train_stats, "explained": int(explained), "explained_fraction": explained / len(target.labels)}
    return SolveResult(status, assignment=assignment, wall_s=time.perf_counter() - start, stats=stats)


# ---------------------------------------------------------------- training


@dataclass
class Params:
    """Embeddings per group and the MLP weights, with Adam moments of the same shapes."""

    tensors: dict[str, np.ndarray]

    @classmethod
    def init(cls, sizes: tuple[int, ...], n_labels: int, config: GradientConfig, rng: np.random.Generator) -> Params:
        width = len(sizes) * config.dim
        tensors = {f"e{i}": rng.normal(0.0, 1.0, (n, config.dim)) for i, n in enumerate(sizes)}
        tensors["w1"] = rng.normal(0.0, 1.0 / math.sqrt(width), (width, config.hidden))
        tensors["b1"] = np.zeros(config.hidden)
        tensors["w2"] = rng.normal(0.0, 1.0 / math.sqrt(config.hidden), (config.hidden, n_labels))
        tensors["b2"] = np.zeros(n_labels)
        return cls(tensors)


def train(
    target: Any, config: GradientConfig, rng: np.random.Generator, deadline: float
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Adam on minibatches of the cross-entropy; stops after `config.steps` steps (rounded up to whole epochs) or at
    `deadline`, checked after every step (a step is bounded by `GradientConfig.memory_bytes`)."""
    tokens, labels, sizes = target.tokens, target.labels, target.sizes
    params = Params.init(sizes, max(target.n_labels, 2), config, rng)
    adam = Adam(params.tensors, config.lr)
    n, epochs_done, loss, out_of_time = len(labels), 0, float("nan"), False
    while adam.t < config.steps and not out_of_time:
        order = rng.permutation(n)
        total, seen = 0.0, 0
        for begin in range(0, n, config.batch):
            batch = order[begin : begin + config.batch]
            batch_loss, grads = loss_and_grads(params.tensors, tokens[batch], labels[batch], sizes, config)
            adam.step(params.tensors, grads)
            total, seen = total + batch_loss * len(batch), seen + len(batch)
            if time.perf_counter() > deadline:
                out_of_time = True
                break
        epochs_done += not out_of_time
        loss = total / max(seen, 1)
    stats = {"epochs": epochs_done, "steps": adam.t, "train_loss": round(loss, 6), "dim": config.dim}
    return params.tensors, stats


def cluster_features(
    tensors: dict[str, np.ndarray],
    target: Any,
    config: GradientConfig,
    rng: np.random.Generator,
    deadline: float = math.inf,
) -> list[np.ndarray]:
    """Per group, the points k-means clusters: the embeddings, or (probes > 0) each token's predicted label
    distribution on `probes` sample contexts with its own slot replaced by the token. Tokens of one class have
    the same conditional label law, so a model that fits the data maps them to the same profile even when their
    embeddings lie apart. Past `deadline` (checked every `PREDICT_ROWS` rows), a group falls back to its embeddings."""
    groups = range(len(target.sizes))
    if config.probes == 0:
        return [tensors[f"e{i}"] for i in groups]
    contexts = target.tokens[rng.choice(len(target.labels), size=min(config.probes, len(target.labels)))]
    features = []
    for i in groups:
        rows = np.repeat(contexts[None, :, :], target.sizes[i], axis=0)  # (N_i, probes, I)
        rows[:, :, i] = np.arange(target.sizes[i])[:, None]
        flat = rows.reshape(-1, len(target.sizes))
        parts = []
        for begin in range(0, len(flat), PREDICT_ROWS):
            if time.perf_counter() > deadline:
                break
            parts.append(predict(tensors, flat[begin : begin + PREDICT_ROWS], config.dim))
        done = sum(len(part) for part in parts) == len(flat)
        features.append(np.concatenate(parts).reshape(target.sizes[i], -1) if done else tensors[f"e{i}"])
    return features


def predict(tensors: dict[str, np.ndarray], tokens: np.ndarray, dim: int) -> np.ndarray:
    """The model's label distribution for each row of tokens."""
    x = np.concatenate([tensors[f"e{i}"][tokens[:, i]] for i in range(tokens.shape[1])], axis=1)
    logits = np.tanh(x @ tensors["w1"] + tensors["b1"]) @ tensors["w2"] + tensors["b2"]
    logits -= logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    return probs / probs.sum(axis=1, keepdims=True)


def loss_and_grads(
    tensors: dict[str, np.ndarray], tokens: np.ndarray, labels: np.ndarray, sizes: tuple[int, ...], config: Any
) -> tuple[float, dict[str, np.ndarray]]:
    """Mean cross-entropy of one batch and its gradient (hand-written backpropagation through the MLP)."""
    dim = config.dim
    x = np.concatenate([tensors[f"e{i}"][tokens[:, i]] for i in range(len(sizes))], axis=1)
    h = np.tanh(x @ tensors["w1"] + tensors["b1"])
    logits = h @ tensors["w2"] + tensors["b2"]
    logits -= logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    rows = np.arange(len(labels))
    loss = float(-np.log(probs[rows, labels] + 1e-12).mean())
    d_logits = probs
    d_logits[rows, labels] -= 1.0
    d_logits /= len(labels)
    grads = {"w2": h.T @ d_logits, "b2": d_logits.sum(axis=0)}
    d_pre = (d_logits @ tensors["w2"].T) * (1.0 - h * h)
    grads["w1"] = x.T @ d_pre
    grads["b1"] = d_pre.sum(axis=0)
    d_x = d_pre @ tensors["w1"].T
    for i, size in enumerate(sizes):
        embedding = tensors[f"e{i}"]
        grad = np.empty_like(embedding)
        for d in range(dim):  # scatter-add per column: bincount is much faster than np.add.at
            grad[:, d] = np.bincount(tokens[:, i], weights=d_x[:, i * dim + d], minlength=size)
        grads[f"e{i}"] = grad + config.weight_decay * embedding
    return loss, grads


class Adam:
    """Adam (Kingma & Ba 2015) with bias correction, updating the tensors in place."""

    def __init__(self, tensors: dict[str, np.ndarray], lr: float, beta1: float = 0.9, beta2: float = 0.999) -> None:
        self.lr, self.beta1, self.beta2, self.t = lr, beta1, beta2, 0
        self.m = {k: np.zeros_like(v) for k, v in tensors.items()}
        self.v = {k: np.zeros_like(v) for k, v in tensors.items()}

    def step(self, tensors: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        scale = self.lr * math.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)
        for key, grad in grads.items():
            self.m[key] = self.beta1 * self.m[key] + (1 - self.beta1) * grad
            self.v[key] = self.beta2 * self.v[key] + (1 - self.beta2) * grad * grad
            tensors[key] -= scale * self.m[key] / (np.sqrt(self.v[key]) + 1e-8)


# ---------------------------------------------------------------- clustering and the table


def kmeans(
    points: np.ndarray,
    k: int,
    rng: np.random.Generator,
    restarts: int,
    deadline: float = math.inf,
    iterations: int = 100,
) -> np.ndarray:
    """Lloyd's k-means with k-means++ seeding; the restart with the least inertia wins. Returns a label per point.
    Past `deadline` (a `time.perf_counter()` value) it stops after the current iteration of the first restart."""
    k = min(k, len(points))
    best_labels, best_inertia = np.zeros(len(points), dtype=np.int64), math.inf
    for restart in range(restarts):
        if restart and time.perf_counter() > deadline:
            break
        centres = _kmeans_plus_plus(points, k, rng)
        labels = np.zeros(len(points), dtype=np.int64)
        for _ in range(iterations):
            distances = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
            new_labels = distances.argmin(axis=1)
            if (np.array_equal(new_labels, labels) and _ > 0) or time.perf_counter() > deadline:
                labels = new_labels
                break
            labels = new_labels
            for c in range(k):
                members = points[labels == c]
                if len(members):
                    centres[c] = members.mean(axis=0)
        inertia = float(((points - centres[labels]) ** 2).sum())
        if inertia < best_inertia:
            best_labels, best_inertia = labels, inertia
    return best_labels


def _kmeans_plus_plus(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    centres = [points[rng.integers(len(points))]]
    for _ in range(1, k):
        distances = np.min([((points - c) ** 2).sum(axis=1) for c in centres], axis=0)
        total = distances.sum()
        index = rng.choice(len(points), p=distances / total) if total > 0 else rng.integers(len(points))
        centres.append(points[index])
    return np.array(centres, dtype=np.float64)


def majority_table(target: Any, classes: list[np.ndarray]) -> tuple[np.ndarray, int]:
    """Each reached cell takes its most frequent label (-1 where unreached); also the number of samples explained."""
    cell_of = sample_cells(target.tokens, classes, target.budgets)
    n_cells, n_labels = cell_count(target.budgets), max(target.n_labels, 1)
    counts = np.bincount(cell_of * n_labels + target.labels, minlength=n_cells * n_labels).reshape(n_cells, n_labels)
    table = np.where(counts.sum(axis=1) > 0, counts.argmax(axis=1), -1)
    return table, int(counts.max(axis=1).sum())
