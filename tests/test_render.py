"""The terminal formatter: wrapping, lists kept as lists, quick picks, and colour only when wanted."""

from __future__ import annotations

import io
import re

import pytest

from chatbot.dialogue.answers import Answer, finish
from chatbot.dialogue.reply import Reply
from chatbot.shells import render

ANSI = re.compile(r"\x1b\[[0-9;]*m")
SENTENCE = ("Technicians test equipment to confirm it works properly and meets production standards, "
            "looking for leaks, damage and faulty parts before anything goes wrong on the line.")


def reply(body: str, suggestions: tuple[str, ...] = (), **fields: object) -> Reply:
    """A reply as the bot builds one: the body, then the offer of what to ask next."""
    text = finish(Answer(body, suggestions))
    return Reply(text, "test", 0.9, False, suggestions, body=body, **fields)  # type: ignore[arg-type]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("width", [20, 33, 60, 99])
def test_every_line_fits_the_width(width: int) -> None:
    shown = render.render_reply(reply(SENTENCE, ("Tell me more about testing equipment", "What is step 2?")), width)
    assert all(len(line) <= width for line in shown.splitlines())
    assert " ".join(shown.split()).startswith(" ".join(SENTENCE.split()))


def test_numbered_list_lines_stay_one_item_per_line_with_hanging_indent() -> None:
    body = "The guide lists these:\n1. Testing equipment\n2. " + SENTENCE + "\n10. Maintaining records"
    lines = render.wrap(body, 40).splitlines()
    assert lines[0] == "The guide lists these:"
    assert lines[1] == "  1. Testing equipment"
    assert lines[2].startswith("  2. Technicians test")
    continuation = lines[3:lines.index("  10. Maintaining records")]
    assert continuation and all(line.startswith("     ") and not line.startswith("      ") for line in continuation)


def test_paragraphs_and_blank_lines_are_kept() -> None:
    assert render.wrap("One.\n\nTwo.", 40) == "One.\n\nTwo."


def test_a_word_longer_than_the_width_is_broken_rather_than_overflowing() -> None:
    shown = render.wrap("x" * 75, 20)
    assert all(len(line) <= 20 for line in shown.splitlines())
    assert shown.replace("\n", "") == "x" * 75


def test_suggestions_replace_the_closing_offer_and_are_numbered_as_picks() -> None:
    r = reply("Teamwork. They work with others.", ("Tell me more about teamwork", "Tell me about maths"))
    assert "You could ask:" in r.text
    shown = render.render_reply(r, 80)
    assert shown == ("Teamwork. They work with others.\n\n"
                     "You could ask (type a number):\n"
                     "  [1] Tell me more about teamwork\n"
                     "  [2] Tell me about maths")
    assert render.picks(r) == ("Tell me more about teamwork", "Tell me about maths")


def test_a_third_suggestion_not_in_the_text_is_offered_too() -> None:
    r = reply("Hello.", ("A?", "B?", "C?"))
    assert render.render_reply(r, 80).endswith("[2] B?\n  [3] C?")


def test_after_a_numbered_list_the_suggestions_are_not_numbered_picks() -> None:
    r = reply("Five steps:\n1. Get an education\n2. Gain experience", ("What is step 1?", "What are the duties?"))
    assert render.shows_list(r)
    assert render.picks(r) == ()
    shown = render.render_reply(r, 80)
    assert "[1]" not in shown
    assert shown.endswith("You could also ask:\n  - What is step 1?\n  - What are the duties?")


def test_a_clarifying_question_offers_no_picks_and_no_suggestions() -> None:
    options = ('the skill "Maths"', 'the step "Get an education"')
    r = Reply('Do you mean the skill "Maths", or the step "Get an education"?', "clarify", 0.6, True,
              options, options=options)
    assert render.picks(r) == ()
    assert render.render_reply(r, 80) == r.text


def test_a_reply_without_suggestions_is_just_its_text() -> None:
    assert render.render_reply(reply("You're welcome."), 80) == "You're welcome."


def test_colour_marks_list_numbers_and_picks_and_disappears_when_off() -> None:
    r = reply("Steps:\n1. Get an education", ("What is step 1?",))
    plain, coloured = render.render_reply(r, 80), render.render_reply(r, 80, colour=True)
    assert "\x1b[" not in plain
    assert "\x1b[" in coloured
    assert ANSI.sub("", coloured) == plain
    picked = reply("Hello.", ("What is step 1?",))
    assert ANSI.sub("", render.render_reply(picked, 80, colour=True)) == render.render_reply(picked, 80)


def test_colour_only_on_a_terminal_without_no_color() -> None:
    assert render.colour_enabled(FakeTerminal(), {})
    assert not render.colour_enabled(io.StringIO(), {})
    assert not render.colour_enabled(FakeTerminal(), {"NO_COLOR": "1"})
    assert not render.colour_enabled(FakeTerminal(), {"NO_COLOR": ""})
    assert not render.colour_enabled(FakeTerminal(), {"TERM": "dumb"})


def test_fit_keeps_the_width_readable() -> None:
    assert render.fit(80) == 79
    assert render.fit(300) == render.MAX_WIDTH
    assert render.fit(5) == render.MIN_WIDTH


def test_topics_list_every_category_and_item(bot) -> None:
    shown = render.render_topics(bot.content, 60)
    first = next(iter(bot.content.categories.values()))
    assert shown.splitlines()[0].startswith(first.title)  # in the guide's order
    flat = " ".join(shown.split())
    for category in bot.content.categories.values():
        assert f"{category.title} ({len(category.items)})" in flat
        assert all(item.title in flat for item in category.items)
    assert all(len(line) <= 60 for line in shown.splitlines())


def test_unicode_and_emoji_pass_through_unharmed() -> None:
    shown = render.render_reply(reply("Café naïve 🙂 résumé", ("Was ist das? 🚀",)), 30)
    assert "Café naïve 🙂 résumé" in shown
    assert "[1] Was ist das? 🚀" in shown
