"""Whatever a user pastes, every path (library, `chatbot ask`, the chat) answers it or says
clearly why not, never echoes markup back, and reads no more than the question limit. The same
cases go through the HTTP service in test_server_faults.py."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from chatbot import Chatbot, InputError
from chatbot.dialogue.reply import Reply
from chatbot.shells.cli import main
from chatbot.understanding.text import stem

REPLY, REFUSED = "reply", "refused"
TEN_MB = 10 * 1024 * 1024

# Each class of bad input: an id, the text, and whether a reply or a clear refusal is right.
CASES: list[tuple[str, str, str]] = [
    ("empty", "", REFUSED),
    ("spaces", "     ", REFUSED),
    ("mixed whitespace", " \t\r\x0b\x0c\u00a0\u3000 ", REFUSED),
    ("only control characters", "\x01\x07\x1b\x7f\x9b", REFUSED),
    ("only invisible characters", "\u200b\u200e\u2060\ufeff", REFUSED),
    ("NUL bytes inside", "what\x00 skills\x00 do I need?", REPLY),
    ("terminal escapes", "\x1b[2J\x1b]0;owned\x07what skills do I need?\x1b[0m", REPLY),
    ("100 KB", "what skills do I need? " + "blah " * 20_000, REPLY),
    ("10 MB of words", "what are the steps? " + "more words " * (TEN_MB // 11), REPLY),
    ("10 MB without a space", "x" * TEN_MB, REPLY),
    ("right-to-left script", "ما هي المهارات التي أحتاجها؟", REPLY),
    ("right-to-left override", "\u202ewhat skills do I need?\u202c", REPLY),
    ("combining accents", "whát skílls dö Ì nééd?", REPLY),
    ("stacked combining marks", "s\u0336\u0337\u0338k\u0335\u0334i\u0331l\u0332l\u0333s" * 3, REPLY),
    ("emoji", "what skills do I need? \U0001f914\U0001f527\U0001f469\u200d\U0001f3ed", REPLY),
    ("CJK", "我需要什么技能？", REPLY),
    ("HTML", "<b>what</b> <i>skills</i> do I need?", REPLY),
    ("script tag", "<script>alert('owned')</script>", REPLY),
    ("event handler", '"><img src=x onerror=alert(1)>', REPLY),
    ("SQL", "'; DROP TABLE users; -- what are the steps", REPLY),
    ("SQL always-true", "1' OR '1'='1", REPLY),
    ("shell metacharacters", "$(touch {marker}); `touch {marker}` | cat /etc/passwd && rm -rf / > x", REPLY),
    ("format strings", "%s %n %x {0} {item} {title} ${{HOME}}", REPLY),
    ("lone surrogates", "\ud800what skills\udfff", REPLY),
    ("line and paragraph separators", "what\u2028skills\u2029do I need\x85", REPLY),
    ("private use and non-characters", "\ue000\uffff\U0010ffff skills", REPLY),
    ("huge numbers", "step 99999999999999999999999999 1e308 -0 NaN inf", REPLY),
    ("huge ordinal", "the 99999999999999999999999th step", REPLY),
    ("regex metacharacters", r".*+?^$()[]{}|\ skills (a+)+$", REPLY),
    ("JSON", '{"message": "hi", "session_id": null}', REPLY),
    ("path traversal", "../../../../etc/passwd", REPLY),
    ("one 999-letter word", "a" * 999, REPLY),
    ("500 one-letter words", "a " * 500, REPLY),
    ("only punctuation", "?!.,;:" * 100, REPLY),
]
IDS = [case[0] for case in CASES]
MARKUP = ("<script", "<img", "onerror", "<b>", "\x1b", "\x00")
STDIN_SAFE = [c for c in CASES if "\n" not in c[1] and "\r" not in c[1] and "\x0b" not in c[1] and "\x0c" not in c[1]
              and "\x85" not in c[1] and "\u2028" not in c[1] and len(c[1]) < TEN_MB]
"""Cases that are one line of a file (`chatbot ask` reads one question per line)."""


def check_reply(reply: Reply) -> None:
    """What every reply must be, whatever the question."""
    assert isinstance(reply, Reply)
    assert reply.text.strip() and 0.0 <= reply.confidence <= 1.0
    shown = reply.text + "".join(reply.suggestions)
    assert not any(bad in shown for bad in MARKUP)
    assert all(ch.isprintable() or ch == "\n" for ch in shown)


@pytest.fixture()
def shared_bot(bot, monkeypatch) -> Chatbot:
    """`chatbot ask` run in-process with the already loaded bot (loading is tested elsewhere)."""
    monkeypatch.setattr("chatbot.shells.cli.load_bot", lambda args, **overrides: bot)
    return bot


@pytest.fixture()
def marker(tmp_path) -> Path:
    """A file that exists only if some input was run as a shell command."""
    return tmp_path / "owned"


def text_for(text: str, marker: Path) -> str:
    return text.replace("{marker}", str(marker))


# --- the library ------------------------------------------------------------------------------

@pytest.mark.parametrize("name,text,expected", CASES, ids=IDS)
def test_the_library_answers_or_refuses_clearly(bot, name, text, expected, marker):
    text = text_for(text, marker)
    if expected == REFUSED:
        with pytest.raises(InputError, match="empty"):
            bot.ask(text)
        return
    first = bot.ask(text)
    check_reply(first)
    assert bot.ask(text) == first, "the same question must get the same reply"
    assert not marker.exists()


@pytest.mark.parametrize("value", [None, 42, 4.2, b"what skills", ["what skills"], {"message": "hi"}])
def test_what_is_not_text_is_refused(bot, value):
    with pytest.raises(InputError, match="must be text"):
        bot.ask(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("text,plain", [
    ("whát skílls dö Ì nééd?", "what skills do I need?"),
    ("what skills do I need? \U0001f914\U0001f527", "what skills do I need?"),
    ("<b>what</b> <i>skills</i> do I need?", "what b i skills do I need?"),
    ("\x1b[31mwhat skills do I need?\x1b[0m", "what skills do I need?"),
    ("WHAT   SKILLS\tDO I NEED???", "what skills do I need?"),
])
def test_decoration_does_not_change_the_answer(bot, text, plain):
    """Accents, emoji, markup, escapes, case and spacing are read through to the question."""
    assert bot.ask(text).intent == bot.ask(plain).intent == "list_skills"


class SpyMatcher:
    """The bot's matcher, recording how much text it was given to read."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.seen: list[tuple[int, int]] = []

    def parse(self, text, **options):
        parse = self.inner.parse(text, **options)
        self.seen.append((len(text), len(parse.reading.tokens)))
        return parse

    def __getattr__(self, name):
        return getattr(self.inner, name)


