from pathlib import Path

import pytest

from chatbot import InputError, Settings


def test_defaults_point_at_the_bundled_data():
    settings = Settings.from_env({})
    assert (settings.knowledge_dir / "skills.yaml").is_file()
    assert (settings.intents_dir / "vocabulary.yaml").is_file()
    assert 0 < settings.threshold < 1


def test_environment_then_keywords_override():
    settings = Settings.from_env({"CHATBOT_THRESHOLD": "0.7", "CHATBOT_MAX_QUESTION_CHARS": "50",
                                  "CHATBOT_KNOWLEDGE_DIR": "/tmp/k"}, max_question_chars=60)
    assert settings.threshold == 0.7
    assert settings.max_question_chars == 60
    assert settings.knowledge_dir == Path("/tmp/k")


def test_a_bad_number_in_the_environment_is_a_clear_error():
    with pytest.raises(InputError, match="CHATBOT_THRESHOLD='high' is not a number"):
        Settings.from_env({"CHATBOT_THRESHOLD": "high"})
