"""The ranking of intents for a question, and the parse the policy reads."""

import pytest

from chatbot.understanding.parse import Detail


@pytest.fixture(scope="module")
def matcher(bot):
    return bot.matcher


def parse(matcher, text, in_view="steps"):
    return matcher.parse(text, in_view=in_view)


def best(matcher, text, **options):
    return parse(matcher, text, **options).candidates[0]


def test_the_best_intent_comes_first_with_a_score_in_0_1(matcher):
    candidates = parse(matcher, "what skills do i need").candidates
    assert candidates[0].intent == "list_skills"
    assert all(0.0 <= c.score <= 1.0 for c in candidates)
    assert [c.score for c in candidates] == sorted((c.score for c in candidates), reverse=True)
    assert len({c.intent for c in candidates}) == len(candidates) <= 5


def test_a_slot_intent_needs_an_item_named(matcher):
    names = [c.intent for c in parse(matcher, "what does it involve").candidates]
    assert "explain_duty" not in names and "explain_step" not in names


def test_slots_are_filled_from_the_knowledge_base_in_order(matcher):
    candidate = best(matcher, "tell me about maths and teamwork")
    assert candidate.intent == "explain_skill"
    assert candidate.items[:2] == ("skill.maths", "skill.teamwork")
    assert candidate.example == "tell me about {item}"


def test_a_phrase_naming_two_items_is_scored_both_ways_the_first_category_winning_ties(matcher):
    assert best(matcher, "teamwork").items[0] == "skill.teamwork"
    assert best(matcher, "teamwork tips in general").items[0] == "topic.teamwork-skills"


def test_a_named_gap_rides_along(matcher):
    candidate = best(matcher, "what is the salary")
    assert candidate.intent == "not_covered" and candidate.gap == "pay"


def test_a_long_message_is_also_read_sentence_by_sentence(matcher):
    text = ("I have worked in a shop for years and I'm bored. My uncle works in a plant. "
            "How would I go about becoming a production technician?")
    result = parse(matcher, text)
    assert result.candidates[0].intent == "list_steps"
    assert len(result.pieces) >= 2


def test_a_greeting_inside_a_longer_message_is_not_its_point(matcher):
    assert best(matcher, "good evening. what skills would my son need for this job?").intent == "list_skills"


def test_unknown_words_pull_a_question_down(matcher):
    known, unknown = best(matcher, "what skills do i need"), best(matcher, "what skills do i need zorblax quuxly")
    assert unknown.score < known.score


def test_common_words_do_not_find_examples_on_their_own(matcher):
    assert "what" in matcher.common and "is" in matcher.common
    assert "skill" not in matcher.common


def test_empty_text_ranks_nothing_and_does_not_fail(matcher):
    result = parse(matcher, "")
    assert result.reading.tokens == () and result.candidates == ()


def test_the_parse_says_what_was_named_where_and_how_much_was_asked(matcher):
    result = parse(matcher, "tell me more about step 3")
    assert result.items == ("step.certification",)
    assert (result.place.category, result.place.number, result.place.item) == ("steps", 3, "step.certification")
    assert result.detail is Detail.LONG
    assert parse(matcher, "the third one", in_view="skills").place.item == "skill.maths"
    assert parse(matcher, "the third one", in_view="skills").place.implied
    assert parse(matcher, "the ninth step").place.item is None
    assert parse(matcher, "next skill").categories == ("skills",)
    assert parse(matcher, "the second").pick == 2 and parse(matcher, "1").pick == 1
    assert parse(matcher, "what skills do i need").detail is Detail.SHORT


def test_the_similarity_is_the_one_the_ranking_uses(matcher):
    example = next(e for e in matcher.examples if e.text == "what skills do i need")
    scores = matcher.similarities(example.tokens)
    assert scores[matcher.examples.index(example)] == pytest.approx(1.0)
