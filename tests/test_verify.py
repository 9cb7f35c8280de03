"""The independent verifier: it accepts the planted truth and catches every kind of wrong answer."""

from __future__ import annotations

import numpy as np

from problems.generate import planted_partition
from problems.verify import canonical_classes, constrained_mask, verify_partition


def planted_case() -> tuple:
    instance, truth = planted_partition(3, 20, 2, 2, n_samples=300, seed=5)
    return instance, truth.classes, list(truth.table.items())


def test_truth_verifies() -> None:
    instance, classes, table = planted_case()
    verdict = verify_partition(instance, classes, table)
    assert verdict.ok and verdict.violated == []


def test_a_moved_token_is_caught_with_its_samples() -> None:
    instance, classes, table = planted_case()
    moved = [list(c) for c in classes]
    token = int(instance.tokens[0, 0])
    moved[0][token] = 1 - moved[0][token]
    verdict = verify_partition(instance, moved, table)
    assert not verdict.ok
    assert 0 in verdict.violated
    touched = set(np.flatnonzero(instance.tokens[:, 0] == token).tolist())
    assert set(verdict.violated) <= touched
    assert verify_partition(instance, moved, table, allowed_violations=len(verdict.violated)).ok


def test_malformed_answers_are_rejected() -> None:
    instance, classes, table = planted_case()
    assert not verify_partition(instance, classes[:2], table).ok
    assert not verify_partition(instance, [c[:-1] for c in classes], table).ok
    assert not verify_partition(instance, [[5] * len(c) for c in classes], table).ok
    assert not verify_partition(instance, classes, [((0, 0, 9), 1)]).ok
    cell = table[0][0]
    assert not verify_partition(instance, classes, [(cell, 0), (cell, 1)]).ok


def test_missing_cells_and_foreign_labels_count_as_violations() -> None:
    instance, classes, table = planted_case()
    assert not verify_partition(instance, classes, table[1:]).ok
    foreign = [(cell, "zebra") for cell, _ in table]
    verdict = verify_partition(instance, classes, foreign, allowed_violations=instance.n_samples)
    assert len(verdict.violated) == instance.n_samples


def test_canonical_form_numbers_classes_by_first_constrained_token() -> None:
    instance, classes, _ = planted_case()
    masks = constrained_mask(instance)
    swapped = [[1 - k for k in c] for c in classes]
    assert canonical_classes(swapped, masks) == canonical_classes(classes, masks)
