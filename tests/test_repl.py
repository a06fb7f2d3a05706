"""The REPL, driven for real: prompt-toolkit's pipe input and a dummy output, plain lines through a
pipe, and once in a real terminal under tmux."""

from __future__ import annotations

import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from chatbot.dialogue.reply import Reply
from chatbot.settings import Settings
from chatbot.shells.repl import LEAVE_HINT, Chat, Repl, TopicCompleter, answer_lines, history_path

ANSI = re.compile(r"\x1b\[[0-9;]*m")
UP, CTRL_C, CTRL_D = "\x1b[A", "\x03", "\x04"
WIDTH = 79  # what the REPL wraps to on the dummy output's 80 columns
SKILLS = "what skills do I need"


class Terminal(io.StringIO):
    """An output that says it is a terminal, to see the colour a real one would get."""

    def isatty(self) -> bool:
        return True


@pytest.fixture()
def environ(tmp_path: Path) -> dict[str, str]:
    return {"HOME": str(tmp_path), "CHATBOT_HISTORY_FILE": str(tmp_path / "state" / "history"), "NO_COLOR": "1"}


def run_repl(bot, keys: str, environ: dict[str, str], out: io.StringIO | None = None) -> tuple[int, str, str]:
    """Type `keys` into a REPL, then close the input (which ends it like Ctrl-D); return
    the exit code, what it printed and what it warned."""
    out = out if out is not None else io.StringIO()
    err = io.StringIO()
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        pipe.close()
        history = Path(environ["CHATBOT_HISTORY_FILE"]) if "CHATBOT_HISTORY_FILE" in environ else None
        code = Repl(bot, input=pipe, output=DummyOutput(), out=out, err=err, environ=environ,
                    history_file=history).run()
    return code, out.getvalue(), err.getvalue()


def conversation_part(out: str, bot) -> str:
    """What the REPL printed between its greeting and its goodbye."""
    greeting = Chat(bot).greeting(WIDTH)
    assert out.startswith(greeting)
    assert out.rstrip().endswith(bot.content.guide.goodbye)
    return out[len(greeting):out.rstrip().rindex(bot.content.guide.goodbye)].strip()


# --- Chat: one line in, what to show out ------------------------------------------------------

def test_the_greeting_says_what_the_bot_knows_and_how_to_get_help(bot) -> None:
    greeting = " ".join(Chat(bot).greeting(WIDTH).split())
    for category in bot.content.categories.values():
        assert category.title in greeting
    assert "/help" in greeting and "/quit" in greeting


@pytest.mark.parametrize("line", ["", "   ", "\t \t", "\n"])
def test_blank_lines_are_ignored(bot, line: str) -> None:
    chat = Chat(bot)
    assert chat.respond(line, WIDTH).output == ""
    assert chat.conversation.turns == 0


def test_a_question_gets_a_wrapped_answer(bot) -> None:
    turn = Chat(bot).respond(SKILLS, WIDTH)
    assert turn.asked == SKILLS
    assert "Teamwork" in turn.output
    assert all(len(line) <= WIDTH for line in turn.output.splitlines())


def test_a_number_asks_the_suggestion_with_that_number(bot) -> None:
    chat = Chat(bot)
    chat.respond("hello", WIDTH)
    picks = chat.picks
    assert len(picks) >= 2
    assert "[2] " + picks[1] in chat.respond("hello", WIDTH).output
    turn = chat.respond(" 2 ", WIDTH)
    assert turn.asked == picks[1]
    assert turn.output.startswith(f"-> {picks[1]}\n")


def test_a_number_after_a_numbered_list_is_an_item_of_the_list(bot) -> None:
    chat = Chat(bot)
    listing = chat.respond("what are the duties", WIDTH)
    assert "  2. " in listing.output and "[1]" not in listing.output
    assert chat.picks == ()
    turn = chat.respond("2", WIDTH)
    assert turn.asked == "2" and not turn.output.startswith("->")
    assert chat.last is not None and chat.last.item == bot.content.categories["duties"].items[1].id


def test_a_number_beyond_the_picks_goes_to_the_bot_as_typed(bot) -> None:
    chat = Chat(bot)
    chat.respond("hello", WIDTH)
    turn = chat.respond("9", WIDTH)
    assert turn.asked == "9" and not turn.output.startswith("->")


def test_a_clarifying_question_leaves_numbers_to_the_bot(bot) -> None:
    chat = Chat(bot)
    options = ('the skill "Maths"', 'the step "Get an education"')
    chat.last = Reply("Do you mean ...?", "clarify", 0.6, True, options, options=options)
    assert chat.picks == () and chat.suggestions == ()
    assert chat.respond("1", WIDTH).asked == "1"


