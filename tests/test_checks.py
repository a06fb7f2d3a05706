"""`chatbot validate`'s checks: each test breaks one thing in a tiny valid data set and expects
exactly that problem back, with its file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chatbot.settings import Settings, Tuning
from chatbot.tools.checks import Problem, check, report
from chatbot.understanding.lexicon import MAX_PHRASE

MINIMAL = Path(__file__).resolve().parent / "data" / "minimal"


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    """A writable copy of the tiny data set (knowledge/ and intents/)."""
    shutil.copytree(MINIMAL, tmp_path / "data")
    return tmp_path / "data"


def settings(data: Path, *, clarify_margin: float = 0.12) -> Settings:
    return Settings(knowledge_dir=data / "knowledge", intents_dir=data / "intents",
                    tuning=Tuning(clarify_margin=clarify_margin))


def problems(data: Path) -> list[Problem]:
    return check(settings(data))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_the_minimal_data_set_is_clean(data: Path) -> None:
    assert problems(data) == []
    assert report([]) == "The data is valid: no problems found."


def test_the_bundled_data_validates_clean() -> None:
    found = check(Settings())
    assert found == [], report(found)


def test_invalid_yaml_is_reported_with_its_line(data: Path) -> None:
    path = data / "intents" / "main.yaml"
    edit(path, "      - good morning\n", "      - good morning\n    bad: [unclosed\n")
    [problem] = problems(data)
    assert problem.file == str(path)
    assert problem.line >= line_of(path, "bad: [unclosed")
    assert "invalid YAML" in problem.message
    assert str(problem).startswith(f"{path}:{problem.line}: ")


def test_a_schema_error_names_file_line_and_field(data: Path) -> None:
    path = data / "knowledge" / "steps.yaml"
    edit(path, "    short: Practice in a workshop.\n", "    shrt: Practice in a workshop.\n")
    [problem] = problems(data)
    assert (problem.file, problem.line, problem.field) == (str(path), line_of(path, "shrt:"), "items[1].shrt")
    assert "did you mean 'short'" in problem.message


def test_a_duplicate_item_id_is_reported(data: Path) -> None:
    edit(data / "knowledge" / "steps.yaml", "  - id: step.practice", "  - id: step.study")
    [problem] = problems(data)
    assert "duplicate item id 'step.study'" in problem.message


def test_a_duplicate_gap_id_is_reported(data: Path) -> None:
    path = data / "intents" / "vocabulary.yaml"
    edit(path, "    see_instead: [steps]\n", "    see_instead: [steps]\n  - id: pay\n    subject: wages\n"
                                             "    synonyms: [bonus]\n    see_instead: [steps]\n")
    [problem] = problems(data)
    assert problem.line == line_of(path, "subject: wages") - 1
    assert "duplicate gap id 'pay'" in problem.message


def test_an_unknown_item_reference_is_reported(data: Path) -> None:
    path = data / "intents" / "main.yaml"
    edit(path, "    slot: steps\n", "    item: step.sleep\n")
    [problem] = problems(data)
    assert (problem.line, problem.field) == (line_of(path, "item: step.sleep"), "intents[1].item")
    assert "unknown knowledge item 'step.sleep'" in problem.message


def test_an_unknown_slot_category_is_reported(data: Path) -> None:
    edit(data / "intents" / "main.yaml", "    slot: steps\n", "    slot: stpes\n")
    [problem] = problems(data)
    assert problem.field == "intents[1].slot" and "unknown category 'stpes'" in problem.message


def test_an_example_in_two_intents_is_reported(data: Path) -> None:
    path = data / "intents" / "main.yaml"
    edit(path, "      - good morning\n", "      - good morning\n      - what are the steps\n")
    [problem] = problems(data)
    assert (problem.file, problem.line) == (str(path), line_of(path, "- what are the steps"))
    assert problem.field == "list_steps.examples[0]"
    assert "'greeting'" in problem.message and "score 1.00" in problem.message
    assert "read the same" in problem.message


NEAR = "      - good morning\n      - how do i really get into this job\n"


def test_near_duplicate_examples_are_reported_with_their_score(data: Path) -> None:
    edit(data / "intents" / "main.yaml", "      - good morning\n", NEAR)
    [problem] = problems(data)
    assert problem.field == "list_steps.examples[1]"
    assert "'how do i get into this job' of intent 'list_steps'" in problem.message
    assert "'how do i really get into this job' of intent 'greeting'" in problem.message
    assert "score 0.92" in problem.message and "read the same" not in problem.message


def test_examples_with_different_content_words_are_not_reported(data: Path) -> None:
    edit(data / "intents" / "main.yaml", "      - good morning\n", "      - good morning\n      - what are the greetings\n")
    assert problems(data) == []


def test_the_similarity_cutoff_follows_the_clarifying_margin(data: Path) -> None:
    edit(data / "intents" / "main.yaml", "      - good morning\n", NEAR)
    assert len(check(settings(data, clarify_margin=0.06))) == 0
    assert len(check(settings(data, clarify_margin=0.06), similar_at=0.9)) == 1


EXTRAS = """\
category: extras
title: Extras
ordered: false
noun: extra
plural: extras
ask: "Tell me about {title}"
intro: Extras.
section: Extras
items:
  - id: extra.tools
    title: Tools
    synonyms: [tools, toolbox]
    short: Tools help.
    long: Tools help a great deal.
    section: Extras > Tools
