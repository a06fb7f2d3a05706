"""`explain`: every stage of answering one question, for people debugging the data."""

from __future__ import annotations

import json

import pytest

from chatbot import Chatbot, Conversation
from chatbot.explain import explain


@pytest.fixture(scope="module")
def bundled() -> Chatbot:
    return Chatbot.load()


def test_an_explanation_shows_tokens_slots_and_candidates(bundled: Chatbot) -> None:
    result = explain(bundled, "What does step 3 involve?")
    assert result.tokens[-3:] == ("step", "3", "involv")
    assert "STEPS" in result.masked
    [slot] = result.slots
    assert (slot.words, slot.items, slot.position, slot.category) == (("step", "3"), ("step.certification",), 3, "steps")
    best = result.candidates[0]
    assert (best.intent, best.items) == ("explain_step", ("step.certification",))
    assert "{item}" in best.example
    assert [c.score for c in result.candidates] == sorted((c.score for c in result.candidates), reverse=True)


def test_the_reply_is_the_one_ask_gives(bundled: Chatbot) -> None:
    question = "what skills do i need"
    assert explain(bundled, question).reply == bundled.ask(question)


def test_the_decision_names_the_threshold(bundled: Chatbot) -> None:
    answered = explain(bundled, "what skills do i need")
    assert f">= threshold {bundled.settings.threshold:.2f}" in answered.decision
    assert answered.decision.endswith("answered as list_skills")
    unsure = explain(bundled, "zorblax quintessential flumph")
    assert unsure.reply.fallback
    assert "fallback" in unsure.decision


def test_a_conversation_is_used_and_updated(bundled: Chatbot) -> None:
    chat = Conversation()
    explain(bundled, "what skills do i need", chat)
    result = explain(bundled, "the third one", chat)
    [slot] = result.slots
    assert slot.implied and slot.category == "skills"
    assert result.reply.item == "skill.maths"
    assert chat.item == "skill.maths"
    assert "read in context" in result.decision


def test_a_typo_correction_is_shown(bundled: Chatbot) -> None:
    result = explain(bundled, "what does quallity control involve")
    assert ("quallity", "quality") in result.corrections
    assert "corrected:  quallity -> quality" in result.to_text()


def test_text_output_has_one_line_per_stage(bundled: Chatbot) -> None:
    text = explain(bundled, "what does step 3 involve").to_text()
    starts = [line.split(":")[0] for line in text.splitlines() if not line.startswith(" ")]
    assert starts == ["question", "tokens", "masked", "found", "candidates", "decision", "reply"]
    assert "'step 3' -> STEPS  (item step.certification; number 3 of the steps)" in text
    assert "  1. " in text and "explain_step [step.certification]  matched 'what does {item} involve'" in text


def test_json_output_round_trips(bundled: Chatbot) -> None:
    data = explain(bundled, "how much do technicians earn").to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["reply"]["fallback"] is True
    assert any(slot["gap"] == "pay" for slot in data["slots"])
    assert data["threshold"] == bundled.settings.threshold
