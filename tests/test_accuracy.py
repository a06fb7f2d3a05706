"""The labelled questions and dialogues of tests/data: written independently of the intents."""

from pathlib import Path

import pytest

from chatbot.tools.evaluation import evaluate, evaluate_dialogues, load_cases, load_dialogues

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def report(bot):
    return evaluate(bot, load_cases(DATA / "questions.yaml"))


def describe(misses):
    return "\n".join(f"  {o.case.question!r}: expected {o.case.intents} {o.case.items}, got "
                     f"{o.reply.intent} {o.reply.item} ({o.reply.confidence:.2f})" for o in misses)


def test_the_question_set_is_big_and_varied(report):
    assert len(report.outcomes) >= 250
    assert len(report.out_of_scope) >= 50


def test_in_scope_accuracy_is_at_least_95_percent(report):
    misses = [o for o in report.in_scope if not o.correct]
    assert report.accuracy >= 0.95, describe(misses)


def test_not_covered_and_out_of_scope_questions_fall_back(report):
    misses = [o for o in report.out_of_scope if not o.correct]
    assert report.fallback_rate >= 0.95, describe(misses)


def test_dialogues_are_followed_turn_by_turn(bot):
    dialogues = load_dialogues(DATA / "dialogues.yaml")
    assert len(dialogues) >= 40
    report = evaluate_dialogues(bot, dialogues)
    assert report.accuracy >= 0.90, describe(report.misses)


def test_the_test_questions_are_not_the_intent_examples(bot):
    """Only short stock phrasings anyone would write ("tell me more", "who are you") may coincide."""
    from chatbot.understanding.text import normalize

    examples = {normalize(e) for intent in bot.content.intents.values() for e in intent.examples}
    questions = [c.question for c in load_cases(DATA / "questions.yaml")]
    questions += [t.question for _, turns in load_dialogues(DATA / "dialogues.yaml") for t in turns]
    longer = [q for q in questions if len(normalize(q)) >= 4]
    same = [q for q in longer if normalize(q) in examples]
    assert len(same) / len(longer) < 0.1, same  # about 7% today: "where do they work", "what are the steps"


@pytest.mark.parametrize("name", [f"set{n}.yaml" for n in range(1, 8)])
def test_the_more_sets_by_other_writers_stay_understood(bot, name):
    report = evaluate(bot, load_cases(DATA / "more" / name))
    assert report.accuracy >= 0.9, describe([o for o in report.in_scope if not o.correct])
    assert report.fallback_rate >= 0.95, describe([o for o in report.out_of_scope if not o.correct])