"""


def add_extras(data: Path, text: str = EXTRAS) -> Path:
    """A second category file, placed in the guide's order."""
    path = data / "knowledge" / "extras.yaml"
    path.write_text(text, encoding="utf-8")
    edit(data / "knowledge" / "guide.yaml", "order: [steps]", "order: [steps, extras]")
    return path


def test_an_unreachable_item_is_refused_at_load(data: Path) -> None:
    path = add_extras(data)
    [problem] = problems(data)
    assert (problem.file, problem.line) == (str(path), line_of(path, "- id: extra.tools"))
    assert "item 'extra.tools' cannot be answered: no intent reaches it" in problem.message


def test_a_category_the_guide_does_not_place_is_refused(data: Path) -> None:
    (data / "knowledge" / "extras.yaml").write_text(EXTRAS, encoding="utf-8")
    [problem] = problems(data)
    assert problem.file.endswith("guide.yaml") and problem.field == "order"
    assert "category 'extras' is not in the guide's order" in problem.message


def test_an_item_only_answered_with_others_is_reported(data: Path) -> None:
    add_extras(data)
    kit = "  - name: kit\n    answer: items\n    items: [extra.tools, step.study]\n    examples: [what kit do i need]\n"
    edit(data / "intents" / "main.yaml", "intents:\n", "intents:\n" + kit)
    [problem] = problems(data)
    assert "'extra.tools' is only answered together with others (intent 'kit')" in problem.message


def test_a_phrase_two_unrelated_items_claim_is_ambiguous(data: Path) -> None:
    path = data / "knowledge" / "steps.yaml"
    edit(path, "synonyms: [practice, practicing, workshop hours]", "synonyms: [practice, practicing, school]")
    found = problems(data)
    assert [p.line for p in found] == [line_of(path, "[study, studying, school]"),
                                       line_of(path, "[practice, practicing, school]")]
    assert "'school' names both item step.study and item step.practice" in found[0].message


def test_a_phrase_linked_items_share_is_fine(data: Path) -> None:
    path = data / "knowledge" / "steps.yaml"
    edit(path, "synonyms: [practice, practicing, workshop hours]", "synonyms: [practice, practicing, school]")
    edit(path, '    section: "Steps > Study"\n', '    section: "Steps > Study"\n    see_also: [step.practice]\n')
    assert problems(data) == []


def test_a_gap_synonym_an_item_already_claims_is_never_used(data: Path) -> None:
    path = data / "intents" / "vocabulary.yaml"
    edit(path, "synonyms: [salary, wages]", "synonyms: [salary, wages, school]")
    [problem] = problems(data)
    assert (problem.line, problem.field) == (line_of(path, "school]"), "gaps[0].synonyms")
    assert "'school' is read as item step.study" in problem.message
    assert "never reach gap pay" in problem.message


def test_a_concept_phrase_a_category_claims_is_never_used(data: Path) -> None:
    edit(data / "intents" / "vocabulary.yaml", "[job, career, occupation]", "[job, career, occupation, steps]")
    [problem] = problems(data)
    assert problem.field == "concepts.job"
    assert "'steps' is read as category steps" in problem.message


def test_a_phrase_longer_than_the_lexicon_reads_is_never_used(data: Path) -> None:
    phrase = " ".join("reading thick books late every single night under lamp light with coffee".split()[:MAX_PHRASE + 1])
    edit(data / "knowledge" / "steps.yaml", "[study, studying, school]", f"[study, studying, school, {phrase}]")
    [problem] = problems(data)
    assert f"{phrase!r} is longer than the {MAX_PHRASE} words" in problem.message


def test_the_report_counts_the_problems() -> None:
    text = report([Problem("a.yaml", 3, "x", "one"), Problem("b.yaml", 0, "", "two")])
    assert text.splitlines() == ["a.yaml:3: x: one", "b.yaml: two", "", "2 problems found."]


def test_synonyms_of_a_category_no_intent_lists_are_reported(data: Path) -> None:
    add_extras(data, EXTRAS.replace("noun: extra", "synonyms: [extras]\nnoun: extra"))
    edit(data / "intents" / "main.yaml", "intents:\n", "intents:\n  - name: extra\n    answer: item\n"
                                                      "    slot: extras\n    examples: [\"what about {item}\"]\n")
    found = [p for p in problems(data) if "never read" in p.message]
    assert len(found) == 1 and "no intent lists category extras" in found[0].message
