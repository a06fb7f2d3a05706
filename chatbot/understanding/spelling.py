"""Mend misspelt words into the bot's vocabulary, from one typo to spelling by ear.

Two passes, both only for words that are neither in the bot's vocabulary nor real English words
(so a real word, or a form of one, is never "corrected" into another):

- **Edits**: the closest vocabulary word by OSA edit distance (a swap counts as one edit), at most
  one edit away for words under eight letters and two for longer ones, found by rapidfuzz's
  `process.extractOne` over the vocabulary ordered by frequency, so a tie goes to the commoner word.
- **Sound**: spelling by ear and dropped vowels ("skilz", "calibrashun", "qlty") are further than
  that from the word meant, but sound the same. Every vocabulary word is indexed by its Metaphone
  key (jellyfish); a misspelt word with the key of a vocabulary word, and not too many edits from it
  (about half its length), is read as that word.

A dropped final "g" ("lookin", "workin") is restored when that makes a real English word.
"""

from __future__ import annotations

import functools
import math
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

import jellyfish
from rapidfuzz import process
from rapidfuzz.distance import OSA

from ..settings import Tuning
from .text import stem

BY_FREQUENCY = tuple(
    line for line in (Path(__file__).with_name("english_words.txt").read_text(encoding="utf-8").split("\n"))
    if line and not line.startswith("#")
)
"""Common English words, most frequent first (see scripts/build_word_list.py)."""
ENGLISH = frozenset(BY_FREQUENCY)
"""Real English words, never "corrected" into another word."""
MIN_LETTERS = 4
"""Shorter words are too often real (or text-speak the tables already know) to guess at."""
SPLIT_LETTERS, MAX_SPLIT = 9, 5
"""Only a long unknown word is tried as several run together, and as at most five words."""
SHORT_WORDS = frozenset("a i to of in is it on be as at he by my or we an so me if up do no us go am ok".split())
"""The only words of one or two letters a run-together word is split into ("special i sm" is no reading)."""


@functools.cache
def _ranks() -> dict[str, int]:
    """Stemmed word -> the place of its commonest form in the list (built on first use)."""
    ranks: dict[str, int] = {}
    for rank, word in enumerate(BY_FREQUENCY, 1):
        ranks.setdefault(stem(word), rank)
    return ranks


def rarity(token: str) -> float:
    """How rare a stemmed word is in English, in [0, 1]: near 0 for the commonest words, 1 for a
    word not among the 24,000 commonest (or not a word at all)."""
    rank = _ranks().get(token)
    return 1.0 if rank is None else math.log(rank) / math.log(len(BY_FREQUENCY))


INFLECTIONS = ("ings", "ing", "ers", "er", "ed", "es", "s", "ly")


def inflected(word: str) -> bool:
    """Whether a word missing from the list looks like a form of one in it ("clocking" of "clock",
    "planned" of "plan"), so not a misspelling of a word further away ("checking")."""
    for suffix in INFLECTIONS:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[:-len(suffix)]
            if base in ENGLISH or base + "e" in ENGLISH or (base[-1] == base[-2] and base[:-1] in ENGLISH):
                return True
    return False


class Speller:
    """The typo corrector for one vocabulary; `correct` is cached per word."""

    def __init__(self, vocabulary: Counter[str], tuning: Tuning) -> None:
        self.edits = (tuning.typo_edits_short, tuning.typo_edits_long)
        self.vocabulary = vocabulary
        self.known = frozenset(vocabulary) | ENGLISH
        self.correct = lru_cache(maxsize=8192)(self._correct)

    # Built on the first word that needs mending: most questions have none, and a cold
    # `chatbot ask` should not pay for them.
    @functools.cached_property
    def choices(self) -> list[str]:
        """The vocabulary words worth mending into, commonest first (a tie goes to the commoner)."""
        vocabulary = self.vocabulary
        return sorted((w for w in vocabulary if len(w) >= MIN_LETTERS and w.isalpha()), key=lambda w: (-vocabulary[w], w))

    @functools.cached_property
    def sounds(self) -> dict[str, list[str]]:
        """Metaphone key -> the vocabulary words with it, commonest first."""
        sounds: dict[str, list[str]] = defaultdict(list)
        for word in self.choices:
            sounds[jellyfish.metaphone(word)].append(word)
        return dict(sounds)

    @functools.cached_property
    def keys(self) -> list[str]:
        return sorted(self.sounds)

    @functools.cached_property
    def splittable(self) -> frozenset[str]:
        return frozenset(w for w in self.known if len(w) >= 3) | SHORT_WORDS

    def _correct(self, word: str) -> str:
        if word in self.known or len(word) < MIN_LETTERS or not word.isalpha():
            return word
        if inflected(word):  # a form of a real word ("clocking") is mended by one edit at most
            best = process.extractOne(word, self.choices, scorer=OSA.distance, score_cutoff=1)
            return str(best[0]) if best else word
        for form in (word, word + "g") if word.endswith("in") else (word,):  # "lookin", "manufacterin"
            if form in ENGLISH:
                return form
            fixed = self._nearest(form)
            if fixed is not None:
                return fixed
        return self.split(word)

    def _nearest(self, word: str) -> str | None:
        """The vocabulary word a misspelling most likely means: by edits, then by sound."""
        limit = self.edits[0] if len(word) < 8 else self.edits[1]
        best = process.extractOne(word, self.choices, scorer=OSA.distance, score_cutoff=limit)
        if best:
            return str(best[0])
        key = jellyfish.metaphone(word)
        alike = self.sounds.get(key)
        if alike is None and len(word) >= 8:  # "inspectshun": a sound one step from a known one
            near = process.extractOne(key, self.keys, scorer=OSA.distance, score_cutoff=1)
            alike = self.sounds[near[0]] if near else None
        if alike:
            nearest = min(alike, key=lambda candidate: OSA.distance(word, candidate))
            if OSA.distance(word, nearest) <= max(2, (len(word) + 1) // 2):
                return nearest
        return None

    def split(self, word: str) -> str:
        """Words run together ("whatsaproductiontechnician") read as the fewest real words that
        make them up, each of two letters or more; the word itself when there is no such reading."""
        if len(word) < SPLIT_LETTERS:
            return word
        best: list[list[str] | None] = [None] * (len(word) + 1)
        best[len(word)] = []
        for start in range(len(word) - 1, -1, -1):
            for end in range(min(len(word), start + 20), start, -1):
                piece, rest = word[start:end], best[end]
                if rest is not None and piece in self.splittable and (best[start] is None or
                                                                      len(rest) + 1 < len(best[start] or ())):
                    best[start] = [piece, *rest]
        found = best[0]
        return " ".join(found) if found and len(found) <= MAX_SPLIT else word
