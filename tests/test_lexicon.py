import pytest


class Reader:
    """The bundled lexicon, reading with the steps in view unless told otherwise."""

    def __init__(self, lexicon):
        self.lexicon = lexicon

    def read(self, text, in_view="steps"):
        return self.lexicon.read(text, in_view=in_view)


@pytest.fixture(scope="module")
def lexicon(bot):
    return Reader(bot.matcher.lexicon)


def test_item_synonyms_are_found_and_masked_by_category(lexicon):
    reading = lexicon.read("why is maths important")
    assert [m.items for m in reading.mentions if m.items] == [("skill.maths",)]
    assert "SKILLS" in reading.masked


def test_typos_are_corrected_against_the_vocabulary(lexicon):
    reading = lexicon.read("certifcation")
    assert reading.mentions[0].items == ("step.certification",)
    assert ("certifcation", "certification") in reading.corrections


def test_real_english_words_are_not_corrected(lexicon):
    reading = lexicon.read("i was stuck in retail")
    assert reading.corrections == ()


@pytest.mark.parametrize("text, step", [
    ("step 3", "step.certification"),
    ("step three", "step.certification"),
    ("the third step", "step.certification"),
    ("3rd step", "step.certification"),
    ("step number 2", "step.experience"),
    ("third", "step.certification"),
    ("the last step", "step.job-search"),
])
def test_steps_by_number_or_ordinal(lexicon, text, step):
    mentions = lexicon.read(text).mentions
    assert mentions[0].items == (step,)


def test_a_bare_position_reads_against_the_list_in_view(lexicon):
    mention = lexicon.read("the second one", in_view="skills").mentions[0]
    assert mention.items == ("skill.communication",)
    assert mention.implied


def test_a_named_list_beats_the_list_in_view(lexicon):
    mention = lexicon.read("the 2nd duty", in_view="skills").mentions[0]
    assert mention.items == ("duty.quality-control",)
    assert not mention.implied


def test_longest_phrase_wins(lexicon):
    reading = lexicon.read("attention to detail")
    assert len(reading.mentions) == 1
    assert reading.mentions[0].items == ("skill.attention-to-detail",)


def test_gaps_are_recognised(lexicon):
    reading = lexicon.read("what is the salary")
    assert reading.mentions[0].gap == "pay"


def test_a_phrase_naming_two_items_keeps_both(lexicon):
    mention = lexicon.read("teamwork").mentions[0]
    assert set(mention.items) == {"skill.teamwork", "topic.teamwork-skills"}
