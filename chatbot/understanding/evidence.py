"""Which knowledge item a question describes, judged by the words of the items' own texts.

People often ask about an item without naming it ("who keeps count of the spare parts?"). The
words they use are the evidence: each item's title, synonyms, descriptions (the ways people
describe it without naming it) and answers form a document, weighted by field, and a question is
scored against every document by TF-IDF cosine (words found in few items weigh most). The matcher
turns a clear winner into a candidate when the question names nothing itself.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..content.model import Content
from .text import STOP_WORDS, normalize

FIELD_WEIGHTS = {"title": 3.0, "synonyms": 2.0, "descriptions": 1.5, "short": 1.0, "long": 0.7}
"""How much a word counts by where in an item it is found."""
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

    @classmethod
    def build(cls, content: Content, canonical: Callable[[tuple[str, ...]], tuple[str, ...]]) -> Evidence:
        """`canonical` reads words as the lexicon does (concepts), so questions and items meet."""
        documents: dict[str, dict[str, float]] = {}
        for item in content.items.values():
            counts: dict[str, float] = defaultdict(float)
            for field, weight in FIELD_WEIGHTS.items():
                value = getattr(item, field)
                for text in ([value] if isinstance(value, str) else value):
                    for token in canonical(normalize(text)):
                        if token not in IGNORED:
                            counts[token] += weight
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
        return cls({t: tuple(p) for t, p in postings.items()}, idf, max(idf.values(), default=1.0))

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
        found = [Found(item_id, dot / norm, covered[item_id] / total) for item_id, dot in dots.items()]
        found.sort(key=lambda f: (-f.score, f.item))
        return tuple(found[:limit])