def test_commands(bot) -> None:
    chat = Chat(bot)
    help_text = " ".join(chat.respond("/help", WIDTH).output.split())
    assert all(command in help_text for command in ("/help", "/topics", "/reset", "/quit"))
    assert "[1]" in help_text and "Ctrl-D" in help_text
    topics = chat.respond("/topics", WIDTH).output
    assert all(item.title.split()[0] in topics for item in bot.content.items.values())
    assert chat.respond("/QUIT", WIDTH).done
    assert chat.respond("/exit now", WIDTH).done
    unknown = chat.respond("/dance", WIDTH)
    assert "/dance" in unknown.output and "/help" in unknown.output and not unknown.done


def test_reset_forgets_the_context_and_the_picks(bot) -> None:
    chat = Chat(bot)
    chat.respond("tell me about teamwork", WIDTH)
    assert chat.conversation.item is not None and chat.picks
    assert "afresh" in chat.respond("/reset", WIDTH).output
    assert chat.conversation.item is None and chat.conversation.turns == 0
    assert chat.picks == ()
    assert chat.respond("1", WIDTH).asked == "1"


def test_a_line_with_nothing_readable_gets_a_message_not_a_crash(bot) -> None:
    turn = Chat(bot).respond("\x00\x01\x02", WIDTH)
    assert turn.output.startswith("Sorry") and turn.asked is None


def test_a_very_long_line_and_emoji_are_answered(bot) -> None:
    chat = Chat(bot)
    long = chat.respond("tell me about teamwork " + "very " * 3000, WIDTH)
    assert long.output and all(len(line) <= WIDTH for line in long.output.splitlines())
    emoji = chat.respond("what skills 🙂 do I need? 🚀", WIDTH)
    assert "Teamwork" in emoji.output
    assert chat.respond("🙂", WIDTH).output
    assert chat.respond("qu'est-ce qu'un technicien ? ünïcödé", WIDTH).output


# --- completion ---------------------------------------------------------------------------------

def completions(completer: TopicCompleter, text: str) -> list[str]:
    return [c.text for c in completer.get_completions(Document(text), CompleteEvent(completion_requested=True))]


def test_completion_offers_topics_and_questions_prefix_matches_first(bot) -> None:
    found = completions(TopicCompleter(bot.content, lambda: ()), "team")
    assert found[0] == "Teamwork"
    assert "Tell me about teamwork" in found
    assert completions(TopicCompleter(bot.content, lambda: ()), "MOTOR sk")[0] == "Motor skills"
    assert completions(TopicCompleter(bot.content, lambda: ()), "zzzz") == []


def test_completion_offers_the_last_suggestions_first_and_commands_after_a_slash(bot) -> None:
    chat = Chat(bot)
    chat.respond("hello", WIDTH)
    completer = TopicCompleter(bot.content, lambda: chat.suggestions)
    assert completions(completer, "")[: len(chat.suggestions)] == list(chat.suggestions)
    assert completions(completer, "/") == ["/help", "/topics", "/reset", "/quit"]
    assert completions(completer, "/re") == ["/reset"]


def test_a_completion_replaces_the_whole_line(bot) -> None:
    completer = TopicCompleter(bot.content, lambda: ())
    first = next(completer.get_completions(Document("  tell me about mo"), CompleteEvent()))
    assert first.start_position == -len("  tell me about mo")


# --- the prompt-toolkit session -------------------------------------------------------------------

def test_a_session_greets_answers_and_says_goodbye(bot, environ) -> None:
    code, out, err = run_repl(bot, f"{SKILLS}\r/quit\rwhat are the duties\r", environ)
    assert code == 0 and err == ""
    said = conversation_part(out, bot)
    assert "Teamwork" in said
    assert "Testing equipment" not in said  # nothing is read after /quit
    assert all(len(line) <= WIDTH for line in out.splitlines())
    assert "\x1b" not in out


def test_ctrl_d_quits_cleanly(bot, environ) -> None:
    code, out, _ = run_repl(bot, CTRL_D + "what are the duties\r", environ)
    assert code == 0 and conversation_part(out, bot) == ""


def test_ctrl_c_clears_the_line_and_on_an_empty_line_says_how_to_leave(bot, environ) -> None:
    code, out, _ = run_repl(bot, "what are the duties" + CTRL_C + CTRL_C + "\r", environ)
    assert code == 0
    assert conversation_part(out, bot) == LEAVE_HINT


