"""The dialogue policy: which rule decides a question, seen through the replies and their traces."""

from __future__ import annotations

import pytest

from chatbot import Chatbot, Conversation
from chatbot.dialogue.policy import Rule


@pytest.fixture()
def chat(bot: Chatbot):
    conversation = Conversation()

    def say(text: str):
        return bot.ask(text, conversation, trace=True)

    return say


def rule(reply) -> Rule:
    return reply.trace.decision.rule


def test_a_move_anchored_on_a_name_steps_from_that_item(chat) -> None:
    chat("what are the duties")
    reply = chat("the one ahead of inventory")
    assert reply.item == "duty.improvements" and rule(reply) is Rule.MOVE
    assert chat("and the one before that?").item == "duty.records"
    assert chat("what comes after certification").item == "step.production-stages"
    assert chat("what precedes it").item == "step.certification"


def test_a_move_past_the_end_of_a_list_says_so(chat) -> None:
    reply = chat("what comes after finding a job in the field")
    assert reply.intent == "end_of_list" and "last of the steps" in reply.text


def test_a_move_is_not_read_into_a_question_about_something_else(chat) -> None:
    assert chat("should i volunteer somewhere before i start applying").item == "step.experience"


def test_a_question_pointing_back_is_about_the_current_item_in_detail(bot: Chatbot, chat) -> None:
    chat("do i need to be certified")
    reply = chat("who hands those out?")
    assert reply.item == "step.certification"
    assert reply.body.endswith(bot.content.item("step.certification").long)
    assert chat("where do production technicians work?").item == "role.workplaces"  # a new question wins


def test_a_list_named_in_a_follow_up_is_shown_as_a_list(chat) -> None:
    chat("what skills do i need")
    chat("the third one")
    assert chat("and the duties?").intent == "list_duties"
    chat("number 4")
    assert chat("back to the skills please").intent == "list_skills"
    assert chat("the last one").item == "skill.motor"


def test_an_unsure_reply_offers_its_best_guesses(bot: Chatbot) -> None:
    reply = bot.ask("the stuff with the measuring bits")
    assert reply.fallback and reply.body.startswith("I'm not sure I understood that. Did you mean: ")
    assert reply.suggestions and not any(bot.ask(s).fallback for s in reply.suggestions)
    nothing = bot.ask("zorblax quux")
    assert "Did you mean" not in nothing.text and bot.content.guide.covers in nothing.text
    assert nothing.suggestions[0] == bot.content.guide.starters[0]


def test_a_question_naming_one_item_is_answered_about_it_below_the_threshold(bot: Chatbot) -> None:
    reply = bot.ask("should i understand the whole journey from raw stuff to packaged goods?", trace=True)
    assert reply.item == "step.production-stages" and not reply.fallback
    assert rule(reply) in (Rule.ANSWER, Rule.NAMED)


def test_an_item_described_without_its_name_is_found_by_its_own_words(bot: Chatbot) -> None:
    reply = bot.ask("is it on me to notice when the bins of bolts are running low?", trace=True)
    assert reply.item == "duty.inventory"
    assert reply.confidence < 0.8  # found by evidence: never a confident answer
