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


WRITERS = DATA / "writers"
KINDS = ("indirect", "situations", "nonnative", "textspeak", "terse", "british", "long")
FLOORS = {  # per set, a little under today's figure: a regression check, not the first look (see writers/README.md)
    "round1": {"indirect": 0.69, "situations": 0.89, "nonnative": 0.90, "textspeak": 0.89, "terse": 0.94,
               "british": 0.92, "long": 0.85},
    "round2": {"indirect": 0.72, "situations": 0.84, "nonnative": 0.89, "textspeak": 0.87, "terse": 0.91,
               "british": 0.92, "long": 0.78},
    "round3": {"indirect": 0.75, "situations": 0.84, "nonnative": 0.90, "textspeak": 0.89, "terse": 0.91,
               "british": 0.90, "long": 0.79},
    "round4": {"indirect": 0.67, "situations": 0.81, "nonnative": 0.80, "textspeak": 0.84, "terse": 0.87,
               "british": 0.85, "long": 0.72},
}


@pytest.mark.parametrize("round_, kind", [(r, k) for r in FLOORS for k in KINDS])
def test_each_writer_set_stays_understood(bot, round_, kind):
    report = evaluate(bot, load_cases(WRITERS / round_ / f"{kind}.yaml"))
    assert len(report.outcomes) >= 150
    assert report.accuracy >= FLOORS[round_][kind], describe([o for o in report.in_scope if not o.correct])
    assert report.fallback_rate >= 0.8, describe([o for o in report.out_of_scope if not o.correct])


@pytest.mark.parametrize("round_", list(FLOORS))
def test_the_writers_dialogues_are_followed(bot, round_):
    dialogues = load_dialogues(WRITERS / round_ / "dialogues.yaml")
    assert len(dialogues) >= 40
    report = evaluate_dialogues(bot, dialogues)
    assert report.accuracy >= 0.83, describe(report.misses)


def all_labelled_files():
    return [DATA / "questions.yaml", *sorted((DATA / "more").glob("*.yaml")), DATA / "dialogues.yaml",
            *sorted(WRITERS.glob("*/*.yaml"))]


def test_a_confident_answer_is_nearly_always_right(bot):
    from chatbot.tools.evaluation import evaluate_files

    answered, right = evaluate_files(bot, all_labelled_files()).right_above(0.8)
    assert answered >= 4000 and right >= 0.975  # 97.9% of 4,137 today; the goal is 98%


def test_no_labelled_question_is_copied_into_the_data(bot):
    """Intent examples, item descriptions and synonyms are ours: a labelled question is never one
    of them, bar short stock phrasings anyone would write ("what skills do i need", "and the one after")."""
    from chatbot.understanding.text import normalize

    content = bot.content
    ours = {normalize(e) for intent in content.intents.values() for e in intent.examples}
    ours |= {normalize(t) for item in content.items.values() for t in (*item.descriptions, *item.synonyms)}
    questions = [c.question for path in sorted(WRITERS.glob("*/[!d]*.yaml")) for c in load_cases(path)]
    questions += [t.question for path in sorted(WRITERS.glob("*/dialogues.yaml"))
                  for _, turns in load_dialogues(path) for t in turns]
    same = [q for q in questions if len(normalize(q)) >= 4 and normalize(q) in ours]
    assert not [q for q in same if len(normalize(q)) > 6], same
    assert len(same) / len(questions) < 0.01, same