def test_blank_and_whitespace_lines_print_nothing(bot, environ) -> None:
    _, out, _ = run_repl(bot, "\r   \r\t\r", environ)
    assert conversation_part(out, bot) == ""


def test_emoji_unicode_and_a_very_long_line_through_the_prompt(bot, environ) -> None:
    _, out, _ = run_repl(bot, "what skills 🙂 do I need? 🚀\rnaïve café ünïcödé\r" + "x" * 2000 + "\r", environ)
    said = conversation_part(out, bot)
    assert "Teamwork" in said
    assert all(len(line) <= WIDTH for line in said.splitlines())


def test_quick_pick_through_the_prompt(bot, environ) -> None:
    chat = Chat(bot)
    chat.respond("hello", WIDTH)
    first = chat.picks[0]
    _, out, _ = run_repl(bot, "hello\r1\r", environ)
    assert f"-> {first}" in out


def test_history_is_kept_between_runs_without_bare_numbers(bot, environ) -> None:
    path = Path(environ["CHATBOT_HISTORY_FILE"])
    chat = Chat(bot)
    chat.respond("hello", WIDTH)
    picked = chat.picks[0]
    run_repl(bot, "what are the duties\rhello\r1\r   \r", environ)
    saved = [line[1:] for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("+")]
    assert saved == ["what are the duties", "hello", picked]
    expected = Chat(bot).respond(picked, WIDTH).output
    _, out, _ = run_repl(bot, UP + "\r", environ)  # a new run: Up brings back the last question
    assert conversation_part(out, bot) == expected


def test_history_goes_to_the_state_folder_by_default(bot, tmp_path) -> None:
    state = tmp_path / "xdg-state"
    run_repl(bot, "hello\r", {"HOME": str(tmp_path), "XDG_STATE_HOME": str(state)})
    assert "+hello" in (state / "career-chatbot" / "history").read_text(encoding="utf-8")


def test_history_path_rules(tmp_path) -> None:
    assert history_path(Path("/x/h"), {"XDG_STATE_HOME": "/s"}) == Path("/x/h")
    assert history_path(None, {"XDG_STATE_HOME": "/s", "HOME": "/home/u"}) == Path("/s/career-chatbot/history")
    default = Path("/home/u/.local/state/career-chatbot/history")
    assert history_path(None, {"HOME": "/home/u"}) == default
    assert history_path(None, {"XDG_STATE_HOME": "relative/ignored", "HOME": "/home/u"}) == default
    assert Settings.from_env({"CHATBOT_HISTORY_FILE": "/x/h"}).history_file == Path("/x/h")


def test_an_unwritable_history_warns_once_and_the_chat_goes_on(bot, tmp_path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the history folder should be", encoding="utf-8")
    environ = {"HOME": str(tmp_path), "CHATBOT_HISTORY_FILE": str(blocker / "history")}
    code, out, err = run_repl(bot, f"{SKILLS}\rwhat are the duties\r", environ)
    assert code == 0 and "Teamwork" in out and "Testing equipment" in out
    assert err.count("warning") == 1 and str(blocker / "history") in err


def test_colour_on_a_terminal_and_none_with_no_color(bot, tmp_path) -> None:
    history = {"HOME": str(tmp_path), "CHATBOT_HISTORY_FILE": str(tmp_path / "h")}
    _, coloured, _ = run_repl(bot, f"{SKILLS}\r", history, out=Terminal())
    _, plain, _ = run_repl(bot, f"{SKILLS}\r", {**history, "NO_COLOR": "1"}, out=Terminal())
    assert "\x1b[" in coloured and "\x1b[" not in plain
    assert ANSI.sub("", coloured) == plain


# --- plain lines: standard input that is not a terminal ---------------------------------------

def test_plain_lines_are_answered_as_one_conversation(bot) -> None:
    out = io.StringIO()
    lines = ["hello\n", "\n", "   \n", "1\n", "what are the duties\n", "2\n", "/topics\n", "/quit\n", "hello again\n"]
    assert answer_lines(bot, lines, out, width=60) == 0
    text = out.getvalue()
    asked = [line for line in text.splitlines() if line.startswith("> ")]
    assert asked == ["> hello", "> 1", "> what are the duties", "> 2", "> /topics", "> /quit"]
    assert "-> " in text and bot.content.guide.goodbye in text and "\x1b" not in text
    assert all(len(line) <= 60 for line in text.splitlines() if not line.startswith("> "))


def chatbot_command(*args: str) -> list[str]:
    """The `chatbot` console script of this Python, or the same entry point through -c."""
    script = Path(sys.executable).with_name("chatbot")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "import sys; from chatbot.shells.cli import main; sys.exit(main())", *args]


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHATBOT_", "TMUX"))}
    env.update(HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"),
               CHATBOT_HISTORY_FILE=str(tmp_path / "history"), NO_COLOR="1", **extra)
    return env


