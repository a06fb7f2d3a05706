"""Recognise what a question talks about: knowledge items, categories, concepts and known gaps.

A `Lexicon` maps phrases (normalized token runs) to symbols. `read` corrects typos against the
known vocabulary (rapidfuzz, once per unseen word), then finds mentions longest-first, and
returns the question as the tokens the matcher scores: each item mention replaced by the
sentinel of its category (so "what does maths involve" reads "what doe involv SKILLS").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..content.model import Content
from ..settings import Tuning
from .parse import Mention, Reading
from .spelling import Speller
from .text import STOP_WORDS, normalize, stem, words

MAX_PHRASE = 7
POSITION_WORDS = {"number", "no", "num", "nr", "item", "option"}
LAST_WORDS = {"last", "final"}
PLACE_NOUNS = {"one", "thing", "item", "option", "point", "entry"}
BARE_NUMBER_FRAME = {"and", "what", "about", "then", "ok", "so", "now", "number", "no"}
"""The words a bare number may come with and still pick from the list in view ("and 8?")."""
"""Words an ordinal can go with and still pick from the list in view ("the second thing on the list")."""


def sentinel(category: str) -> str:
    """The token that stands for 'some item of this category' in masked text (upper case never
    occurs in normalized text, so it cannot collide with a word)."""
    return category.upper()


def item_token(item_id: str) -> str:
    """The token an item of an itemized category reads as ("@role.names")."""
    return "@" + item_id


GAP = "GAP"
PLACE = "PLACE"
"""The token of a place in a list when no list is in view ("the third one" before any list)."""


@dataclass
class Lexicon:
    """Phrase table plus vocabulary, built once at load time."""

    concepts: dict[tuple[str, ...], str] = field(default_factory=dict)
    """Phrase -> concept word: read first, so that entity phrases are matched on canonical words."""
    concept_starts: dict[str, int] = field(default_factory=dict)
    """First word of a concept phrase -> the longest such phrase (so most words are passed at once)."""
    phrases: dict[tuple[str, ...], Mention] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    """Category word (normalized) -> category name, for "the third skill"."""
    category_sizes: dict[str, int] = field(default_factory=dict)
    items_by_position: dict[tuple[str, int], str] = field(default_factory=dict)
    item_category: dict[str, str] = field(default_factory=dict)
    itemized: set[str] = field(default_factory=set)
    """Categories whose items are masked as themselves rather than as their category."""
    vocabulary: Counter[str] = field(default_factory=Counter)
    """Every word of the data, with how often it occurs (a typo is mended to the commoner word)."""

    @staticmethod
    def key(phrase: str) -> tuple[str, ...]:
        """The tokens a phrase is stored under (normalized, without articles)."""
        return _without_articles(normalize(phrase))

    def add_concept(self, phrase: str, word: str) -> None:
        """Read `phrase` as the single word `word` (add every concept before any entity)."""
        key = self.key(phrase)
        self.vocabulary.update(words(phrase))
        if key and key != (word,):
            self.concepts.setdefault(key, word)
            self.concept_starts[key[0]] = max(self.concept_starts.get(key[0], 0), len(key))

    def canonical(self, tokens: tuple[str, ...]) -> tuple[str, ...]:
        """Replace concept phrases by their word, longest first; twice, since one replacement can
        complete another phrase (a concept phrase written with "technician" also matches a
        question that said "production tech")."""
        for _ in range(2):
            out: list[str] = []
            i = 0
            while i < len(tokens):
                longest = self.concept_starts.get(tokens[i], 0)
                for length in range(min(longest, len(tokens) - i), 0, -1):
                    word = self.concepts.get(tokens[i:i + length])
                    if word is not None:
                        out.append(word)
                        i += length
                        break
                else:
                    out.append(tokens[i])
                    i += 1
            if tuple(out) == tokens:
                break
            tokens = tuple(out)
        return tokens

    def add(self, phrase: str, mention: Mention) -> None:
        """Map `phrase` to `mention`; a phrase naming two items keeps both (it is ambiguous)."""
        key = self.canonical(self.key(phrase))
        if not key:
            return
        self.vocabulary.update(words(phrase))
        existing = self.phrases.get(key)
        if existing is not None and existing.items and mention.items:
            items = existing.items + tuple(i for i in mention.items if i not in existing.items)
            same = existing.category == mention.category
            mention = Mention(0, 0, existing.token, items, category=existing.category if same else None)
        elif existing is not None:
            return
        self.phrases[key] = mention

    def freeze(self, tuning: Tuning) -> None:
        """Finish building: the typo corrector learns the vocabulary."""
        self.speller = Speller(self.vocabulary, tuning)

    def read(self, text: str, *, in_view: str | None) -> Reading:
        """Correct, find mentions, mask. Bare positions ("the third one") read the list `in_view`."""
        return self.read_words(words(text), in_view=in_view)

    def read_words(self, found: tuple[str, ...], *, in_view: str | None) -> Reading:
        """`read`, from the text's words (see `text.words`)."""
        tokens: list[str] = []
        corrections: list[tuple[str, str]] = []
        for word in found:
            fixed = self.speller.correct(word)
            if fixed != word:
                corrections.append((word, fixed))
            tokens.extend(stem(part) for part in (words(fixed) if " " in fixed else (fixed,)))
        plain = tuple(tokens)
        tokens = list(self.canonical(_without_articles(plain)))
        mentions = tuple(self._find(tuple(tokens), in_view))
        return Reading(tuple(tokens), self.mask(tuple(tokens), mentions), mentions, tuple(corrections), plain)

    def mask(self, tokens: tuple[str, ...], mentions: tuple[Mention, ...]) -> tuple[str, ...]:
        """The tokens with each mention replaced by its symbol. A category word whose category has
        an item named in the question is dropped: in "is maths an important skill", "skill" only
        says what maths is."""
        named = {m.category for m in mentions if m.items}
        masked: list[str] = []
        index = 0
        for mention in sorted(mentions, key=lambda m: m.start):
            masked.extend(tokens[index:mention.start])
            index = mention.end
            if mention.items and mention.category in self.itemized and len(mention.items) == 1:
                masked.append(item_token(mention.items[0]))
            elif mention.items or mention.gap or self.categories.get(mention.token) not in named:
                masked.append(mention.token)
        masked.extend(tokens[index:])
        return tuple(masked)

    def _find(self, tokens: tuple[str, ...], in_view: str | None) -> list[Mention]:
        """The mentions that together cover the most words, and of two such readings the one with
        fewer, longer phrases: so "what is the career progression" reads the gap "career
        progression", not a phrase that happens to start earlier ("what is the job")."""
        n = len(tokens)
        starting = [self._mentions_at(tokens, i, in_view) for i in range(n)]
        best: list[tuple[int, int, list[Mention]]] = [(0, 0, [])] * (n + 1)  # (covered, -phrases, mentions)
        for i in range(n - 1, -1, -1):
            skip = best[i + 1]
            choice = None
            for mention in starting[i]:  # longest first: of two equal readings, the longer phrase
                covered, count, rest = best[mention.end]
                option = (covered + mention.end - mention.start, count - 1, [mention, *rest])
                if choice is None or option[:2] > choice[:2]:
                    choice = option
            # Of two equal readings, the one that starts here: the leftmost phrase, as people read.
            best[i] = choice if choice is not None and choice[:2] >= skip[:2] else skip
        return best[0][2]

    def _mentions_at(self, tokens: tuple[str, ...], i: int, in_view: str | None) -> list[Mention]:
        """Every mention that can start at token `i`: a place in a list, and phrases of every length."""
        found = []
        place = self._position_at(tokens, i, in_view)
        if place is not None:
            found.append(place)
        for length in range(min(MAX_PHRASE, len(tokens) - i), 0, -1):
            mention = self.phrases.get(tokens[i:i + length])
            if mention is not None:
                found.append(Mention(i, i + length, mention.token, mention.items, mention.gap, mention.category))
        return found

    def _phrase_at(self, tokens: tuple[str, ...], i: int) -> Mention | None:
        for length in range(min(MAX_PHRASE, len(tokens) - i), 0, -1):
            mention = self.phrases.get(tokens[i:i + length])
            if mention is not None:
                return Mention(i, i + length, mention.token, mention.items, mention.gap, mention.category)
        return None

    def _position_at(self, tokens: tuple[str, ...], i: int, in_view: str | None) -> Mention | None:
        """ "step 3", "step number 3", "3rd step", "the third one", "third", "last step"."""
        token = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        category = self.categories.get(token)
        if category is not None:
            j = i + 1 + (nxt in POSITION_WORDS)
            named = _place(tokens[j], allow_cardinal=True) if j < len(tokens) else None
            return self._at_position(i, j + 1, category, named) if named is not None else None
        place = _place(token, allow_cardinal=False)
        if token in POSITION_WORDS and nxt.isdigit() and len(nxt) <= 6:
            return self._at_position(i, i + 2, in_view, int(nxt), implied=True)
        alone = all(t in BARE_NUMBER_FRAME for n, t in enumerate(tokens) if n != i)  # "8", "and 8?"
        if place is None and not (token.isdigit() and len(token) <= 6 and alone):
            return None
        place = place if place is not None else int(token)
        if nxt == "1" and not token.isdigit():
            nxt = "one"  # text-speak: "the 2nd 1"
        if nxt in self.categories:
            return self._at_position(i, i + 2, self.categories[nxt], place)
        if token in LAST_WORDS and nxt != "one" and len(tokens) > 2:  # "the last one" or "the last" picks;
            return None  # "last" in a longer question is too common
        if nxt and nxt not in PLACE_NOUNS and nxt not in STOP_WORDS and not token.isdigit():
            return None  # "my first trip", "a second interview": an ordinal of something else
        if nxt == "of" and tokens[i + 2:i + 3] == ("all",):
            return None  # "first of all"
        end = i + 2 if nxt == "one" and not token.isdigit() else i + 1  # "third one" is one mention
        return self._at_position(i, end, in_view, place, implied=True)

    def _at_position(self, start: int, end: int, category: str | None, place: int, *, implied: bool = False) -> Mention:
        if category is None:  # "the third one" with no list in view: a place in nothing yet
            return Mention(start, end, PLACE, (), position=place, implied=True)
        size = self.category_sizes.get(category, 0)
        index = size if place == -1 else place
        item = self.items_by_position.get((category, index))
        return Mention(start, end, sentinel(category), (item,) if item else (), category=category,
                       position=place, implied=implied)


