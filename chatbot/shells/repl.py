"""`chatbot chat`: talk with the bot in a terminal, or answer lines piped in.

`Chat` turns one line of input into what to show (commands, quick picks, replies) and knows
nothing of terminals; `Repl` wraps it in a prompt-toolkit session with history, completion and
key bindings; `answer_lines` runs it over plain lines when standard input is not a terminal.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, History
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.output import ColorDepth, Output
from prompt_toolkit.styles import Style

from ..content.model import Content
from ..dialogue.bot import Chatbot, printable
from ..dialogue.conversation import Conversation
from ..dialogue.reply import Reply
from ..errors import InputError
from . import render

PROMPT = "you> "
LEAVE_HINT = "(To leave, type /quit or press Ctrl-D.)"
COMMANDS = {
    "/help": "how to use this chat",
    "/topics": "everything I know about",
    "/reset": "forget the conversation so far and start afresh",
    "/quit": "leave (Ctrl-D works too)",
}
ALIASES = {"/exit": "/quit", "/q": "/quit", "/?": "/help", "/h": "/help"}
HELP = """\
Ask anything about {subject}, in your own words. Follow-ups use what we \
were just talking about: "tell me more", "next", "the third one", "do I need it?".

Commands:
{commands}

Quick picks: after an answer, its suggested questions are numbered [1], [2], [3]; type a number \
alone to ask that question. After a numbered list (1. 2. 3.) a number means that item of the \
list instead. In short, a number picks whatever is numbered in the last answer.

Keys: Tab completes topics and questions, Up and Down go through earlier questions (kept between \
runs), Ctrl-C clears the line, Ctrl-D leaves."""
STYLE = Style.from_dict({"prompt": "ansicyan bold"})


@dataclass(frozen=True)
class Turn:
    """What one line of input produced: the text to show, the question asked, and whether to stop."""

    output: str
    asked: str | None = None
    done: bool = False


class Chat:
    """One person's chat, whatever the terminal: commands, quick picks and the conversation."""

    def __init__(self, bot: Chatbot, *, colour: bool = False) -> None:
        self.bot = bot
        self.colour = colour
        self.conversation = Conversation()
        self.last: Reply | None = None

    @property
    def suggestions(self) -> tuple[str, ...]:
        """What the last reply suggested asking next (offered first by completion)."""
        return render.offered(self.last) if self.last else ()

    @property
    def picks(self) -> tuple[str, ...]:
        """The questions a bare number asks right now (see `render.picks` for the rule)."""
        return render.picks(self.last) if self.last else ()

    def greeting(self, width: int) -> str:
        """Hello, what the bot knows about, and how to get going (the guide's own greeting)."""
        content = self.bot.content
        known = "\n".join(f"- {c.title} ({len(c.items)})" for c in content.categories.values())
        example = content.guide.starters[0]
        text = (f"{content.guide.greeting} I know about:\n{known}\n\nAsk in your own words (try \"{example}\"). "
                f"Type /help for commands and tips, /quit or Ctrl-D to leave.")
        return render.wrap(text, width, colour=self.colour)

    @property
    def goodbye(self) -> str:
        return self.bot.content.guide.goodbye

    def respond(self, line: str, width: int) -> Turn:
        """Handle one line: nothing for a blank one, a command, or a question (typed or picked)."""
        text = line.strip()
        if not text:
            return Turn("")
        if text.startswith("/"):
            return self._command(printable(text), width)
        picked = self._pick(text)
        question = picked or text
        try:
            reply = self.bot.ask(question, self.conversation)
        except InputError as error:
            return Turn(f"Sorry, I can't read that as a question: {error}.")
        self.last = reply
        shown = render.render_reply(reply, width, colour=self.colour)
        if picked:
            shown = render.paint(f"-> {picked}", "echo", self.colour) + "\n" + shown
        return Turn(shown, asked=question)

    def _pick(self, text: str) -> str | None:
        """The suggestion a bare number picks, if it is one of the numbers on offer."""
        picks = self.picks
        if text.isascii() and text.isdecimal() and 0 < int(text) <= len(picks):
            return picks[int(text) - 1]
        return None

    def _command(self, text: str, width: int) -> Turn:
        name = text.split()[0].lower()
        name = ALIASES.get(name, name)
        if name == "/quit":
            return Turn(self.goodbye, done=True)
        if name == "/reset":
            self.conversation.reset()
            self.last = None
            return Turn("Starting afresh: I have forgotten what we were talking about.")
        if name == "/topics":
            content = self.bot.content
            listing = render.render_topics(content, width, colour=self.colour)
            example = next(iter(content.items.values())).ask
            return Turn(f"{listing}\n\n" + render.wrap(
                f'Ask about any of these by name (for example "{example}"); Tab completes them.', width))
        if name == "/help":
            commands = "\n".join(f"- {command}: {what}" for command, what in COMMANDS.items())
            text = HELP.format(commands=commands, subject=self.bot.content.guide.subject)
            return Turn(render.wrap(text, width, colour=self.colour))
        return Turn(f"There is no command {name}. The commands are {', '.join(COMMANDS)}.")


class TopicCompleter(Completer):
    """Completes the whole line: the last reply's suggestions first, then topics (category and item
    titles) and the questions that ask for each item; commands after a "/"."""

    def __init__(self, content: Content, suggestions: Callable[[], Iterable[str]]) -> None:
        self.suggestions = suggestions
        choices = [(c.title, "topic") for c in content.categories.values()]
        for category in content.categories.values():
            choices += [(item.title, category.noun) for item in category.items]
            choices += [(item.ask, "question") for item in category.items if item.ask]
        self.topics = _unique(choices)
        self.commands = [(command, what) for command, what in COMMANDS.items()]

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        typed = document.text_before_cursor
        needle = " ".join(typed.lower().split())
        pool = self.commands if needle.startswith("/") else \
            _unique([(s, "suggested") for s in self.suggestions()] + self.topics)
        words = needle.split()
        found = [(text, meta) for text, meta in pool if all(w in text.lower() for w in words)]
        found.sort(key=lambda choice: not choice[0].lower().startswith(needle))
        for text, meta in found:
            yield Completion(text, start_position=-len(typed), display_meta=meta)


