"""Benchmark text: English generated from a real word-frequency list (bench/data).

Words are drawn with their real frequencies, so the tsvector sees a realistic vocabulary (stop
words, a long tail of rare words); sentences and paragraphs give ts_headline something to cut.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data") / "english_word_frequencies.tsv"


@cache
def _vocabulary() -> tuple[list[str], list[float]]:
    words: list[str] = []
    weights: list[float] = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        word, freq = line.split("\t")
        words.append(word)
        weights.append(float(freq))
    return words, list(itertools.accumulate(weights))


class TextGenerator:
    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.words, self.cumulative = _vocabulary()
        self.total = self.cumulative[-1]

    def word(self) -> str:
        return self.words[bisect.bisect(self.cumulative, self.rng.random() * self.total)]

    def sentence(self) -> str:
        n = self.rng.randint(6, 22)
        text = " ".join(self.word() for _ in range(n))
        return text[0].upper() + text[1:] + self.rng.choice(".....?!")

    def title(self) -> str:
        return " ".join(self.word().capitalize() for _ in range(self.rng.randint(3, 8)))

    def text(self, size: int) -> str:
        """About ``size`` bytes of paragraphs."""
        parts: list[str] = []
        length = 0
        while length < size:
            paragraph = " ".join(self.sentence() for _ in range(self.rng.randint(2, 6)))
            parts.append(paragraph)
            length += len(paragraph) + 2
        return "\n\n".join(parts)[:size]


def documents(count: int, size: int = 2048, seed: int = 7) -> Iterator[tuple[str, str, str]]:
    """(document_id, title, text) triples."""
    gen = TextGenerator(seed)
    for i in range(count):
        yield f"doc-{seed}-{i}", gen.title(), gen.text(size)
