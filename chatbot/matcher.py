"""Score a question against every intent's examples and rank the intents.

Examples are normalized and masked once at load time ("what does {item} involve" becomes
`what doe involv STEPS` for a step intent). A question is read the same way, then compared with
every example by cosine similarity of IDF-weighted tokens, found through an inverted index so a
question only touches the examples it shares a telling word with. Words that occur in many intents
("what", "technician") weigh little; words that single out an intent weigh a lot; words the bot
has never seen weigh in the question alone, pulling unrelated questions below the threshold.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace

from .errors import DataError
from .intents import Intent, Vocabulary
from .knowledge import KnowledgeBase
from .lexicon import GAP, Lexicon, Mention, Reading, item_token, sentinel
from .normalize import STOP_WORDS, focus, normalize, words

STOP_WEIGHT = 0.3
"""How much a function word ("the", "do", "you") counts, relative to its IDF weight."""
COMMON_SHARE, COMMON_FLOOR = 0.05, 40
"""A token in more than this share of the examples (and more than the floor) is too common to
look examples up by."""
WHOLE_MESSAGE_ONLY = ("text", "followup")
"""Answers that one sentence of a longer message cannot win on its own."""
BACK_REFERENCES = frozenset({"that", "it", "this", "those", "them", "these"})
"""Words with which one sentence of a message points at another: such a sentence is not read alone."""
ASIDE = 0.9
"""Score factor for small talk or a follow-up read in a message that says more than that."""
STATEMENT = 0.85
"""Score factor for a sentence that is not a question, in a message that asks one ("My uncle
works in a plant. How do I become a technician?")."""
ALTERNATIVE_READING = 0.9
"""Score factor for the second reading of an ambiguous phrase (see `_interpretations`)."""
TOKEN_WEIGHTS = {**{word: STOP_WEIGHT for word in STOP_WORDS}, GAP: 2.0}
"""A named gap (pay, hours...) is nearly always the point of the question, so it weighs more."""
PLACEHOLDER = re.compile(r"\{(\w+)\}")
SLOT_MARK = "zzslotzz"
GAP_MARK = "zzgapzz"


@dataclass(frozen=True)
class Candidate:
    """One intent's best score for a question, the example that earned it, and the slots found."""

    intent: Intent
    score: float
    example: str
    items: tuple[str, ...] = ()
    """Knowledge items that fill the intent's slot, in the order the question names them."""
    gap: str | None = None


@dataclass
class Example:
    """One masked example utterance, ready to score."""

    intent: Intent
    text: str
    tokens: frozenset[str]
    norm: float = 0.0


@dataclass
class IntentMatcher:
    """Built once from the data; `match` is the per-question hot path."""

    lexicon: Lexicon
    examples: list[Example] = field(default_factory=list)
    index: dict[str, list[int]] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)
    common: frozenset[str] = frozenset()
    """Tokens too frequent to find candidates by (they still score the examples found)."""
    order: dict[str, int] = field(default_factory=dict)
    """Intent name -> place in the data files: breaks exact ties the same way every time."""
    unknown_weight: float = 0.0

    @classmethod
    def build(cls, knowledge: KnowledgeBase, intents: dict[str, Intent], vocabulary: Vocabulary) -> "IntentMatcher":
        """Build the lexicon, mask the examples and weigh every word."""
        listed = {i.category for i in intents.values() if i.answer == "list" and i.category}
        lexicon = build_lexicon(knowledge, vocabulary, listed)
        concept_tokens = {name: "_".join(normalize(name)) for name in vocabulary.concepts}
        marked: list[tuple[Intent, str, str]] = []  # intent, example as written, placeholders marked
        for intent in intents.values():
            for example in intent.examples:
                text = _marked(example, intent, concept_tokens)
                lexicon.vocabulary.update(w for w in words(text) if w not in (SLOT_MARK, GAP_MARK))
                marked.append((intent, example, text))
        lexicon.freeze()
        matcher = cls(lexicon, order={name: i for i, name in enumerate(intents)})
        # Items of a category no intent takes as a slot (the role's facets) read as themselves, and
        # the intent that answers one gets it as an example of its own; items of slotted
        # categories all read as their category's sentinel.
        slotted = {i.slot for i in intents.values() if i.slot}
        lexicon.itemized = set(knowledge.categories) - slotted
        for intent, example, text in marked:
            masked = lexicon.read(text).masked
            slot = sentinel(intent.slot) if intent.slot else SLOT_MARK
            tokens = frozenset(slot if t == SLOT_MARK else GAP if t == GAP_MARK else t for t in masked)
            matcher.examples.append(Example(intent, example, tokens))
        for intent in intents.values():
            if intent.item and knowledge.items[intent.item].category in lexicon.itemized:
                matcher.examples.append(Example(intent, "{item}", frozenset({item_token(intent.item)})))
        matcher._weigh()
        return matcher

    def _weigh(self) -> None:
        intents_with: dict[str, set[str]] = defaultdict(set)
        for example in self.examples:
            for token in example.tokens:
                intents_with[token].add(example.intent.name)
        total = len({e.intent.name for e in self.examples})
        self.idf = {t: (math.log(total / len(names)) + 0.1) * TOKEN_WEIGHTS.get(t, 1.0)
                    for t, names in intents_with.items()}
        self.unknown_weight = math.log(total / 2)
        index: dict[str, list[int]] = defaultdict(list)
        for position, example in enumerate(self.examples):
            example.norm = math.sqrt(sum(self.idf[t] ** 2 for t in example.tokens))
            for token in example.tokens:
                index[token].append(position)
        self.index = dict(index)
        crowded = max(COMMON_FLOOR, int(COMMON_SHARE * len(self.examples)))
        self.common = frozenset(t for t, postings in self.index.items() if t in STOP_WORDS or len(postings) > crowded)

    def read(self, text: str, *, default_category: str = "steps") -> Reading:
        """Normalize, correct and mask a question (see `Lexicon.read`)."""
        return self.lexicon.read(text, default_category=default_category)

    def match(self, text: str, *, default_category: str = "steps", limit: int = 5) -> tuple[Reading, list[Candidate]]:
        """Read a question and rank the intents for it; a longer message is also scored sentence
        by sentence (see `normalize.focus`), and each intent keeps its best score."""
        pieces = focus(text) or [text]
        readings = [self.read(piece, default_category=default_category) for piece in pieces]
        best: dict[str, Candidate] = {}
        for number, reading in enumerate(readings):
            if number and (not reading.mentions and BACK_REFERENCES & set(reading.tokens)
                           or len(set(reading.tokens) - STOP_WORDS) < 2):
                continue  # "..., what does that mean", "..., like the definition": not a question alone
            piece_weight = _piece_weight(text, pieces, number)
            for masked, mentions, weight in self._interpretations(reading):
                for candidate in self._score(masked, mentions, weight * piece_weight, limit):
                    if candidate.intent.answer in WHOLE_MESSAGE_ONLY and len(pieces) > 1:
                        if number:
                            continue  # "good evening." or "ok, back" is not the point of a longer message
                        candidate = replace(candidate, score=candidate.score * ASIDE)
                    current = best.get(candidate.intent.name)
                    if current is None or candidate.score > current.score:
                        best[candidate.intent.name] = candidate
        return readings[0], sorted(best.values(), key=lambda c: (-c.score, self.order[c.intent.name]))[:limit]

    def _score(self, masked: tuple[str, ...], mentions: tuple[Mention, ...], factor: float,
               limit: int) -> list[Candidate]:
        """The `limit` best intents for one masked reading. Examples are found through the
        question's distinctive words only; common words (function words, and words in a large
        share of the examples) then add to the examples already found. So the cost follows the
        examples that share a telling word with the question, not the size of the data."""
        tokens = set(masked)
        weights = {t: self.idf.get(t, STOP_WEIGHT if t in STOP_WORDS else self.unknown_weight) for t in tokens}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        telling = {t for t in tokens if t in self.index and t not in self.common}
        dots: dict[int, float] = defaultdict(float)
        for token in telling or tokens:
            weight = weights[token] ** 2
            for position in self.index.get(token, ()):
                dots[position] += weight
        function_words = [(t, weights[t] ** 2) for t in tokens - telling if t in self.index] if telling else []
        best: dict[str, tuple[float, int]] = {}
        for position, dot in dots.items():
            example = self.examples[position]
            dot += sum(w for t, w in function_words if t in example.tokens)
            score = dot / (norm * example.norm)
            name = example.intent.name
            if name not in best or score > best[name][0]:
                best[name] = (score, position)
        gap = next((m.gap for m in mentions if m.gap), None)
        candidates: list[Candidate] = []
        for score, position in sorted(best.values(), reverse=True):
            example = self.examples[position]
            items = self._slot_items(example.intent, mentions)
            if example.intent.slot and not items:
                continue  # a slot intent needs the question to name an item of its category
            candidates.append(Candidate(example.intent, min(1.0, score * factor), example.text, items, gap))
            if len(candidates) == limit:
                break
        return candidates

    def _slot_items(self, intent: Intent, mentions: tuple[Mention, ...]) -> tuple[str, ...]:
        """The items the question names that can fill the intent's slot, in order."""
        if not intent.slot:
            return ()
        category_of = self.lexicon.item_category
        return tuple(dict.fromkeys(i for m in mentions for i in m.items if category_of[i] == intent.slot))

    def _interpretations(self, reading: Reading) -> list[tuple[tuple[str, ...], tuple[Mention, ...], float]]:
        """The masked question once per reading of an ambiguous mention: a phrase naming items of
        two categories is scored both ways, and the better reading wins. Readings other than the
        first (the category listed first in the data) count a little less, so that a plain
        "teamwork skills" means the skill, and only "teamwork skills in general" the related article."""
        variants: list[tuple[list[Mention], float]] = [([], 1.0)]
        for mention in reading.mentions:
            categories = list(dict.fromkeys(self.lexicon.item_category[i] for i in mention.items))
            if len(categories) <= 1 or len(variants) >= 4:
                variants = [(kept + [mention], weight) for kept, weight in variants]
                continue
            variants = [
                (kept + [replace(mention, token=sentinel(category), category=category,
                                 items=tuple(i for i in mention.items if self.lexicon.item_category[i] == category))],
                 weight * (1.0 if rank == 0 else ALTERNATIVE_READING))
                for kept, weight in variants for rank, category in enumerate(categories)
            ]
        if len(variants) == 1:
            return [(reading.masked, reading.mentions, 1.0)]
        return [(self.lexicon.mask(reading.tokens, tuple(kept)), tuple(kept), weight) for kept, weight in variants]