def _unique(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The first of each choice, compared without regard to case."""
    seen: dict[str, tuple[str, str]] = {}
    for choice in choices:
        seen.setdefault(choice[0].lower(), choice)
    return list(seen.values())


def history_path(configured: Path | None, environ: Mapping[str, str] | None = None) -> Path:
    """Where questions are kept between runs: the `history_file` setting ($CHATBOT_HISTORY_FILE),
    else the user's state folder ($XDG_STATE_HOME/career-chatbot/history, by default
    ~/.local/state/career-chatbot/history)."""
    environ = os.environ if environ is None else environ
    if configured is not None:
        return Path(configured).expanduser()
    state = environ.get("XDG_STATE_HOME", "")
    if not Path(state).is_absolute():
        home = Path(environ["HOME"]) if environ.get("HOME") else Path.home()
        state = str(home / ".local" / "state")
    return Path(state) / "career-chatbot" / "history"


class QuestionHistory(History):
    """Questions asked, kept in a file between runs. Blank lines and bare numbers (quick picks,
    meaningless in a later run) are not saved. If the file cannot be written: one warning, and the
    history lives only as long as the session."""

    def __init__(self, path: Path, warn: Callable[[str], None]) -> None:
        super().__init__()
        self.path = path
        self.warn = warn
        self.file: FileHistory | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8"):
                pass
            self.file = FileHistory(str(path))
        except OSError as error:
            self._give_up(error)

    def load_history_strings(self) -> Iterable[str]:
        if self.file is None:
            return []
        try:
            return list(self.file.load_history_strings())
        except OSError as error:
            self._give_up(error)
            return []

    def store_string(self, string: str) -> None:
        if self.file is None or not string.strip() or string.strip().isdecimal():
            return
        try:
            self.file.store_string(string)
        except OSError as error:
            self._give_up(error)

    def _give_up(self, error: OSError) -> None:
        self.file = None
        self.warn(f"chatbot: warning: cannot keep the history in {self.path} "
                  f"({error.strerror or error}); carrying on without it")


def key_bindings() -> KeyBindings:
    """The REPL's own keys. Ctrl-C clears the line; on an empty line it says how to leave.
    (Ctrl-D on an empty line leaving, Tab completing and Up/Down history are prompt-toolkit's own.)"""
    bindings = KeyBindings()

    @bindings.add("c-c")
    def _clear_line(event: KeyPressEvent) -> None:
        if event.current_buffer.text:
            event.current_buffer.reset()
        else:
            event.app.exit(exception=KeyboardInterrupt)

    return bindings


class Repl:
    """The interactive chat: a prompt-toolkit session (history, completion, keys) around one Chat.
    `input`/`output` are for tests (a pipe input and a dummy output); answers go to `out`."""

    def __init__(self, bot: Chatbot, *, input: Input | None = None, output: Output | None = None,
                 out: TextIO | None = None, err: TextIO | None = None,
                 environ: Mapping[str, str] | None = None, history_file: Path | None = None) -> None:
        self.out = out or sys.stdout
        err = err or sys.stderr
        colour = render.colour_enabled(self.out, environ)
        self.chat = Chat(bot, colour=colour)
        self.history = QuestionHistory(history_path(history_file or bot.settings.history_file, environ),
                                       warn=lambda message: print(message, file=err))
        self.session: PromptSession[str] = PromptSession(
            history=self.history, completer=TopicCompleter(bot.content, lambda: self.chat.suggestions),
            complete_while_typing=False, key_bindings=key_bindings(), style=STYLE,
            color_depth=None if colour else ColorDepth.MONOCHROME, input=input, output=output)

    def run(self) -> int:
        """Greet, then answer until /quit or Ctrl-D; the exit code is always 0."""
        self._show(self.chat.greeting(self._width()))
        while True:
            try:
                line = self.session.prompt([("class:prompt", PROMPT)])
            except KeyboardInterrupt:
                self._show(LEAVE_HINT)
                continue
            except EOFError:
                self._show(self.chat.goodbye)
                return 0
            turn = self.chat.respond(line, self._width())
            if turn.asked and turn.asked != line.strip():
                self.history.append_string(turn.asked)
            if turn.output:
                self._show(turn.output)
            if turn.done:
                return 0

    def _width(self) -> int:
        return render.fit(self.session.output.get_size().columns)

    def _show(self, text: str) -> None:
        self.out.write(text + "\n\n")
        self.out.flush()


def answer_lines(bot: Chatbot, lines: Iterable[str], out: TextIO, *, width: int | None = None) -> int:
    """Standard input that is not a terminal: answer each non-blank line as one conversation, in
    plain text ("> question", then the answer). Commands and quick picks work as in the REPL."""
    chat = Chat(bot, colour=False)
    width = width or render.fit(shutil.get_terminal_size().columns)
    for line in lines:
        if not line.strip():
            continue
        turn = chat.respond(line, width)
        out.write(f"> {printable(line).strip()}\n{turn.output}\n\n")
        out.flush()
        if turn.done:
            break
    return 0


def chat(bot: Chatbot, lines: Iterable[str] | None = None) -> int:
    """`chatbot chat`: the REPL on a terminal, or `answer_lines` over `lines` when they are given."""
    if lines is not None:
        return answer_lines(bot, lines, sys.stdout)
    return Repl(bot).run()
