"""Follow-ups: context fills what a question leaves out, and never overrides a new question."""

import pytest

from chatbot import Conversation


@pytest.fixture()
def chat(bot):
    conversation = Conversation()

    def say(text):
        return bot.ask(text, conversation)

    say.conversation = conversation
    return say


def test_walking_the_steps(chat):
    assert chat("how do I become a production technician").intent == "list_steps"
    assert chat("the third one").item == "step.certification"
    assert chat("and the next step?").item == "step.production-stages"
    assert chat("go on").item == "step.job-search"
    end = chat("next")
    assert end.intent == "end_of_list" and "last" in end.text
    assert chat("previous one").item == "step.production-stages"


def test_tell_me_more_gives_the_longer_answer_of_the_current_item(chat):
    short = chat("what is step 2")
    more = chat("tell me more")
    assert more.item == short.item == "step.experience"
    assert len(more.text) > len(short.text)
    assert more.context == "more about step.experience"


def test_why_and_pronouns_use_the_current_item(chat):
    chat("what does quality control testing involve")
    assert chat("why is that important?").item == "duty.quality-control"
    chat("tell me about teamwork")
    assert chat("do i need it?").item == "skill.teamwork"


def test_a_bare_question_about_the_current_item_is_not_small_talk(chat):
    chat("tell me about teamwork")
    reply = chat("with who?")
    assert reply.item == "skill.teamwork" and reply.intent == "explain_skill"
    assert chat("who are you?").intent == "identity"


def test_small_talk_that_points_back_is_still_small_talk(chat):
    chat("what is step 3")
    assert chat("ok that's enough, bye").intent == "goodbye"
    chat("what is step 3")
    assert chat("thanks that's grand").intent == "thanks"


def test_a_text_speak_one_after_an_ordinal_picks_from_the_list(chat):
    chat("wat r the duties")
    assert chat("n the 2nd 1?").item == "duty.quality-control"
    assert chat("what's the step after certification").item == "step.production-stages"


def test_a_detail_of_the_current_item_stays_on_it_unless_the_question_names_another(chat):
    chat("tell me about communication skills")
    detail = chat("like reports?")
    assert detail.item == "skill.communication" and detail.context == "a detail of skill.communication"
    assert detail.confidence <= 0.75
    assert chat("what about teamwork?").item == "skill.teamwork"


def test_back_to_a_list_in_the_plural_is_the_list_even_from_one_of_its_items(chat):
    chat("what skills do I need")
    assert chat("the fifth").item == "skill.teamwork"
    assert chat("back to the skills please").intent == "list_skills"
    chat("the fifth")
    assert chat("the previous skill").item == "skill.problem-solving"


def test_picking_from_the_last_list(chat):
    chat("what skills do i need")
    assert chat("number 2").item == "skill.communication"
    chat("what are the duties")
    assert chat("the last one").item == "duty.inventory"


def test_switching_category_and_picking_by_name(chat):
    chat("what is step 1")
    assert chat("what about skills?").intent == "list_skills"
    assert chat("what about communication?").item == "skill.communication"
    assert chat("and duties?").intent == "list_duties"


def test_a_new_question_wins_over_context(chat):
    chat("what is step 2")
    assert chat("what does testing equipment involve").item == "duty.testing-equipment"
    assert chat("next").item == "duty.quality-control"


def test_follow_ups_without_context_get_help_not_a_random_item(chat):
    for text in ("tell me more", "next", "why?"):
        reply = chat(text)
        assert reply.intent == "no_context" and not reply.sources
        assert reply.suggestions


def test_a_gap_in_the_middle_keeps_the_context(chat):
    chat("what is step 2")
    assert chat("how much does it pay").intent == "not_covered"
    assert chat("ok, what's the next step").item == "step.certification"


def test_reset_forgets_everything(chat):
    chat("what is step 2")
    chat.conversation.reset()
    assert chat("next").intent == "no_context"


