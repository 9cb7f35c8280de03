"""Topic-model instances: LDA with one topic per document, seen as partition recovery under structured noise.

Group 1 is the documents, group 2 the words of the vocabulary, and the classes of both are the topics. Topic t
draws words from β_t, with weight `within` on each of its own words and `across` on every other word (normalised);
a document of topic t holds `words_per_document` draws from β_t. The sample (d, w, y) has y = 1 when word w occurs
in document d, else 0: one sample per (document, word) pair. The label depends on the two topics only in
probability, so the planted partition violates many samples (the noise is structured, not uniform). This is the
single-topic special case of the topic model used to study how transformers learn topic structure (Li et al.,
"How do transformers learn topic structure", ICML 2023, §2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from problems.partition import PartitionInstance


@dataclass(frozen=True)
class TopicTruth:
    """The planted topics: `classes[0][d]` of each document, `classes[1][w]` of each word (canonical numbering)."""

    classes: list[list[int]]
    occurrence: np.ndarray  # (documents, vocabulary) bool: the documents × words matrix


def topic_instance(
    vocabulary: int = 300,
    documents: int = 200,
    topics: int = 3,
    words_per_document: int = 60,
    within: float = 1.0,
    across: float = 0.05,
    seed: int = 0,
) -> tuple[PartitionInstance, TopicTruth]:
    """Draw a topic-model instance (documents × vocabulary samples, 2 labels) and its planted topics.

    Every topic gets at least one word and one document. Raises `ValueError` for sizes below the topic count or
    weights that are not positive/non-negative.

    >>> instance, truth = topic_instance(vocabulary=30, documents=20, topics=3, words_per_document=10, seed=1)
    >>> instance.n_samples, instance.sizes, instance.budgets
    (600, (20, 30), (3, 3))
    """
    if topics < 1 or vocabulary < topics or documents < topics or words_per_document < 1:
        raise ValueError("need topics >= 1, vocabulary >= topics, documents >= topics, words_per_document >= 1")
    if within <= 0 or across < 0:
        raise ValueError(f"need within > 0 and across >= 0, got within={within}, across={across}")
    rng = np.random.default_rng(seed)
    word_topic = _nonempty(rng, vocabulary, topics)
    document_topic = _nonempty(rng, documents, topics)
    weights = np.where(word_topic[None, :] == np.arange(topics)[:, None], within, across)  # (topics, vocabulary)
    beta = weights / weights.sum(axis=1, keepdims=True)
    occurrence = np.zeros((documents, vocabulary), dtype=bool)
    for d, topic in enumerate(document_topic.tolist()):
        occurrence[d, rng.choice(vocabulary, size=words_per_document, p=beta[topic])] = True
    doc_index, word_index = np.meshgrid(np.arange(documents), np.arange(vocabulary), indexing="ij")
    tokens = np.column_stack([doc_index.ravel(), word_index.ravel()])
    instance = PartitionInstance.from_arrays(
        [documents, vocabulary], [topics, topics], tokens, occurrence.ravel().astype(np.int64)
    )
    return instance, TopicTruth([_canonical(document_topic), _canonical(word_topic)], occurrence)


def _nonempty(rng: np.random.Generator, size: int, topics: int) -> np.ndarray:
    labels = rng.integers(0, topics, size=size)
    labels[rng.permutation(size)[:topics]] = np.arange(topics)
    return labels


def _canonical(labels: np.ndarray) -> list[int]:
    relabel: dict[int, int] = {}
    return [relabel.setdefault(int(k), len(relabel)) for k in labels]
