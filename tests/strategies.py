"""Hypothesis strategies for tiny partition instances."""

from __future__ import annotations

from hypothesis import strategies as st

from problems.partition import PartitionInstance


@st.composite
def tiny_partition_instances(
    draw: st.DrawFn, max_groups: int = 3, max_size: int = 5, max_classes: int = 3, max_samples: int = 10
) -> PartitionInstance:
    """I ≤ 3, N_i ≤ 5, K_i ≤ 3, binary or ternary labels; small enough for brute force."""
    groups = draw(st.integers(1, max_groups))
    sizes = [draw(st.integers(1, max_size)) for _ in range(groups)]
    budgets = [draw(st.integers(1, max_classes)) for _ in range(groups)]
    n_labels = draw(st.sampled_from([2, 3]))
    rows = draw(
        st.lists(
            st.tuples(*(st.integers(0, n - 1) for n in sizes), st.integers(0, n_labels - 1)),
            min_size=1,
            max_size=max_samples,
        )
    )
    tokens = [list(row[:-1]) for row in rows]
    labels = [row[-1] for row in rows]
    import numpy as np

    return PartitionInstance.from_arrays(sizes, budgets, np.asarray(tokens, dtype=np.int64), labels)
