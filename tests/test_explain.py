"""`explain`: the trace of one real answer, rendered for people debugging the data."""

from __future__ import annotations

import json

from chatbot import Chatbot, Conversation
from chatbot.dialogue.policy import Rule
from chatbot.tools.explain import explain


def test_an_explanation_shows_tokens_slots_and_candidates(bot: Chatbot) -> None:
    result = explain(bot, "What does step 3 involve?")
    reading = result.parse.reading
    assert reading.tokens[-3:] == ("step", "3", "involv")
    assert "STEPS" in reading.masked
    [mention] = reading.mentions
    assert (mention.items, mention.position, mention.category) == (("step.certification",), 3, "steps")
    best = result.parse.candidates[0]
    assert (best.intent, best.items) == ("explain_step", ("step.certification",))
    assert "{item}" in best.example


def test_the_reply_is_the_one_ask_gives(bot: Chatbot) -> None:
    question = "what skills do i need"
    assert explain(bot, question).reply == bot.ask(question)


def test_the_decision_is_the_one_the_policy_took(bot: Chatbot) -> None:
    answered = explain(bot, "what skills do i need")
    assert answered.decision.rule is Rule.ANSWER
    assert f">= threshold {bot.settings.tuning.threshold:.2f}" in answered.to_text()
    assert "answered as list_skills" in answered.to_text()
    unsure = explain(bot, "zorblax quintessential flumph")
    assert unsure.reply.fallback and unsure.decision.rule is Rule.UNSURE
    assert "below the threshold" in unsure.to_text() or "no candidate" in unsure.to_text()


def test_a_place_past_the_end_names_that_rule_not_the_threshold(bot: Chatbot) -> None:
    result = explain(bot, "what is the 9th step")
    assert result.decision.rule is Rule.PAST_THE_END
    decision = result.to_text().split("decision:")[1].splitlines()[0]
    assert "past the end" in decision and "threshold" not in decision


def test_after_a_clarifying_question_the_pick_is_shown_as_such(bot: Chatbot) -> None:
    chat = Conversation()
    asked = explain(bot, "testing", chat)
    assert asked.decision.rule is Rule.CLARIFY and len(asked.decision.options) == 2
    picked = explain(bot, "the second", chat)
    assert picked.decision.rule is Rule.CLARIFIED
    assert picked.reply.item == "duty.quality-control"
    assert "picked an option of the clarifying question" in picked.to_text()


def test_a_conversation_is_used_and_updated(bot: Chatbot) -> None:
    chat = Conversation()
    explain(bot, "what skills do i need", chat)
    result = explain(bot, "the third one", chat)
    [mention] = result.parse.reading.mentions
    assert mention.implied and mention.category == "skills"
    assert result.reply.item == "skill.maths"
    assert chat.item == "skill.maths"
    assert result.decision.state.item == "skill.maths"
    assert "read in context" in result.to_text()


def test_a_typo_correction_is_shown(bot: Chatbot) -> None:
    result = explain(bot, "what does quallity control involve")
    assert ("quallity", "quality") in result.parse.reading.corrections
    assert "corrected:  quallity -> quality" in result.to_text()


def test_text_output_has_one_line_per_stage(bot: Chatbot) -> None:
    text = explain(bot, "what does step 3 involve").to_text()
    starts = [line.split(":")[0] for line in text.splitlines() if not line.startswith(" ")]
    assert starts == ["question", "tokens", "masked", "found", "candidates", "decision", "reply"]
    assert "'step 3' -> STEPS  (item step.certification; number 3 of the steps)" in text
    assert "  1. " in text and "explain_step [step.certification]  matched 'what does {item} involve'" in text


def test_json_output_round_trips(bot: Chatbot) -> None:
    data = explain(bot, "how much do technicians earn").to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["reply"]["fallback"] is True
    assert any(slot["gap"] == "pay" for slot in data["slots"])
    assert data["decision"]["threshold"] == bot.settings.tuning.threshold
    assert data["decision"]["rule"] == "answer" and data["decision"]["state"]["version"] == 1


def test_ask_with_trace_carries_the_same_values(bot: Chatbot) -> None:
    reply = bot.ask("what does step 3 involve", trace=True)
    assert reply.trace is not None and reply.trace.decision.intent == reply.intent
    assert reply == bot.ask("what does step 3 involve")  # the trace is not part of the reply's value