def _piece_weight(text: str, pieces: list[str], number: int) -> float:
    """How much a piece of a message counts: the whole message and its questions fully, a
    statement less when the message asks something elsewhere."""
    if number == 0 or "?" not in text or pieces[number].rstrip().endswith("?"):
        return 1.0
    if number == len(pieces) - 1 and text.rstrip().endswith("?"):
        return 1.0  # the last clause of a message that ends by asking
    return STATEMENT


def _marked(example: str, intent: Intent, concept_tokens: dict[str, str]) -> str:
    """An example with each `{placeholder}` replaced by what it stands for."""
    return PLACEHOLDER.sub(lambda m: _mark(m.group(1), intent, concept_tokens), example)


def _mark(name: str, intent: Intent, concept_tokens: dict[str, str]) -> str:
    """What a `{placeholder}` in an example stands for."""
    if name == "item":
        return f" {SLOT_MARK} "
    if name == "gap":
        return f" {GAP_MARK} "
    if name in concept_tokens:
        return f" {concept_tokens[name]} "
    raise DataError(f"unknown placeholder {{{name}}}; use {{item}}, {{gap}} or a concept from vocabulary.yaml",
                    path=intent.source, field=f"{intent.name}.examples")


def build_lexicon(knowledge: KnowledgeBase, vocabulary: Vocabulary, listed: set[str]) -> Lexicon:
    """Every phrase the bot recognises: concepts first (they canonicalise words), then item
    synonyms, gaps and the words for the lists people ask for (`listed`: "skills", "duties";
    a word like "role" is too common in questions about anything to name its category)."""
    lexicon = Lexicon()
    lists = [c for c in knowledge.categories.values() if c.name in listed]
    # A phrase that names an item, a gap or a list is never swallowed by a concept.
    phrases = [p for c in knowledge.categories.values() for i in c.items for p in i.synonyms]
    phrases += [p for g in vocabulary.gaps.values() for p in g.synonyms]
    phrases += [p for c in lists for p in (c.name, *c.synonyms)]
    entity_phrases = {lexicon.key(p) for p in phrases}
    for concept, synonyms in vocabulary.concepts.items():
        word = "_".join(normalize(concept))
        for phrase in (concept, *synonyms):
            if lexicon.key(phrase) not in entity_phrases:
                lexicon.add_concept(phrase, word)
    for category in knowledge.categories.values():
        for item in category.items:
            for phrase in (item.title, *item.synonyms):
                lexicon.add(phrase, Mention(0, 0, sentinel(category.name), (item.id,), category=category.name))
            lexicon.items_by_position[(category.name, item.position)] = item.id
            lexicon.item_category[item.id] = category.name
        lexicon.category_sizes[category.name] = len(category.items)
    for gap in vocabulary.gaps.values():
        for phrase in gap.synonyms:
            lexicon.add(phrase, Mention(0, 0, GAP, gap=gap.id))
    for category in lists:
        word = "_".join(normalize(category.name))
        for phrase in (category.name, *category.synonyms):
            lexicon.add(phrase, Mention(0, 0, word))
            key = lexicon.canonical(lexicon.key(phrase))
            if len(key) == 1:
                lexicon.categories.setdefault(key[0], category.name)
    return lexicon