def spied(bot: Chatbot, **settings: object) -> tuple[Chatbot, SpyMatcher]:
    spy = SpyMatcher(bot.matcher)
    return Chatbot(bot.content, spy, dataclasses.replace(bot.settings, **settings)), spy  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [1_000, 100_000, TEN_MB])
def test_only_the_question_limit_is_read(bot, size):
    """The cap holds: however long the text, the matcher reads at most max_question_chars of it,
    so a 10 MB question costs what a 1,000-character one does."""
    capped, spy = spied(bot)
    limit = bot.settings.max_question_chars
    capped.ask(("what skills do I need " * (size // 22 + 1))[:size])
    assert spy.seen and max(chars for chars, _ in spy.seen) <= limit
    assert max(tokens for _, tokens in spy.seen) <= limit // 2


def test_text_past_the_limit_cannot_change_the_answer(bot):
    limit = bot.settings.max_question_chars
    question = "what skills do I need?".ljust(limit)
    answers = {bot.ask(question + tail) for tail in ("", "what are the steps? " * 50_000, "x" * TEN_MB, "\x00" * 1000)}
    assert len(answers) == 1


def test_the_limit_is_a_setting(bot):
    capped, spy = spied(bot, max_question_chars=22)
    assert capped.ask("what skills do I need? and then tell me all about the steps").intent == "list_skills"
    assert spy.seen == [(22, 5)]  # "what skills do I need?": 22 characters, 5 words


def test_the_same_question_ten_thousand_times(bot):
    """Alone or in one long conversation: the same reply every time, and the caches stay bounded."""
    from chatbot.dialogue.conversation import Conversation

    first = bot.ask("what skills do I need?")
    conversation = Conversation()
    for _ in range(5_000):
        assert bot.ask("what skills do I need?") == first
        assert bot.ask("what skills do I need?", conversation) == first
    assert conversation.turns == 5_000
    assert stem.cache_info().maxsize is not None
    assert bot.matcher.lexicon.speller.correct.cache_info().maxsize is not None


@pytest.mark.parametrize("question", ["the " + "1" * 5000 + "th step", "step number " + "2" * 5000])
def test_a_raised_limit_still_answers_huge_numbers(bot, question):
    roomy = Chatbot(bot.content, bot.matcher, dataclasses.replace(bot.settings, max_question_chars=20_000))
    check_reply(roomy.ask(question))


# --- chatbot ask ------------------------------------------------------------------------------

@pytest.mark.parametrize("name,text,expected", CASES, ids=IDS)
def test_chatbot_ask_with_the_question_as_argument(shared_bot, name, text, expected, marker, capsys):
    code = main(["ask", text_for(text, marker)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    if expected == REFUSED:
        assert (code, out) == (2, "") and err == "chatbot: error: the question is empty\n"
    else:
        assert code == 0 and out.strip() and err == ""
        assert not any(bad in out for bad in MARKUP)
    assert not marker.exists()


def feed(monkeypatch, data: bytes) -> None:
    """Standard input as a pipe holding `data`."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))




@pytest.mark.parametrize("name,text,expected", STDIN_SAFE, ids=[c[0] for c in STDIN_SAFE])
def test_chatbot_ask_reads_every_class_from_a_file_and_loses_no_question(shared_bot, name, text, expected, marker,
                                                                         monkeypatch, capsys):
    """One bad line among good ones: the good ones before and after it are still answered."""
    lines = ["what skills do I need?", text_for(text, marker), "what are the steps?"]
    feed(monkeypatch, "\n".join(lines).encode("utf-8", "surrogatepass") + b"\n")
    code = main(["ask", "--json"])
    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in err
    intents = [json.loads(line)["intent"] for line in out.splitlines()]
    assert intents[0] == "list_skills" and intents[-1] == "list_steps"
    assert len(intents) == (3 if expected == REPLY else 2)


def test_chatbot_ask_never_echoes_terminal_escapes(shared_bot, monkeypatch, capsys):
    feed(monkeypatch, b"\x1b]0;owned\x07what skills do I need?\n\x1b[2Jwhat are the steps?\n")
    assert main(["ask"]) == 0
    assert "\x1b" not in capsys.readouterr().out


def run_ask(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "chatbot", "ask", *args], input=stdin,
                          capture_output=True, timeout=120)


def test_invalid_utf8_and_nul_bytes_on_stdin():
    """The real console script: bytes that are not UTF-8 are replaced, NUL bytes read as spaces."""
    result = run_ask("--json", stdin=b"what \xff\xfe skills \xc3( do I need?\nwhat\x00 are the\x00 steps?\n\xed\xa0\x80\n")
    assert result.returncode == 0, result.stderr
    intents = [json.loads(line)["intent"] for line in result.stdout.splitlines()]
    assert intents[:2] == ["list_skills", "list_steps"] and len(intents) == 3
    assert b"Traceback" not in result.stderr


def test_a_10_mb_line_on_stdin_is_answered():
    result = run_ask(stdin=b"what skills do I need? " + b"padding " * (TEN_MB // 8) + b"\n")
    assert result.returncode == 0 and b"Analysis" in result.stdout and result.stderr == b""


def test_shell_metacharacters_are_never_run(marker):
    question = f"$(touch {marker}); `touch {marker}`; touch {marker} | sh"
    result = run_ask(question)
    assert result.returncode == 0 and result.stdout.strip()
    result = run_ask(stdin=question.encode() + b"\n")
    assert result.returncode == 0 and not marker.exists()


# --- the chat (REPL shell) --------------------------------------------------------------------

@pytest.mark.parametrize("name,text,expected", CASES, ids=IDS)
def test_the_chat_answers_or_says_why_not(bot, name, text, expected, marker):
    from chatbot.shells.repl import Chat

    turn = Chat(bot).respond(text_for(text, marker), 80)
    if expected == REPLY:
        assert turn.asked and turn.output.strip()
        assert not any(bad in turn.output for bad in MARKUP)
    elif text.strip():
        assert "can't read that as a question" in turn.output
    else:
        assert turn.output == ""
    assert not turn.done and not marker.exists()


def test_piped_chat_answers_every_line(bot):
    from chatbot.shells.repl import answer_lines

    lines = [text for _, text, _ in STDIN_SAFE if text.strip()]
    out = io.StringIO()
    assert answer_lines(bot, lines, out, width=80) == 0
    assert out.getvalue().count("\n> ") + out.getvalue().startswith("> ") == len(lines)


def test_piped_chat_never_echoes_terminal_escapes(bot):
    from chatbot.shells.repl import answer_lines

    out = io.StringIO()
    answer_lines(bot, ["\x1b]0;owned\x07what skills do I need?", "/\x1b[2Jnope"], out, width=80)
    assert "\x1b" not in out.getvalue()
