from pathlib import Path

import pytest

from chatbot import InputError, Settings, Tuning


def test_defaults_point_at_the_bundled_data():
    settings = Settings.from_env({})
    assert (settings.knowledge_dir / "skills.yaml").is_file()
    assert (settings.intents_dir / "vocabulary.yaml").is_file()
    assert 0 < settings.tuning.threshold < 1


def test_environment_then_keywords_override():
    settings = Settings.from_env({"CHATBOT_THRESHOLD": "0.7", "CHATBOT_MAX_QUESTION_CHARS": "50",
                                  "CHATBOT_KNOWLEDGE_DIR": "/tmp/k"}, max_question_chars=60)
    assert settings.tuning.threshold == 0.7
    assert settings.max_question_chars == 60
    assert settings.knowledge_dir == Path("/tmp/k")


def test_a_bad_number_in_the_environment_is_a_clear_error():
    with pytest.raises(InputError, match="CHATBOT_THRESHOLD='high' is not a number"):
        Settings.from_env({"CHATBOT_THRESHOLD": "high"})


def test_every_tuning_value_is_read_from_the_environment_and_keywords():
    settings = Settings.from_env({"CHATBOT_CLARIFY_MARGIN": "0.2", "CHATBOT_COMMON_FLOOR": "7"}, aside=0.5)
    assert (settings.tuning.clarify_margin, settings.tuning.common_floor, settings.tuning.aside) == (0.2, 7, 0.5)
    assert Settings().tuning == Tuning()


def test_tuning_replace_converts_and_refuses_unknown_names():
    assert Tuning().replace(threshold="0.5").threshold == 0.5
    with pytest.raises(InputError, match="unknown setting 'thresold'"):
        Tuning().replace(thresold=0.5)
    with pytest.raises(InputError, match="is not a whole number"):
        Tuning().replace(common_floor="1.5")


def test_the_history_file_is_a_setting():
    assert Settings.from_env({"CHATBOT_HISTORY_FILE": "/x/history"}).history_file == Path("/x/history")
    assert Settings.from_env({}).history_file is None
