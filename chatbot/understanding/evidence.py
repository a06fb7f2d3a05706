"""Which knowledge item a question describes, judged by the words of the items' own texts.

People often ask about an item without naming it ("who keeps count of the spare parts?"). The
words they use are the evidence, read two ways:

- **The item as a whole**: its title, synonyms, descriptions (the ways people describe it without
  naming it) and answers form one document, weighted by field; the question is scored against
  every document by TF-IDF cosine (words found in few items weigh most).
- **The nearest passage**: each of those texts on its own; the item scores as its passage closest
  to the question, so a question worded like one description ("checking seals and hoses for
  drips") finds its item even when the item's other texts are about something else.

An item's score is the first plus `passage_weight` times the second, over 1 + that weight. The
matcher turns a clear winner into a candidate when the examples leave it unsure.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..content.model import Content
from .text import STOP_WORDS, normalize

FIELD_WEIGHTS = {"title": 3.0, "synonyms": 2.0, "descriptions": 1.5, "short": 1.0, "long": 0.7}
"""How much a word counts by where in an item it is found."""
PASSAGE_FIELDS = frozenset({"title", "synonyms", "descriptions", "short"})
"""The texts read one by one as passages (the long answer is too long to be one question's twin)."""
QUESTION_WORDS = frozenset({"what", "how", "why", "who", "whom", "whose", "which", "wher", "where", "when"})
"""Words that say a question is being asked, not what it is about (stemmed, as tokens are)."""
IGNORED = STOP_WORDS | QUESTION_WORDS


@dataclass(frozen=True)
class Found:
    """An item the question's words point at."""

    item: str
    score: float
    """The TF-IDF cosine of the question's words and the item's texts."""
    coverage: float
    """The share of the question's weight (its words the guide never uses included) that the
    item's texts account for: a question mostly about something else scores low."""


@dataclass(frozen=True)
class Evidence:
    """A TF-IDF index of the items' texts, built once from the content."""

    postings: dict[str, tuple[tuple[str, float], ...]]
    """Word -> the items whose text has it, with its weight in each item's unit-length vector."""
    idf: dict[str, float]
    unknown: float
    """The weight of a word no item uses: as much as the rarest word the items do use."""
    passages: dict[str, tuple[tuple[int, float], ...]] = field(default_factory=dict)
    """Word -> the passages (one text of one item) that have it, with its squared IDF."""
    passage_items: tuple[str, ...] = ()
    passage_norms: tuple[float, ...] = ()
    passage_idf: dict[str, float] = field(default_factory=dict)
    passage_weight: float = 0.0

    @classmethod
    def build(cls, content: Content, canonical: Callable[[tuple[str, ...]], tuple[str, ...]],
              passage_weight: float = 0.0) -> Evidence:
        """`canonical` reads words as the lexicon does (concepts), so questions and items meet."""
        documents: dict[str, dict[str, float]] = {}
        texts: list[tuple[str, frozenset[str]]] = []  # passage: (item, its words)
        for item in content.items.values():
            counts: dict[str, float] = defaultdict(float)
            for name, weight in FIELD_WEIGHTS.items():
                value = getattr(item, name)
                for text in ([value] if isinstance(value, str) else value):
                    tokens = [t for t in canonical(normalize(text)) if t not in IGNORED]
                    for token in tokens:
                        counts[token] += weight
                    if tokens and name in PASSAGE_FIELDS:
                        texts.append((item.id, frozenset(tokens)))
            documents[item.id] = counts
        total = len(documents)
        found_in = Counter(token for counts in documents.values() for token in counts)
        idf = {token: math.log((total + 1) / (n + 0.5)) for token, n in found_in.items()}
        postings: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for item_id, counts in documents.items():
            vector = {t: (1 + math.log(w)) * idf[t] for t, w in counts.items() if w > 0 and idf[t] > 0}
            norm = math.sqrt(sum(x * x for x in vector.values())) or 1.0
            for token, x in vector.items():
                postings[token].append((item_id, x / norm))
        in_passages = Counter(token for _, tokens in texts for token in tokens)
        passage_idf = {token: math.log(len(texts) / n) for token, n in in_passages.items()}
        passages: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for number, (_, tokens) in enumerate(texts):
            for token in tokens:
                passages[token].append((number, passage_idf[token] ** 2))
        norms = tuple(math.sqrt(sum(passage_idf[t] ** 2 for t in tokens)) or 1.0 for _, tokens in texts)
        return cls({t: tuple(p) for t, p in postings.items()}, idf, max(idf.values(), default=1.0),
                   {t: tuple(p) for t, p in passages.items()}, tuple(item for item, _ in texts), norms,
                   passage_idf, passage_weight)

    def nearest(self, tokens: Iterable[str]) -> dict[str, float]:
        """Item -> the cosine of the question's words and its closest passage."""
        query = {t for t in tokens if t not in IGNORED}
        rarest = max(self.passage_idf.values(), default=1.0)
        norm = math.sqrt(sum(self.passage_idf.get(t, rarest) ** 2 for t in query)) or 1.0
        dots: dict[int, float] = defaultdict(float)
        for token in query:
            for number, weight in self.passages.get(token, ()):
                dots[number] += weight
        best: dict[str, float] = {}
        for number, dot in dots.items():
            item, score = self.passage_items[number], dot / (norm * self.passage_norms[number])
            if score > best.get(item, 0.0):
                best[item] = score
        return best

    def rank(self, tokens: Iterable[str], limit: int = 3) -> tuple[Found, ...]:
        """The best items for the question's tokens, best first."""
        query: dict[str, float] = defaultdict(float)
        total = 0.0
        for token in tokens:
            if token in IGNORED:
                continue
            weight = self.idf.get(token)
            total += self.unknown if weight is None else weight
            if weight is not None:
                query[token] += weight
        if not query:
            return ()
        norm = math.sqrt(sum(x * x for x in query.values()))
        dots: dict[str, float] = defaultdict(float)
        covered: dict[str, float] = defaultdict(float)
        for token, weight in query.items():
            for item_id, x in self.postings[token]:
                dots[item_id] += weight * x
                covered[item_id] += weight
        near = self.nearest(tokens) if self.passage_weight else {}
        blend = 1 + self.passage_weight
        found = [Found(item_id, (dot / norm + self.passage_weight * near.get(item_id, 0.0)) / blend,
                       covered[item_id] / total) for item_id, dot in dots.items()]
        found.sort(key=lambda f: (-f.score, f.item))
        return tuple(found[:limit])
