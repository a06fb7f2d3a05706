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

WORD = re.compile(r"[a-z0-9]+")
REPEATS = re.compile(r"([a-z])\1{2,}")
"""Three or more of a letter are one: "heyyy" is "hey", "pleeease" is "please"."""
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})

# Whole words (after apostrophes are normalised) that stand for more than one word.
EXPANSIONS = {
    "what's": "what is", "whats": "what is", "wats": "what is", "it's": "it is", "that's": "that is",
    "thats": "that is", "there's": "there is", "who's": "who is", "whos": "who is", "where's": "where is",
    "wheres": "where is", "how's": "how is", "hows": "how is", "let's": "let us", "lets": "let us",
    "can't": "can not", "cant": "can not", "cannot": "can not", "won't": "will not", "wont": "will not",
    "dont": "do not", "doesnt": "does not", "didnt": "did not", "isnt": "is not", "arent": "are not",
    "im": "i am", "ive": "i have", "youre": "you are", "theyre": "they are", "wanna": "want to",
    "gonna": "going to", "2b": "to be", "gotta": "got to", "tl;dr": "summary", "tldr": "summary",
}
SUFFIXES = [("n't", " not"), ("'re", " are"), ("'ve", " have"), ("'ll", " will"), ("'m", " am"),
            ("'d", " would"), ("'s", "")]

# Single words with a canonical form: text-speak, British spelling, numbers and ordinals.
WORDS = {
    "u": "you", "ya": "you", "r": "are", "ur": "your", "wat": "what", "wot": "what", "wht": "what",
    "wut": "what", "hw": "how", "abt": "about", "bout": "about", "pls": "please", "plz": "please",
    "thx": "thanks", "thnx": "thanks", "ty": "thanks", "tnx": "thanks", "cuz": "because", "coz": "because",
    "b4": "before", "2day": "today", "n": "and", "da": "the", "teh": "the", "dat": "that", "wif": "with",
    "in2": "into", "whr": "where", "quals": "qualifications", "mgmt": "management", "mfg": "manufacturing",
    "reqs": "requirements", "req": "requirement", "info": "information", "govt": "government",
    "wer": "where", "wrk": "work", "wk": "work", "sum1": "someone", "ppl": "people",
    "bc": "because", "tho": "though", "dis": "this", "jus": "just", "gud": "good", "skil": "skill",
    "maths": "math", "analyse": "analyze", "analysing": "analyzing", "analysed": "analyzed",
    "behaviour": "behavior", "organisation": "organization", "organisations": "organizations",
    "programme": "program", "colour": "color", "centre": "center", "labour": "labor",
    "licence": "license", "practise": "practice", "specialise": "specialize", "organise": "organize",
    "recognise": "recognize", "favourite": "favorite", "travelling": "traveling", "modelling": "modeling",
    "optimise": "optimize", "prioritise": "prioritize", "summarise": "summarize", "realise": "realize",
    "defence": "defense", "enrol": "enroll", "judgement": "judgment", "fibre": "fiber", "metre": "meter",
    "aluminium": "aluminum", "tyre": "tire", "grey": "gray", "mould": "mold", "cheque": "check",
    "b": "be", "prereq": "prerequisite", "prereqs": "prerequisites", "nxt": "next", "nd": "and",
    "k": "ok", "kk": "ok", "prev": "previous",
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10",
    "first": "1st", "second": "2nd", "third": "3rd", "fourth": "4th", "fifth": "5th", "sixth": "6th",
    "seventh": "7th", "eighth": "8th", "ninth": "9th", "tenth": "10th", "fith": "5th", "forth": "4th",
    "1rst": "1st", "3nd": "3rd",
}
ORDINAL = re.compile(r"^(\d{1,6})(st|nd|rd|th)$")
KEEP_AS_IS = {"is", "was", "has", "this", "yes", "us", "its", "his", "does", "less", "process", "analysis",
              "basis", "thus", "always", "status", "bus", "plus", "gas", "news", "series", "species",
              "sometimes", "perhaps", "thing", "things", "during", "bring", "anything", "something",
              "everything", "nothing", "morning", "evening", "spring", "string", "king", "ring", "sing",
              "need", "speed", "feed", "seed", "indeed", "red", "bed", "shed"}


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
        if expanded is None:
            for suffix, replacement in SUFFIXES:
                if raw.endswith(suffix):
                    raw = raw[: -len(suffix)] + replacement
                    break
            expanded = raw
        tokens.extend(canonical_word(word) for word in WORD.findall(expanded))
    return tuple(tokens)


SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
CLAUSE_BREAK = re.compile(r"[.!?;,:]+\s|\s(?:but|so|anyway)\s")


def focus(text: str, max_sentences: int = 4) -> list[str]:
    """The text, then its sentences and last clause when it has several: people who ramble, or
    who lead in with "ok, back to the job,", put the actual question in one of them."""
    sentences = [p.strip() for p in SENTENCE_BREAK.split(text) if len(p.split()) >= 2]
    clauses = [p for p in CLAUSE_BREAK.split(text.strip().rstrip(".!?") + " ") if p.strip()]
    pieces = [text]
    if len(sentences) > 1:
        pieces.extend(sentences[:max_sentences])
    if len(clauses) > 1:
        tail = clauses[-1] if len(clauses[-1].split()) >= 3 else clauses[-2] + " " + clauses[-1]
        pieces.append(tail.strip())
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