def test_conversations_are_independent(bot):
    first, second = Conversation(), Conversation()
    bot.ask("what is step 2", first)
    bot.ask("what skills do i need", second)
    assert bot.ask("next", first).item == "step.certification"
    assert bot.ask("the first one", second).item == "skill.analysis"


def ambiguous_bot(knowledge, intents):
    """The bundled data plus one phrase that names a skill and a step."""
    from chatbot import Chatbot

    for name, anchor in (("skills.yaml", '"arithmetic"'), ("steps.yaml", '"packaging"')):
        path = knowledge / name
        path.write_text(path.read_text(encoding="utf-8").replace(anchor, anchor + ', "shop floor numbers"', 1),
                        encoding="utf-8")
    return Chatbot.load(knowledge, intents)


def test_an_ambiguous_phrase_gets_a_clarifying_question_that_is_remembered(data_copy):
    bot = ambiguous_bot(*data_copy)
    conversation = Conversation()
    reply = bot.ask("shop floor numbers", conversation)
    assert reply.intent == "clarify" and reply.fallback
    assert "Maths" in reply.text and "Learn about the production stages" in reply.text
    picked = bot.ask("the skill", conversation)
    assert picked.item == "skill.maths"
    assert picked.context == "answer to the clarifying question"
    bot.ask("shop floor numbers", conversation)
    first = reply.options[0]  # the options come in the guide's order of categories: the step first
    assert "production stages" in first
    assert bot.ask("first", conversation).item == "step.production-stages"


def test_an_unanswered_clarifying_question_does_not_stick(data_copy):
    bot = ambiguous_bot(*data_copy)
    conversation = Conversation()
    bot.ask("shop floor numbers", conversation)
    assert bot.ask("what are the duties", conversation).intent == "list_duties"
    assert bot.ask("first", conversation).item == "duty.testing-equipment"


def test_a_word_that_names_two_duties_gets_a_clarifying_question(chat):
    reply = chat("testing")
    assert reply.intent == "clarify"
    assert reply.options == ('the duty "Testing equipment"', 'the duty "Quality control testing"')
    assert chat("the second").item == "duty.quality-control"


def test_other_words_of_the_question_settle_an_ambiguous_one(chat):
    assert chat("do they do qc testing").item == "duty.quality-control"
    assert chat("what does testing equipment involve").item == "duty.testing-equipment"


def test_a_skill_and_its_related_article_are_not_a_choice(chat):
    assert chat("teamwork").item == "skill.teamwork"


def test_a_conversation_is_plain_data_that_round_trips_through_json(bot):
    import json

    chat = Conversation()
    bot.ask("what skills do i need", chat)
    bot.ask("testing", chat)  # a clarifying question is pending
    saved = json.loads(json.dumps(chat.to_dict()))
    assert saved["version"] == 1 and saved["listed"] == "skills" and len(saved["pending"]) == 2
    restored = Conversation.from_dict(saved)
    assert restored == chat
    assert bot.ask("the second", restored).item == bot.ask("the second", chat).item == "duty.quality-control"


def test_a_conversation_saved_by_another_release_is_refused_clearly():
    from chatbot import InputError

    with pytest.raises(InputError, match="saved by a newer release"):
        Conversation.from_dict({"version": 99, "item": None})
    with pytest.raises(InputError, match="not a saved conversation this release can read"):
        Conversation.from_dict({"item": "skill.maths"})
    with pytest.raises(InputError, match="turns as a whole number"):
        Conversation.from_dict({"version": 1, "turns": "many"})


def test_a_saved_conversation_naming_what_the_data_no_longer_has_starts_clean(bot):
    chat = Conversation.from_dict({"version": 1, "item": "skill.juggling", "listed": "hobbies",
                                   "pending": [{"intent": "gone", "item": None, "score": 0.5}], "turns": 3})
    assert bot.ask("next", chat).intent == "no_context"
    assert chat.item is None and chat.turns == 4
