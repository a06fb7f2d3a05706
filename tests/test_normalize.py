from chatbot.understanding.text import focus, normalize, words


def test_case_punctuation_and_accents_fold_away():
    assert normalize("What's the THIRD Step?!") == normalize("what is the third step")
    assert normalize("Café") == ("cafe",)


def test_contractions_expand_with_or_without_apostrophe():
    assert words("don't") == words("dont") == ("do", "not")
    assert words("I'm") == ("i", "am")
    assert words("it\u2019s") == ("it", "is")


def test_british_spelling_becomes_american():
    assert normalize("analyse maths behaviour") == normalize("analyze math behavior")


def test_number_words_and_ordinals_become_digits():
    assert words("step three") == ("step", "3")
    assert words("the third step") == ("the", "3rd", "step")
    assert words("3rd") == words("third")
    assert words("#4") == ("number", "4")


def test_plurals_and_verb_forms_meet():
    assert normalize("duties") == normalize("duty")
    assert normalize("skills") == normalize("skill")
    assert normalize("testing") == normalize("tests") == normalize("test")
    assert normalize("requires") == normalize("required") == normalize("require")


def test_text_speak_is_understood():
    assert words("wat r u") == ("what", "are", "you")
    assert words("how 2b a tech") == ("how", "to", "be", "a", "tech")


def test_stretched_words_are_shrunk():
    assert words("heyyy pleeease") == ("hey", "please")
    assert words("need skill") == ("need", "skill")


def test_empty_and_symbol_only_text_gives_no_tokens():
    assert normalize("") == ()
    assert normalize("?!...") == ()


def test_focus_keeps_short_questions_whole_and_finds_the_question_in_a_long_one():
    assert focus("what skills do I need?") == ["what skills do I need?"]
    long = ("I have worked in a shop for ten years and I am tired of it, my friend says this is a good job, "
            "what skills would I need?")
    assert "what skills would I need" in [piece.strip() for piece in focus(long)]


def test_focus_also_reads_each_sentence_of_a_long_message():
    text = "How do I become one? I have worked in hospitality for years. Any advice welcome."
    assert "How do I become one?" in focus(text)
