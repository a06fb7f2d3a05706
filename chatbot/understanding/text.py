"""Turn any text into the canonical tokens the matcher compares: one normalizer for everything.

Questions, intent examples and knowledge synonyms all pass through `normalize`, so spelling
variants meet in one form: case and accents folded, contractions expanded, British spelling made
American, number words and ordinals made digits ("third" -> "3rd"), plurals and verb endings
trimmed ("duties" -> "duty", "testing" -> "test").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..content.yamlfile import Loader

WORD = re.compile(r"[a-z0-9]+")
REPEATS = re.compile(r"([a-z])\1{2,}")
"""Three or more of a letter are one: "heyyy" is "hey", "pleeease" is "please"."""
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})

SUFFIXES = [("n't", " not"), ("'re", " are"), ("'ve", " have"), ("'ll", " will"), ("'m", " am"),
            ("'d", " would"), ("'s", "")]
ORDINAL = re.compile(r"^(\d{1,6})(st|nd|rd|th)$")


def _table() -> dict[str, Any]:
    """english.yaml: how people write English words (text-speak, spellings, numbers), as data."""
    text = Path(__file__).with_name("english.yaml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=Loader)  # noqa: S506 - the safe loader: plain values only


TABLE = _table()
EXPANSIONS: dict[str, str] = {str(k): str(v) for k, v in TABLE["expansions"].items()}
"""Whole tokens (after apostrophes are unified) that stand for several words."""
WORDS: dict[str, str] = {str(k): str(v) for k, v in TABLE["words"].items()}
"""Single words with a canonical form: text-speak, British spelling, numbers and ordinals."""
FILLERS = frozenset(TABLE["fillers"])
"""Tokens that mean nothing in a question ("lol", "ngl"): dropped."""
KEEP_AS_IS = frozenset(TABLE["keep_as_is"])
"""Words the stemmer leaves alone."""
OPENERS = frozenset(TABLE["openers"])
"""Words a message may open with before its question."""


@lru_cache(maxsize=16384)
def canonical_word(word: str) -> str:
    """The canonical spelling of one lower-case word (not yet stemmed)."""
    word = WORDS.get(word, word)
    match = ORDINAL.match(word)
    if match:
        number = int(match.group(1))
        return f"{number}{_ordinal_suffix(number)}"
    return word


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """Trim plural and verb endings so that forms of one word compare equal; leaves short words alone."""
    if word in KEEP_AS_IS or len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("ing") and len(word) >= 6:
        base = word[:-3]
        return base[:-1] if len(base) > 3 and base[-1] == base[-2] and base[-1] not in "ls" else base
    if word.endswith("ied") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ed") and len(word) >= 6:
        base = word[:-2]
        return base[:-1] if len(base) > 3 and base[-1] == base[-2] and base[-1] not in "ls" else base
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("e") and len(word) > 4 and not word.endswith("ee"):
        return word[:-1]
    return word


def _ordinal_suffix(number: int) -> str:
    if 10 <= number % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")


def fold(text: str) -> str:
    """Case-fold, strip accents and unify apostrophes and odd spaces: the first pass over raw text."""
    if text.isascii():  # nothing to decompose (most text): skip the Unicode passes
        return REPEATS.sub(r"\1", text.replace("`", "'").lower())
    text = unicodedata.normalize("NFKD", text.translate(APOSTROPHES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return REPEATS.sub(r"\1", unicodedata.normalize("NFKC", text).casefold())


@lru_cache(maxsize=16384)
def normalize(text: str) -> tuple[str, ...]:
    """The canonical, stemmed tokens of `text` (cached: loading normalizes each phrase more than once)."""
    return tuple(stem(word) for word in words(text))


@lru_cache(maxsize=16384)
def words(text: str) -> tuple[str, ...]:
    """The canonical words of `text`, before stemming (the typo corrector works on these)."""
    text = fold(text).replace("&", " and ").replace("#", " number ")
    tokens: list[str] = []
    for raw in text.split():
        raw = raw.strip(".,!?;:()[]{}\"'-_/*")
        expanded = EXPANSIONS.get(raw)
        if expanded is None and "'" in raw:
            for suffix, replacement in SUFFIXES:
                if raw.endswith(suffix):
                    raw = raw[: -len(suffix)] + replacement
                    break
        if expanded is None:
            expanded = raw
        tokens.extend(canonical_word(word) for word in WORD.findall(expanded) if word not in FILLERS)
    return tuple(tokens)


SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
CLAUSE_BREAK = re.compile(r"[.!?;,:]+\s|\s(?:but|so|anyway)\s")


def sentences(text: str) -> list[str]:
    """The sentences of a message that have two words or more."""
    return [p.strip() for p in SENTENCE_BREAK.split(text) if len(p.split()) >= 2]


def focus(text: str, max_sentences: int = 4) -> list[str]:
    """The text, then its sentences and last clause when it has several: people who ramble, or
    who lead in with "ok, back to the job,", put the actual question in one of them."""
    found = sentences(text)
    clauses = [p for p in CLAUSE_BREAK.split(text.strip().rstrip(".!?") + " ") if p.strip()]
    pieces = [text]
    first, _, rest = text.strip().partition(" ")
    if first.strip(",.!:;-").lower() in OPENERS and len(rest.split()) >= 2:
        pieces.append(rest.strip(" ,.!:;-"))  # "yo whats a production technician"
    if len(found) > 1:
        # The questions first, then the last sentence (where a question usually is), then the rest.
        ranked = sorted(range(len(found)), key=lambda i: (not found[i].endswith("?"), i != len(found) - 1, i))
        pieces.extend(found[i] for i in sorted(ranked[:max_sentences]))
    if len(clauses) > 1:
        tail = clauses[-1] if len(clauses[-1].split()) >= 3 else clauses[-2] + " " + clauses[-1]
        pieces.append(tail.strip())
        pieces.append(clauses[0].strip())  # "Goodbye, I'll come back when my son has more questions"
    return list(dict.fromkeys(p for p in pieces if p))


# Function words (in stemmed form): they carry little meaning, so the matcher weighs them lightly.
STOP_WORDS = frozenset(normalize(
    "a an the and or but if of to in on at by for with from about as into onto than then so "
    "i me my mine you your yours we our us they them their he she him her it its this that these those "
    "is are was were be been being am do does did doing have has had having will would can could "
    "shall should may might must just really actually basically also too very quite pretty some any "
    "all there here please ok okay well like get got again exactly now cool right fine sure hmm um "
    "yeah yep oh lol great alright anyway still even"
))
