"""The ranking of intents for a question."""

import pytest


@pytest.fixture(scope="module")
def matcher(bot):
    return bot.matcher


def best(matcher, text, **options):
    return matcher.match(text, **options)[1][0]


def test_the_best_intent_comes_first_with_a_score_in_0_1(matcher):
    _, candidates = matcher.match("what skills do i need")
    assert candidates[0].intent.name == "list_skills"
    assert all(0.0 <= c.score <= 1.0 for c in candidates)
    assert [c.score for c in candidates] == sorted((c.score for c in candidates), reverse=True)
    assert len({c.intent.name for c in candidates}) == len(candidates) <= 5


def test_a_slot_intent_needs_an_item_named(matcher):
    names = [c.intent.name for c in matcher.match("what does it involve")[1]]
    assert "explain_duty" not in names and "explain_step" not in names


def test_slots_are_filled_from_the_knowledge_base_in_order(matcher):
    candidate = best(matcher, "tell me about maths and teamwork")
    assert candidate.intent.name == "explain_skill"
    assert candidate.items[:2] == ("skill.maths", "skill.teamwork")
    assert candidate.example == "tell me about {item}"


def test_a_phrase_naming_two_items_is_scored_both_ways_the_first_category_winning_ties(matcher):
    assert best(matcher, "teamwork").items[0] == "skill.teamwork"
    assert best(matcher, "teamwork tips in general").items[0] == "topic.teamwork-skills"


def test_a_named_gap_rides_along(matcher):
    candidate = best(matcher, "what is the salary")
    assert candidate.intent.name == "not_covered" and candidate.gap == "pay"


def test_a_long_message_is_also_read_sentence_by_sentence(matcher):
    text = ("I have worked in a shop for years and I'm bored. My uncle works in a plant. "
            "How would I go about becoming a production technician?")
    assert best(matcher, text).intent.name == "list_steps"


def test_a_greeting_inside_a_longer_message_is_not_its_point(matcher):
    assert best(matcher, "good evening. what skills would my son need for this job?").intent.name == "list_skills"


def test_unknown_words_pull_a_question_down(matcher):
    known, unknown = best(matcher, "what skills do i need"), best(matcher, "what skills do i need zorblax quuxly")
    assert unknown.score < known.score


def test_common_words_do_not_find_examples_on_their_own(matcher):
    assert "what" in matcher.common and "is" in matcher.common
    assert "skill" not in matcher.common


def test_empty_text_ranks_nothing_and_does_not_fail(matcher):
    reading, candidates = matcher.match("")
    assert reading.tokens == () and candidates == []
