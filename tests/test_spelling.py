"""Misspelt words are mended into the bot's vocabulary; real English words are left alone."""

from collections import Counter

import pytest

from chatbot.settings import Tuning
from chatbot.understanding.spelling import Speller, inflected

VOCABULARY = Counter({"skills": 5, "calibration": 2, "engineering": 3, "checking": 4, "inventory": 3,
                      "supervisors": 1, "quality": 6, "production": 5, "technician": 5, "what": 9})


@pytest.fixture(scope="module")
def speller():
    return Speller(VOCABULARY, Tuning())


@pytest.mark.parametrize("typed, meant", [
    ("enginering", "engineering"),      # one letter dropped
    ("invintory", "inventory"),         # one letter wrong
    ("skilz", "skills"),                # spelt by ear
    ("calibrashun", "calibration"),     # spelt by ear, far in letters
    ("supervisers", "supervisors"),     # looks like a form of "supervise", but one edit from a known word
])
def test_misspellings_are_mended_to_the_word_meant(speller, typed, meant):
    assert speller.correct(typed) == meant


@pytest.mark.parametrize("word", ["clock", "clocking", "planned", "checks", "shoddy"])
def test_a_real_word_or_a_form_of_one_is_never_turned_into_another(speller, word):
    assert speller.correct(word) == word


def test_words_run_together_are_split_into_real_words(speller):
    assert speller.correct("whatproductiontechnician") == "what production technician"


def test_a_word_is_not_split_into_fragments_that_are_not_words(speller):
    assert speller.correct("specialism") == "specialism"


def test_inflected_forms_are_recognised_from_their_base_word():
    assert inflected("clocking") and inflected("planned") and inflected("boxes")
    assert not inflected("controll") and not inflected("qlty")


def test_text_speak_reaches_the_right_answer(bot):
    from chatbot import Conversation

    reply = bot.ask("wot skilz do u need 4 dis job", Conversation())
    assert reply.intent == "list_skills"
