"""Loading a guide: from folders or from memory, all or nothing, and never shaped by file names."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chatbot import Chatbot, Conversation, DataError

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = Path(__file__).resolve().parent / "data" / "minimal"

GUIDE = {"subject": "tea", "greeting": "Hello, ask me about tea.", "covers": "I know the steps of making tea.",
         "goodbye": "Enjoy your tea!", "starters": ["What are the steps?"], "order": ["steps"], "default_list": "steps"}
STEPS = {"category": "steps", "title": "Making tea", "noun": "step", "plural": "steps", "ordered": True,
         "intro": "Tea takes two steps:", "section": "Tea", "label": "Step {position} of {count}: {title}",
         "items": [{"id": "step.boil", "title": "Boil the water", "synonyms": ["boil", "kettle"],
                    "short": "Boil fresh water.", "long": "Boil fresh water in a kettle.", "section": "Tea > Boil"},
                   {"id": "step.steep", "title": "Steep the leaves", "synonyms": ["steep", "brew"],
                    "short": "Steep for three minutes.", "long": "Steep the leaves for three minutes.",
                    "section": "Tea > Steep"}]}
INTENTS = [{"name": "list_steps", "answer": "list", "category": "steps", "examples": ["what are the steps", "how do i make tea"]},
           {"name": "explain_step", "answer": "item", "slot": "steps", "examples": ["what is {item}", "{item}"]},
           {"name": "next_item", "answer": "followup", "action": "next", "examples": ["next", "what comes next"]}]
VOCABULARY = {"concepts": {}, "gaps": []}


def tea(**changes: object) -> Chatbot:
    parts = {"guide": GUIDE, "categories": [STEPS], "intents": INTENTS, "vocabulary": VOCABULARY, **changes}
    return Chatbot.from_data(**parts)  # type: ignore[arg-type]


def test_a_bot_can_be_built_from_memory() -> None:
    bot = tea()
    chat = Conversation()
    assert bot.ask("how do i make tea", chat).intent == "list_steps"
    assert bot.ask("the second one", chat).text.startswith("Step 2 of 2: Steep the leaves.")
    assert bot.ask("zzzz qqqq", chat).text.endswith("I know the steps of making tea.\n\nYou could ask: \"What are the steps?\"")


def test_data_from_memory_is_checked_as_files_are() -> None:
    with pytest.raises(DataError, match="unknown category 'step'"):
        tea(guide={**GUIDE, "default_list": "step"})
    with pytest.raises(DataError, match="missing required field 'plural'"):
        tea(categories=[{k: v for k, v in STEPS.items() if k != "plural"}])


def test_the_minimal_guide_answers_everything_it_offers(tmp_path: Path) -> None:
    """It has no summary, no duties and no skills: nothing may suggest them, nothing may crash."""
    bot = Chatbot.load(MINIMAL / "knowledge", MINIMAL / "intents")
    chat = Conversation()
    for question in ("what are the steps", "the second one", "tell me about study", "the ninth step",
                     "how much is the salary", "hello", "zzz qqq", "give me an overview"):
        reply = bot.ask(question, chat)
        assert reply.text
        for suggestion in reply.suggestions:
            assert not bot.ask(suggestion).fallback, (question, suggestion)
        assert "dut" not in reply.text.lower() and "skill" not in reply.text.lower()


def test_a_summary_intent_needs_a_summary_in_the_guide(tmp_path: Path) -> None:
    data = shutil.copytree(MINIMAL, tmp_path / "data")
    intents = data / "intents" / "main.yaml"
    intents.write_text(intents.read_text(encoding="utf-8").replace(
        "intents:\n", "intents:\n  - name: summary\n    answer: summary\n    examples: [give me an overview]\n", 1),
        encoding="utf-8")
    with pytest.raises(DataError, match="answers with a summary, but the guide has no `summary`") as error:
        Chatbot.load(data / "knowledge", data / "intents")
    assert error.value.path and error.value.path.endswith("guide.yaml")


def test_file_names_do_not_change_answers(tmp_path: Path, bot: Chatbot) -> None:
    knowledge = shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    intents = shutil.copytree(ROOT / "intents", tmp_path / "intents")
    (knowledge / "topics.yaml").rename(knowledge / "a_topics.yaml")
    (knowledge / "skills.yaml").rename(knowledge / "zz_skills.yaml")
    (intents / "career.yaml").rename(intents / "zz_career.yaml")
    (intents / "smalltalk.yaml").rename(intents / "a_smalltalk.yaml")
    renamed = Chatbot.load(knowledge, intents)
    for question in ("teamwork", "teamwork skills in general", "what skills do i need", "translate hello into spanish",
                     "quality control", "records"):
        assert renamed.ask(question) == bot.ask(question), question
    assert renamed.topics() == bot.topics()
    assert list(renamed.content.categories) == list(bot.content.categories) == list(bot.content.guide.order)


def test_a_category_left_out_of_the_order_is_refused(tmp_path: Path) -> None:
    knowledge = shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    guide = knowledge / "guide.yaml"
    guide.write_text(guide.read_text(encoding="utf-8").replace(", topics]", "]"), encoding="utf-8")
    with pytest.raises(DataError, match="category 'topics' is not in the guide's order"):
        Chatbot.load(knowledge, ROOT / "intents")


@pytest.mark.parametrize("old, new, message", [
    ('"kettle"]', '"kettle", "Kettle"]', "'Kettle' is listed twice"),
    ("- what are the steps", "- what are the steps\n      - What  are the steps", "listed twice"),
])
def test_an_entry_listed_twice_is_refused_with_its_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    data = shutil.copytree(MINIMAL, tmp_path / "data")
    for path in (data / "knowledge" / "steps.yaml", data / "intents" / "main.yaml"):
        path.write_text(path.read_text(encoding="utf-8").replace("[study, studying, school]", '[study, "kettle"]'),
                        encoding="utf-8")
    target = data / "knowledge" / "steps.yaml" if "kettle" in old else data / "intents" / "main.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataError, match=message) as error:
        Chatbot.load(data / "knowledge", data / "intents")
    assert error.value.line and error.value.path == str(target)


def test_a_duplicate_gap_id_is_refused(tmp_path: Path) -> None:
    data = shutil.copytree(MINIMAL, tmp_path / "data")
    vocabulary = data / "intents" / "vocabulary.yaml"
    vocabulary.write_text(vocabulary.read_text(encoding="utf-8") +
                          "  - id: pay\n    subject: wages\n    synonyms: [bonus]\n    see_instead: [steps]\n",
                          encoding="utf-8")
    with pytest.raises(DataError, match="duplicate gap id 'pay'"):
        Chatbot.load(data / "knowledge", data / "intents")


@pytest.mark.parametrize("text, field", [
    ("{titel}", "ask"), ("Step {position} of {total}", "label"),
])
def test_a_misspelt_placeholder_is_refused_at_load(tmp_path: Path, text: str, field: str) -> None:
    data = shutil.copytree(MINIMAL, tmp_path / "data")
    steps = data / "knowledge" / "steps.yaml"
    source = steps.read_text(encoding="utf-8")
    source = source.replace('ask: "What is step {position}?"', f'ask: "What is step {{position}}?"\n{field}: "{text}"')
    if field == "ask":
        source = source.replace('ask: "What is step {position}?"\n', "", 1)
    steps.write_text(source, encoding="utf-8")
    with pytest.raises(DataError, match="unknown placeholder") as error:
        Chatbot.load(data / "knowledge", data / "intents")
    assert error.value.field == field


def test_a_not_covered_text_may_name_the_subject_and_nothing_else(tmp_path: Path) -> None:
    data = shutil.copytree(MINIMAL, tmp_path / "data")
    main = data / "intents" / "main.yaml"
    main.write_text(main.read_text(encoding="utf-8").replace("{subject}", "{topic}"), encoding="utf-8")
    with pytest.raises(DataError, match=r"unknown placeholder \{topic\}"):
        Chatbot.load(data / "knowledge", data / "intents")