def test_chatbot_alone_works_in_a_pipe(tmp_path) -> None:
    result = subprocess.run(chatbot_command(), input=f"{SKILLS}\n\n/quit\nwhat are the duties\n",
                            capture_output=True, text=True, env=clean_env(tmp_path, COLUMNS="70"), timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith(f"> {SKILLS}\n") and "Teamwork" in result.stdout
    assert "Testing equipment" not in result.stdout and "\x1b" not in result.stdout
    assert all(len(line) <= 69 for line in result.stdout.splitlines())
    assert not (tmp_path / "history").exists()  # a pipe keeps no history


def test_the_library_and_chatbot_ask_do_not_import_prompt_toolkit(tmp_path) -> None:
    code = ("import sys, chatbot, chatbot.shells.cli, chatbot.shells.render\n"
            "assert 'prompt_toolkit' not in sys.modules, 'imported by the library'\n"
            "chatbot.shells.cli.main(['ask', 'hello'])\n"
            "assert 'prompt_toolkit' not in sys.modules, 'imported by chatbot ask'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=clean_env(tmp_path), timeout=60)
    assert result.returncode == 0, result.stderr


# --- a real terminal ------------------------------------------------------------------------------

class Tmux:
    """A private tmux server running one chat in a 100x30 window, read back from the screen."""

    def __init__(self, tmp_path: Path, command: list[str]) -> None:
        self.socket = str(tmp_path / "tmux.sock")
        self.env = clean_env(tmp_path, TERM="xterm-256color")
        shell = f'{shlex.join(command)}; echo "[exit status $?]"'  # the shell reports how the chat ended
        self.tmux("new-session", "-d", "-s", "chat", "-x", "100", "-y", "30", shell,
                  ";", "set-option", "-t", "chat", "remain-on-exit", "on")

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-S", self.socket, *args], env=self.env, capture_output=True,
                              text=True, check=True, timeout=30).stdout

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "chat", *keys)

    def screen(self, *, everything: bool = False) -> str:
        """The visible screen, or with `everything` the scrollback too, wrapped lines joined."""
        extra = ["-J", "-S", "-"] if everything else []
        return self.tmux("capture-pane", "-p", "-t", "chat", *extra)

    def wait_for(self, check: Callable[[str], bool], what: str, timeout: float = 30) -> str:
        """Poll the screen until `check` holds; the timeout only stops a broken run from hanging."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen(everything=True)
            if check(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"never saw {what}; the screen was:\n{screen}")
            time.sleep(0.05)

    def close(self) -> None:
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], env=self.env, capture_output=True, timeout=30)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_in_a_real_terminal_under_tmux(bot, tmp_path) -> None:
    term = Tmux(tmp_path, chatbot_command("chat"))
    try:
        def prompts(screen: str) -> int:
            return sum(line.startswith("you>") for line in screen.splitlines())

        term.wait_for(lambda s: prompts(s) == 1, "the first prompt")
        term.keys(SKILLS, "Enter")
        term.wait_for(lambda s: "Teamwork" in s and prompts(s) == 2, "the skills")
        term.keys("tell me about motor sk", "Tab")
        term.wait_for(lambda s: "you> Tell me about motor skills" in s, "the completed question")
        term.keys("Enter")
        screen = term.wait_for(lambda s: "  [1] " in s.split("you> Tell me about motor skills")[-1]
                               and prompts(s) == 3, "the picks")
        first_pick = screen.split("  [1] ")[-1].splitlines()[0]
        term.keys("1", "Enter")
        term.wait_for(lambda s: f"-> {first_pick}" in s and prompts(s) == 4, "the pick asked")
        term.keys("half a question", "C-c")
        term.wait_for(lambda s: s.rstrip().splitlines()[-1] == "you>", "the line cleared")
        term.keys("/quit", "Enter")
        screen = term.wait_for(lambda s: "[exit status" in s, "the end of the chat")
        assert "[exit status 0]" in screen
        assert bot.content.guide.goodbye in screen
        assert "half a question" not in screen
        assert all(len(line) <= 99 for line in screen.splitlines() if not line.startswith("Pane is dead"))
    finally:
        term.close()
    saved = (tmp_path / "history").read_text(encoding="utf-8")
    assert "+what skills do I need" in saved and f"+{first_pick}" in saved
    assert "\n+1\n" not in saved
