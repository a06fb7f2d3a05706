"""Score a question against every intent's examples and rank the intents: question -> `Parse`.

Examples are normalized and masked once at load time ("what does {item} involve" becomes
`what doe involv STEPS` for a step intent). A question is read the same way, then compared with
every example by cosine similarity of IDF-weighted tokens, found through an inverted index so a
question only touches the examples it shares a telling word with. Words that occur in many intents
("what", "technician") weigh little; words that single out an intent weigh a lot; words the bot
has never seen weigh in the question alone, pulling unrelated questions below the threshold.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from ..content import template
from ..content.model import AnswerKind, Content, Intent
from ..settings import Tuning
from .cues import describes_one, find_move, refers_back, turned_down
from .evidence import Evidence, Found
from .lexicon import GAP, Lexicon, build_lexicon, concept_token, item_token, sentinel
from .parse import Candidate, Detail, Mention, Move, Parse, Place, Reading
from .spelling import rarity
from .text import STOP_WORDS, TABLE, focus, normalize, sentences, words

WHOLE_MESSAGE_ONLY = frozenset({AnswerKind.TEXT, AnswerKind.FOLLOWUP})
"""Answers that one sentence of a longer message cannot win on its own."""
BACK_REFERENCES = frozenset({"that", "it", "this", "those", "them", "these"})
"""Words with which one sentence of a message points at another: such a sentence is not read alone."""
NOT_BACK = frozenset({"job", "technician", "say", "mention", "suggest", "recommend"})
"""Words after "it" or "this" that make it the job or the guide, not another sentence ("does it say")."""
MORE_WORDS = frozenset({"more"})
"""Words that ask for the longer answer ("tell me more about teamwork")."""
PICK_WORDS = {"1st": 1, "2nd": 2}
"""Ordinals that pick one option of a clarifying question."""
TIE_ORDER = (AnswerKind.ITEM, AnswerKind.ITEMS, AnswerKind.LIST, AnswerKind.SUMMARY, AnswerKind.NOT_COVERED,
             AnswerKind.OUT_OF_SCOPE, AnswerKind.FOLLOWUP, AnswerKind.TEXT)
"""How exact ties are broken: an answer from the guide first, then an honest fallback, then a move
in the conversation or small talk; within one kind, by intent name. Never by file name or order."""
QUESTION_OPENERS = tuple(" ".join(words(str(opener))) for opener in TABLE["question_openers"])
"""How a sentence that asks something begins, in normalized words (from english.yaml)."""
EVIDENCE_LIMIT = 8
"""How many items the evidence ranks (an answer to a clarifying question picks among them)."""
EVIDENCE_EXAMPLE = "(the words of the item's own texts)"
"""What a candidate found by evidence shows as its matched example."""
SLOT_MARK = "zzslotzz"
GAP_MARK = "zzgapzz"


@dataclass
class Example:
    """One masked example utterance, ready to score."""

    intent: str
    text: str
    tokens: frozenset[str]
    norm: float = 0.0


@dataclass
class IntentMatcher:
    """Built once from the content; `parse` is the per-question hot path."""

    lexicon: Lexicon
    content: Content
    tuning: Tuning
    evidence: Evidence
    examples: list[Example] = field(default_factory=list)
    index: dict[str, list[int]] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)
    common: frozenset[str] = frozenset()
    """Tokens too frequent to find candidates by (they still score the examples found)."""
    order: dict[str, int] = field(default_factory=dict)
    """Intent name -> its place in `TIE_ORDER`: breaks exact ties the same way every time."""
    unknown_weight: float = 0.0
    category_words: frozenset[str] = frozenset()
    """Words that name a list or one of its items in general ("skill", "step", "duty")."""
    concept_slots: dict[str, str] = field(default_factory=dict)
    """Concept word -> the category of the one slot intent whose examples use it ("general" ->
    topics): a question with that word about an item may mean the item linked to it there."""
    singular_nouns: frozenset[str] = frozenset()
    """The categories' nouns in the singular, as written ("skill", "duty"): "the duty one" asks for one."""

    @classmethod
    def build(cls, content: Content, tuning: Tuning) -> IntentMatcher:
        """Build the lexicon, mask the examples and weigh every word."""
        lexicon = build_lexicon(content, tuning)
        concepts = {name: concept_token(name) for name in content.vocabulary.concepts}
        marked: list[tuple[Intent, str, tuple[str, ...]]] = []  # intent, example as written, its words
        for intent in content.intents.values():
            for example in intent.examples:
                found = words(template.substitute(example, lambda name: f" {_mark(name, concepts)} "))
                lexicon.vocabulary.update(w for w in found if w not in (SLOT_MARK, GAP_MARK))
                marked.append((intent, example, found))
        lexicon.freeze(tuning)
        ties = sorted(content.intents.values(), key=lambda i: (TIE_ORDER.index(i.answer), i.name))
        evidence = Evidence.build(content, lexicon.canonical)
        nouns = {t for c in content.categories.values() for noun in (c.noun, c.plural)
                 for t in normalize(noun) if len(normalize(noun)) == 1}  # "skill", not "fact about the role"
        matcher = cls(lexicon, content, tuning, evidence, order={i.name: rank for rank, i in enumerate(ties)},
                      category_words=frozenset(nouns | set(lexicon.categories)),
                      concept_slots=_concept_slots(content, concepts),
                      singular_nouns=frozenset(c.noun.casefold() for c in content.categories.values()))
        # Items of a category no intent takes as a slot (the role's facets) read as themselves, and
        # the intent that answers one gets it as an example of its own; items of slotted
        # categories all read as their category's sentinel.
        slotted = {i.slot for i in content.intents.values() if i.slot}
        lexicon.itemized = set(content.categories) - slotted
        for intent, example, found in marked:
            masked = lexicon.read_words(found, in_view=content.guide.default_list).masked
            slot = sentinel(intent.slot) if intent.slot else SLOT_MARK
            tokens = frozenset(slot if t == SLOT_MARK else GAP if t == GAP_MARK else t for t in masked)
            matcher.examples.append(Example(intent.name, example, tokens))
        for intent in content.intents.values():
            if intent.item and content.items[intent.item].category in lexicon.itemized:
                matcher.examples.append(Example(intent.name, "{item}", frozenset({item_token(intent.item)})))
        matcher._weigh()
        return matcher

    def _weigh(self) -> None:
        tuning = self.tuning
        weights = {**{word: tuning.stop_weight for word in STOP_WORDS}, GAP: tuning.gap_weight}
        intents_with: dict[str, set[str]] = defaultdict(set)
        for example in self.examples:
            for token in example.tokens:
                intents_with[token].add(example.intent)
        total = len({e.intent for e in self.examples})
        self.idf = {t: (math.log(total / len(names)) + tuning.idf_floor) * weights.get(t, 1.0)
                    for t, names in intents_with.items()}
        self.unknown_weight = math.log(total / 2)
        index: dict[str, list[int]] = defaultdict(list)
        for position, example in enumerate(self.examples):
            example.norm = math.sqrt(sum(self.idf[t] ** 2 for t in sorted(example.tokens)))
            for token in example.tokens:
                index[token].append(position)
        self.index = dict(index)
        crowded = max(tuning.common_floor, int(tuning.common_share * len(self.examples)))
        spread = max(2, int(tuning.common_intents * total))
        # A word many examples share is only common if many intents share it too: GAP, in every
        # not-covered example and nowhere else, is the most telling word there is.
        self.common = frozenset(t for t, postings in self.index.items()
                                if t in STOP_WORDS or len(postings) > crowded and len(intents_with[t]) > spread)

    def read(self, text: str, *, in_view: str | None) -> Reading:
        """Normalize, correct and mask a question (see `Lexicon.read`)."""
        return self.lexicon.read(text, in_view=in_view)

    def parse(self, text: str, *, in_view: str | None, limit: int = 5) -> Parse:
        """Read a question and rank the intents for it; a longer message is also scored sentence
        by sentence (see `text.focus`), and each intent keeps its best score. `in_view` is the
        list a bare "the third one" picks from."""
        pieces = focus(text, self.tuning.max_sentences) or [text]
        readings = self._without_background(text, pieces, [self.read(piece, in_view=in_view) for piece in pieces])
        weights = piece_weights(text, pieces, self.tuning)
        best: dict[str, Candidate] = {}
        for number, reading in enumerate(readings):
            if number and self._leans_on_another(reading):
                continue  # "..., what does that mean", "what does that duty involve": not a question alone
            fragment = number and len(set(reading.tokens) - STOP_WORDS) < 2  # "..., like the definition"
            piece_weight = weights[number]
            for masked, mentions, weight in self._interpretations(reading):
                for candidate in self.score(masked, mentions, weight * piece_weight, limit):
                    answer = self.content.intents[candidate.intent].answer
                    if fragment and answer is not AnswerKind.TEXT:
                        continue  # a one-word piece can be a greeting or a goodbye, not a question
                    if answer in WHOLE_MESSAGE_ONLY and len(pieces) > 1:
                        # "good evening." or "ok, back" is an aside in a longer message, unless that is all it says
                        factor = self.tuning.aside if number == 0 else self.tuning.aside_piece
                        candidate = replace(candidate, score=candidate.score * factor)
                    current = best.get(candidate.intent)
                    if current is None or candidate.score > current.score:
                        best[candidate.intent] = candidate
        ranked = sorted(best.values(), key=lambda c: (-c.score, self.order[c.intent]))[:limit]
        found = self._evidence(readings[0])
        evidence = self._linked_first(readings[0], found)
        lists = {self.lexicon.categories[t] for t in readings[0].tokens if t in self.lexicon.categories}
        named = tuple(f for f in evidence if self.content.items[f.item].category in lists) if lists else evidence
        ranked = self._with_evidence([self._by_evidence(c, found) for c in ranked], named)[:limit]
        moves = (find_move(r.tokens, r.mentions, self.category_words) for r in (readings[0], *reversed(readings[1:])))
        move = next((m for m in moves if m is not None), None)  # "Fair enough. And the step after that one?"
        return self._finish(text, readings[0], tuple(ranked), tuple(pieces[1:]), evidence, move)

    def _without_background(self, text: str, pieces: list[str], readings: list[Reading]) -> list[Reading]:
        """The readings without the items and gaps a message names only as background. In a
        message of several sentences, what the sentences that ask name is what it is about; an item
        or a gap named only elsewhere is the asker's story ("I've got an interview next week. What
        does inspecting products involve?", "What skills would my son need? He's good with his
        hands."), unless the questions name nothing themselves or point back to it ("My son is
        dyslexic. Would that...")."""
        if len(pieces) == 1:
            return readings
        opener = _after_first_word(text)
        asking = [reading for piece, reading in zip(pieces[1:], readings[1:], strict=True)
                  if asks(piece) and piece != opener]  # in one sentence, its clauses ("..., what skills...")
        if not any(r.mentions or self.category_words & set(r.tokens) for r in asking) \
                or any(self._points_back(reading.tokens) for reading in asking):
            return readings  # the questions have no subject of their own ("Can you?"), or point back
        items = {item for reading in asking for m in reading.mentions for item in m.items}
        gaps = {m.gap for reading in asking for m in reading.mentions if m.gap}

        def asked(mention: Mention) -> bool:
            if mention.gap:
                return mention.gap in gaps
            return not mention.items or bool(items & set(mention.items))

        kept = []
        for reading in readings:
            mentions = tuple(m for m in reading.mentions if asked(m))
            if len(mentions) < len(reading.mentions):
                reading = replace(reading, mentions=mentions, masked=self.lexicon.mask(reading.tokens, mentions))
            kept.append(reading)
        return kept

    def _leans_on_another(self, reading: Reading) -> bool:
        """Whether one sentence of a message only makes sense with another: it names no item and
        has a pointer, on its own or before a list's name ("that duty"; "skills for this" stands)."""
        tokens = reading.tokens
        if any(m.items or m.gap for m in reading.mentions):
            return False
        if not reading.mentions:
            return not BACK_REFERENCES.isdisjoint(tokens)
        return any(token in BACK_REFERENCES and tokens[n + 1] in self.category_words
                   for n, token in enumerate(tokens[:-1]))

    def _points_back(self, tokens: tuple[str, ...]) -> bool:
        """Whether a sentence points back at another ("would that help?", "what is this duty?"), not
        just at the job ("what is this job?") or the guide ("which subjects does it say...?")."""
        return any(token in BACK_REFERENCES and (n + 1 == len(tokens) or tokens[n + 1] not in NOT_BACK)
                   for n, token in enumerate(tokens))

    def _evidence(self, reading: Reading) -> tuple[Found, ...]:
        """The items the question's words point at, unless it asks about a gap."""
        if any(m.gap for m in reading.mentions):
            return ()
        return self.evidence.rank(reading.tokens, limit=EVIDENCE_LIMIT)

    def _linked_first(self, reading: Reading, evidence: tuple[Found, ...]) -> tuple[Found, ...]:
        """Of two linked items that both fit (a skill and the related article about it), the one
        whose intent the question's form matches better comes first, with the better score: "any
        tips on teamwork in general" is the article."""
        ranked = list(evidence)
        items = self.content.items
        if len(ranked) >= 2:
            first = ranked[0]
            linked = next((f for f in ranked[1:3] if f.item in items[first.item].see_also
                           or first.item in items[f.item].see_also), None)
            if linked is not None and items[linked.item].category != items[first.item].category:
                if self._form(reading, linked.item) > self._form(reading, first.item):
                    ranked.remove(linked)
                    ranked.insert(0, replace(linked, score=first.score))
        return tuple(ranked)

    def _by_evidence(self, candidate: Candidate, evidence: tuple[Found, ...]) -> Candidate:
        """Of several items a question names for one slot, the one its other words clearly point at
        comes first: "the duty of inspection of final products" is inspecting products, not quality
        control; otherwise the order they were named in stands ("maths and teamwork")."""
        if len(candidate.items) < 2 or not evidence:
            return candidate
        score = {found.item: found.score for found in evidence}
        best = max(candidate.items, key=lambda item: score.get(item, 0.0))
        if score.get(best, 0.0) < self.tuning.named_order_ratio * score.get(candidate.items[0], 0.0):
            return candidate
        return replace(candidate, items=(best, *(item for item in candidate.items if item != best)))

    def _form(self, reading: Reading, item: str) -> float:
        """How well the question's wording fits the intent that answers `item`, were it named."""
        category = self.content.items[item].category
        mention = Mention(len(reading.tokens), len(reading.tokens) + 1, sentinel(category), (item,), category=category)
        intent = self.content.answering[item]
        masked = (*reading.masked, sentinel(category))
        found = [c.score for c in self.score(masked, (*reading.mentions, mention), limit=10) if c.intent == intent]
        return found[0] if found else 0.0

    def _with_evidence(self, ranked: list[Candidate], evidence: tuple[Found, ...]) -> list[Candidate]:
        """Add the item the question describes, as the intent that answers it, when the examples
        alone leave the matcher unsure and the evidence is clear: the item stands out, and the
        question is mostly about it. A question that names a list ("which steps...") is described
        only by that list's items."""
        tuning = self.tuning
        if not evidence or (ranked and ranked[0].score >= tuning.evidence_unsure):
            return ranked
        best = evidence[0]
        item, score = best.item, best.score
        runner_up = evidence[1].score if len(evidence) > 1 else 0.0
        if score < tuning.evidence_min or score < tuning.evidence_ratio * runner_up \
                or best.coverage < tuning.evidence_coverage:
            return ranked
        confidence = min(tuning.evidence_cap, tuning.evidence_base + tuning.evidence_scale * score)
        intent = self.content.answering[item]
        found = Candidate(intent, confidence, EVIDENCE_EXAMPLE, (item,))
        kept = [c for c in ranked if c.intent != intent or c.score > confidence]
        if any(c.intent == intent for c in kept):
            return kept
        return sorted([*kept, found], key=lambda c: (-c.score, self.order[c.intent]))

    def _finish(self, text: str, reading: Reading, candidates: tuple[Candidate, ...],
                pieces: tuple[str, ...], evidence: tuple[Found, ...], move: Move | None) -> Parse:
        """The parse of the whole question: what it names, a place, the detail asked, a pick."""
        mentions = reading.mentions
        place = next((Place(m.category, m.position, m.items[0] if m.items else None, m.implied)
                      for m in mentions if m.position is not None), None)
        tokens = reading.tokens
        categories = tuple(dict.fromkeys(self.lexicon.categories[t] for n, t in enumerate(tokens)
                                         if t in self.lexicon.categories and not turned_down(tokens, n)))
        named = tuple(m.items for m in mentions if m.items and not turned_down(tokens, m.start))
        singular = bool(categories) and not self.singular_nouns.isdisjoint(words(text))
        pick = next((PICK_WORDS[t] for t in tokens if t in PICK_WORDS), None)
        if pick is None and tokens in (("1",), ("2",)):
            pick = int(tokens[0])
        return Parse(
            question=text, candidates=candidates,
            named=named, categories=categories, place=place,
            move=move, refers=refers_back(reading.plain, mentions), describes=describes_one(tokens, mentions),
            singular=singular, slots=tuple(dict.fromkeys(self.concept_slots[t] for t in tokens if t in self.concept_slots)),
            detail=Detail.LONG if MORE_WORDS & set(tokens) else Detail.SHORT,
            pick=pick, reading=reading, pieces=pieces, evidence=evidence)

    def score(self, masked: Iterable[str], mentions: tuple[Mention, ...] = (), factor: float = 1.0,
              limit: int = 5) -> list[Candidate]:
        """The `limit` best intents for one masked reading. Examples are found through the
        question's distinctive words only; common words (function words, and words in a large
        share of the examples) then add to the examples already found. So the cost follows the
        examples that share a telling word with the question, not the size of the data."""
        best: dict[str, tuple[float, int]] = {}
        for position, score in self.similarities(masked).items():
            name = self.examples[position].intent
            if name not in best or score > best[name][0]:
                best[name] = (score, position)
        gap = next((m.gap for m in mentions if m.gap), None)
        candidates: list[Candidate] = []
        for score, position in sorted(best.values(), reverse=True):
            example = self.examples[position]
            intent = self.content.intents[example.intent]
            items = self._slot_items(intent, mentions)
            if intent.slot and not items:
                continue  # a slot intent needs the question to name an item of its category
            candidates.append(Candidate(intent.name, min(1.0, score * factor), example.text, items, gap))
            if len(candidates) == limit:
                break
        return candidates

    def similarities(self, masked: Iterable[str]) -> dict[int, float]:
        """Cosine similarity of masked tokens to every example that shares a telling word with
        them, by example index: the one similarity the matcher ranks by and `validate` checks
        examples with."""
        tokens = sorted(set(masked))  # summed in one order: the same scores whatever the hash seed
        weights = {t: self.idf.get(t) or self._unknown(t) for t in tokens}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        telling = [t for t in tokens if t in self.index and t not in self.common]
        dots: dict[int, float] = defaultdict(float)
        for token in telling or tokens:
            weight = weights[token] ** 2
            for position in self.index.get(token, ()):
                dots[position] += weight
        function_words = [(t, weights[t] ** 2) for t in tokens if t in self.common and t in self.index] \
            if telling else []
        scores = {}
        for position, dot in dots.items():
            example = self.examples[position]
            dot += sum(w for t, w in function_words if t in example.tokens)
            scores[position] = dot / (norm * example.norm)
        return scores

    def _unknown(self, token: str) -> float:
        """The weight of a word no example uses: it pulls the question away from every intent, more
        the rarer it is (a common English word the guide never uses says little: "son", "really")."""
        if token in STOP_WORDS:
            return self.tuning.stop_weight
        floor = self.tuning.common_word_weight
        return self.unknown_weight * (floor + (1 - floor) * rarity(token) ** 2)

    def _slot_items(self, intent: Intent, mentions: tuple[Mention, ...]) -> tuple[str, ...]:
        """The items the question names that can fill the intent's slot, in order."""
        if not intent.slot:
            return ()
        category_of = self.lexicon.item_category
        return tuple(dict.fromkeys(i for m in mentions for i in m.items if category_of[i] == intent.slot))

    def _interpretations(self, reading: Reading) -> list[tuple[tuple[str, ...], tuple[Mention, ...], float]]:
        """The masked question once per reading of an ambiguous mention: a phrase naming items of
        two categories is scored both ways, and the better reading wins. Readings other than the
        first (the category that comes first in the guide's order) count a little less, so that a plain
        "teamwork skills" means the skill, and only "teamwork skills in general" the related article."""
        variants: list[tuple[list[Mention], float]] = [([], 1.0)]
        for mention in self._with_linked(reading):
            categories = list(dict.fromkeys(self.lexicon.item_category[i] for i in mention.items))
            if len(categories) <= 1 or len(variants) >= 4:
                variants = [(kept + [mention], weight) for kept, weight in variants]
                continue
            variants = [
                (kept + [replace(mention, token=sentinel(category), category=category,
                                 items=tuple(i for i in mention.items if self.lexicon.item_category[i] == category))],
                 weight * (1.0 if rank == 0 else self.tuning.alternative_reading))
                for kept, weight in variants for rank, category in enumerate(categories)
            ]
        if len(variants) == 1:
            return [(reading.masked, reading.mentions, 1.0)]
        return [(self.lexicon.mask(reading.tokens, tuple(kept)), tuple(kept), weight) for kept, weight in variants]

    def _with_linked(self, reading: Reading) -> tuple[Mention, ...]:
        """The mentions, each also naming its linked item of a slot a word of the question points at:
        "stock control in general" may be the related article on inventory management."""
        slots = {self.concept_slots[t] for t in reading.tokens if t in self.concept_slots}
        if not slots:
            return reading.mentions
        items, category_of = self.content.items, self.lexicon.item_category
        mentions = []
        for mention in reading.mentions:
            named = set(mention.items)
            linked = [i for item in mention.items for i in items[item].see_also
                      if category_of.get(i) in slots and i not in named]
            if linked and not any(category_of.get(i) in slots for i in named):
                mention = replace(mention, items=(*mention.items, *dict.fromkeys(linked)), category=None)
            mentions.append(mention)
        return tuple(mentions)


