"""What a user of the library sees from Chatbot.ask."""

import json

import pytest

from chatbot import Chatbot, InputError, Reply


def test_a_reply_is_an_immutable_value_with_everything_a_program_needs(bot):
    reply = bot.ask("what skills do i need to be a manufacturing tech?")
    assert isinstance(reply, Reply)
    assert reply.intent == "list_skills" and not reply.fallback
    assert 0.0 <= reply.confidence <= 1.0
    assert "Teamwork" in reply.text and "Attention to detail" in reply.text
    with pytest.raises(AttributeError):
        reply.text = "changed"  # type: ignore[misc]
    data = reply.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert set(data) >= {"text", "intent", "confidence", "fallback", "suggestions", "sources", "context"}


def test_one_item_answer_names_its_source(bot):
    reply = bot.ask("waht does step 3 involve")
    assert reply.intent == "explain_step"
    assert reply.item == "step.certification"
    assert "Step 3 of 5" in reply.text
    assert reply.sources[0].section.startswith("How to become")


def test_every_answer_ends_by_offering_where_to_go_next(bot):
    for question in ("do I need a degree?", "what are the duties", "hello", "what's the salary?"):
        reply = bot.ask(question)
        assert reply.suggestions
        assert reply.text.rstrip().endswith(f'"{reply.suggestions[1]}"') or f'"{reply.suggestions[0]}"' in reply.text


@pytest.mark.parametrize("question", ["how much do they earn?", "what are the working hours like",
                                      "is the CPT certificate worth it", "how long does it take"])
def test_questions_the_guide_does_not_answer_are_honest(bot, question):
    reply = bot.ask(question)
    assert reply.fallback and reply.intent == "not_covered"
    assert "doesn't cover" in reply.text
    assert 2 <= len(reply.suggestions) <= 3
    assert not reply.sources


@pytest.mark.parametrize("question", ["what's the weather?", "tell me a joke", "how do I become a nurse",
                                      "asdfgh", "🙂"])
def test_out_of_scope_questions_fall_back_with_suggestions(bot, question):
    reply = bot.ask(question)
    assert reply.fallback
    assert reply.suggestions
    assert not reply.sources


def test_a_named_gap_is_said_back(bot):
    assert "pay or salary" in bot.ask("what's the salary like").text


def test_suggestions_are_questions_the_bot_can_answer(bot):
    seen = set()
    for question in ("how do I become one", "what are the duties", "what skills do i need", "step 2",
                     "tell me about teamwork", "quality control", "what is a production schedule",
                     "where do they work", "salary", "hello", "give me a summary"):
        seen.update(bot.ask(question).suggestions)
    unanswered = [s for s in seen if bot.ask(s).fallback]
    assert not unanswered


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_questions_are_an_input_error(bot, text):
    with pytest.raises(InputError, match="empty"):
        bot.ask(text)


def test_a_question_must_be_text(bot):
    with pytest.raises(InputError, match="must be text"):
        bot.ask(None)  # type: ignore[arg-type]


def test_the_same_question_always_gets_the_same_reply(bot):
    assert bot.ask("what does quality control testing involve") == bot.ask("what does quality control testing involve")


def test_tell_me_more_about_an_item_gives_the_longer_answer(bot):
    short, long = bot.ask("teamwork"), bot.ask("tell me more about teamwork")
    assert long.item == short.item == "skill.teamwork"
    assert len(long.text) > len(short.text)


def test_several_items_named_together_are_all_answered(bot):
    reply = bot.ask("tell me about maths and teamwork")
    assert [s.id for s in reply.sources] == ["skill.maths", "skill.teamwork"]


def test_loading_other_folders(data_copy):
    knowledge, intents = data_copy
    (knowledge / "skills.yaml").write_text(
        (knowledge / "skills.yaml").read_text(encoding="utf-8").replace("title: Teamwork", "title: Working together"),
        encoding="utf-8")
    bot = Chatbot.load(knowledge, intents)
    assert "Working together" in bot.ask("what skills do i need").text


def test_a_place_past_the_end_of_a_list_is_said_plainly(bot):
    reply = bot.ask("what is the 9th step")
    assert reply.intent == "end_of_list" and not reply.fallback
    assert "5 steps" in reply.text and "no step 9" in reply.text


def test_terminal_control_sequences_are_not_part_of_a_question(bot):
    assert bot.ask("\x1b]0;title\x07\x1b[2Jwhat skills do I need?").intent == "list_skills"


def test_every_suggestion_in_the_data_stands_on_its_own(bot):
    suggestions = {s for intent in bot.content.intents.values() for s in intent.suggestions}
    suggestions |= {item.ask for item in bot.content.items.values()}
    unanswered = [s for s in sorted(suggestions) if bot.ask(s).fallback]
    assert not unanswered


def test_in_a_long_message_a_sentence_that_leans_on_another_is_not_read_alone(bot):
    """'What does that duty involve?' points back at the sentence that names the duty: the answer
    is that duty, not the list of duties."""
    reply = bot.ask("My gran worked in a shoe factory. When a technician looks at finished products, are they "
                    "checking them against standards? What does that duty involve?")
    assert reply.item == "duty.inspecting-products"
    assert bot.ask("I'm leaning towards manufacturing. For the education step, which subjects does it say "
                   "I should focus on?").item == "step.education"