ARTICLES = frozenset({"a", "an", "the", "my", "your", "their", "our", "his", "her"})


def _without_articles(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Articles and possessives never change what a phrase names ("check the raw materials" =
    "check raw materials", "good with my hands" = "good with your hands")."""
    return tuple(t for t in tokens if t not in ARTICLES)


def _place(token: str, *, allow_cardinal: bool) -> int | None:
    """The list place a token names: "3rd" -> 3, "last" -> -1, and "3" where cardinals count."""
    if token in LAST_WORDS:
        return -1
    if token[:-2].isdigit() and len(token) <= 8 and token[-2:] in ("st", "nd", "rd", "th"):
        return int(token[:-2])
    if allow_cardinal and token.isdigit() and len(token) <= 2:
        return int(token)
    if allow_cardinal and token == "one":
        return 1
    return None


def build_lexicon(content: Content, tuning: Tuning) -> Lexicon:
    """Every phrase the bot recognises: concepts first (they canonicalise words), then item
    synonyms, gaps and the words for the lists people ask for (a word like "role" is too common
    in questions about anything to name its category, so only categories with a list intent
    have category words)."""
    lexicon = Lexicon()
    lists = [content.categories[name] for name in content.lists]
    # A phrase that names an item, a gap or a list is never swallowed by a concept.
    phrases = [p for c in content.categories.values() for i in c.items for p in i.synonyms]
    phrases += [p for g in content.gaps.values() for p in g.synonyms]
    phrases += [p for c in lists for p in (c.name, *c.synonyms)]
    entity_phrases = {lexicon.key(p) for p in phrases}
    for concept, synonyms in content.vocabulary.concepts.items():
        word = concept_token(concept)
        for phrase in (concept, *synonyms):
            if lexicon.key(phrase) not in entity_phrases:
                lexicon.add_concept(phrase, word)
    for category in content.categories.values():
        for item in category.items:
            for phrase in (item.title, *item.synonyms):
                lexicon.add(phrase, Mention(0, 0, sentinel(category.name), (item.id,), category=category.name))
            lexicon.items_by_position[(category.name, item.position)] = item.id
            lexicon.item_category[item.id] = category.name
        lexicon.category_sizes[category.name] = len(category.items)
    for gap in content.gaps.values():
        for phrase in gap.synonyms:
            lexicon.add(phrase, Mention(0, 0, GAP, gap=gap.id))
    for category in lists:
        word = concept_token(category.name)
        for phrase in (category.name, *category.synonyms):
            lexicon.add(phrase, Mention(0, 0, word))
            key = lexicon.canonical(lexicon.key(phrase))
            if len(key) == 1:
                lexicon.categories.setdefault(key[0], category.name)
    return lexicon


def concept_token(name: str) -> str:
    """The single token a concept (or a category named as a word) reads as: "list_the"."""
    return "_".join(normalize(name))