def piece_weights(text: str, pieces: list[str], tuning: Tuning) -> list[float]:
    """How much each piece of a message counts (the whole message first). In a message of several
    sentences that asks something, the sentences that ask count fully, the whole message a little
    less (its other sentences may name topics it is not asking about: "I've read the duties
    already; what skills do I need?") and statements less again."""
    if len(pieces) == 1:
        return [1.0]
    if len(sentences(text)) <= 1:  # one sentence: its clauses count a little less than the whole
        opener = _after_first_word(text)
        return [1.0] + [1.0 if piece == opener else tuning.clause for piece in pieces[1:]]
    asking = [asks(piece) for piece in pieces]
    if not any(asking[1:]):
        return [1.0] + [tuning.statement if "?" in text else 1.0] * (len(pieces) - 1)
    return [tuning.whole_message] + [1.0 if ask else tuning.statement for ask in asking[1:]]


def _after_first_word(text: str) -> str:
    """The message without its first word: the piece `text.focus` makes of "So, what skills...?"."""
    return " ".join(text.split()[1:]).strip(" ,.!:;-")


def asks(piece: str) -> bool:
    """True for a sentence that asks something: it ends with "?" or opens as a question or request."""
    if piece.rstrip().endswith("?"):
        return True
    opening = " ".join(words(piece)[:4])
    return any(opening == opener or opening.startswith(opener + " ") for opener in QUESTION_OPENERS)


def _concept_slots(content: Content, concepts: dict[str, str]) -> dict[str, str]:
    """Concept word -> category, for concepts the examples of exactly one intent use, when that
    intent fills a slot ("{general}" only in related_topic's examples: general -> topics)."""
    users: dict[str, set[str]] = defaultdict(set)
    for intent in content.intents.values():
        for example in intent.examples:
            for name in template.names(example):
                if name in concepts:
                    users[concepts[name]].add(intent.name)
    return {word: content.intents[next(iter(names))].slot or "" for word, names in users.items()
            if len(names) == 1 and content.intents[next(iter(names))].slot}


def _mark(name: str, concepts: dict[str, str]) -> str:
    """What a `{placeholder}` in an example stands for (placeholders were checked at load)."""
    if name == "item":
        return SLOT_MARK
    if name == "gap":
        return GAP_MARK
    return concepts[name]
