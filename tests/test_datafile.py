"""Broken data files get a clear DataError naming the file, the line and the field."""

from pathlib import Path

import pytest

from chatbot import Chatbot, DataError
from chatbot.content.yamlfile import read_yaml


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "data.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_lines_are_kept_for_every_value(tmp_path):
    data = read_yaml(write(tmp_path, "a: 1\nb:\n  - x\n  - y\n"), max_bytes=1000)
    assert data == {"a": 1, "b": ["x", "y"]}
    assert data.lines == {"a": 1, "b": 2}
    assert data["b"].lines == [3, 4]


def test_invalid_yaml_names_file_and_line(tmp_path):
    with pytest.raises(DataError) as error:
        read_yaml(write(tmp_path, "a: [1,\n  2\nb: 3\n"), max_bytes=1000)
    assert error.value.line == 3
    assert "data.yaml:3" in str(error.value)


def test_aliases_are_refused(tmp_path):
    bomb = "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n"
    with pytest.raises(DataError, match="aliases"):
        read_yaml(write(tmp_path, bomb), max_bytes=1000)


def test_not_utf8_is_refused_with_its_line(tmp_path):
    with pytest.raises(DataError, match="UTF-8") as error:
        read_yaml(write(tmp_path, b"a: 1\nb: caf\xe9\n"), max_bytes=1000)
    assert error.value.line == 2


def test_empty_and_oversized_files(tmp_path):
    with pytest.raises(DataError, match="empty"):
        read_yaml(write(tmp_path, ""), max_bytes=1000)
    with pytest.raises(DataError, match="over the limit"):
        read_yaml(write(tmp_path, "a: " + "x" * 2000), max_bytes=1000)


def test_duplicate_keys_are_refused(tmp_path):
    with pytest.raises(DataError, match="duplicate key 'a'") as error:
        read_yaml(write(tmp_path, "a: 1\na: 2\n"), max_bytes=1000)
    assert error.value.line == 2


def test_python_tags_are_not_executed(tmp_path):
    with pytest.raises(DataError):
        read_yaml(write(tmp_path, "a: !!python/object/apply:os.system ['true']\n"), max_bytes=1000)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_missing_field_in_knowledge(data_copy):
    knowledge, intents = data_copy
    edit(knowledge / "skills.yaml", "    title: Teamwork\n", "")
    with pytest.raises(DataError, match="missing required field 'title'") as error:
        Chatbot.load(knowledge, intents)
    assert "skills.yaml:" in str(error.value) and "items[4].title" in str(error.value)


def test_unknown_key_suggests_the_right_one(data_copy):
    knowledge, intents = data_copy
    edit(knowledge / "skills.yaml", "    short: >-", "    shrt: >-")
    with pytest.raises(DataError, match="unknown key 'shrt' \\(did you mean 'short'\\?\\)"):
        Chatbot.load(knowledge, intents)


def test_wrong_type(data_copy):
    knowledge, intents = data_copy
    edit(knowledge / "steps.yaml", "ordered: true", "ordered: yes please")
    with pytest.raises(DataError, match="expected true or false") as error:
        Chatbot.load(knowledge, intents)
    assert error.value.field == "ordered"


def test_intent_referring_to_a_missing_item(data_copy):
    knowledge, intents = data_copy
    edit(intents / "role.yaml", "item: role.workplaces", "item: role.workplace")
    with pytest.raises(DataError, match="unknown knowledge item 'role.workplace'") as error:
        Chatbot.load(knowledge, intents)
    assert error.value.path.endswith("role.yaml") and error.value.line


def test_duplicate_item_id(data_copy):
    knowledge, intents = data_copy
    edit(knowledge / "skills.yaml", "id: skill.teamwork", "id: skill.maths")
    with pytest.raises(DataError, match="duplicate item id 'skill.maths'"):
        Chatbot.load(knowledge, intents)


def test_unquoted_placeholder_gets_a_hint(data_copy):
    knowledge, intents = data_copy
    edit(intents / "career.yaml", '- "{item}"', "- {item}")
    with pytest.raises(DataError, match="quote text that starts with"):
        Chatbot.load(knowledge, intents)


def test_missing_folder(tmp_path):
    with pytest.raises(DataError, match="no knowledge files"):
        Chatbot.load(tmp_path / "nowhere", tmp_path / "nowhere")
